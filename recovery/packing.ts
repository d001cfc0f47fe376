/**
 * Packed-symmetric layout (upper triangle, row by row: `d(d+1)/2` entries). To evaluate
 * `⟨B, M⟩` with a packed symmetric `B` as one plain dot product, `M` is packed with its
 * off-diagonal pairs summed (`M_jk + M_kj`, i.e. doubled when `M` is symmetric); the stored `B`
 * is never doubled, so an accumulator `Σ w_i B_i` unpacks without halving (spec §9).
 *
 * @module
 */

/**
 * Packs a full row-major `d×d` matrix for dot products with packed symmetric matrices:
 * `out[p(j,k)] = M_jj` on the diagonal and `M_jk + M_kj` above it.
 *
 * @example
 * ```ts
 * import { packSymmetric } from "./packing.ts";
 * console.log(packSymmetric(new Float64Array([1, 2, 2, 3]), 2, new Float64Array(3)));
 * // Float64Array [1, 4, 3]
 * ```
 */
export function packSymmetric(full: Float64Array, d: number, out: Float64Array): Float64Array {
  let p = 0;
  for (let j = 0; j < d; j++) {
    out[p++] = full[j * d + j];
    for (let k = j + 1; k < d; k++) out[p++] = full[j * d + k] + full[k * d + j];
  }
  return out;
}

/**
 * Unpacks a packed symmetric matrix (upper triangle, stored once) into full row-major `d×d`.
 *
 * @example
 * ```ts
 * import { unpackSymmetric } from "./packing.ts";
 * console.log(unpackSymmetric(new Float64Array([1, 2, 3]), 2, new Float64Array(4)));
 * // Float64Array [1, 2, 2, 3]
 * ```
 */
export function unpackSymmetric(
  packed: ArrayLike<number>,
  d: number,
  out: Float64Array,
): Float64Array {
  let p = 0;
  for (let j = 0; j < d; j++) {
    for (let k = j; k < d; k++) {
      const v = packed[p++];
      out[j * d + k] = v;
      out[k * d + j] = v;
    }
  }
  return out;
}
