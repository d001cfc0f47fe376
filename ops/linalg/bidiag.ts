/**
 * Householder bidiagonalization `A = Q·B·Pᵀ` (Golub & Kahan, "Calculating the singular values
 * and pseudo-inverse of a matrix", SIAM J. Numer. Anal. B 2, 1965; LAPACK `dgebd2`), the first
 * stage of the SVD.
 *
 * @module
 */
import { formQ, formQFromRows, makeReflector } from "./householder.ts";
import type { SimdWorkspace } from "./simd.ts";
import { Scratch } from "./_scratch.ts";

const WV_SCRATCH = new Scratch(), Z_SCRATCH = new Scratch();

/** The bidiagonal form of an `m × n` matrix, m ≥ n. */
export interface Bidiagonal {
  /** Diagonal of B (n entries). */
  d: Float64Array;
  /** Superdiagonal of B (n − 1 entries, padded to n). */
  e: Float64Array;
  /** τ of the left reflectors (stored below the diagonal of the work array). */
  tauq: Float64Array;
  /** τ of the right reflectors (stored right of the superdiagonal). */
  taup: Float64Array;
}

/**
 * Reduces the row-major `m × n` array `w` (m ≥ n) to upper bidiagonal form in place. The left
 * and right updates of consecutive steps are fused so that every step walks the trailing matrix
 * twice, row by row (contiguous), instead of four times.
 *
 * @example
 * ```ts
 * import { bidiagonalize_ } from "./bidiag.ts";
 * const { d, e } = bidiagonalize_(new Float64Array([3, 0, 4, 0]), 2, 2);
 * console.log(Math.abs(d[0]), e[0]); // 5 0
 * ```
 */
export function bidiagonalize_(
  w: Float64Array,
  m: number,
  n: number,
  simd: SimdWorkspace | null = null,
): Bidiagonal {
  if (m < n) throw new RangeError(`bidiagonalize_: need m >= n, got ${m}x${n}`);
  const d = new Float64Array(n), e = new Float64Array(n);
  const tauq = new Float64Array(n), taup = new Float64Array(n);
  if (n === 0) return { d, e, tauq, taup };
  // With `simd`, w and these buffers live in the kernels' memory (arrays 1–4 of the workspace).
  const wv = simd ? simd.arrays[1] : WV_SCRATCH.get(n); // uₖᵀ·A[k:, k+1:]
  const z = simd ? simd.arrays[2] : Z_SCRATCH.get(m); // A·v of the right reflector
  const f = simd ? simd.arrays[3] : null, uu = simd ? simd.arrays[4] : null;
  tauq[0] = makeReflector(w, 0, n, m);
  d[0] = w[0];
  accumulateLeft(w, m, n, 0, 1, wv);
  for (let k = 0; k < n - 1; k++) {
    const tq = tauq[k];
    const rk = k * n;
    for (let j = k + 1; j < n; j++) w[rk + j] -= tq * wv[j];
    const tp = makeReflector(w, rk + k + 1, 1, n - k - 1);
    taup[k] = tp;
    e[k] = w[rk + k + 1];
    w[rk + k + 1] = 1;
    // Pass A: finish the left update of each row and form z = A·v.
    if (simd && f) {
      for (let i = k + 1; i < m; i++) f[i] = tq * w[i * n + k];
      simd.rowsAxpyDot(
        w,
        (k + 1) * n + k + 1,
        n,
        m - k - 1,
        n - k - 1,
        wv,
        k + 1,
        w,
        rk + k + 1,
        f,
        k + 1,
        z,
        k + 1,
      );
      for (let i = k + 1; i < m; i++) z[i] *= tp;
    } else {
      passA(w, m, n, k, tq, tp, wv, z);
    }
    // Column k+1 gets its right update first: it defines the next left reflector.
    const c = k + 1;
    for (let i = c; i < m; i++) w[i * n + c] -= z[i];
    tauq[c] = makeReflector(w, c * n + c, n, m - c);
    d[c] = w[c * n + c];
    // Pass B: right update of columns k+2… and the next left accumulation, row by row.
    wv.fill(0, 0, n);
    if (simd && uu) {
      uu[c] = 1;
      for (let i = c + 1; i < m; i++) uu[i] = w[i * n + c];
      simd.rowsAxpyAxpy(
        w,
        c * n + c + 1,
        n,
        m - c,
        n - c - 1,
        w,
        rk + c + 1,
        z,
        c,
        uu,
        c,
        wv,
        c + 1,
      );
    } else {
      passB(w, m, n, k, z, wv);
    }
  }
  return { d, e, tauq, taup };
}

function passA(
  w: Float64Array,
  m: number,
  n: number,
  k: number,
  tq: number,
  tp: number,
  wv: Float64Array,
  z: Float64Array,
): void {
  const rk = k * n;
  {
    for (let i = k + 1; i < m; i++) {
      const ri = i * n;
      const f = tq * w[ri + k];
      // Two accumulators: a single running sum is a latency-bound dependency chain.
      let acc0 = 0, acc1 = 0, j = k + 1;
      for (; j + 1 < n; j += 2) {
        const x0 = w[ri + j] - f * wv[j], x1 = w[ri + j + 1] - f * wv[j + 1];
        w[ri + j] = x0;
        w[ri + j + 1] = x1;
        acc0 += x0 * w[rk + j];
        acc1 += x1 * w[rk + j + 1];
      }
      if (j < n) {
        const x = w[ri + j] - f * wv[j];
        w[ri + j] = x;
        acc0 += x * w[rk + j];
      }
      z[i] = (acc0 + acc1) * tp;
    }
  }
}

function passB(
  w: Float64Array,
  m: number,
  n: number,
  k: number,
  z: Float64Array,
  wv: Float64Array,
): void {
  const rk = k * n, c = k + 1;
  {
    for (let i = c; i < m; i++) {
      const ri = i * n;
      const zi = z[i];
      const ui = i === c ? 1 : w[ri + c];
      for (let j = c + 1; j < n; j++) {
        const x = w[ri + j] - zi * w[rk + j];
        w[ri + j] = x;
        wv[j] += ui * x;
      }
    }
  }
}

function accumulateLeft(
  w: Float64Array,
  m: number,
  n: number,
  k: number,
  c0: number,
  wv: Float64Array,
): void {
  wv.fill(0, 0, n);
  for (let j = c0; j < n; j++) wv[j] = w[k * n + j];
  for (let i = k + 1; i < m; i++) {
    const ui = w[i * n + k];
    if (ui === 0) continue;
    const ri = i * n;
    for (let j = c0; j < n; j++) wv[j] += ui * w[ri + j];
  }
}

/**
 * The orthogonal factors of {@link bidiagonalize_}: the first `qCols` columns of Q (m × qCols)
 * and P (n × n), with `A = Q·B·Pᵀ`. Both are accumulated with blocked compact WY updates.
 *
 * @example
 * ```ts
 * import { bidiagonalize_, bidiagonalFactors } from "./bidiag.ts";
 * const w = new Float64Array([1, 2, 3, 4]);
 * const bd = bidiagonalize_(w, 2, 2);
 * const { q, p } = bidiagonalFactors(w, 2, 2, bd, 2);
 * console.log(q.length, p.length); // 4 4
 * ```
 */
export function bidiagonalFactors(
  w: Float64Array,
  m: number,
  n: number,
  bd: Bidiagonal,
  qCols: number,
): { q: Float64Array; p: Float64Array } {
  const q = formQ(w, n, m, n, bd.tauq, qCols);
  const p = formQFromRows(w, n, Math.max(n - 2, 0), bd.taup);
  return { q, p };
}
