/**
 * QR factorization by blocked Householder reflections with the compact WY representation
 * (Golub & Van Loan, "Matrix Computations", 4th ed., §5.2.3; Schreiber & Van Loan 1989), the
 * algorithm of LAPACK `dgeqrf`/`dorgqr`. The trailing updates and the accumulation of Q run
 * through the GEMM.
 *
 * @module
 */
import { checkOptions } from "../options.ts";
import type { Tensor } from "../tensor.ts";
import { f64Matrix, scaleExponent, scalePow2_, toTensor } from "./dense.ts";
import { formQ, householderQr_ } from "./householder.ts";

/** Options of {@link qr}. */
export interface QrOptions {
  /**
   * `"reduced"` (default): q is m×k, r is k×n with k = min(m, n). `"complete"`: q is m×m, r is
   * m×n. `"r"`: only r (k×n) is computed and q is an empty m×0 tensor.
   */
  mode?: "reduced" | "complete" | "r";
}

/**
 * QR factorization `a = q·r` with q orthonormal columns and r upper triangular (diagonal of
 * either sign, as LAPACK), for any shape, f64 and f32 (f32 is factored in f64 and the result
 * rounded to f32). Blocked Householder with compact WY updates (Golub & Van Loan §5.2.3).
 * A 0-size input gives empty factors of the documented shapes.
 *
 * @throws {RangeError} if `a` is not a matrix, has a non-finite entry, or `mode` is unknown.
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { qr } from "./qr.ts";
 * const { q, r } = qr(tensor([[3, 1], [4, 2]]));
 * console.log(q.shape, r.shape, Math.abs(r.data[0])); // [2, 2] [2, 2] 5
 * ```
 */
export function qr(a: Tensor, opts: QrOptions = {}): { q: Tensor; r: Tensor } {
  checkOptions("qr", opts, { mode: "string" });
  const mode = opts.mode ?? "reduced";
  if (mode !== "reduced" && mode !== "complete" && mode !== "r") {
    throw new RangeError(
      `qr: mode must be "reduced", "complete" or "r", got ${JSON.stringify(mode)}`,
    );
  }
  const { m, n, w, dtype } = f64Matrix("qr", "a", a);
  const k = Math.min(m, n);
  // Power-of-two scaling is exact and keeps squared norms of 1e±150 entries in range.
  const e = scaleExponent(w);
  scalePow2_(w, -e);
  const tau = householderQr_(w, m, n);
  const rRows = mode === "complete" ? m : k;
  const r = new Float64Array(rRows * n);
  for (let i = 0; i < Math.min(rRows, k); i++) {
    r.set(w.subarray(i * n + i, i * n + n), i * n + i);
  }
  scalePow2_(r, e);
  if (mode === "r") {
    return { q: toTensor(new Float64Array(0), [m, 0], dtype), r: toTensor(r, [rRows, n], dtype) };
  }
  const qCols = mode === "complete" ? m : k;
  const q = formQ(w, n, m, k, tau, qCols);
  return { q: toTensor(q, [m, qCols], dtype), r: toTensor(r, [rRows, n], dtype) };
}
