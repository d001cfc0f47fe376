/**
 * Internal: the LU normalizer of randomizedSvd's power iterations. A sample `Y` (`m × l`,
 * `m ≥ l`, l a few dozen) is replaced by `P·L` of its partially pivoted LU, as scikit-learn's
 * `scipy.linalg.lu(permute_l=True)`. Samples are stored transposed (`l × m` row-major, each
 * column of Y contiguous), so the pivot search, the scaling and the updates all run along
 * contiguous columns. Left-looking (Crout) order, as LAPACK's `dgetf2` variants in Golub & Van
 * Loan, "Matrix Computations", 4th ed., §3.4: column `c` receives all earlier columns' updates
 * in one pass, eight at a time, so each of its entries is loaded and stored once per eight
 * multiply-adds instead of once per multiply-add (right-looking); the sums are rounded as four
 * at a time (the bits of the four-column version; 1.5 against 1.6 ms CPU for 2000×42). Pivots
 * are the largest magnitude in the column, as in `lu`, so the factors equal `lu`'s up to
 * rounding.
 *
 * @module
 */

/**
 * Overwrites `out` (`l × m` row-major) with `(P·L)ᵀ` for the pivoted LU `Y = P·L·U` of the
 * sample stored transposed in `yt` (`l × m`, `m ≥ l`), which is destroyed. `perm` (length m) is
 * scratch. An exactly zero pivot column keeps zero multipliers (as LAPACK `dgetrf`), so rank-
 * deficient samples give a finite `P·L`.
 *
 * @example
 * ```ts
 * import { luBasisT } from "./_rsvd_lu.ts";
 * // Y = [[1, 2], [4, 2]] stored transposed: columns (1, 4) and (2, 2).
 * const out = new Float64Array(4);
 * luBasisT(new Float64Array([1, 4, 2, 2]), 2, 2, out, new Int32Array(2));
 * console.log(out); // Float64Array [0.25, 1, 1, 0]: P·L = [[0.25, 1], [1, 0]]
 * ```
 */
export function luBasisT(
  yt: Float64Array,
  m: number,
  l: number,
  out: Float64Array,
  perm: Int32Array,
): void {
  for (let i = 0; i < m; i++) perm[i] = i;
  for (let c = 0; c < l; c++) {
    substituteTop(yt, m, c);
    updateBelow(yt, m, c);
    pivotAndScale(yt, m, l, c, perm);
  }
  out.fill(0, 0, l * m);
  for (let j = 0; j < l; j++) {
    const col = j * m;
    out[col + perm[j]] = 1;
    for (let i = j + 1; i < m; i++) out[col + perm[i]] = yt[col + i];
  }
}

/** `U[0:c, c]`: forward substitution with the unit lower `L[0:c, 0:c]` (c ≤ l: tiny). */
function substituteTop(t: Float64Array, m: number, c: number): void {
  const cc = c * m;
  for (let i = 1; i < c; i++) {
    let s = t[cc + i];
    for (let q = 0; q < i; q++) s -= t[q * m + i] * t[cc + q];
    t[cc + i] = s;
  }
}

/**
 * `Y[c:m, c] -= L[c:m, 0:c]·U[0:c, c]`, eight columns of L per pass (as two subtractions of
 * four-term sums, the rounding of two four-column passes), then four, then one.
 */
function updateBelow(t: Float64Array, m: number, c: number): void {
  const cc = c * m;
  let q = 0;
  for (; q + 8 <= c; q += 8) {
    const o0 = q * m, o1 = o0 + m, o2 = o1 + m, o3 = o2 + m;
    const o4 = o3 + m, o5 = o4 + m, o6 = o5 + m, o7 = o6 + m;
    const u0 = t[cc + q], u1 = t[cc + q + 1], u2 = t[cc + q + 2], u3 = t[cc + q + 3];
    const u4 = t[cc + q + 4], u5 = t[cc + q + 5], u6 = t[cc + q + 6], u7 = t[cc + q + 7];
    for (let i = c; i < m; i++) {
      const x = t[cc + i] - (u0 * t[o0 + i] + u1 * t[o1 + i] + u2 * t[o2 + i] + u3 * t[o3 + i]);
      t[cc + i] = x - (u4 * t[o4 + i] + u5 * t[o5 + i] + u6 * t[o6 + i] + u7 * t[o7 + i]);
    }
  }
  for (; q + 4 <= c; q += 4) {
    const o0 = q * m, o1 = o0 + m, o2 = o1 + m, o3 = o2 + m;
    const u0 = t[cc + q], u1 = t[cc + q + 1], u2 = t[cc + q + 2], u3 = t[cc + q + 3];
    for (let i = c; i < m; i++) {
      t[cc + i] -= u0 * t[o0 + i] + u1 * t[o1 + i] + u2 * t[o2 + i] + u3 * t[o3 + i];
    }
  }
  for (; q < c; q++) {
    const o = q * m, u = t[cc + q];
    if (u === 0) continue;
    for (let i = c; i < m; i++) t[cc + i] -= u * t[o + i];
  }
}

/** Picks the pivot of column `c`, swaps whole rows (all l columns), scales the multipliers. */
function pivotAndScale(t: Float64Array, m: number, l: number, c: number, perm: Int32Array): void {
  const cc = c * m;
  let piv = c, best = Math.abs(t[cc + c]);
  for (let i = c + 1; i < m; i++) {
    const v = Math.abs(t[cc + i]);
    if (v > best) {
      best = v;
      piv = i;
    }
  }
  if (piv !== c) {
    for (let j = 0; j < l; j++) {
      const o = j * m, x = t[o + c];
      t[o + c] = t[o + piv];
      t[o + piv] = x;
    }
    const p = perm[c];
    perm[c] = perm[piv];
    perm[piv] = p;
  }
  const d = t[cc + c];
  if (d === 0) return; // the column is zero from the diagonal down: nothing to eliminate
  const inv = 1 / d;
  if (Number.isFinite(inv)) {
    for (let i = c + 1; i < m; i++) t[cc + i] *= inv;
  } else {
    for (let i = c + 1; i < m; i++) t[cc + i] /= d; // 1/d overflows for subnormal pivots
  }
}
