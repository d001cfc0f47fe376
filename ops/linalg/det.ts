/**
 * Determinants by LU with partial pivoting: `det` (overflow-aware product of the pivots) and
 * `slogdet` (sign and log of the absolute value, for determinants beyond the f64 range).
 *
 * @module
 */
import { assertUntraced } from "../autograd/tape.ts";
import type { Tensor } from "../tensor.ts";
import { workSquare } from "./_work.ts";
import { luInPlace, permutationSign } from "./_lu_kernel.ts";

/** Result of {@link slogdet}: `det(a) = sign · exp(logabsdet)`. */
export interface SlogdetResult {
  /** -1, 0 or 1 (0 for a singular matrix). */
  sign: number;
  /** `log|det(a)|`; `-Infinity` for a singular matrix. */
  logabsdet: number;
}

function pivots(fn: string, a: Tensor): { d: Float64Array; sign: number } {
  const { n, w } = workSquare(fn, "a", a);
  const perm = luInPlace(w, n, n);
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = w[i * n + i];
  return { d, sign: permutationSign(perm) };
}

const BIG = 2 ** 500, SMALL = 2 ** -500;

/**
 * Determinant of a square matrix (1 for a 0 × 0 matrix). The product of the LU pivots is
 * accumulated with a separate power-of-two exponent, so intermediate products neither overflow
 * nor underflow; the result is ±Infinity or 0 only when the determinant itself is outside the
 * f64 range. Use {@link slogdet} for such matrices.
 *
 * Algorithm: `det(A) = sign(P)·∏ U_ii` from `P·A = L·U` (Golub & Van Loan, "Matrix
 * Computations", 4th ed., §3.2.7).
 *
 * @throws {RangeError} if `a` is not a finite square matrix.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { det } from "./det.ts";
 * console.log(det(tensor([[1, 2], [3, 4]]))); // -2
 * ```
 */
export function det(a: Tensor): number {
  assertUntraced("det", { a });
  const { d, sign } = pivots("det", a);
  let mant = sign, exp2 = 0;
  for (const v of d) {
    mant *= v;
    if (mant === 0) return 0;
    const am = Math.abs(mant);
    if (am > BIG) {
      mant *= SMALL;
      exp2 += 500;
    } else if (am < SMALL) {
      mant *= BIG;
      exp2 -= 500;
    }
  }
  // Apply the exponent in steps so that 2^exp2 alone cannot overflow before the product does.
  while (exp2 > 0) {
    const s = Math.min(exp2, 1000);
    mant *= 2 ** s;
    exp2 -= s;
  }
  while (exp2 < 0) {
    const s = Math.min(-exp2, 1000);
    mant *= 2 ** -s;
    exp2 += s;
  }
  return mant;
}

/**
 * Sign and natural log of the absolute determinant, `det(a) = sign·exp(logabsdet)`, finite
 * even when the determinant overflows. A singular matrix gives `{ sign: 0, logabsdet:
 * -Infinity }` (as numpy).
 *
 * Algorithm: sums `log|U_ii|` of the pivoted LU (Golub & Van Loan, §3.2.7).
 *
 * @throws {RangeError} if `a` is not a finite square matrix.
 *
 * @example
 * ```ts
 * import { eye } from "../tensor.ts";
 * import { scale } from "../elementwise.ts";
 * import { slogdet } from "./det.ts";
 * console.log(slogdet(scale(eye(400), 1e10))); // { sign: 1, logabsdet: 9210.34… } (400·ln 1e10)
 * ```
 */
export function slogdet(a: Tensor): SlogdetResult {
  assertUntraced("slogdet", { a });
  const { d, sign } = pivots("slogdet", a);
  let s = sign, log = 0;
  for (const v of d) {
    if (v === 0) return { sign: 0, logabsdet: -Infinity };
    if (v < 0) s = -s;
    log += Math.log(Math.abs(v));
  }
  return { sign: s, logabsdet: log };
}
