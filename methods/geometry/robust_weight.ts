/**
 * The robust confidence re-weighting of LoRA3D (Lu et al., "LoRA3D: Low-Rank Self-Calibration
 * of 3D Geometric Foundation Models", ICLR 2025; spec `compression_optim_attention.md` §9):
 * each confidence `C_i` is multiplied by a weight `w_i ∈ (0, 1]` with the Black–Rangarajan
 * penalty `μ(√w − 1)²`, whose minimiser in closed form is the Geman–McClure weight
 * `w* = (μ / (μ + a))²` for the weighted residual term `w·a` (Black & Rangarajan, "On the
 * unification of line processes, outlier rejection, and robust statistics", IJCV 1996).
 *
 * @module
 */

/** How the residual enters the weighted term `a_i = C_i r_i^p` (spec §9: p = 2 by default). */
export type ResidualExponent = 1 | 2;

function checkMu(fn: string, mu: number): void {
  if (typeof mu !== "number" || !(mu > 0) || Number.isNaN(mu)) {
    throw new RangeError(`${fn}: mu must be a number > 0 (Infinity allowed), got ${String(mu)}`);
  }
}

function checkA(fn: string, a: number): void {
  if (typeof a !== "number" || !(a >= 0) || Number.isNaN(a)) {
    throw new RangeError(`${fn}: a must be a number >= 0, got ${String(a)}`);
  }
}

/**
 * The Geman–McClure weight `w* = (μ / (μ + a))²`: the minimiser over `w ∈ (0, 1]` of
 * {@link robustObjective} (spec §9, property 1). `w*(0) = 1`, strictly decreasing in `a`,
 * `→ 0` as `a → ∞`, and `→ 1` as `μ → ∞`.
 *
 * @example
 * ```ts
 * import { gemanMcClureWeight } from "./robust_weight.ts";
 * console.log(gemanMcClureWeight(0, 2), gemanMcClureWeight(2, 2)); // 1 0.25
 * ```
 */
export function gemanMcClureWeight(a: number, mu: number): number {
  checkA("gemanMcClureWeight", a);
  checkMu("gemanMcClureWeight", mu);
  if (mu === Infinity) return 1;
  if (a === Infinity) return 0;
  const q = mu / (mu + a);
  return q * q;
}

/**
 * The per-point objective `f(w) = w·a + μ(√w − 1)²` that the weight update minimises.
 *
 * @example
 * ```ts
 * import { robustObjective } from "./robust_weight.ts";
 * console.log(robustObjective(0.25, 2, 2)); // 1 (= μa/(μ+a), the minimum)
 * ```
 */
export function robustObjective(w: number, a: number, mu: number): number {
  checkA("robustObjective", a);
  checkMu("robustObjective", mu);
  if (typeof w !== "number" || !(w > 0 && w <= 1)) {
    throw new RangeError(`robustObjective: w must be in (0, 1], got ${String(w)}`);
  }
  const d = Math.sqrt(w) - 1;
  return w * a + (d === 0 ? 0 : mu * d * d); // μ = ∞ with w = 1 (its minimiser) adds nothing
}

/**
 * The Geman–McClure value `μa / (μ + a)`: the minimum of {@link robustObjective} over `w`.
 *
 * @example
 * ```ts
 * import { gemanMcClureValue } from "./robust_weight.ts";
 * console.log(gemanMcClureValue(2, 2)); // 1
 * ```
 */
export function gemanMcClureValue(a: number, mu: number): number {
  checkA("gemanMcClureValue", a);
  checkMu("gemanMcClureValue", mu);
  if (mu === Infinity) return a;
  if (a === Infinity) return mu;
  return (mu * a) / (mu + a);
}

/**
 * The weighted residual terms `a_i = C_i · r_i^p` from residual norms `r` and confidences `c`.
 *
 * @example
 * ```ts
 * import { residualTerms } from "./robust_weight.ts";
 * console.log(residualTerms([1, 2], [3, 1]), residualTerms([1, 2], [3, 1], 1));
 * // Float64Array [3, 4] Float64Array [3, 2]
 * ```
 */
export function residualTerms(
  r: ArrayLike<number>,
  c: ArrayLike<number>,
  exponent: ResidualExponent = 2,
): Float64Array {
  if (r.length !== c.length) {
    throw new RangeError(`residualTerms: r has ${r.length} entries but c has ${c.length}`);
  }
  if (exponent !== 1 && exponent !== 2) {
    throw new RangeError(`residualTerms: exponent must be 1 or 2, got ${String(exponent)}`);
  }
  const a = new Float64Array(r.length);
  for (let i = 0; i < r.length; i++) {
    if (!(r[i] >= 0) || !(c[i] > 0) || !Number.isFinite(r[i]) || !Number.isFinite(c[i])) {
      throw new RangeError(
        `residualTerms: need finite r >= 0 and c > 0, got r[${i}] = ${r[i]}, c[${i}] = ${c[i]}`,
      );
    }
    a[i] = c[i] * (exponent === 2 ? r[i] * r[i] : r[i]);
  }
  return a;
}

/**
 * The spec's default μ: the median of the terms `a_i` (a median point then gets w = 1/4). A
 * zero median (more than half the points fit exactly) is a RangeError: μ must be positive.
 *
 * @example
 * ```ts
 * import { medianMu } from "./robust_weight.ts";
 * console.log(medianMu([4, 1, 9])); // 4
 * ```
 */
export function medianMu(a: ArrayLike<number>): number {
  const m = median(a, "medianMu");
  if (!(m > 0)) throw new RangeError(`medianMu: the median of the terms is ${m}; mu must be > 0`);
  return m;
}

/**
 * The median of a non-empty list (mean of the two middle values for an even length).
 *
 * @example
 * ```ts
 * import { median } from "./robust_weight.ts";
 * console.log(median([3, 1, 2, 10])); // 2.5
 * ```
 */
export function median(x: ArrayLike<number>, fn = "median"): number {
  if (x.length === 0) throw new RangeError(`${fn}: empty input`);
  const s = Float64Array.from(x).sort();
  if (Number.isNaN(s[s.length - 1])) throw new RangeError(`${fn}: input holds NaN`);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/**
 * The closed-form weight update of every point: `w_i = (μ / (μ + a_i))²`.
 *
 * @example
 * ```ts
 * import { updateWeights } from "./robust_weight.ts";
 * console.log(updateWeights([0, 1, 3], 1)); // Float64Array [1, 0.25, 0.0625]
 * ```
 */
export function updateWeights(a: ArrayLike<number>, mu: number): Float64Array {
  checkMu("updateWeights", mu);
  const w = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) w[i] = gemanMcClureWeight(a[i], mu);
  return w;
}
