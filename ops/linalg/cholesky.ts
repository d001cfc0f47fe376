/**
 * Cholesky factorization of a symmetric positive definite matrix, `A = L·Lᵀ`.
 *
 * @module
 */
import { checkOptions } from "../options.ts";
import type { Tensor } from "../tensor.ts";
import { fromWork, workSquare } from "./_work.ts";
import { choleskyInPlace } from "./_cholesky_kernel.ts";

/** Options of {@link cholesky}. */
export interface CholeskyOptions {
  /** Return the upper factor `R = Lᵀ` with `A = Rᵀ·R` instead of `L` (default false). */
  upper?: boolean;
}

/**
 * Cholesky factor of a symmetric positive definite matrix: lower `L` with `A = L·Lᵀ` (or the
 * upper `R = Lᵀ` with `{ upper: true }`). Only the lower triangle of `a` is read, as LAPACK
 * `dpotrf` and numpy do (the strict upper triangle is assumed to mirror it). f32 input is
 * factored in f64 and rounded to f32.
 *
 * Algorithm: Cholesky–Banachiewicz (Golub & Van Loan, "Matrix Computations", 4th ed., §4.2),
 * backward stable: `L·Lᵀ = A + E`, ‖E‖ = O(n·u·‖A‖).
 *
 * @throws {RangeError} if `a` is not a finite square matrix, or is not positive definite (the
 * message names the failing pivot and its value).
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { cholesky } from "./cholesky.ts";
 * console.log(cholesky(tensor([[4, 2], [2, 5]])).data); // Float64Array [2, 0, 1, 2]
 * console.log(cholesky(tensor([[4, 2], [2, 5]]), { upper: true }).data); // Float64Array [2, 1, 0, 2]
 * ```
 */
export function cholesky(a: Tensor, opts: CholeskyOptions = {}): Tensor {
  checkOptions("cholesky", opts, { upper: "boolean" });
  const { n, w, dtype } = workSquare("cholesky", "a", a);
  const bad = choleskyInPlace(w, n);
  if (bad >= 0) {
    throw new RangeError(
      `cholesky: a is not positive definite: pivot ${bad} is ${w[bad * n + bad]} (not > 0)`,
    );
  }
  if (opts.upper) transposeInPlace(w, n);
  return fromWork(w, [n, n], dtype);
}

function transposeInPlace(w: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const t = w[i * n + j];
      w[i * n + j] = w[j * n + i];
      w[j * n + i] = t;
    }
  }
}
