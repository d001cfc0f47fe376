/**
 * The blocked panels of symmetric tridiagonalization (LAPACK `dlatrd` + `dsyr2k`, as called by
 * `dsytrd`; Dongarra, Sorensen & Hammarling, "Block reduction of matrices to condensed forms for
 * eigenvalue computations", J. Comput. Appl. Math. 27, 1989). Only the upper triangle of the
 * trailing matrix is read and updated: the matrix-vector products use each stored entry twice
 * (`symvUpper`) and the rank-2k update of each panel costs half a full GEMM.
 *
 * @module
 */
import { gemm } from "../cpu/gemm.ts";
import { makeReflector } from "./householder.ts";
import type { SimdWorkspace } from "./simd.ts";

/**
 * Panel width: the rank of each trailing update (2·NB) and the number of reflectors whose
 * corrections each matrix-vector product carries.
 *
 * @example
 * ```ts
 * import { NB } from "./_tridiag_panels.ts";
 * console.log(NB); // 32
 * ```
 */
export const NB = 32;
/** Rows per GEMM of the upper-triangular trailing update. */
const UPDATE_ROWS = 64;
/**
 * Reduces panels of {@link NB} rows of the symmetric row-major `n × n` array `w` (LAPACK
 * `dlatrd`): within a panel each reflector's matrix-vector product reads the not-yet-updated
 * trailing matrix and corrects for the panel's earlier reflectors (`A − V·Wᵀ − W·Vᵀ`); the
 * trailing matrix is then updated once per panel. Only the upper triangle is kept up to date;
 * on return the trailing block from the returned row on is made whole again (its lower triangle
 * mirrored) for the unblocked code, and row k < returned row holds reflector k right of the
 * superdiagonal (d, e, τ as `tridiagonalize_`). With `simd` (laid out as `tridiagonalWorkspace`
 * in `tridiag.ts`, `w` its first array) the matrix-vector products and the panel corrections
 * run in the WebAssembly SIMD kernels. Returns the first row left for the unblocked code.
 *
 * @example
 * ```ts
 * import { blockedPanels } from "./_tridiag_panels.ts";
 * const n = 70, w = new Float64Array(n * n), z = () => new Float64Array(n);
 * for (let i = 0; i < n; i++) w[i * n + i] = i;
 * console.log(blockedPanels(w, n, z(), z(), z(), null)); // 32
 * ```
 */
export function blockedPanels(
  w: Float64Array,
  n: number,
  d: Float64Array,
  e: Float64Array,
  tau: Float64Array,
  simd: SimdWorkspace | null,
): number {
  const nb2 = 2 * NB;
  const [p, vw, wv, xy, corr, zero2, zeroN, rowOut] = simd
    ? simd.arrays.slice(1, 9)
    : panelLengths(n).map((len) => new Float64Array(len));
  // The panel as [V W] and [W V] (n × 2·NB each), columns interleaved (v₀ w₀ v₁ w₁ … and
  // w₀ v₀ w₁ v₁ …): every correction is one dot product with a row of one of them over the
  // 2·jj columns filled so far, and the trailing update one GEMM, A − [V W]·[W V]ᵀ.
  const dots = (
    a: Float64Array,
    off: number,
    rows: number,
    len: number,
    v: Float64Array,
    vOff: number,
    out: Float64Array,
    oOff: number,
  ): void => {
    if (simd) return simd.dotRowsBlocked(a, off, nb2, rows, len, v, vOff, out, oOff);
    for (let i = 0; i < rows; i++) {
      let s = 0;
      for (let t = 0; t < len; t++) s += a[off + i * nb2 + t] * v[vOff + t];
      out[oOff + i] = s;
    }
  };
  let k0 = 0;
  for (; k0 + NB < n - 2 - NB; k0 += NB) {
    vw.fill(0);
    wv.fill(0);
    for (let jj = 0; jj < NB; jj++) {
      const j = k0 + jj, rj = j * n, len = 2 * jj;
      // Bring row j up to date with the panel's earlier reflectors: w[j, c] −= [V W]_j·[W V]_c.
      if (jj > 0) {
        dots(wv, j * nb2, n - j, len, vw, j * nb2, rowOut, 0);
        for (let c = j; c < n; c++) w[rj + c] -= rowOut[c - j];
      }
      d[j] = w[rj + j];
      const tj = makeReflector(w, rj + j + 1, 1, n - j - 1);
      tau[j] = tj;
      e[j] = w[rj + j + 1];
      w[rj + j + 1] = 1;
      const rows = n - j - 1;
      // p = τ·(A − V·Wᵀ − W·Vᵀ)·v over rows j+1…, v = row j from column j+1.
      const sub = (j + 1) * n + j + 1;
      if (simd) simd.symvUpper(w, sub, n, rows, w, rj + j + 1, p, j + 1);
      else symvUpperTs(w, sub, n, rows, w, rj + j + 1, p, j + 1);
      if (jj > 0) {
        // xy = [W V]ᵀ·v, then corr = [V W]·xy
        xy.fill(0);
        if (simd) {
          simd.rowsAxpyAxpy(
            wv,
            (j + 1) * nb2,
            nb2,
            rows,
            len,
            zero2,
            0,
            zeroN,
            0,
            w,
            rj + j + 1,
            xy,
            0,
          );
        } else {
          for (let i = j + 1; i < n; i++) {
            const vi = w[rj + i], bi = i * nb2;
            for (let t = 0; t < len; t++) xy[t] += wv[bi + t] * vi;
          }
        }
        dots(vw, (j + 1) * nb2, rows, len, xy, 0, corr, j + 1);
      } else {
        corr.fill(0);
      }
      let pv = 0;
      for (let i = j + 1; i < n; i++) {
        p[i] = tj * (p[i] - corr[i]);
        pv += p[i] * w[rj + i];
      }
      const half = 0.5 * tj * pv;
      for (let i = j + 1; i < n; i++) {
        const vi = w[rj + i], wi = p[i] - half * vi, bi = i * nb2;
        vw[bi + len] = vi;
        vw[bi + len + 1] = wi;
        wv[bi + len] = wi;
        wv[bi + len + 1] = vi;
      }
    }
    trailingUpdate(w, n, k0 + NB, vw, wv);
  }
  mirrorUpper(w, n, k0);
  return k0;
}

/** Lengths of p, [V W], [W V], xy, corr, zeros (2·NB), zeros (n), a row buffer. */
function panelLengths(n: number): number[] {
  return [n, n * 2 * NB, n * 2 * NB, 2 * NB, n, 2 * NB, n, n];
}

/**
 * `A ← A − [V W]·[W V]ᵀ` on the upper triangle of rows/columns kb… (LAPACK `dsyr2k`): one GEMM
 * per block of {@link UPDATE_ROWS} rows, each from its diagonal on (the diagonal blocks also
 * write their unused lower part).
 */
function trailingUpdate(
  w: Float64Array,
  n: number,
  kb: number,
  vw: Float64Array,
  wv: Float64Array,
): void {
  const nb2 = 2 * NB;
  for (let i0 = kb; i0 < n; i0 += UPDATE_ROWS) {
    gemm({
      m: Math.min(UPDATE_ROWS, n - i0),
      n: n - i0,
      k: nb2,
      a: vw,
      aOffset: i0 * nb2,
      lda: nb2,
      b: wv,
      bOffset: i0 * nb2,
      ldb: nb2,
      transB: true,
      c: w,
      cOffset: i0 * n + i0,
      ldc: n,
      alpha: -1,
      beta: 1,
    });
  }
}

/** Copies the upper triangle of rows/columns k0… onto the lower one, 32 × 32 tiles at a time. */
function mirrorUpper(w: Float64Array, n: number, k0: number): void {
  const T = 32;
  for (let i0 = k0; i0 < n; i0 += T) {
    const i1 = Math.min(n, i0 + T);
    for (let j0 = i0; j0 < n; j0 += T) {
      const j1 = Math.min(n, j0 + T);
      for (let i = i0; i < i1; i++) {
        for (let j = Math.max(j0, i + 1); j < j1; j++) w[j * n + i] = w[i * n + j];
      }
    }
  }
}

/** TypeScript `SimdWorkspace.symvUpper`: out = A·v with A's upper triangle read by rows. */
function symvUpperTs(
  x: Float64Array,
  off: number,
  ld: number,
  m: number,
  v: Float64Array,
  vOff: number,
  out: Float64Array,
  outOff: number,
): void {
  out.fill(0, outOff, outOff + m);
  for (let i = 0; i < m; i++) {
    const ri = off + i * ld, vi = v[vOff + i];
    let acc = x[ri + i] * vi;
    for (let c = i + 1; c < m; c++) {
      const a = x[ri + c];
      acc += a * v[vOff + c];
      out[outOff + c] += a * vi;
    }
    out[outOff + i] += acc;
  }
}
