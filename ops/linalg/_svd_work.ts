/**
 * Internal: the f64 SVD of a validated matrix argument, shared by lstsq, pinv and matrixRank.
 *
 * @module
 */
import { type DType, Tensor } from "../tensor.ts";
import { workMatrix } from "./_work.ts";
import { scaleExponent, scalePow2_ } from "./dense.ts";
import { svd } from "./svd.ts";

/** Reduced f64 SVD factors of a matrix argument, plus its dtype and shape. */
export interface WorkSvd {
  /** Rows of the argument. */
  m: number;
  /** Columns of the argument. */
  n: number;
  /** `m × k` left singular vectors (row-major), `k = min(m, n)`. */
  u: Float64Array;
  /** `k` singular values of `a·2^-exp`, descending. */
  s: Float64Array;
  /** `k × n` right singular vectors as rows. */
  vt: Float64Array;
  /** The argument's dtype. */
  dtype: DType;
  /**
   * The factors are those of `a·2^-exp`: 0 unless the entries of `a` are so large (above
   * 2^960) that its singular values could overflow; then `a` is brought to unit scale first.
   */
  exp: number;
}

/** Entries above 2^960 can give σ₁ ≤ √(mn)·max|aᵢⱼ| past the largest double (2^1024). */
const OVERFLOW_EXP = 960;

/**
 * Validates `a` (finite matrix) and returns its reduced SVD in f64; a matrix whose singular
 * values could overflow is scaled by an exact power of two first (see {@link WorkSvd.exp}).
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { workSvd } from "./_svd_work.ts";
 * console.log(workSvd("f", "a", tensor([[3, 0], [0, 4]])).s); // Float64Array [4, 3]
 * ```
 */
export function workSvd(fn: string, arg: string, a: Tensor): WorkSvd {
  const { m, n, w, dtype } = workMatrix(fn, arg, a);
  const e = scaleExponent(w);
  const exp = e > OVERFLOW_EXP ? e : 0;
  scalePow2_(w, -exp);
  const r = svd(new Tensor(w, [m, n]));
  return {
    m,
    n,
    u: r.u.data as Float64Array,
    s: r.s.data as Float64Array,
    vt: r.vt.data as Float64Array,
    dtype,
    exp,
  };
}

/**
 * Machine epsilon (2u) of a dtype, the `eps` of numpy's default tolerances.
 *
 * @example
 * ```ts
 * import { epsOf } from "./_svd_work.ts";
 * console.log(epsOf("f64") === Number.EPSILON); // true
 * ```
 */
export function epsOf(dtype: DType): number {
  return dtype === "f32" ? 2 ** -23 : 2 ** -52;
}

/**
 * Number of singular values above `cutoff` (they are sorted descending).
 *
 * @example
 * ```ts
 * import { countAbove } from "./_svd_work.ts";
 * console.log(countAbove(new Float64Array([3, 1, 0]), 0.5)); // 2
 * ```
 */
export function countAbove(s: Float64Array, cutoff: number): number {
  let r = 0;
  while (r < s.length && s[r] > cutoff) r++;
  return r;
}
