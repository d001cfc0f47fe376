/**
 * LU factorization with partial (row) pivoting, `PA = LU`, for square and rectangular
 * matrices. Right-looking blocked algorithm (Golub & Van Loan, "Matrix Computations", 4th ed.,
 * §3.4, Algorithm 3.4.2 blocked form, as LAPACK `dgetrf`): a panel of columns is factored by
 * rows-swapping Gaussian elimination, the block row of U is formed by a unit-lower triangular
 * solve, and the trailing matrix is updated with one GEMM, which carries the O(n³) work.
 *
 * @module
 */
import { assertUntraced } from "../autograd/tape.ts";
import type { Tensor } from "../tensor.ts";
import { fromWork, workMatrix } from "./_work.ts";
import { luInPlace, splitLu } from "./_lu_kernel.ts";

/** Result of {@link lu}: `P·A = L·U` with row `i` of `P·A` equal to row `p[i]` of `A`. */
export interface LuResult {
  /** Row permutation: row `i` of `P·A` is row `p[i]` of `A`. */
  p: Int32Array;
  /** `m × k` unit lower triangular (trapezoidal when `m > n`), `k = min(m, n)`. */
  l: Tensor;
  /** `k × n` upper triangular (trapezoidal when `m < n`). */
  u: Tensor;
}

/**
 * LU factorization with partial pivoting: `P·A = L·U`, `L` unit lower triangular `m × k`,
 * `U` upper triangular `k × n`, `k = min(m, n)`, and `p` the row permutation (row `i` of `P·A`
 * is row `p[i]` of `A`, so `A[p[i], :] = (L·U)[i, :]`). Works for any shape, including singular
 * and rank-deficient input: an all-zero pivot column gives a zero on U's diagonal, never NaN.
 * f32 input is factored in f64 and the factors are rounded to f32.
 *
 * Algorithm: blocked right-looking Gaussian elimination with partial pivoting (Golub & Van
 * Loan, "Matrix Computations", 4th ed., §3.4); backward error ‖PA − LU‖ = O(n·u·‖L‖‖U‖).
 *
 * @throws {TypeError} if `a` is not a Tensor.
 * @throws {RangeError} if `a` is not a matrix or has a non-finite entry.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { lu } from "./lu.ts";
 * const { p, l, u } = lu(tensor([[1, 2], [3, 4]]));
 * console.log(Array.from(p), l.data, u.data);
 * // [1, 0] Float64Array [1, 0, 0.3333333333333333, 1] Float64Array [3, 4, 0, 0.6666666666666667]
 * ```
 */
export function lu(a: Tensor): LuResult {
  assertUntraced("lu", { a });
  const { m, n, w, dtype } = workMatrix("lu", "a", a);
  const p = luInPlace(w, m, n);
  const k = Math.min(m, n);
  const { l, u } = splitLu(w, m, n);
  return { p, l: fromWork(l, [m, k], dtype), u: fromWork(u, [k, n], dtype) };
}
