/**
 * Portable TypeScript GEMM: `C = alpha·op(A)·op(B) + beta·C` on strided row-major panels.
 * It is the fallback where WebAssembly SIMD is unavailable and the oracle-free reference that
 * the SIMD kernel is tested against (together with the naive triple loop in the tests).
 *
 * @module
 */
import type { GemmArgs } from "./gemm_types.ts";

const KC = 256; // depth of a packed panel: keeps a row of op(A) and the B panel in L2
const NC = 512;

/**
 * Cache-blocked GEMM in plain TypeScript (i-k-j order over a packed, non-transposed B panel).
 *
 * @example
 * ```ts
 * import { gemmTs } from "./gemm_ts.ts";
 * const a = new Float64Array([1, 2, 3, 4]), b = new Float64Array([5, 6, 7, 8]);
 * const c = new Float64Array(4);
 * gemmTs({ m: 2, n: 2, k: 2, a, lda: 2, b, ldb: 2, c, ldc: 2 });
 * console.log(c); // Float64Array [19, 22, 43, 50]
 * ```
 */
export function gemmTs(g: GemmArgs): void {
  const { m, n, k, a, b, c } = g;
  const alpha = g.alpha ?? 1, beta = g.beta ?? 0;
  const aOff = g.aOffset ?? 0, bOff = g.bOffset ?? 0, cOff = g.cOffset ?? 0;
  const { lda, ldb, ldc } = g;
  const transA = g.transA ?? false, transB = g.transB ?? false;
  scaleC(c, cOff, ldc, m, n, beta);
  if (k === 0 || alpha === 0) return;
  // Sized to the product, not to KC·NC: small products must not pay for zeroing a 1 MiB panel.
  const panel = new Float64Array(Math.min(KC, k) * Math.min(NC, n));
  for (let j0 = 0; j0 < n; j0 += NC) {
    const nb = Math.min(NC, n - j0);
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kb = Math.min(KC, k - p0);
      // pack op(B)[p0:p0+kb, j0:j0+nb] row-major into panel (kb x nb)
      for (let p = 0; p < kb; p++) {
        const row = p * nb;
        for (let j = 0; j < nb; j++) {
          panel[row + j] = transB
            ? b[bOff + (j0 + j) * ldb + p0 + p]
            : b[bOff + (p0 + p) * ldb + j0 + j];
        }
      }
      for (let i = 0; i < m; i++) {
        const crow = cOff + i * ldc + j0;
        for (let p = 0; p < kb; p++) {
          const av = alpha * (transA ? a[aOff + (p0 + p) * lda + i] : a[aOff + i * lda + p0 + p]);
          if (av === 0) continue;
          const prow = p * nb;
          for (let j = 0; j < nb; j++) c[crow + j] += av * panel[prow + j];
        }
      }
    }
  }
}

/**
 * `C *= beta` on an m×n strided block; beta = 0 overwrites (so NaN in C is not kept).
 *
 * @example
 * ```ts
 * import { scaleC } from "./gemm_ts.ts";
 * const c = new Float64Array([1, 2, NaN, 9]);
 * scaleC(c, 0, 2, 2, 2, 0);
 * console.log(c); // Float64Array [0, 0, 0, 0]
 * ```
 */
export function scaleC(
  c: Float32Array | Float64Array,
  off: number,
  ldc: number,
  m: number,
  n: number,
  beta: number,
): void {
  if (beta === 1) return;
  for (let i = 0; i < m; i++) {
    const r = off + i * ldc;
    if (beta === 0) c.fill(0, r, r + n);
    else for (let j = 0; j < n; j++) c[r + j] *= beta;
  }
}
