/**
 * The 1-bit quantisers of BiPFT (Xing et al., "BiPFT: Binary Pre-trained Foundation Transformer
 * with Low-rank Estimation of Binarization Residual Polynomials", AAAI 2024; spec
 * `compression_optim_attention.md` §4 "Binarised linear layers", "Attention probabilities"):
 * BWN weights with a straight-through gradient, the signed α-quantiser of activations (STE mask
 * `|x| ≤ α`, LSQ-style α gradient; Esser et al., "Learned Step Size Quantization", ICLR 2020)
 * and the unsigned quantiser of attention probabilities. Each is a custom differentiable op.
 *
 * @module
 */
import { allocData, shapeStr, Tensor } from "../../ops/tensor.ts";
import { record } from "../../ops/autograd/tape.ts";

function scalarOf(fn: string, alpha: Tensor): number {
  if (!(alpha instanceof Tensor) || alpha.size !== 1) {
    throw new TypeError(
      `${fn}: alpha must be a one-element Tensor, got ${
        alpha instanceof Tensor ? shapeStr(alpha.shape) : typeof alpha
      }`,
    );
  }
  const a = alpha.data[0];
  if (!(a > 0) || !Number.isFinite(a)) {
    throw new RangeError(`${fn}: alpha must be finite and > 0, got ${a}`);
  }
  return a;
}

function like(x: Tensor): Tensor {
  return new Tensor(allocData(x.dtype, x.size), x.shape);
}

/**
 * BWN weights: `W_b = sign(W − mean(W)) · mean|W|` (spec §4), so every entry is ±mean|W| (0
 * where `W = mean(W)`). The gradient passes straight through (identity).
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { bwnWeight } from "./bipft_quant.ts";
 * console.log(bwnWeight(tensor([[1, -3], [2, 0]])).data); // Float64Array [1.5, -1.5, 1.5, 0]
 * ```
 */
export function bwnWeight(w: Tensor): Tensor {
  if (!(w instanceof Tensor) || w.size === 0) {
    throw new TypeError("bwnWeight: w must be a non-empty Tensor");
  }
  let mean = 0, absMean = 0;
  for (let i = 0; i < w.size; i++) {
    mean += w.data[i];
    absMean += Math.abs(w.data[i]);
  }
  mean /= w.size;
  absMean /= w.size;
  const out = like(w);
  for (let i = 0; i < w.size; i++) out.data[i] = Math.sign(w.data[i] - mean) * absMean;
  return record("bwnWeight", out, [w], (g) => [g]);
}

/**
 * The signed 1-bit activation quantiser `x_b = α · sign(x)`, output in {−α, 0, +α} (spec §4).
 * Backward: the STE mask passes `g` where `|x| ≤ α` and 0 elsewhere; α (a one-element tensor,
 * learnable) gets the LSQ-style `Σ sign(x)·g / √numel(x)`.
 *
 * @throws {RangeError} if α is not finite and positive.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { signQuant } from "./bipft_quant.ts";
 * console.log(signQuant(tensor([0.3, -2, 0]), tensor([0.5])).data); // Float64Array [0.5, -0.5, 0]
 * ```
 */
export function signQuant(x: Tensor, alpha: Tensor): Tensor {
  const a = scalarOf("signQuant", alpha);
  const out = like(x);
  for (let i = 0; i < x.size; i++) out.data[i] = a * Math.sign(x.data[i]);
  return record("signQuant", out, [x, alpha], (g, need) => {
    const gx = need[0] ? like(x) : null;
    let ga = 0;
    for (let i = 0; i < x.size; i++) {
      if (gx && Math.abs(x.data[i]) <= a) gx.data[i] = g.data[i];
      ga += Math.sign(x.data[i]) * g.data[i];
    }
    const gAlpha = need[1] ? like(alpha) : null;
    if (gAlpha) gAlpha.data[0] = ga / Math.sqrt(x.size);
    return [gx, gAlpha];
  });
}

/**
 * The unsigned 1-bit quantiser of attention probabilities,
 * `P_b = α_P · clamp(round(P/α_P), 0, 1)`: output in {0, α_P}, entries below `α_P/2` go to 0
 * (spec §4). Backward, LSQ (Esser et al. 2020; the spec gives only the forward): with
 * `v = P/α_P`, the gradient of P is `g` where `0 ≤ v ≤ 1` and 0 elsewhere; α_P gets
 * `Σ g·(round(v) − v)` over in-range entries plus `Σ g` over `v > 1`, times `1/√numel`.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { unsignedQuant } from "./bipft_quant.ts";
 * console.log(unsignedQuant(tensor([0.1, 0.3, 0.9]), tensor([0.4])).data); // Float64Array [0, 0.4, 0.4]
 * ```
 */
export function unsignedQuant(p: Tensor, alpha: Tensor): Tensor {
  const a = scalarOf("unsignedQuant", alpha);
  const out = like(p);
  for (let i = 0; i < p.size; i++) {
    out.data[i] = a * Math.min(1, Math.max(0, Math.round(p.data[i] / a)));
  }
  return record("unsignedQuant", out, [p, alpha], (g, need) => {
    const gp = need[0] ? like(p) : null;
    let ga = 0;
    for (let i = 0; i < p.size; i++) {
      const v = p.data[i] / a;
      if (v >= 0 && v <= 1) {
        if (gp) gp.data[i] = g.data[i];
        ga += g.data[i] * (Math.round(v) - v);
      } else if (v > 1) {
        ga += g.data[i];
      }
    }
    const gAlpha = need[1] ? like(alpha) : null;
    if (gAlpha) gAlpha.data[0] = ga / Math.sqrt(p.size);
    return [gp, gAlpha];
  });
}

/**
 * The first-batch initialisation of a quantiser's α (spec §4): `factor · mean|x|` (2 for the
 * signed activation quantisers, 4 for the attention probabilities), written into `alpha`.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { initAlpha_ } from "./bipft_quant.ts";
 * const a = tensor([1]);
 * initAlpha_(a, tensor([1, -3]), 2);
 * console.log(a.data[0]); // 4
 * ```
 */
export function initAlpha_(alpha: Tensor, x: Tensor, factor: number): void {
  let s = 0;
  for (let i = 0; i < x.size; i++) s += Math.abs(x.data[i]);
  const v = (factor * s) / x.size;
  // An all-zero input would give α = 0, which the quantisers reject: keep a tiny positive step.
  alpha.data[0] = v > 0 ? v : 1e-6;
}
