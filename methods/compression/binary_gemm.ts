/**
 * Bit-packed ±1 matrices and their product by XOR and popcount: for rows a, b ∈ {−1, +1}^k,
 * `a·b = k − 2·popcount(bits(a) XOR bits(b))`, 32 multiply-adds per word. This is how the binary
 * matmuls of BiPFT (Xing et al., AAAI 2024; spec `compression_optim_attention.md` §4
 * "Complexity") run on hardware without floating point; `benches/compression_bench.ts`
 * measures it against the f32 GEMM.
 *
 * @module
 */
import { shapeStr, Tensor } from "../../ops/tensor.ts";

/** A `rows × k` sign matrix, one bit per entry (1: ≥ 0, 0: < 0), rows padded to 32-bit words. */
export interface PackedSigns {
  /** Rows. */
  readonly rows: number;
  /** Columns (the inner dimension of a product). */
  readonly k: number;
  /** `ceil(k/32)` words per row. */
  readonly wordsPerRow: number;
  /** The bits, row-major; the padding bits of the last word are 0. */
  readonly words: Uint32Array;
}

/**
 * Packs the signs of a matrix: bit 1 where the entry is ≥ 0 (so 0 counts as +1; BWN's rare
 * exact zeros become +1 here), 0 where it is negative.
 *
 * @throws {TypeError} if `x` is not a matrix Tensor.
 * @throws {RangeError} if `x` has a NaN entry (it has no sign).
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { packSigns } from "./binary_gemm.ts";
 * console.log(packSigns(tensor([[1, -1, 2]])).words); // Uint32Array(1) [ 5 ]
 * ```
 */
export function packSigns(x: Tensor): PackedSigns {
  if (!(x instanceof Tensor) || x.ndim !== 2) {
    throw new TypeError(
      `packSigns: x must be a matrix Tensor, got ${
        x instanceof Tensor ? shapeStr(x.shape) : typeof x
      }`,
    );
  }
  const [rows, k] = x.shape, wordsPerRow = Math.ceil(k / 32);
  const words = new Uint32Array(rows * wordsPerRow);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < k; j++) {
      const v = x.data[i * k + j];
      if (Number.isNaN(v)) throw new RangeError(`packSigns: x has NaN at [${i}, ${j}]`);
      if (v >= 0) words[i * wordsPerRow + (j >>> 5)] |= 1 << (j & 31);
    }
  }
  return { rows, k, wordsPerRow, words };
}

function popcount(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}

/**
 * `sign(A)·sign(B)ᵀ` (`[a.rows, b.rows]`, f32) of two packed sign matrices with the same k,
 * by XOR and popcount. The padding bits are 0 in both, so they never differ.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { binaryMatmulT, packSigns } from "./binary_gemm.ts";
 * const a = packSigns(tensor([[1, -1, 2]])), b = packSigns(tensor([[3, 1, -1], [1, -2, 5]]));
 * console.log(binaryMatmulT(a, b).data); // Float32Array(2) [ -1, 3 ]
 * ```
 */
export function binaryMatmulT(a: PackedSigns, b: PackedSigns): Tensor {
  if (a.k !== b.k) {
    throw new RangeError(
      `binaryMatmulT: inner dimensions differ: a has k = ${a.k}, b has k = ${b.k}`,
    );
  }
  const { rows: m, wordsPerRow: w, k } = a, n = b.rows;
  const out = new Float32Array(m * n), aw = a.words, bw = b.words;
  for (let i = 0; i < m; i++) {
    const ao = i * w;
    for (let j = 0; j < n; j++) {
      const bo = j * w;
      let diff = 0;
      for (let t = 0; t < w; t++) diff += popcount(aw[ao + t] ^ bw[bo + t]);
      out[i * n + j] = k - 2 * diff;
    }
  }
  return new Tensor(out, [m, n]);
}
