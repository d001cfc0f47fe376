/**
 * Internal: the in-place Cholesky kernel behind cholesky and nystrom. Left-looking blocked
 * (Golub & Van Loan, "Matrix Computations", 4th ed., §4.2.9): each block column is first
 * updated by one GEMM with the columns already factored (the O(n³) work), then its diagonal
 * block is factored by dot products and the rows below it by a triangular solve.
 *
 * @module
 */
import { gemm } from "../cpu/gemm.ts";

const NB = 64; // block columns; below 2·NB the unblocked loop is as fast

/**
 * Factors the lower triangle of the row-major `n × n` matrix in `w` in place (`L` on and below
 * the diagonal; the strict upper triangle is zeroed). Returns -1 on success, or the index of
 * the first pivot that is not positive (then `w` is partly overwritten and that diagonal entry
 * holds the failing value).
 *
 * @example
 * ```ts
 * import { choleskyInPlace } from "./_cholesky_kernel.ts";
 * const w = new Float64Array([4, 2, 2, 5]);
 * console.log(choleskyInPlace(w, 2), w); // -1 Float64Array [2, 0, 1, 2]
 * ```
 */
export function choleskyInPlace(w: Float64Array, n: number): number {
  if (n < 2 * NB) return unblocked(w, n, 0, n);
  for (let j0 = 0; j0 < n; j0 += NB) {
    const jb = Math.min(NB, n - j0), rows = n - j0;
    // Panel P = A[j0:n, j0:j0+jb] copied out, so the GEMM output never aliases its inputs.
    const p = new Float64Array(rows * jb);
    for (let i = 0; i < rows; i++) {
      p.set(w.subarray((j0 + i) * n + j0, (j0 + i) * n + j0 + jb), i * jb);
    }
    if (j0 > 0) {
      // P -= L[j0:n, 0:j0] · L[j0:j0+jb, 0:j0]ᵀ
      gemm({
        m: rows,
        n: jb,
        k: j0,
        a: w,
        aOffset: j0 * n,
        lda: n,
        b: w,
        bOffset: j0 * n,
        ldb: n,
        transB: true,
        c: p,
        ldc: jb,
        alpha: -1,
        beta: 1,
      });
    }
    const bad = unblocked(p, jb, 0, jb);
    if (bad >= 0) {
      w[(j0 + bad) * n + j0 + bad] = p[bad * jb + bad];
      return j0 + bad;
    }
    solveBelow(p, rows, jb);
    for (let i = 0; i < rows; i++) {
      const r = (j0 + i) * n;
      w.set(p.subarray(i * jb, i * jb + jb), r + j0);
      if (i < jb) w.fill(0, r + j0 + i + 1, r + n);
    }
  }
  return -1;
}

/**
 * Row-oriented (Cholesky–Banachiewicz) factorization of rows/columns `lo..hi` of the `ld`-wide
 * block `w` (each entry is a dot product of two contiguous row prefixes).
 */
function unblocked(w: Float64Array, ld: number, lo: number, hi: number): number {
  for (let i = lo; i < hi; i++) {
    const ri = i * ld;
    for (let j = lo; j <= i; j++) {
      const rj = j * ld;
      let s = w[ri + j];
      for (let t = lo; t < j; t++) s -= w[ri + t] * w[rj + t];
      if (j < i) {
        w[ri + j] = s / w[rj + j];
        continue;
      }
      if (!(s > 0)) {
        w[ri + i] = s;
        return i;
      }
      w[ri + i] = Math.sqrt(s);
    }
    w.fill(0, ri + i + 1, ri + ld);
  }
  return -1;
}

/** Rows `jb..rows` of the panel: `L21 = A21·L11⁻ᵀ`, one row at a time (contiguous). */
function solveBelow(p: Float64Array, rows: number, jb: number): void {
  for (let i = jb; i < rows; i++) {
    const ri = i * jb;
    for (let c = 0; c < jb; c++) {
      const rc = c * jb;
      let s = p[ri + c];
      for (let t = 0; t < c; t++) s -= p[ri + t] * p[rc + t];
      p[ri + c] = s / p[rc + c];
    }
  }
}
