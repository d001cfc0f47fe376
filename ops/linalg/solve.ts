/**
 * Linear systems `A·x = b` with a square nonsingular `A`, by LU with partial pivoting.
 *
 * @module
 */
import type { Tensor } from "../tensor.ts";
import { fromWork, workRhs, workSquare } from "./_work.ts";
import { luInPlace } from "./_lu_kernel.ts";
import { trsmInPlace } from "./_trsm_kernel.ts";

/**
 * Solves `a·x = b` for square `a`; `b` is a vector of length `n` or an `n × k` matrix (one
 * system per column) and `x` has `b`'s shape. f32 input is solved in f64 and rounded to f32.
 *
 * Algorithm: `P·A = L·U` by {@link lu}, then `L·y = P·b` and `U·x = y` by blocked substitution
 * (Golub & Van Loan, "Matrix Computations", 4th ed., §3.4.1), as LAPACK `dgesv`. Backward
 * stable in practice; the forward error grows with the condition number of `a`.
 *
 * @throws {TypeError} if `a` or `b` is not a Tensor or their dtypes differ.
 * @throws {RangeError} if `a` is not a finite square matrix, `b` does not match, or `a` is
 * exactly singular (a zero pivot; the message names it).
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { solve } from "./solve.ts";
 * console.log(solve(tensor([[3, 1], [1, 2]]), tensor([9, 8])).data); // Float64Array [2, 3]
 * ```
 */
export function solve(a: Tensor, b: Tensor): Tensor {
  const { n, w, dtype } = workSquare("solve", "a", a);
  const rhs = workRhs("solve", b, n, dtype);
  const perm = luInPlace(w, n, n);
  for (let i = 0; i < n; i++) {
    if (w[i * n + i] === 0) {
      throw new RangeError(`solve: a is singular: pivot ${i} of its LU factorization is 0`);
    }
  }
  const k = rhs.k;
  const x = new Float64Array(n * k);
  for (let i = 0; i < n; i++) x.set(rhs.w.subarray(perm[i] * k, perm[i] * k + k), i * k);
  trsmInPlace(w, n, x, k, true, true);
  trsmInPlace(w, n, x, k, false, false);
  return fromWork(x, b.shape, dtype);
}
