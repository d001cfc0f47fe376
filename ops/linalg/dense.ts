/**
 * Internal kernels shared by the QR, SVD and symmetric eigen solvers: validated f64 working
 * copies, exact power-of-two scaling (so that entries near 1e±150 neither overflow nor
 * underflow when squared), and the plane-rotation sequence kernels of the QR iterations.
 *
 * @module
 */
// The validated f64 working copy and the conversion back are the ones every dense
// factorization uses (`_work.ts`); the QR/SVD/eigen solvers know them by these names.
export {
  fromWork as toTensor,
  type WorkMatrix as F64Matrix,
  workMatrix as f64Matrix,
} from "./_work.ts";

/**
 * The exponent `e` with `2^e` nearest the largest |entry| (0 for a zero matrix): dividing by
 * `2^e` is exact and brings the matrix to unit scale.
 *
 * @example
 * ```ts
 * import { scaleExponent } from "./dense.ts";
 * console.log(scaleExponent(new Float64Array([3, -1e-3]))); // 2
 * ```
 */
export function scaleExponent(w: Float64Array): number {
  let big = 0;
  for (let i = 0; i < w.length; i++) {
    const a = Math.abs(w[i]);
    if (a > big) big = a;
  }
  return big === 0 ? 0 : Math.round(Math.log2(big));
}

/**
 * Multiplies `w` by `2^e` in place, in two exact steps so that `2^e` itself never overflows.
 *
 * @example
 * ```ts
 * import { scalePow2_ } from "./dense.ts";
 * const w = new Float64Array([1e-300]);
 * scalePow2_(w, 1000);
 * console.log(w[0] > 1); // true
 * ```
 */
export function scalePow2_(w: Float64Array, e: number): void {
  if (e === 0) return;
  const h = Math.trunc(e / 2);
  const f1 = Math.pow(2, h), f2 = Math.pow(2, e - h);
  for (let i = 0; i < w.length; i++) w[i] = (w[i] * f1) * f2;
}

/**
 * Row-major transpose of an `m × n` array into a new `n × m` array.
 *
 * @example
 * ```ts
 * import { transposeData } from "./dense.ts";
 * console.log(transposeData(new Float64Array([1, 2, 3, 4, 5, 6]), 2, 3));
 * // Float64Array [1, 4, 2, 5, 3, 6]
 * ```
 */
export function transposeData(w: Float64Array, m: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    const r = i * n;
    for (let j = 0; j < n; j++) out[j * m + i] = w[r + j];
  }
  return out;
}

/**
 * `dst[dOff + j·dLd + i] = src[sOff + i·sLd + j]` for an `rows × cols` block, in 32 × 32 tiles
 * so that neither side is walked with a cache-missing stride for long.
 *
 * @example
 * ```ts
 * import { copyTransposed } from "./dense.ts";
 * const dst = new Float64Array(6);
 * copyTransposed(new Float64Array([1, 2, 3, 4, 5, 6]), 0, 3, 2, 3, dst, 0, 2);
 * console.log(dst); // Float64Array [1, 4, 2, 5, 3, 6]
 * ```
 */
export function copyTransposed(
  src: Float64Array,
  sOff: number,
  sLd: number,
  rows: number,
  cols: number,
  dst: Float64Array,
  dOff: number,
  dLd: number,
): void {
  const T = 32;
  for (let i0 = 0; i0 < rows; i0 += T) {
    const i1 = Math.min(rows, i0 + T);
    for (let j0 = 0; j0 < cols; j0 += T) {
      const j1 = Math.min(cols, j0 + T);
      for (let i = i0; i < i1; i++) {
        const s = sOff + i * sLd;
        for (let j = j0; j < j1; j++) dst[dOff + j * dLd + i] = src[s + j];
      }
    }
  }
}

/**
 * A plane rotation `[c s; -s c]` with `c·f + s·g = r`, `-s·f + c·g = 0` (LAPACK `dlartg`
 * convention, `c ≥ 0`), computed without overflow. Returns `[c, s, r]`.
 *
 * @example
 * ```ts
 * import { givens } from "./dense.ts";
 * console.log(givens(3, 4)); // [0.6, 0.8, 5]
 * ```
 */
export function givens(f: number, g: number): [number, number, number] {
  givensTo(f, g, ROT);
  return [ROT[0], ROT[1], ROT[2]];
}

const ROT = new Float64Array(3);

/** f² + g² inside (2^-1000, 2^1000): the plain root neither overflows nor loses digits. */
const SAFE_LO = 2 ** -1000, SAFE_HI = 2 ** 1000;

/**
 * {@link givens} without an allocation, for the inner loops of the bidiagonal QR: writes
 * `c, s, r` to `out[0], out[1], out[2]`. In the safe range the root is taken directly (LAPACK
 * 3.10 `dlartg`, Anderson 2017); outside it the entries are scaled by the larger first.
 *
 * @example
 * ```ts
 * import { givensTo } from "./dense.ts";
 * const out = new Float64Array(3);
 * givensTo(-3, 4, out);
 * console.log(out); // Float64Array [0.6, -0.8, -5]
 * ```
 */
export function givensTo(f: number, g: number, out: Float64Array): void {
  if (g === 0) {
    out[0] = 1, out[1] = 0, out[2] = f;
    return;
  }
  if (f === 0) {
    out[0] = 0, out[1] = Math.sign(g), out[2] = Math.abs(g);
    return;
  }
  const ss = f * f + g * g;
  if (ss > SAFE_LO && ss < SAFE_HI) {
    const r = f < 0 ? -Math.sqrt(ss) : Math.sqrt(ss);
    out[0] = f / r, out[1] = g / r, out[2] = r;
    return;
  }
  // c and s from the scaled entries: r itself may be inexact (subnormal), they need not be.
  const af = Math.abs(f), ag = Math.abs(g);
  const big = af > ag ? af : ag;
  const fs = f / big, gs = g / big;
  const rs = f < 0 ? -Math.sqrt(fs * fs + gs * gs) : Math.sqrt(fs * fs + gs * gs);
  out[0] = fs / rs, out[1] = gs / rs, out[2] = big * rs;
}

/**
 * Applies the rotation sequence `j = lo … hi-1` (in that order) to columns `(j, j+1)` of the
 * row-major `rows × ld` matrix `x`: `x_j ← c_j·x_j + s_j·x_{j+1}`, `x_{j+1} ← c_j·x_{j+1} −
 * s_j·x_j` (LAPACK `dlasr('R','V','F')`). Each row is walked once with the running column in a
 * register, which is why the solvers keep vectors as columns of row-major matrices.
 *
 * @example
 * ```ts
 * import { rotateColumnsForward } from "./dense.ts";
 * const x = new Float64Array([1, 0]);
 * rotateColumnsForward(x, 1, 2, 0, 1, new Float64Array([0]), new Float64Array([1]));
 * console.log(x); // Float64Array [0, 1]
 * ```
 */
export function rotateColumnsForward(
  x: Float64Array,
  rows: number,
  ld: number,
  lo: number,
  hi: number,
  c: Float64Array,
  s: Float64Array,
): void {
  let r = 0;
  // Four rows at a time: the running value of each row is a dependency chain, and four
  // independent chains keep the multipliers busy.
  for (; r + 3 < rows; r += 4) {
    const b0 = r * ld, b1 = b0 + ld, b2 = b1 + ld, b3 = b2 + ld;
    let x0 = x[b0 + lo], x1 = x[b1 + lo], x2 = x[b2 + lo], x3 = x[b3 + lo];
    for (let j = lo; j < hi; j++) {
      const cj = c[j], sj = s[j], j1 = j + 1;
      const y0 = x[b0 + j1], y1 = x[b1 + j1], y2 = x[b2 + j1], y3 = x[b3 + j1];
      x[b0 + j] = cj * x0 + sj * y0;
      x0 = cj * y0 - sj * x0;
      x[b1 + j] = cj * x1 + sj * y1;
      x1 = cj * y1 - sj * x1;
      x[b2 + j] = cj * x2 + sj * y2;
      x2 = cj * y2 - sj * x2;
      x[b3 + j] = cj * x3 + sj * y3;
      x3 = cj * y3 - sj * x3;
    }
    x[b0 + hi] = x0;
    x[b1 + hi] = x1;
    x[b2 + hi] = x2;
    x[b3 + hi] = x3;
  }
  for (; r < rows; r++) {
    const base = r * ld;
    let cur = x[base + lo];
    for (let j = lo; j < hi; j++) {
      const nxt = x[base + j + 1];
      const cj = c[j], sj = s[j];
      x[base + j] = cj * cur + sj * nxt;
      cur = cj * nxt - sj * cur;
    }
    x[base + hi] = cur;
  }
}

/**
 * Applies the rotation sequence `j = hi-1 … lo` (descending) to columns `(j, j+1)` of `x`:
 * `x_{j+1} ← s_j·x_j + c_j·x_{j+1}`, `x_j ← c_j·x_j − s_j·x_{j+1}` (the update of the implicit
 * QL sweep).
 *
 * @example
 * ```ts
 * import { rotateColumnsBackward } from "./dense.ts";
 * const x = new Float64Array([1, 0]);
 * rotateColumnsBackward(x, 1, 2, 0, 1, new Float64Array([0]), new Float64Array([1]));
 * console.log(x); // Float64Array [0, 1]
 * ```
 */
export function rotateColumnsBackward(
  x: Float64Array,
  rows: number,
  ld: number,
  lo: number,
  hi: number,
  c: Float64Array,
  s: Float64Array,
): void {
  let r = 0;
  for (; r + 3 < rows; r += 4) {
    const b0 = r * ld, b1 = b0 + ld, b2 = b1 + ld, b3 = b2 + ld;
    let x0 = x[b0 + hi], x1 = x[b1 + hi], x2 = x[b2 + hi], x3 = x[b3 + hi];
    for (let j = hi - 1; j >= lo; j--) {
      const cj = c[j], sj = s[j], j1 = j + 1;
      const p0 = x[b0 + j], p1 = x[b1 + j], p2 = x[b2 + j], p3 = x[b3 + j];
      x[b0 + j1] = sj * p0 + cj * x0;
      x0 = cj * p0 - sj * x0;
      x[b1 + j1] = sj * p1 + cj * x1;
      x1 = cj * p1 - sj * x1;
      x[b2 + j1] = sj * p2 + cj * x2;
      x2 = cj * p2 - sj * x2;
      x[b3 + j1] = sj * p3 + cj * x3;
      x3 = cj * p3 - sj * x3;
    }
    x[b0 + lo] = x0;
    x[b1 + lo] = x1;
    x[b2 + lo] = x2;
    x[b3 + lo] = x3;
  }
  for (; r < rows; r++) {
    const base = r * ld;
    let cur = x[base + hi];
    for (let j = hi - 1; j >= lo; j--) {
      const prv = x[base + j];
      const cj = c[j], sj = s[j];
      x[base + j + 1] = sj * prv + cj * cur;
      cur = cj * prv - sj * cur;
    }
    x[base + lo] = cur;
  }
}

/**
 * Applies one rotation to columns `p` and `q` of `x`: `x_p ← c·x_p + s·x_q`, `x_q ← c·x_q −
 * s·x_p`.
 *
 * @example
 * ```ts
 * import { rotateColumnPair } from "./dense.ts";
 * const x = new Float64Array([1, 0, 0]);
 * rotateColumnPair(x, 1, 3, 0, 2, 0, 1);
 * console.log(x); // Float64Array [0, 0, 1]
 * ```
 */
export function rotateColumnPair(
  x: Float64Array,
  rows: number,
  ld: number,
  p: number,
  q: number,
  c: number,
  s: number,
): void {
  for (let r = 0, b = 0; r < rows; r++, b += ld) {
    const xp = x[b + p], xq = x[b + q];
    x[b + p] = c * xp + s * xq;
    x[b + q] = c * xq - s * xp;
  }
}
