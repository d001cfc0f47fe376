/**
 * Numerical rank from singular values (Golub & Van Loan, "Matrix Computations", 4th ed.,
 * §5.4.1), with numpy's default tolerance.
 *
 * @module
 */
import type { Tensor } from "../tensor.ts";
import { optNonNegative } from "./_work.ts";
import { countAbove, epsOf, workSvd } from "./_svd_work.ts";

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
  const { m, n, s, dtype } = workSvd("matrixRank", "a", a);
  const smax = s.length > 0 ? s[0] : 0;
  const tol = optNonNegative("matrixRank", "tol", opts.tol, smax * Math.max(m, n) * epsOf(dtype));
  return countAbove(s, tol);
}
