/**
 * Singular value decomposition by Householder bidiagonalization and implicit-shift bidiagonal
 * QR (Golub & Kahan 1965; Golub & Reinsch 1970; Demmel & Kahan 1990), with a QR factorization
 * first for tall matrices (Chan, "An improved algorithm for computing the singular value
 * decomposition", ACM TOMS 8, 1982). Backward stable; never forms AᵀA.
 *
 * @module
 */
import { checkOptions } from "../options.ts";
import { assertUntraced } from "../autograd/tape.ts";
import { gemm } from "../cpu/gemm.ts";
import { assertMatrix, assertTensor, Tensor } from "../tensor.ts";
import { bidiagonalFactors, bidiagonalize_ } from "./bidiag.ts";
import { bidiagonalSvd_ } from "./bdsqr.ts";
import {
  copyTransposed,
  f64Matrix,
  scaleExponent,
  scalePow2_,
  toTensor,
  transposeData,
} from "./dense.ts";
import { formQ, householderQr_ } from "./householder.ts";
import { simdWorkspace } from "./simd.ts";

/** Options of {@link svd}. */
export interface SvdOptions {
  /** Full factors: u is m×m and vt is n×n (default false: u is m×k, vt is k×n, k = min(m, n)). */
  full?: boolean;
  /** Compute u and vt (default true); when false they are empty (m×0 and 0×n). */
  computeUV?: boolean;
}

/** The factors of {@link svd}: `a = u · diag(s) · vt`. */
export interface SvdResult {
  /** Left singular vectors as columns. */
  u: Tensor;
  /** Singular values, 1-D, non-negative, descending. */
  s: Tensor;
  /** Right singular vectors as rows. */
  vt: Tensor;
}

/**
 * Tall core result (m ≥ n): U (m × uCols), s (n), V (n × n) with the vectors as columns, or as
 * rows (that is, Vᵀ) when `vRows`.
 */
interface TallSvd {
  u: Float64Array | null;
  uCols: number;
  s: Float64Array;
  v: Float64Array | null;
  vRows: boolean;
}

/** QR first pays off once the matrix is this much taller than wide (LAPACK's crossover). */
const QR_FIRST_RATIO = 1.6;

/**
 * Up to this many entries (m·n) the rotations go straight to the columns of U and V; from about
 * 11 × 11 on, copying the factors into the SIMD kernels' memory and back pays (measured 0.84 vs
 * 0.94 of ml-matrix's time at 16 × 16, 0.92 vs 0.87 at 8 × 8).
 */
const SMALL_ROTATE_MAX = 10 * 10;

function svdTall(w: Float64Array, m: number, n: number, wantUV: boolean, full: boolean): TallSvd {
  const uCols = full ? m : n;
  if (n > 0 && m >= QR_FIRST_RATIO * n) {
    const tau = householderQr_(w, m, n);
    const r = new Float64Array(n * n);
    for (let i = 0; i < n; i++) r.set(w.subarray(i * n + i, i * n + n), i * n + i);
    const inner = svdTall(r, n, n, wantUV, false);
    if (!wantUV) return { u: null, uCols, s: inner.s, v: null, vRows: false };
    const q = formQ(w, n, m, n, tau, uCols);
    const u = new Float64Array(m * uCols);
    // U = Q·blockdiag(U_R, I): the first n columns through the GEMM, the rest copied.
    gemm({ m, n, k: n, a: q, lda: uCols, b: inner.u!, ldb: n, c: u, ldc: uCols });
    for (let i = 0; i < m && uCols > n; i++) {
      u.set(q.subarray(i * uCols + n, (i + 1) * uCols), i * uCols + n);
    }
    return { u, uCols, s: inner.s, v: inner.v, vRows: inner.vRows };
  }
  // Bidiagonalize in the SIMD kernels' memory when it can (its row updates run there).
  const simd = n >= 16 ? simdWorkspace([m * n, n, m, m, m]) : null;
  if (simd) simd.arrays[0].set(w);
  w = simd ? simd.arrays[0] : w;
  const bd = bidiagonalize_(w, m, n, simd);
  if (!wantUV) {
    bidiagonalSvd_(bd.d, bd.e, n, null, null);
    return { u: null, uCols, s: bd.d, v: null, vRows: false };
  }
  const { q, p } = bidiagonalFactors(w, m, n, bd, uCols);
  // Small factors stay in place: copying them into the SIMD memory and back costs more there.
  const vRows = m * n > SMALL_ROTATE_MAX && rotateAsRows(q, p, m, n, uCols, bd.d, bd.e);
  if (!vRows) {
    bidiagonalSvd_(bd.d, bd.e, n, { x: q, rows: m, ld: uCols }, { x: p, rows: n, ld: n });
  }
  return { u: q, uCols, s: bd.d, v: p, vRows };
}

/**
 * Runs the bidiagonal QR with the vectors stored as rows in the SIMD kernels' memory (each
 * rotation then combines two contiguous rows, two entries per instruction) and copies them
 * back: U into q's first n columns, V as rows into p (p then holds Vᵀ). False where WebAssembly
 * SIMD is unavailable (q and p untouched).
 */
function rotateAsRows(
  q: Float64Array,
  p: Float64Array,
  m: number,
  n: number,
  uCols: number,
  d: Float64Array,
  e: Float64Array,
): boolean {
  const ldU = m + (m & 1), ldV = n + (n & 1); // even: the kernel takes two entries at a time
  const ws = simdWorkspace([n * ldU, n * ldV, n, n, n, n]);
  if (!ws) return false;
  const [ut, vt, cu, su, cv, sv] = ws.arrays;
  copyTransposed(q, 0, uCols, m, n, ut, 0, ldU);
  copyTransposed(p, 0, n, n, n, vt, 0, ldV);
  bidiagonalSvd_(
    d,
    e,
    n,
    { x: ut, rows: m, ld: ldU, byRows: true, rotateRows: ws.rotateRows },
    { x: vt, rows: n, ld: ldV, byRows: true, rotateRows: ws.rotateRows },
    { cu, su, cv, sv },
  );
  copyTransposed(ut, 0, ldU, n, m, q, 0, uCols);
  // V stays as rows: p becomes Vᵀ, the layout svd returns (no transpose there and back).
  for (let i = 0; i < n; i++) p.set(vt.subarray(i * ldV, i * ldV + n), i * n);
  return true;
}

/**
 * Singular value decomposition `a = u · diag(s) · vt` of an m×n matrix (f64 or f32; f32 is
 * decomposed in f64 and the factors rounded to f32). Householder bidiagonalization + implicit
 * QR with Demmel–Kahan zero shifts (Golub & Reinsch 1970; Demmel & Kahan 1990), QR first when
 * m ≥ 1.6·n, the transpose when m < n. Signs follow scikit-learn's `svd_flip` ({@link svdFlip}).
 * The matrix is scaled by an exact power of two first, so entries near 1e±150 are fine.
 * A 0-size input gives empty factors (s of length 0; with `full`, identity u and vt).
 *
 * @throws {RangeError} if `a` is not a matrix or has a non-finite entry.
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { svd } from "./svd.ts";
 * const { u, s, vt } = svd(tensor([[3, 0], [0, -4]]));
 * console.log(s.data, u.shape, vt.shape); // Float64Array [4, 3] [2, 2] [2, 2]
 * ```
 */
export function svd(a: Tensor, opts: SvdOptions = {}): SvdResult {
  checkOptions("svd", opts, { full: "boolean", computeUV: "boolean" });
  const full = opts.full ?? false, wantUV = opts.computeUV ?? true;
  const { m, n, w, dtype } = f64Matrix("svd", "a", a);
  const k = Math.min(m, n);
  const e = scaleExponent(w);
  scalePow2_(w, -e);
  const tall = m >= n;
  const core = tall
    ? svdTall(w, m, n, wantUV, full)
    : svdTall(transposeData(w, m, n), n, m, wantUV, full);
  const s = core.s;
  scalePow2_(s, e);
  const sT = toTensor(s, [k], dtype);
  if (!wantUV) {
    return {
      u: toTensor(new Float64Array(0), [m, 0], dtype),
      s: sT,
      vt: toTensor(new Float64Array(0), [0, n], dtype),
    };
  }
  let u: Tensor, vt: Tensor;
  if (tall) {
    u = new Tensor(core.u!, [m, core.uCols]);
    vt = new Tensor(core.vRows ? core.v! : transposeData(core.v!, n, n), [n, n]);
  } else {
    u = new Tensor(core.vRows ? transposeData(core.v!, m, m) : core.v!, [m, m]);
    vt = new Tensor(transposeData(core.u!, n, core.uCols), [core.uCols, n]);
  }
  svdFlip(u, vt);
  return {
    u: toTensor(u.data as Float64Array, u.shape, dtype),
    s: sT,
    vt: toTensor(vt.data as Float64Array, vt.shape, dtype),
  };
}

/**
 * Singular values of a matrix, descending (no vectors: cheaper than {@link svd}).
 *
 * @throws {RangeError} if `a` is not a matrix or has a non-finite entry.
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { svdvals } from "./svd.ts";
 * console.log(svdvals(tensor([[0, 2], [1, 0]])).data); // Float64Array [2, 1]
 * ```
 */
export function svdvals(a: Tensor): Tensor {
  return svd(a, { computeUV: false }).s;
}

/**
 * Deterministic signs, as scikit-learn's `svd_flip` (u-based): column j of `u` is negated when
 * its entry of largest magnitude (the first, on ties) is negative, and row j of `vt` with it, so
 * `u·diag(s)·vt` is unchanged. In place on both. Rows of `vt` without a partner column in `u`
 * (and columns of `u` without a partner row) are made positive by their own largest entry.
 *
 * @throws {TypeError} if `u` or `vt` is not a Tensor. {@link RangeError} if either is not a matrix.
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { svdFlip } from "./svd.ts";
 * const u = tensor([[-1, 0], [0, 1]]), vt = tensor([[1, 0], [0, 1]]);
 * svdFlip(u, vt);
 * console.log(u.data, vt.data); // Float64Array [1, 0, -0, 1] Float64Array [-1, -0, 0, 1]
 * ```
 */
export function svdFlip(u: Tensor, vt: Tensor): void {
  assertUntraced("svdFlip", { u, vt });
  assertTensor("svdFlip", "u", u);
  assertTensor("svdFlip", "vt", vt);
  const [m, p] = assertMatrix("svdFlip", "u", u);
  const [q, n] = assertMatrix("svdFlip", "vt", vt);
  const ud = u.data, vd = vt.data;
  for (let j = 0; j < Math.max(p, q); j++) {
    let sign: number;
    if (j < p) {
      let best = 0, arg = 0;
      for (let i = 0; i < m; i++) {
        const x = Math.abs(ud[i * p + j]);
        if (x > best) best = x, arg = i;
      }
      sign = m > 0 && ud[arg * p + j] < 0 ? -1 : 1;
    } else {
      let best = 0, arg = 0;
      for (let i = 0; i < n; i++) {
        const x = Math.abs(vd[j * n + i]);
        if (x > best) best = x, arg = i;
      }
      sign = n > 0 && vd[j * n + arg] < 0 ? -1 : 1;
    }
    if (sign === 1) continue;
    if (j < p) { for (let i = 0; i < m; i++) ud[i * p + j] = -ud[i * p + j]; }
    if (j < q) { for (let i = 0; i < n; i++) vd[j * n + i] = -vd[j * n + i]; }
  }
}
