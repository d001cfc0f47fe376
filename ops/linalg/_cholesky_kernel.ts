/**
 * Internal: the in-place Cholesky kernel behind cholesky and nystrom.
 *
 * @module
 */

/**
 * Factors the lower triangle of the row-major `n × n` matrix in `w` in place (`L` on and below
 * the diagonal; the strict upper triangle is zeroed). Returns -1 on success, or the index of
 * the first pivot that is not positive (then `w` is partly overwritten).
 *
 * @example
 * ```ts
 * import { choleskyInPlace } from "./_cholesky_kernel.ts";
 * const w = new Float64Array([4, 2, 2, 5]);
 * console.log(choleskyInPlace(w, 2), w); // -1 Float64Array [2, 0, 1, 2]
 * ```
 */
export function choleskyInPlace(w: Float64Array, n: number): number {
  // Row-oriented (Cholesky–Banachiewicz): each entry is a dot product of two contiguous
  // row prefixes of L, the cache-friendly order for row-major storage.
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      let s = w[ri + j];
      for (let t = 0; t < j; t++) s -= w[ri + t] * w[rj + t];
      if (j < i) {
        w[ri + j] = s / w[rj + j];
        continue;
      }
      if (!(s > 0)) {
        w[ri + i] = s;
        return i;
      }
      w[ri + i] = Math.sqrt(s);
    }
    w.fill(0, ri + i + 1, ri + n);
  }
  return -1;
}
