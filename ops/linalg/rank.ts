/**
 * Numerical rank from singular values (Golub & Van Loan, "Matrix Computations", 4th ed.,
 * §5.4.1), with numpy's default tolerance.
 *
 * @module
 */
import { checkOptions } from "../options.ts";
import { assertUntraced } from "../autograd/tape.ts";
import type { Tensor } from "../tensor.ts";
import { optNonNegative } from "./_work.ts";
import { countAbove, epsOf, workSvd } from "./_svd_work.ts";
import { scalePow2_ } from "./dense.ts";

/** Options of {@link matrixRank}. */
export interface MatrixRankOptions {
  /**
   * Absolute threshold: singular values `> tol` count. Default `σ₁·max(m, n)·eps` with `eps`
   * the machine epsilon of the dtype (as numpy `matrix_rank`).
   */
  tol?: number;
}

/**
 * Numerical rank of a matrix: the number of singular values above `tol`. A zero matrix (or one
 * with a zero dimension) has rank 0. Singular values come from the backward-stable {@link
 * svd}, so the count is reliable whenever the gap around `tol` exceeds `max(m, n)·u·σ₁`.
 *
 * @throws {RangeError} if `a` is not a finite matrix or `tol` is negative or not finite.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { matrixRank } from "./rank.ts";
 * console.log(matrixRank(tensor([[1, 2], [2, 4]]))); // 1
 * ```
 */
export function matrixRank(a: Tensor, opts: MatrixRankOptions = {}): number {
  checkOptions("matrixRank", opts, { tol: "number" });
  assertUntraced("matrixRank", { a });
  // s are the singular values of a·2^-exp (exp > 0 only when σ would overflow), so an
  // absolute tol is compared at that scale.
  const { m, n, s, dtype, exp } = workSvd("matrixRank", "a", a);
  const smax = s.length > 0 ? s[0] : 0;
  if (opts.tol === undefined) return countAbove(s, smax * Math.max(m, n) * epsOf(dtype));
  const cut = new Float64Array([optNonNegative("matrixRank", "tol", opts.tol, 0)]);
  scalePow2_(cut, -exp);
  return countAbove(s, cut[0]);
}
