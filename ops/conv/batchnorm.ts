/**
 * `batchNorm2d`: batch normalisation of NCHW tensors per channel (Ioffe & Szegedy, "Batch
 * Normalization: Accelerating Deep Network Training by Reducing Internal Covariate Shift",
 * ICML 2015, Alg. 1–2), with PyTorch's conventions: the batch variance that normalises is the
 * biased one, the running variance is updated with the unbiased one, and
 * `running = (1 − momentum)·running + momentum·batch`. Spec: issue 12 §2.
 *
 * @module
 */
import { record } from "../autograd/tape.ts";
import { allocData, assertTensor, shapeStr, Tensor, type TensorData } from "../tensor.ts";
import { assertNchw, checkKeys } from "./options.ts";

/**
 * Options of {@link batchNorm2d}.
 *
 * @example
 * ```ts
 * import type { BatchNorm2dOptions } from "./batchnorm.ts";
 * const o: BatchNorm2dOptions = { training: true, momentum: 0.1 };
 * console.log(o.training); // true
 * ```
 */
export interface BatchNorm2dOptions {
  /** Per-channel scale γ `[C]` (default 1). */
  weight?: Tensor;
  /** Per-channel shift β `[C]` (default 0). */
  bias?: Tensor;
  /** Running mean `[C]`: required in eval mode; in training it is updated (a new tensor is returned). */
  runningMean?: Tensor;
  /** Running (unbiased) variance `[C]`, as `runningMean`. */
  runningVar?: Tensor;
  /** Normalise with the batch statistics (true) or the running ones (false, default, as `F.batch_norm`). */
  training?: boolean;
  /** Weight of the new batch statistic in the running update (default 0.1). */
  momentum?: number;
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
}

/**
 * What {@link batchNorm2d} returns: the normalised tensor and the running statistics to use
 * next (updated copies in training, the given ones in eval; absent when none were given).
 *
 * @example
 * ```ts
 * import type { BatchNorm2dResult } from "./batchnorm.ts";
 * const show = (r: BatchNorm2dResult): number[] => [...r.y.shape];
 * console.log(typeof show); // function
 * ```
 */
export interface BatchNorm2dResult {
  /** The normalised, scaled and shifted input, shaped like it. */
  y: Tensor;
  /** Running mean after this call. */
  runningMean?: Tensor;
  /** Running variance after this call. */
  runningVar?: Tensor;
}

const KEYS = ["weight", "bias", "runningMean", "runningVar", "training", "momentum", "eps"];

function checkVec(name: string, v: Tensor | undefined, x: Tensor): void {
  if (v === undefined) return;
  assertTensor("batchNorm2d", name, v);
  if (v.ndim !== 1 || v.shape[0] !== x.shape[1] || v.dtype !== x.dtype) {
    throw new RangeError(
      `batchNorm2d: ${name} must be [${x.shape[1]}] ${x.dtype} for x ${shapeStr(x.shape)}, got ${
        shapeStr(v.shape)
      } ${v.dtype}`,
    );
  }
}

function checkOpts(x: Tensor, o: BatchNorm2dOptions): void {
  assertTensor("batchNorm2d", "x", x);
  checkKeys("batchNorm2d", o, KEYS);
  assertNchw("batchNorm2d", x);
  for (const k of ["weight", "bias", "runningMean", "runningVar"] as const) checkVec(k, o[k], x);
  if (o.training !== undefined && typeof o.training !== "boolean") {
    throw new TypeError(`batchNorm2d: training must be a boolean, got ${String(o.training)}`);
  }
  for (const [k, lo, hi] of [["momentum", 0, 1], ["eps", 0, Infinity]] as const) {
    const v = o[k];
    if (v === undefined) continue;
    if (typeof v !== "number") {
      throw new TypeError(`batchNorm2d: ${k} must be a number, got ${typeof v}`);
    }
    if (!(v >= lo && v <= hi) || (k === "eps" && !(v > 0))) {
      throw new RangeError(`batchNorm2d: ${k} = ${v} is outside its range`);
    }
  }
  if ((o.runningMean === undefined) !== (o.runningVar === undefined)) {
    throw new TypeError("batchNorm2d: give runningMean and runningVar together");
  }
}

/** Per-channel mean and biased variance over N, H, W (two passes, for accuracy). */
function channelStats(x: Tensor): [Float64Array, Float64Array] {
  const [n, c, h, w] = x.shape, hw = h * w, m = n * hw, d = x.data;
  const mean = new Float64Array(c), vr = new Float64Array(c);
  for (let ch = 0; ch < c; ch++) {
    let s = 0;
    for (let b = 0; b < n; b++) {
      const off = (b * c + ch) * hw;
      for (let q = 0; q < hw; q++) s += d[off + q];
    }
    const mu = s / m;
    let v = 0;
    for (let b = 0; b < n; b++) {
      const off = (b * c + ch) * hw;
      for (let q = 0; q < hw; q++) v += (d[off + q] - mu) ** 2;
    }
    mean[ch] = mu;
    vr[ch] = v / m;
  }
  return [mean, vr];
}

/** Applies `y = (x − mean)·scale + shift` per channel; `scale = γ/√(var+ε)`, `shift = β`. */
function affine(
  x: Tensor,
  mean: ArrayLike<number>,
  scale: ArrayLike<number>,
  shift: ArrayLike<number>,
): TensorData {
  const [n, c, h, w] = x.shape, hw = h * w, d = x.data, y = allocData(x.dtype, x.size);
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const off = (b * c + ch) * hw, mu = mean[ch], s = scale[ch], t = shift[ch];
      for (let q = 0; q < hw; q++) y[off + q] = (d[off + q] - mu) * s + t;
    }
  }
  return y;
}

/**
 * Batch normalisation of `x` `[N, C, H, W]` per channel: `y = γ·(x − μ)/√(σ² + ε) + β`. In
 * training (`training: true`) μ, σ² are the batch mean and biased variance over N, H, W, and
 * the running statistics, when given, are returned updated with `momentum` (unbiased variance,
 * as PyTorch). In eval mode μ, σ² are the running statistics (required). Differentiable in
 * `x`, `weight` and `bias` (in training, through the batch statistics).
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { batchNorm2d } from "./batchnorm.ts";
 * const x = tensor([1, 3], { shape: [2, 1, 1, 1] });
 * const r = batchNorm2d(x, { training: true, eps: 1e-20, runningMean: tensor([0]), runningVar: tensor([1]) });
 * console.log(r.y.data, r.runningMean?.data, r.runningVar?.data); // Float64Array [-1, 1] Float64Array [0.2] Float64Array [1.1]
 * ```
 */
export function batchNorm2d(x: Tensor, opts: BatchNorm2dOptions = {}): BatchNorm2dResult {
  checkOpts(x, opts);
  const { weight, bias, runningMean, runningVar } = opts;
  const training = opts.training ?? false, eps = opts.eps ?? 1e-5, mom = opts.momentum ?? 0.1;
  const [n, c, h, w] = x.shape, m = n * h * w;
  let mean: ArrayLike<number>, vr: ArrayLike<number>;
  let newMean = runningMean, newVar = runningVar;
  if (training) {
    if (m < 2) {
      throw new RangeError(
        `batchNorm2d: training needs more than one value per channel, x is ${shapeStr(x.shape)}`,
      );
    }
    [mean, vr] = channelStats(x);
    if (runningMean !== undefined && runningVar !== undefined) {
      newMean = new Tensor(runningMean.data.map((r, i) => (1 - mom) * r + mom * mean[i]), [c]);
      newVar = new Tensor(
        runningVar.data.map((r, i) => (1 - mom) * r + (mom * vr[i] * m) / (m - 1)),
        [c],
      );
    }
  } else {
    if (runningMean === undefined || runningVar === undefined) {
      throw new TypeError(
        "batchNorm2d: eval mode (training: false) needs runningMean and runningVar",
      );
    }
    [mean, vr] = [runningMean.data, runningVar.data];
  }
  const inv = Float64Array.from({ length: c }, (_, i) => 1 / Math.sqrt(vr[i] + eps));
  const gam = Float64Array.from({ length: c }, (_, i) => weight ? weight.data[i] : 1);
  const scale = inv.map((v, i) => v * gam[i]);
  const y = new Tensor(affine(x, mean, scale, bias?.data ?? new Float64Array(c)), x.shape);
  const out = record("batchNorm2d", y, [x, weight, bias], (g, need) => {
    // x̂ and the per-channel sums Σg, Σg·x̂ serve all three gradients.
    const xhat = affine(x, mean, inv, new Float64Array(c));
    const sg = new Float64Array(c), sgx = new Float64Array(c), gd = g.data, hw = h * w;
    for (let b = 0; b < n; b++) {
      for (let ch = 0; ch < c; ch++) {
        const off = (b * c + ch) * hw;
        for (let q = 0; q < hw; q++) {
          sg[ch] += gd[off + q];
          sgx[ch] += gd[off + q] * xhat[off + q];
        }
      }
    }
    let gx: Tensor | null = null;
    if (need[0]) {
      const d = allocData(x.dtype, x.size);
      for (let b = 0; b < n; b++) {
        for (let ch = 0; ch < c; ch++) {
          const off = (b * c + ch) * hw, s = scale[ch];
          // Training: dx = γ/σ·(g − mean(g) − x̂·mean(g·x̂)) (Ioffe & Szegedy, §3); eval: γ/σ·g.
          const a = training ? sg[ch] / m : 0, bb = training ? sgx[ch] / m : 0;
          for (let q = 0; q < hw; q++) d[off + q] = s * (gd[off + q] - a - xhat[off + q] * bb);
        }
      }
      gx = new Tensor(d, x.shape);
    }
    const vec = (v: Float64Array): Tensor =>
      new Tensor(allocData(x.dtype, c).map((_, i) => v[i]), [c]);
    return [gx, need[1] ? vec(sgx) : null, need[2] ? vec(sg) : null];
  });
  return { y: out, runningMean: newMean, runningVar: newVar };
}
