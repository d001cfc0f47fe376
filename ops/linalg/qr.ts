/**
 * QR factorization by blocked Householder reflections with the compact WY representation
 * (Golub & Van Loan, "Matrix Computations", 4th ed., §5.2.3; Schreiber & Van Loan 1989), the
 * algorithm of LAPACK `dgeqrf`/`dorgqr`. The trailing updates and the accumulation of Q run
 * through the GEMM.
 *
 * @module
 */
import type { Tensor } from "../tensor.ts";
import { f64Matrix, scaleExponent, scalePow2_, toTensor } from "./dense.ts";
import {
  applyBlockReflector,
  applyReflectorLeft,
  BLOCK,
  denseV,
  formQ,
  makeReflector,
  triangularFactor,
} from "./householder.ts";

/** Options of {@link qr}. */
export interface QrOptions {
  /**
   * `"reduced"` (default): q is m×k, r is k×n with k = min(m, n). `"complete"`: q is m×m, r is
   * m×n. `"r"`: only r (k×n) is computed and q is an empty m×0 tensor.
   */
  mode?: "reduced" | "complete" | "r";
}

/**
 * Householder QR in place on the row-major `m × n` array `w` (LAPACK `dgeqrf`): on return R is
 * on and above the diagonal and the reflectors below it; returns the τ's (min(m, n) of them).
 * Panels of {@link BLOCK} columns are factored one reflector at a time and the rest of the matrix
 * is updated with one block reflector (two GEMMs) per panel.
 *
 * @example
 * ```ts
 * import { householderQr_ } from "./qr.ts";
 * const w = new Float64Array([3, 4]); // a 2×1 column
 * householderQr_(w, 2, 1);
 * console.log(w[0]); // -5
 * ```
 */
export function householderQr_(w: Float64Array, m: number, n: number): Float64Array {
  const k = Math.min(m, n);
  const tau = new Float64Array(k);
  const work = new Float64Array(n);
  for (let j0 = 0; j0 < k; j0 += BLOCK) {
    const nb = Math.min(BLOCK, k - j0);
    for (let j = j0; j < j0 + nb; j++) {
      tau[j] = makeReflector(w, j * n + j, n, m - j);
      applyReflectorLeft(w, n, m, j, j, tau[j], j + 1, j0 + nb, work);
    }
    const rest = n - j0 - nb;
    if (rest > 0) {
      const v = denseV(w, n, m, j0, nb);
      const t = triangularFactor(v, m - j0, nb, tau, j0);
      applyBlockReflector(v, m - j0, nb, t, w, j0 * n + j0 + nb, n, rest, true);
    }
  }
  return tau;
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
