/**
 * Differentiable normalisations over the last axis: layer norm (Ba, Kiros & Hinton 2016) and
 * RMS norm (Zhang & Sennrich 2019), each with an optional per-feature weight (and bias for
 * layer norm). Statistics are accumulated in f64 for either dtype.
 *
 * @module
 */
import { allocData, assertTensor, shapeStr, Tensor } from "../tensor.ts";
import { record } from "./tape.ts";

/** Options of {@link layerNorm} and {@link rmsNorm}. */
export interface NormOptions {
  /** Added to the variance (mean square) before the square root; defaults 1e-5 / 1e-6. */
  eps?: number;
}

function checkAffine(fn: string, x: Tensor, p: Tensor | undefined, name: string): void {
  if (p === undefined) return;
  assertTensor(fn, name, p);
  const c = x.shape[x.ndim - 1];
  if (p.ndim !== 1 || p.shape[0] !== c) {
    throw new RangeError(`${fn}: ${name} must have shape [${c}], got ${shapeStr(p.shape)}`);
  }
  if (p.dtype !== x.dtype) {
    throw new TypeError(`${fn}: dtypes differ: x is ${x.dtype}, ${name} is ${p.dtype}`);
  }
}

function checkEps(fn: string, eps: number): number {
  if (typeof eps !== "number" || !(eps >= 0)) {
    throw new RangeError(`${fn}: eps must be a non-negative number, got ${String(eps)}`);
  }
  return eps;
}

/**
 * Layer normalisation over the last axis: `(x − μ)/√(σ² + eps) · weight + bias` with the biased
 * variance, as PyTorch's `nn.LayerNorm`. Differentiable in `x`, `weight` and `bias`.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { layerNorm } from "./ops_norm.ts";
 * console.log(layerNorm(tensor([[1, 3]]), undefined, undefined, { eps: 0 }).data); // Float64Array [-1, 1]
 * ```
 */
export function layerNorm(
  x: Tensor,
  weight?: Tensor,
  bias?: Tensor,
  opts: NormOptions = {},
): Tensor {
  assertTensor("layerNorm", "x", x);
  if (x.ndim < 1) throw new RangeError("layerNorm: x is a scalar");
  checkAffine("layerNorm", x, weight, "weight");
  checkAffine("layerNorm", x, bias, "bias");
  const eps = checkEps("layerNorm", opts.eps ?? 1e-5);
  const c = x.shape[x.ndim - 1], rows = x.size / Math.max(1, c);
  const xd = x.data, w = weight?.data, b = bias?.data;
  const xhat = new Float64Array(x.size), rstd = new Float64Array(rows);
  const y = allocData(x.dtype, x.size);
  for (let r = 0; r < rows; r++) {
    const o = r * c;
    let mu = 0;
    for (let k = 0; k < c; k++) mu += xd[o + k];
    mu /= c;
    let v = 0;
    for (let k = 0; k < c; k++) v += (xd[o + k] - mu) ** 2;
    const rs = 1 / Math.sqrt(v / c + eps);
    rstd[r] = rs;
    for (let k = 0; k < c; k++) {
      const h = (xd[o + k] - mu) * rs;
      xhat[o + k] = h;
      y[o + k] = h * (w ? w[k] : 1) + (b ? b[k] : 0);
    }
  }
  const out = new Tensor(y, x.shape);
  return record("layerNorm", out, [x, weight, bias], (g, need) => {
    const gd = g.data;
    const gx = need[0] ? allocData(x.dtype, x.size) : null;
    const gw = need[1] ? allocData(x.dtype, c) : null;
    const gb = need[2] ? allocData(x.dtype, c) : null;
    for (let r = 0; r < rows; r++) {
      const o = r * c;
      let m1 = 0, m2 = 0;
      for (let k = 0; k < c; k++) {
        const dh = gd[o + k] * (w ? w[k] : 1);
        m1 += dh;
        m2 += dh * xhat[o + k];
        if (gw) gw[k] += gd[o + k] * xhat[o + k];
        if (gb) gb[k] += gd[o + k];
      }
      m1 /= c;
      m2 /= c;
      if (gx) {
        for (let k = 0; k < c; k++) {
          const dh = gd[o + k] * (w ? w[k] : 1);
          gx[o + k] = rstd[r] * (dh - m1 - xhat[o + k] * m2);
        }
      }
    }
    return [
      gx && new Tensor(gx, x.shape),
      gw && new Tensor(gw, [c]),
      gb && new Tensor(gb, [c]),
    ];
  });
}

/**
 * RMS normalisation over the last axis: `x / √(mean(x²) + eps) · weight`, as Llama's
 * `LlamaRMSNorm` (Zhang & Sennrich 2019). Differentiable in `x` and `weight`.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { rmsNorm } from "./ops_norm.ts";
 * console.log(rmsNorm(tensor([[3, 4]]), undefined, { eps: 0 }).data[1].toFixed(4)); // "1.1314"
 * ```
 */
export function rmsNorm(x: Tensor, weight?: Tensor, opts: NormOptions = {}): Tensor {
  assertTensor("rmsNorm", "x", x);
  if (x.ndim < 1) throw new RangeError("rmsNorm: x is a scalar");
  checkAffine("rmsNorm", x, weight, "weight");
  const eps = checkEps("rmsNorm", opts.eps ?? 1e-6);
  const c = x.shape[x.ndim - 1], rows = x.size / Math.max(1, c);
  const xd = x.data, w = weight?.data;
  const rinv = new Float64Array(rows);
  const y = allocData(x.dtype, x.size);
  for (let r = 0; r < rows; r++) {
    const o = r * c;
    let ms = 0;
    for (let k = 0; k < c; k++) ms += xd[o + k] * xd[o + k];
    const ri = 1 / Math.sqrt(ms / c + eps);
    rinv[r] = ri;
    for (let k = 0; k < c; k++) y[o + k] = xd[o + k] * ri * (w ? w[k] : 1);
  }
  const out = new Tensor(y, x.shape);
  return record("rmsNorm", out, [x, weight], (g, need) => {
    const gd = g.data;
    const gx = need[0] ? allocData(x.dtype, x.size) : null;
    const gw = need[1] ? allocData(x.dtype, c) : null;
    for (let r = 0; r < rows; r++) {
      const o = r * c, ri = rinv[r];
      let dot = 0;
      for (let k = 0; k < c; k++) {
        dot += gd[o + k] * (w ? w[k] : 1) * xd[o + k];
        if (gw) gw[k] += gd[o + k] * xd[o + k] * ri;
      }
      // d/dx_j of x_i·r: r·δij − x_i·x_j·r³/c
      const coef = (dot * ri * ri * ri) / c;
      if (gx) {
        for (let k = 0; k < c; k++) gx[o + k] = ri * gd[o + k] * (w ? w[k] : 1) - coef * xd[o + k];
      }
    }
    return [gx && new Tensor(gx, x.shape), gw && new Tensor(gw, [c])];
  });
}
