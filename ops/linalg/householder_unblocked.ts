/**
 * Unblocked Householder kernels for small matrices (LAPACK `dlarf`, `dorg2r`): each reflector
 * is applied on its own, with one scratch vector and no GEMM. At the orders where the whole
 * matrix fits in L1 (n ≲ 32) the compact WY machinery of `householder.ts` (dense V, the T
 * factor, three GEMMs and their buffers per block) costs more in calls and allocations than the
 * flops it saves; the rounding is that of the same reflectors, applied one by one (Golub & Van
 * Loan, "Matrix Computations", 4th ed., §5.1.6 and §5.2.2).
 *
 * @module
 */
import { Scratch } from "./_scratch.ts";

const WORK = new Scratch();

/**
 * `C ← (I − τ·v·vᵀ)·C` for the `len × nc` block of `c` at `cOff` (leading dimension `ldc`),
 * with `v = (1, v₁, …)`: `v_i = v[vOff + i·vStride]` for i ≥ 1 (the unit first entry is implied
 * and `v[vOff]` is not read). `work` needs `nc` entries.
 *
 * @example
 * ```ts
 * import { reflectRows_ } from "./householder_unblocked.ts";
 * const c = new Float64Array([1, 2, 3, 4]); // 2 × 2
 * // v = (1, 1), τ = 1: H swaps and negates the rows.
 * reflectRows_(new Float64Array([0, 1]), 0, 1, 2, 1, c, 0, 2, 2, new Float64Array(2));
 * console.log(c); // Float64Array [-3, -4, -1, -2]
 * ```
 */
export function reflectRows_(
  v: Float64Array,
  vOff: number,
  vStride: number,
  len: number,
  tau: number,
  c: Float64Array,
  cOff: number,
  ldc: number,
  nc: number,
  work: Float64Array,
): void {
  if (tau === 0 || nc <= 0 || len <= 0) return;
  // work = τ·(vᵀC), then C −= v·workᵀ: two passes over the rows, each row contiguous.
  for (let j = 0; j < nc; j++) work[j] = c[cOff + j];
  // Two rows per pass over `work`: half its loads and stores.
  let i = 1, p = vOff + vStride, row = cOff + ldc;
  for (; i + 1 < len; i += 2, p += 2 * vStride, row += 2 * ldc) {
    const v0 = v[p], v1 = v[p + vStride], row1 = row + ldc;
    for (let j = 0; j < nc; j++) work[j] += v0 * c[row + j] + v1 * c[row1 + j];
  }
  if (i < len) {
    const v0 = v[p];
    for (let j = 0; j < nc; j++) work[j] += v0 * c[row + j];
  }
  for (let j = 0; j < nc; j++) {
    const t = tau * work[j];
    work[j] = t;
    c[cOff + j] -= t;
  }
  i = 1, p = vOff + vStride, row = cOff + ldc;
  for (; i + 1 < len; i += 2, p += 2 * vStride, row += 2 * ldc) {
    const v0 = v[p], v1 = v[p + vStride], row1 = row + ldc;
    for (let j = 0; j < nc; j++) {
      const t = work[j];
      c[row + j] -= v0 * t;
      c[row1 + j] -= v1 * t;
    }
  }
  if (i < len) {
    const v0 = v[p];
    for (let j = 0; j < nc; j++) c[row + j] -= v0 * work[j];
  }
}

/**
 * `Q ← H₀⋯H_{k−1}·Q` for the m × qCols row-major `Q` that holds the first qCols columns of the
 * identity, from `k` reflectors stored below the diagonal of `w` (leading dimension `ld`),
 * applied backwards one at a time (LAPACK `dorg2r`): reflector j only touches rows and columns
 * from j, the rest of Q is still the identity's.
 *
 * @example
 * ```ts
 * import { accumulateQ_ } from "./householder_unblocked.ts";
 * const q = new Float64Array([1, 0, 0, 1]);
 * accumulateQ_(new Float64Array([0, 1]), 1, 2, 1, new Float64Array([1]), q, 2);
 * console.log(q); // Float64Array [0, -1, -1, 0]
 * ```
 */
export function accumulateQ_(
  w: Float64Array,
  ld: number,
  m: number,
  k: number,
  tau: Float64Array,
  q: Float64Array,
  qCols: number,
): void {
  const work = WORK.get(qCols);
  for (let j = k - 1; j >= 0; j--) {
    reflectRows_(w, j * ld + j, ld, m - j, tau[j], q, j * qCols + j, qCols, qCols - j, work);
  }
}

/**
 * `Q ← blockdiag(1, Q')·Q` for the n × n identity `Q`, from `count` reflectors stored in the
 * rows of `w` right of the superdiagonal (reflector i acts on entries i+1 … n−1, `w[i, i+1] = 1`
 * implied), applied backwards one at a time: the unblocked form of `formQFromRows`.
 *
 * @example
 * ```ts
 * import { accumulateQFromRows_ } from "./householder_unblocked.ts";
 * const q = new Float64Array([1, 0, 0, 1]);
 * accumulateQFromRows_(new Float64Array(4), 2, 0, new Float64Array(0), q);
 * console.log(q); // Float64Array [1, 0, 0, 1]
 * ```
 */
export function accumulateQFromRows_(
  w: Float64Array,
  n: number,
  count: number,
  tau: Float64Array,
  q: Float64Array,
): void {
  const work = WORK.get(n);
  for (let k = count - 1; k >= 0; k--) {
    const r = n - 1 - k, at = (k + 1) * n + k + 1;
    reflectRows_(w, k * n + k + 1, 1, r, tau[k], q, at, n, r, work);
  }
}
