/**
 * LDU factorization with partial pivoting, `P·A = L·diag(d)·U`, derived from the LU factors
 * (used by the LoLDU adapter, Shi et al. 2024, spec adapters.md §6).
 *
 * @module
 */
import { assertUntraced } from "../autograd/tape.ts";
import type { Tensor } from "../tensor.ts";
import { fromWork, workMatrix } from "./_work.ts";
import { luInPlace, splitLu } from "./_lu_kernel.ts";

/** Result of {@link ldu}. */
export interface LduResult {
  /** Row permutation: row `i` of `P·A` is row `p[i]` of `A`. */
  p: Int32Array;
  /** `m × k` unit lower triangular, `k = min(m, n)`. */
  l: Tensor;
  /** The `k` pivots (diagonal of D), as a 1-D tensor. */
  d: Tensor;
  /** `k × n` unit upper triangular. */
  u: Tensor;
}

/**
 * LDU factorization: `P·A = L·diag(d)·U` with `L` unit lower `m × k`, `d` the `k` pivots and
 * `U` unit upper `k × n` (`k = min(m, n)`); `A[p[i], :] = (L·diag(d)·U)[i, :]`. Computed as
 * the pivoted LU `P·A = L·Ũ` followed by `d = diag(Ũ)`, `U = diag(d)⁻¹·Ũ`.
 *
 * Zero pivots: when `d[i]` is exactly 0 (an all-zero pivot column, so `A` is rank deficient),
 * row `i` of `U` is set to the unit row `e_i` instead of dividing by zero, so no NaN or
 * infinity appears. The identity `P·A = L·diag(d)·U` then holds exactly only if row `i` of `Ũ`
 * was zero right of the diagonal (true for trailing zero rows); otherwise no `P·L·D·U` form
 * with row pivoting exists (e.g. `[[0, 1], [0, 2]]`) and the dropped row is the error. Nonzero
 * pivots, however tiny, are divided by. f32 input is factored in f64 and rounded to f32.
 *
 * Reference: Golub & Van Loan, "Matrix Computations", 4th ed., §4.1.1 (LDMᵀ); LoLDU (Shi et
 * al., 2024).
 *
 * @throws {RangeError} if `a` is not a finite matrix.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { ldu } from "./ldu.ts";
 * const { l, d, u } = ldu(tensor([[4, 2], [2, 3]]));
 * console.log(l.data, d.data, u.data);
 * // Float64Array [1, 0, 0.5, 1] Float64Array [4, 2] Float64Array [1, 0.5, 0, 1]
 * ```
 */
export function ldu(a: Tensor): LduResult {
  assertUntraced("ldu", { a });
  const { m, n, w, dtype } = workMatrix("ldu", "a", a);
  const p = luInPlace(w, m, n);
  const k = Math.min(m, n);
  const { l, u } = splitLu(w, m, n);
  const d = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    const r = i * n;
    const di = u[r + i];
    d[i] = di;
    u[r + i] = 1;
    if (di === 0) {
      u.fill(0, r + i + 1, r + n);
      continue;
    }
    for (let j = i + 1; j < n; j++) u[r + j] /= di;
  }
  return {
    p,
    l: fromWork(l, [m, k], dtype),
    d: fromWork(d, [k], dtype),
    u: fromWork(u, [k, n], dtype),
  };
}
