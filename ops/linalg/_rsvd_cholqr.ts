/**
 * Internal: orthonormal bases of tall-skinny samples for randomizedSvd, by Cholesky QR applied
 * twice (CholeskyQR2: Fukaya, Nakatsukasa, Yanagisawa & Yamamoto, "CholeskyQR2: a simple and
 * communication-avoiding algorithm for computing a tall-skinny QR factorization", ScalA 2014;
 * Yamamoto, Nakatsukasa, Yanagisawa & Fukaya, "Roundoff error analysis of the CholeskyQR2
 * algorithm", ETNA 44, 2015). Each pass is a Gram GEMM, an `l × l` Cholesky and a triangular
 * solve, instead of Householder reflections that touch the sample column by column. CholeskyQR2
 * is accurate (orthogonality and residual O(u)) only while κ(X) ≲ u^(-1/2); worse conditioned
 * samples get one shifted pass first (shifted CholeskyQR3, Fukaya et al., SIAM J. Sci. Comput.
 * 42(1), 2020), and whatever still fails the orthogonality check (rank-deficient samples, as a
 * rule) is refused (`null`) so the caller can use Householder QR.
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
  // In two factors: a subnormal sample needs a scale past 2^1023, which `2 ** -e` makes Infinity
  // (then NaN, and a refusal of a sample CholeskyQR2 handles).
  const e = Math.floor(Math.log2(big)), h = Math.trunc(-e / 2), d1 = 2 ** h, d2 = 2 ** (-e - h);
  const down = (x: number): number => x * d1 * d2;
  for (let i = 0; i < l * n; i++) w[i] = down(xt[i]);
  const g = new Float64Array(l * l);
  let lf = choleskyPass(w, l, n, g, 0, true);
  if (!lf) {
    // Too ill-conditioned for plain CholeskyQR2: one shifted pass first (shifted CholeskyQR3).
    for (let i = 0; i < l * n; i++) w[i] = down(xt[i]);
    const l0 = choleskyPass(w, l, n, g, shiftOf(w, l, n), false);
    const l1 = l0 && choleskyPass(w, l, n, g, 0, false);
    if (!l0 || !l1) return null;
    lf = lowerProduct(l0, l1, l);
  }
  const l2 = choleskyPass(w, l, n, g, 0, false);
  if (!l2 || orthogonalityError(w, l, n, g) > (n + l) * U64) return null;
  xt.set(w.subarray(0, l * n));
  // X = Q·R with R = R_last···R_first = (L_first···L_last)ᵀ, unscaled by the power of two.
  const lt = lowerProduct(lf, l2, l), r = new Float64Array(l * l), up = 2 ** e;
  for (let i = 0; i < l; i++) for (let j = i; j < l; j++) r[i * l + j] = lt[j * l + i] * up;
  return r;
}

/**
 * The shift of shifted Cholesky QR, `11·(N·l + l·(l + 1))·u·‖X‖²` with the Frobenius norm as
 * the (larger) stand-in for ‖X‖₂ (Fukaya, Kannan, Nakatsukasa, Yamamoto & Yanagisawa, "Shifted
 * Cholesky QR for computing the QR factorization of ill-conditioned matrices", SIAM J. Sci.
 * Comput. 42(1), 2020, §3): the Cholesky factorization then succeeds for any full-rank X with
 * κ(X) up to about u⁻¹, and the computed Q has κ(Q) ≲ u^(-1/2), in reach of CholeskyQR2.
 */
function shiftOf(w: Float64Array, l: number, n: number): number {
  let ss = 0;
  for (let i = 0; i < l * n; i++) ss += w[i] * w[i]; // entries ≤ 1 after scaling: no overflow
  return 11 * (n * l + l * (l + 1)) * U64 * ss;
}

/** `a·b` of two lower triangular `l × l` row-major matrices. */
function lowerProduct(a: Float64Array, b: Float64Array, l: number): Float64Array {
  const c = new Float64Array(l * l);
  for (let i = 0; i < l; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let t = j; t <= i; t++) s += a[i * l + t] * b[t * l + j];
      c[i * l + j] = s;
    }
  }
  return c;
}

/**
 * One Cholesky QR pass on `w` (`l × N`, transposed storage) in place: `G + shift·I = W·Wᵀ +
 * shift·I = L·Lᵀ`, then `W ← L⁻¹·W`. Returns L (a copy), or null when the Cholesky
 * factorization breaks down or, with `guard`, when L's diagonal spans more than
 * {@link MIN_DIAGONAL_RATIO}.
 */
function choleskyPass(
  w: Float64Array,
  l: number,
  n: number,
  g: Float64Array,
  shift: number,
  guard: boolean,
): Float64Array | null {
  gemm({ m: l, n: l, k: n, a: w, lda: n, b: w, ldb: n, transB: true, c: g, ldc: l });
  for (let i = 0; i < l; i++) g[i * l + i] += shift;
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
