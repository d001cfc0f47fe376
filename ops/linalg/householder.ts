/**
 * Householder reflectors on row-major f64 storage: generation (LAPACK `dlarfg`), the compact WY
 * representation `H₁⋯H_b = I − V·T·Vᵀ` (Schreiber & Van Loan, "A storage-efficient WY
 * representation for products of Householder transformations", SIAM J. Sci. Stat. Comput. 10,
 * 1989; LAPACK `dlarft`) and its application through the GEMM (`dlarfb`), and the accumulation
 * of the orthogonal factor (`dorgqr`).
 *
 * @module
 */
import { gemm } from "../cpu/gemm.ts";
import { scaledNorm2 } from "../norm.ts";
import { Scratch } from "./_scratch.ts";
import { accumulateQ_, accumulateQFromRows_ } from "./householder_unblocked.ts";

/**
 * Block size of the compact WY updates: wide enough for the GEMM, narrow enough for L1/L2.
 *
 * @example
 * ```ts
 * import { BLOCK } from "./householder.ts";
 * console.log(Math.ceil(100 / BLOCK)); // 4 (panels of a 100-column factorization)
 * ```
 */
export const BLOCK = 32;

/**
 * Largest output (entries) accumulated reflector by reflector instead of in compact WY blocks:
 * measured on the 2-core VM, the unblocked form is 2–7× faster up to 32 × 32 and even at
 * 48 × 32; the GEMMs win from 64 × 32 on.
 */
const UNBLOCKED_MAX = 48 * 32;

const QR_WORK = new Scratch();

/**
 * Turns `x = (α, x₁, …)` (n entries `x[off + i·stride]`) into a reflector `H = I − τ·v·vᵀ` with
 * `H·x = (β, 0, …)`: overwrites `x[off]` with β and the rest with `v₁…` (`v₀ = 1` is implicit)
 * and returns τ (0 when x is already of that form, H = I).
 *
 * @example
 * ```ts
 * import { makeReflector } from "./householder.ts";
 * const x = new Float64Array([3, 4]);
 * const tau = makeReflector(x, 0, 1, 2);
 * console.log(x[0], tau); // -5 1.6
 * ```
 */
export function makeReflector(x: Float64Array, off: number, stride: number, n: number): number {
  if (n <= 1) return 0;
  let ss = 0;
  for (let i = 1, p = off + stride; i < n; i++, p += stride) ss += x[p] * x[p];
  // Squares of tiny or huge entries under/overflow: fall back to the scaled norm then.
  const xnorm = ss > 1e-280 && ss < 1e280
    ? Math.sqrt(ss)
    : scaledNorm2(x, n - 1, off + stride, stride);
  if (xnorm === 0) return 0;
  const alpha = x[off];
  const big = Math.max(Math.abs(alpha), xnorm);
  const h = big * Math.sqrt((alpha / big) ** 2 + (xnorm / big) ** 2);
  const beta = alpha >= 0 ? -h : h;
  const tau = (beta - alpha) / beta;
  const denom = alpha - beta;
  for (let i = 1, p = off + stride; i < n; i++, p += stride) x[p] /= denom;
  x[off] = beta;
  return tau;
}

/**
 * Copies reflectors `j0 … j0+nb−1`, stored below the diagonal of the row-major matrix `w`
 * (leading dimension `ld`, `m` rows), into a dense `(m−j0) × nb` block `V` with the implicit unit
 * diagonal and zeros above it written out, as the GEMM needs.
 *
 * @example
 * ```ts
 * import { denseV } from "./householder.ts";
 * const w = new Float64Array([9, 9, 0.5, 9]);
 * console.log(denseV(w, 2, 2, 0, 1)); // Float64Array [1, 0.5]
 * ```
 */
export function denseV(
  w: Float64Array,
  ld: number,
  m: number,
  j0: number,
  nb: number,
): Float64Array {
  const r = m - j0;
  const v = new Float64Array(r * nb);
  for (let i = 0; i < r; i++) {
    const row = (j0 + i) * ld + j0;
    const lim = Math.min(i, nb);
    for (let c = 0; c < lim; c++) v[i * nb + c] = w[row + c];
    if (i < nb) v[i * nb + i] = 1;
  }
  return v;
}

/**
 * The upper-triangular `nb × nb` factor T of `H₁⋯H_nb = I − V·T·Vᵀ` (forward, columnwise
 * `dlarft`) from the dense `r × nb` block V and the τ's `tau[t0 …]`.
 *
 * @example
 * ```ts
 * import { triangularFactor } from "./householder.ts";
 * console.log(triangularFactor(new Float64Array([1, 0]), 2, 1, new Float64Array([2]), 0));
 * // Float64Array [2]
 * ```
 */
export function triangularFactor(
  v: Float64Array,
  r: number,
  nb: number,
  tau: Float64Array,
  t0: number,
): Float64Array {
  const t = new Float64Array(nb * nb);
  // The Gram matrix G = VᵀV in one GEMM (V is dense with its zeros and unit diagonal), so the
  // recurrence below costs nb³ instead of r·nb² scalar flops.
  const g = new Float64Array(nb * nb);
  gemm({ m: nb, n: nb, k: r, a: v, lda: nb, transA: true, b: v, ldb: nb, c: g, ldc: nb });
  for (let i = 0; i < nb; i++) {
    const ti = tau[t0 + i];
    t[i * nb + i] = ti;
    if (ti === 0 || i === 0) continue;
    // column i of T: −τᵢ·T[0:i, 0:i]·(V[:, 0:i]ᵀ·vᵢ) = −τᵢ·T[0:i, 0:i]·G[0:i, i]
    for (let c = 0; c < i; c++) {
      let acc = 0;
      for (let l = c; l < i; l++) acc += t[c * nb + l] * g[l * nb + i];
      t[c * nb + i] = -ti * acc;
    }
  }
  return t;
}

/**
 * `C ← (I − V·T·Vᵀ)·C` (or with `Tᵀ` when `transpose`, i.e. `Hᵀ·C`) for the `r × nc` block of
 * `c` at `cOff` (leading dimension `ldc`), with three GEMMs (Vᵀ·C, T·W, C − V·W).
 *
 * @example
 * ```ts
 * import { applyBlockReflector } from "./householder.ts";
 * const c = new Float64Array([1, 2]);
 * applyBlockReflector(new Float64Array([1, 0]), 2, 1, new Float64Array([2]), c, 0, 1, 1, false);
 * console.log(c); // Float64Array [-1, 2]
 * ```
 */
export function applyBlockReflector(
  v: Float64Array,
  r: number,
  nb: number,
  t: Float64Array,
  c: Float64Array,
  cOff: number,
  ldc: number,
  nc: number,
  transpose: boolean,
): void {
  if (nc === 0 || r === 0) return;
  const w = new Float64Array(nb * nc);
  gemm({
    m: nb,
    n: nc,
    k: r,
    a: v,
    lda: nb,
    transA: true,
    b: c,
    bOffset: cOff,
    ldb: ldc,
    c: w,
    ldc: nc,
  });
  // W ← T·W (or Tᵀ·W) through the GEMM too: T is dense upper triangular, its zeros cost
  // nb²·nc flops, far less than a scalar triangular loop costs in time.
  const tw = new Float64Array(nb * nc);
  gemm({ m: nb, n: nc, k: nb, a: t, lda: nb, transA: transpose, b: w, ldb: nc, c: tw, ldc: nc });
  gemm({
    m: r,
    n: nc,
    k: nb,
    a: v,
    lda: nb,
    b: tw,
    ldb: nc,
    c,
    cOffset: cOff,
    ldc,
    alpha: -1,
    beta: 1,
  });
}

/**
 * `C ← Hᵀ·C = (I − τ·v·vᵀ)·C` for one reflector stored in column `col` of `w` from row `r0`
 * (implicit unit first entry), applied to columns `c0 … c1−1` of rows `r0 … m−1`.
 *
 * @example
 * ```ts
 * import { applyReflectorLeft } from "./householder.ts";
 * const w = new Float64Array([9, 1, 0, 2]); // v = (1, 0) in column 0
 * applyReflectorLeft(w, 2, 2, 0, 0, 2, 1, 2, new Float64Array(2));
 * console.log(w); // Float64Array [9, -1, 0, 2]
 * ```
 */
export function applyReflectorLeft(
  w: Float64Array,
  ld: number,
  m: number,
  col: number,
  r0: number,
  tau: number,
  c0: number,
  c1: number,
  work: Float64Array,
): void {
  if (tau === 0 || c1 <= c0) return;
  const nc = c1 - c0;
  for (let j = 0; j < nc; j++) work[j] = w[r0 * ld + c0 + j];
  for (let i = r0 + 1; i < m; i++) {
    const vi = w[i * ld + col];
    if (vi === 0) continue;
    const row = i * ld + c0;
    for (let j = 0; j < nc; j++) work[j] += vi * w[row + j];
  }
  for (let j = 0; j < nc; j++) work[j] *= tau;
  const top = r0 * ld + c0;
  for (let j = 0; j < nc; j++) w[top + j] -= work[j];
  for (let i = r0 + 1; i < m; i++) {
    const vi = w[i * ld + col];
    if (vi === 0) continue;
    const row = i * ld + c0;
    for (let j = 0; j < nc; j++) w[row + j] -= vi * work[j];
  }
}

/**
 * The first `qCols` columns of `Q = H₀⋯H_{k−1}` (m × qCols, row-major) from `k` reflectors
 * stored below the diagonal of `w` (LAPACK `dorgqr`, blocked: each block is applied to the
 * identity's trailing part with {@link applyBlockReflector}; small outputs go reflector by
 * reflector, `dorg2r`, without the GEMM).
 *
 * @example
 * ```ts
 * import { formQ } from "./householder.ts";
 * const q = formQ(new Float64Array([0, 1]), 1, 2, 1, new Float64Array([1]), 2);
 * console.log(q); // Float64Array [0, -1, -1, 0]
 * ```
 */
export function formQ(
  w: Float64Array,
  ld: number,
  m: number,
  k: number,
  tau: Float64Array,
  qCols: number,
): Float64Array {
  const q = new Float64Array(m * qCols);
  for (let i = 0; i < Math.min(m, qCols); i++) q[i * qCols + i] = 1;
  if (m * qCols <= UNBLOCKED_MAX) {
    accumulateQ_(w, ld, m, k, tau, q, qCols);
    return q;
  }
  const lastStart = Math.floor(Math.max(k - 1, 0) / BLOCK) * BLOCK;
  for (let j0 = lastStart; j0 >= 0 && k > 0; j0 -= BLOCK) {
    const nb = Math.min(BLOCK, k - j0);
    const v = denseV(w, ld, m, j0, nb);
    const t = triangularFactor(v, m - j0, nb, tau, j0);
    applyBlockReflector(v, m - j0, nb, t, q, j0 * qCols + j0, qCols, qCols - j0, false);
  }
  return q;
}

/**
 * `Q = blockdiag(1, Q')` (n × n) for reflectors stored in the rows of `w` right of the
 * superdiagonal: reflector `i` acts on entries `i+1 … n−1` with `w[i, i+1] = 1` implied (the
 * right-hand reflectors of bidiagonalization and those of tridiagonalization).
 *
 * @example
 * ```ts
 * import { formQFromRows } from "./householder.ts";
 * const q = formQFromRows(new Float64Array(4), 2, 0, new Float64Array(0));
 * console.log(q); // Float64Array [1, 0, 0, 1]
 * ```
 */
export function formQFromRows(
  w: Float64Array,
  n: number,
  count: number,
  tau: Float64Array,
): Float64Array {
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  if (n <= 1 || count === 0) return q;
  if (n * n <= UNBLOCKED_MAX) {
    accumulateQFromRows_(w, n, count, tau, q);
    return q;
  }
  // As formQ, in place in the trailing (n−1) × (n−1) block: block j0 only touches its rows and
  // columns from 1 + j0 while Q is built backwards from the identity.
  const n1 = n - 1;
  const lastStart = Math.floor((count - 1) / BLOCK) * BLOCK;
  for (let j0 = lastStart; j0 >= 0; j0 -= BLOCK) {
    const nb = Math.min(BLOCK, count - j0);
    const v = denseVFromRows(w, n, j0, nb);
    const t = triangularFactor(v, n1 - j0, nb, tau, j0);
    applyBlockReflector(v, n1 - j0, nb, t, q, (1 + j0) * n + 1 + j0, n, n1 - j0, false);
  }
  return q;
}

/**
 * `z ← Q·z` in place for the n × n row-major `z`, with `Q` as in {@link formQFromRows}, applied
 * block by block (compact WY, LAPACK `dormtr`): 2n³ flops instead of forming Q and multiplying.
 *
 * @example
 * ```ts
 * import { applyQFromRows_ } from "./householder.ts";
 * const z = new Float64Array([1, 2, 3, 4]);
 * applyQFromRows_(new Float64Array(4), 2, 0, new Float64Array(0), z);
 * console.log(z); // Float64Array [1, 2, 3, 4]
 * ```
 */
export function applyQFromRows_(
  w: Float64Array,
  n: number,
  count: number,
  tau: Float64Array,
  z: Float64Array,
): void {
  if (n <= 1 || count === 0) return;
  const n1 = n - 1;
  const lastStart = Math.floor((count - 1) / BLOCK) * BLOCK;
  for (let j0 = lastStart; j0 >= 0; j0 -= BLOCK) {
    const nb = Math.min(BLOCK, count - j0);
    const v = denseVFromRows(w, n, j0, nb);
    const t = triangularFactor(v, n1 - j0, nb, tau, j0);
    applyBlockReflector(v, n1 - j0, nb, t, z, (1 + j0) * n, n, n, false);
  }
}

/**
 * The dense `(n−1−j0) × nb` block V of the reflectors `j0 … j0+nb−1` stored in the rows of `w`
 * (as {@link formQFromRows}), read straight from the rows: V[i, c] = w[j0+c, j0+1+i] below the
 * unit diagonal, zero above it.
 */
function denseVFromRows(w: Float64Array, n: number, j0: number, nb: number): Float64Array {
  const r = n - 1 - j0;
  const v = new Float64Array(r * nb);
  for (let c = 0; c < nb; c++) {
    const src = (j0 + c) * n + j0 + 1;
    v[c * nb + c] = 1;
    for (let i = c + 1; i < r; i++) v[i * nb + c] = w[src + i];
  }
  return v;
}

/**
 * Householder QR in place on the row-major `m × n` array `w` (LAPACK `dgeqrf`): on return R is
 * on and above the diagonal and the reflectors below it; returns the τ's (min(m, n) of them).
 * Panels of {@link BLOCK} columns are factored one reflector at a time and the rest of the matrix
 * is updated with one block reflector (two GEMMs) per panel; a small matrix is factored one
 * reflector at a time throughout (LAPACK `dgeqr2`).
 *
 * @example
 * ```ts
 * import { householderQr_ } from "./householder.ts";
 * const w = new Float64Array([3, 4]); // a 2×1 column
 * householderQr_(w, 2, 1);
 * console.log(w[0]); // -5
 * ```
 */
export function householderQr_(w: Float64Array, m: number, n: number): Float64Array {
  const k = Math.min(m, n);
  const tau = new Float64Array(k);
  const work = QR_WORK.get(n);
  if (m * n <= UNBLOCKED_MAX) {
    for (let j = 0; j < k; j++) {
      tau[j] = makeReflector(w, j * n + j, n, m - j);
      applyReflectorLeft(w, n, m, j, j, tau[j], j + 1, n, work);
    }
    return tau;
  }
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
