/**
 * Internal: the in-place blocked LU kernel (partial pivoting) behind lu, ldu, solve, det and
 * the LU normalizer of randomizedSvd.
 *
 * @module
 */
import { gemm } from "../cpu/gemm.ts";

const NB = 48; // panel width: the panel (m × NB) stays in L2 for the sizes we target

/**
 * Factors the row-major `m × n` matrix in `w` in place (multipliers of L below the diagonal,
 * U on and above it) and returns the row permutation. A pivot column that is exactly zero is
 * left as is (zero pivot, zero multipliers), so singular input gives a valid factorization
 * with a zero on U's diagonal instead of NaN (as LAPACK `dgetrf` with `info > 0`).
 *
 * @example
 * ```ts
 * import { luInPlace } from "./_lu_kernel.ts";
 * const w = new Float64Array([1, 2, 3, 4]);
 * console.log(Array.from(luInPlace(w, 2, 2))); // [1, 0]
 * ```
 */
export function luInPlace(w: Float64Array, m: number, n: number): Int32Array {
  const perm = new Int32Array(m);
  for (let i = 0; i < m; i++) perm[i] = i;
  const k = Math.min(m, n);
  for (let j0 = 0; j0 < k; j0 += NB) {
    const jb = Math.min(NB, k - j0);
    factorPanel(w, m, n, j0, jb, perm);
    const c0 = j0 + jb;
    if (c0 >= n) continue;
    solveBlockRow(w, n, j0, jb);
    if (c0 < m) updateTrailing(w, m, n, j0, jb);
  }
  return perm;
}

/** Unblocked elimination of columns `j0 .. j0+jb` over rows `j0 .. m`; swaps whole rows. */
function factorPanel(
  w: Float64Array,
  m: number,
  n: number,
  j0: number,
  jb: number,
  perm: Int32Array,
): void {
  const jEnd = j0 + jb;
  for (let j = j0; j < jEnd; j++) {
    let piv = j, best = Math.abs(w[j * n + j]);
    for (let i = j + 1; i < m; i++) {
      const v = Math.abs(w[i * n + j]);
      if (v > best) {
        best = v;
        piv = i;
      }
    }
    if (piv !== j) swapRows(w, n, j, piv, perm);
    const d = w[j * n + j];
    if (d === 0) continue; // the whole column is zero: nothing to eliminate
    const inv = 1 / d;
    const useInv = Number.isFinite(inv); // 1/d overflows for subnormal pivots: divide instead
    for (let i = j + 1; i < m; i++) {
      const r = i * n;
      const lij = useInv ? w[r + j] * inv : w[r + j] / d;
      w[r + j] = lij;
      if (lij === 0) continue;
      const jr = j * n;
      for (let c = j + 1; c < jEnd; c++) w[r + c] -= lij * w[jr + c];
    }
  }
}

function swapRows(w: Float64Array, n: number, a: number, b: number, perm: Int32Array): void {
  const ra = a * n, rb = b * n;
  for (let c = 0; c < n; c++) {
    const t = w[ra + c];
    w[ra + c] = w[rb + c];
    w[rb + c] = t;
  }
  const t = perm[a];
  perm[a] = perm[b];
  perm[b] = t;
}

/** `U12 = L11⁻¹ A12` for the block row right of the panel (unit lower forward substitution). */
function solveBlockRow(w: Float64Array, n: number, j0: number, jb: number): void {
  const c0 = j0 + jb;
  for (let i = j0 + 1; i < c0; i++) {
    const ri = i * n;
    for (let t = j0; t < i; t++) {
      const l = w[ri + t];
      if (l === 0) continue;
      const rt = t * n;
      for (let c = c0; c < n; c++) w[ri + c] -= l * w[rt + c];
    }
  }
}

/** `A22 -= L21 · U12` by GEMM; L21 and U12 are copied out so C never aliases A or B. */
function updateTrailing(w: Float64Array, m: number, n: number, j0: number, jb: number): void {
  const c0 = j0 + jb, m2 = m - c0, n2 = n - c0;
  const l21 = new Float64Array(m2 * jb);
  for (let i = 0; i < m2; i++) {
    const r = (c0 + i) * n + j0;
    l21.set(w.subarray(r, r + jb), i * jb);
  }
  const u12 = new Float64Array(jb * n2);
  for (let t = 0; t < jb; t++) {
    const r = (j0 + t) * n + c0;
    u12.set(w.subarray(r, r + n2), t * n2);
  }
  gemm({
    m: m2,
    n: n2,
    k: jb,
    a: l21,
    lda: jb,
    b: u12,
    ldb: n2,
    c: w,
    cOffset: c0 * n + c0,
    ldc: n,
    alpha: -1,
    beta: 1,
  });
}

/**
 * Splits an in-place LU factor into its unit lower `m × k` and upper `k × n` parts.
 *
 * @example
 * ```ts
 * import { splitLu } from "./_lu_kernel.ts";
 * const { l, u } = splitLu(new Float64Array([2, 1, 0.5, 3]), 2, 2);
 * console.log(l, u); // Float64Array [1, 0, 0.5, 1] Float64Array [2, 1, 0, 3]
 * ```
 */
export function splitLu(
  w: Float64Array,
  m: number,
  n: number,
): { l: Float64Array; u: Float64Array } {
  const k = Math.min(m, n);
  const l = new Float64Array(m * k), u = new Float64Array(k * n);
  for (let i = 0; i < m; i++) {
    const lim = Math.min(i, k);
    for (let j = 0; j < lim; j++) l[i * k + j] = w[i * n + j];
    if (i < k) {
      l[i * k + i] = 1;
      u.set(w.subarray(i * n + i, i * n + n), i * n + i);
    }
  }
  return { l, u };
}

/**
 * Sign (+1 or -1) of a permutation, from its cycle decomposition.
 *
 * @example
 * ```ts
 * import { permutationSign } from "./_lu_kernel.ts";
 * console.log(permutationSign(Int32Array.of(1, 0, 2))); // -1
 * ```
 */
export function permutationSign(perm: Int32Array): number {
  const seen = new Uint8Array(perm.length);
  let sign = 1;
  for (let i = 0; i < perm.length; i++) {
    if (seen[i]) continue;
    let len = 0;
    for (let j = i; !seen[j]; j = perm[j]) {
      seen[j] = 1;
      len++;
    }
    if (len % 2 === 0) sign = -sign;
  }
  return sign;
}
