/**
 * The IRLS toy of LoRA3D's robust re-weighting (spec `compression_optim_attention.md` §9,
 * property 3): a 3-D similarity `y ≈ s R x + t` fitted by alternating a confidence-weighted
 * Umeyama solve with the closed-form Geman–McClure weight update
 * `w_i = (μ / (μ + C_i r_i^p))²` (Lu et al., ICLR 2025; Black & Rangarajan, IJCV 1996).
 *
 * @module
 */
import type { Tensor } from "../../ops/tensor.ts";
import {
  medianMu,
  type ResidualExponent,
  residualTerms,
  robustObjective,
  updateWeights,
} from "./robust_weight.ts";
import { applySimilarity, assertPoints, type Similarity, weightedUmeyama } from "./similarity.ts";
import { checkOptions } from "../../ops/options.ts";
import { positiveIntOption } from "./options.ts";

/** Options of {@link robustSimilarity}. */
export interface RobustSimilarityOptions {
  /** Confidence `C_i > 0` per point (default all 1). */
  confidence?: ArrayLike<number>;
  /** Scale μ of the penalty (default: the median of `C_i r_i^p` after the first, plain fit). */
  mu?: number;
  /** Alternations of (weighted solve, weight update) (default 10). */
  iterations?: number;
  /** Residual exponent p of `a_i = C_i r_i^p` (default 2). */
  exponent?: ResidualExponent;
  /** Estimate the scale (default true). */
  withScale?: boolean;
}

/** What {@link robustSimilarity} returns. */
export interface RobustSimilarityResult {
  /** The final fit (solved with the final weights). */
  transform: Similarity;
  /** The final weights `w_i ∈ (0, 1]`. */
  weights: Float64Array;
  /** The μ used. */
  mu: number;
  /** `Σ w C r^p + μ Σ (√w − 1)²` after each weight update. */
  objective: number[];
}

/** Residual norms `‖y_i − T x_i‖`. */
function residuals(t: Similarity, x: Tensor, y: Tensor): Float64Array {
  const tx = applySimilarity(t, x.data);
  const r = new Float64Array(x.shape[0]);
  for (let i = 0; i < r.length; i++) {
    const d0 = tx[3 * i] - y.data[3 * i], d1 = tx[3 * i + 1] - y.data[3 * i + 1];
    const d2 = tx[3 * i + 2] - y.data[3 * i + 2];
    r[i] = Math.sqrt(d0 * d0 + d1 * d1 + d2 * d2);
  }
  return r;
}

/**
 * The weights of the squared-residual solve: `w C` for p = 2; for p = 1 the majorizer
 * `w C / r_prev` of `w C r` (one Weiszfeld-type step per alternation).
 */
function solveWeights(
  w: Float64Array,
  c: ArrayLike<number>,
  r: Float64Array | null,
  p: ResidualExponent,
): Float64Array {
  const out = new Float64Array(w.length);
  let floor = 0;
  if (p === 1 && r) {
    for (const v of r) floor = Math.max(floor, v);
    floor = Math.max(floor * 1e-9, Number.MIN_VALUE);
  }
  for (let i = 0; i < w.length; i++) {
    out[i] = p === 2 || !r ? w[i] * c[i] : (w[i] * c[i]) / Math.max(r[i], floor);
  }
  return out;
}

/**
 * Robust similarity by IRLS: start from w = 1, then `iterations` times (solve with weights
 * `w·C`, update w in closed form), and a final solve with the last weights. With μ = ∞ every
 * weight stays 1 and this is the plain confidence-weighted fit.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { robustSimilarity } from "./robust_similarity.ts";
 * const x = tensor([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 1], [2, 0, 1], [0, 2, 1]]);
 * const y = tensor([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [9, -7, 5], [2, 0, 1], [0, 2, 1]]);
 * const { transform, weights } = robustSimilarity(x, y); // y = x except the outlier row 4
 * console.log(transform.scale.toFixed(3), weights[4] < 0.01); // 1.000 true
 * ```
 */
export function robustSimilarity(
  x: Tensor,
  y: Tensor,
  opts: RobustSimilarityOptions = {},
): RobustSimilarityResult {
  const fn = "robustSimilarity";
  checkOptions(fn, opts, {
    confidence: "object",
    mu: "number",
    iterations: "number",
    exponent: "number",
    withScale: "boolean",
  });
  const n = assertPoints(fn, "x", x);
  if (assertPoints(fn, "y", y) !== n) {
    throw new RangeError(`${fn}: x has ${n} points, y has ${y.shape[0]}`);
  }
  const c = opts.confidence ?? new Float64Array(n).fill(1);
  if (c.length !== n) {
    throw new RangeError(`${fn}: confidence has ${c.length} entries for ${n} points`);
  }
  const p = opts.exponent ?? 2;
  if (p !== 1 && p !== 2) throw new RangeError(`${fn}: exponent must be 1 or 2, got ${String(p)}`);
  const iters = positiveIntOption(fn, "iterations", opts.iterations ?? 10);
  let mu = opts.mu;
  if (mu !== undefined && !(mu > 0)) throw new RangeError(`${fn}: mu must be > 0, got ${mu}`);
  const withScale = opts.withScale ?? true;
  let w: Float64Array = new Float64Array(n).fill(1);
  let r: Float64Array | null = null;
  const objective: number[] = [];
  for (let k = 0; k < iters; k++) {
    const t = weightedUmeyama(x, y, { weights: solveWeights(w, c, r, p), withScale });
    r = residuals(t, x, y);
    const a = residualTerms(r, c, p);
    mu ??= medianMu(a);
    w = updateWeights(a, mu);
    let f = 0;
    for (let i = 0; i < n; i++) f += robustObjective(Math.max(w[i], Number.MIN_VALUE), a[i], mu);
    objective.push(f);
  }
  const transform = weightedUmeyama(x, y, { weights: solveWeights(w, c, r, p), withScale });
  return { transform, weights: w, mu: mu!, objective };
}
