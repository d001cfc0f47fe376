/**
 * Internal: orthonormal bases of tall-skinny samples for randomizedSvd, by Cholesky QR applied
 * twice (CholeskyQR2: Fukaya, Nakatsukasa, Yanagisawa & Yamamoto, "CholeskyQR2: a simple and
 * communication-avoiding algorithm for computing a tall-skinny QR factorization", ScalA 2014;
 * Yamamoto, Nakatsukasa, Yanagisawa & Fukaya, "Roundoff error analysis of the CholeskyQR2
 * algorithm", ETNA 44, 2015). Each pass is a Gram GEMM, an `l × l` Cholesky and a triangular
 * solve, instead of Householder reflections that touch the sample column by column. CholeskyQR2
 * is accurate (orthogonality and residual O(u)) only while κ(X) ≲ u^(-1/2); a sample that is
 * rank deficient or worse conditioned is refused (`null`) so the caller can use Householder QR.
 * Samples are stored transposed (`l × N` row-major: the columns of the `N × l` X contiguous).
 *
 * @module
 */
import { gemm } from "../cpu/gemm.ts";
import { choleskyInPlace } from "./_cholesky_kernel.ts";
import { qr } from "./qr.ts";
import { Tensor } from "../tensor.ts";

/**
 * Smallest accepted ratio of the first Cholesky factor's smallest to largest diagonal entry.
 * Below it κ(X) is at least ~10⁶, too close to the u^(-1/2) ≈ 7·10⁷ limit of CholeskyQR2.
 */
const MIN_DIAGONAL_RATIO = 2 ** -20;

/** Unit roundoff of f64. */
const U64 = 2 ** -53;

/**
 * CholeskyQR2 of `X = xtᵀ` (`N × l`, `N ≥ l`) given transposed in `xt` (`l × N`): on success
 * `xt` holds `Qᵀ` (orthonormal Q: `max |QᵀQ − I| ≤ (N + l)·u` is checked) and the upper
 * triangular R (`l × l` row-major, `X = Q·R`) is returned. Returns null, with `xt` unchanged,
 * when X is too ill-conditioned or rank deficient for CholeskyQR2, or is zero. Entries are
 * scaled by a power of two first, so the Gram matrix of 1e±150 entries neither overflows nor
 * underflows. `w` (at least `l·N` elements) is the working copy; by default a fresh one.
 *
 * @example
 * ```ts
 * import { cholQr2T } from "./_rsvd_cholqr.ts";
 * const xt = new Float64Array([3, 4]); // X = [[3], [4]]
 * console.log(cholQr2T(xt, 1, 2), xt); // Float64Array [5] Float64Array [0.6, 0.8]
 * ```
 */
export function cholQr2T(
  xt: Float64Array,
  l: number,
  n: number,
  w: Float64Array = new Float64Array(l * n),
): Float64Array | null {
  let big = 0;
  for (let i = 0; i < l * n; i++) big = Math.max(big, Math.abs(xt[i]));
  if (!(big > 0) || !Number.isFinite(big)) return null;
  const e = Math.floor(Math.log2(big)), down = 2 ** -e;
  for (let i = 0; i < l * n; i++) w[i] = xt[i] * down;
  const g = new Float64Array(l * l);
  const l1 = choleskyPass(w, l, n, g, true);
  if (!l1) return null;
  const l2 = choleskyPass(w, l, n, g, false);
  if (!l2 || orthogonalityError(w, l, n, g) > (n + l) * U64) return null;
  xt.set(w.subarray(0, l * n));
  // R = R2·R1 = L2ᵀ·L1ᵀ, unscaled by the exact power of two.
  const r = new Float64Array(l * l), up = 2 ** e;
  for (let i = 0; i < l; i++) {
    for (let j = i; j < l; j++) {
      let s = 0;
      for (let t = i; t <= j; t++) s += l2[t * l + i] * l1[j * l + t];
      r[i * l + j] = s * up;
    }
  }
  return r;
}

/**
 * One Cholesky QR pass on `w` (`l × N`, transposed storage) in place: `G = W·Wᵀ = L·Lᵀ`, then
 * `W ← L⁻¹·W`. Returns L (a copy), or null when the Cholesky factorization breaks down or, on
 * the first pass (`guard`), when L's diagonal spans more than {@link MIN_DIAGONAL_RATIO}.
 */
function choleskyPass(
  w: Float64Array,
  l: number,
  n: number,
  g: Float64Array,
  guard: boolean,
): Float64Array | null {
  gemm({ m: l, n: l, k: n, a: w, lda: n, b: w, ldb: n, transB: true, c: g, ldc: l });
  if (choleskyInPlace(g, l) >= 0) return null;
  let lo = Infinity, hi = 0;
  for (let i = 0; i < l; i++) {
    lo = Math.min(lo, g[i * l + i]);
    hi = Math.max(hi, g[i * l + i]);
  }
  if (!(lo > 0) || (guard && lo < MIN_DIAGONAL_RATIO * hi)) return null;
  const lf = g.slice();
  forwardSolveRows(lf, l, w, n);
  return lf;
}

/** `W ← L⁻¹·W` for lower `L` (`l × l`) and `W` (`l × N`): row substitution, four rows a pass. */
function forwardSolveRows(lf: Float64Array, l: number, w: Float64Array, n: number): void {
  for (let i = 0; i < l; i++) {
    const ri = i * n, li = i * l;
    let s = 0;
    for (; s + 4 <= i; s += 4) {
      const c0 = lf[li + s], c1 = lf[li + s + 1], c2 = lf[li + s + 2], c3 = lf[li + s + 3];
      const o0 = s * n, o1 = o0 + n, o2 = o1 + n, o3 = o2 + n;
      for (let j = 0; j < n; j++) {
        w[ri + j] -= c0 * w[o0 + j] + c1 * w[o1 + j] + c2 * w[o2 + j] + c3 * w[o3 + j];
      }
    }
    for (; s < i; s++) {
      const c = lf[li + s], o = s * n;
      for (let j = 0; j < n; j++) w[ri + j] -= c * w[o + j];
    }
    const inv = 1 / lf[li + i];
    for (let j = 0; j < n; j++) w[ri + j] *= inv;
  }
}

/** `max |W·Wᵀ − I|` (the orthogonality of Q = Wᵀ), with `g` as scratch. */
function orthogonalityError(w: Float64Array, l: number, n: number, g: Float64Array): number {
  gemm({ m: l, n: l, k: n, a: w, lda: n, b: w, ldb: n, transB: true, c: g, ldc: l });
  let err = 0;
  for (let i = 0; i < l; i++) {
    for (let j = 0; j < l; j++) err = Math.max(err, Math.abs(g[i * l + j] - (i === j ? 1 : 0)));
  }
  return err;
}

/**
 * Overwrites `xt` (`l × N`, the transposed `N × l` sample X, `N ≥ l`) with `Qᵀ` for an
 * orthonormal basis Q of X's columns: CholeskyQR2 ({@link cholQr2T}) when it is accurate, else
 * blocked Householder QR (`qr`), which also handles rank-deficient and zero samples. `w` is
 * CholeskyQR2's scratch (see {@link cholQr2T}).
 *
 * @example
 * ```ts
 * import { orthonormalizeT } from "./_rsvd_cholqr.ts";
 * const xt = new Float64Array([0, 0, 0]); // X = 0 (3 × 1): Householder gives a unit column
 * orthonormalizeT(xt, 1, 3);
 * console.log(Math.hypot(...xt)); // 1
 * ```
 */
export function orthonormalizeT(
  xt: Float64Array,
  l: number,
  n: number,
  w: Float64Array = new Float64Array(l * n),
): void {
  if (cholQr2T(xt, l, n, w)) return;
  const x = new Float64Array(n * l);
  for (let j = 0; j < l; j++) for (let i = 0; i < n; i++) x[i * l + j] = xt[j * n + i];
  const q = qr(new Tensor(x, [n, l])).q.data;
  for (let j = 0; j < l; j++) for (let i = 0; i < n; i++) xt[j * n + i] = q[i * l + j];
}
