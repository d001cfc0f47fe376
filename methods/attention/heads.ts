/**
 * Shape plumbing shared by the attention layers: checking `[B, N, C]` token input against its
 * image grid, splitting channels into heads and merging them back, and moving between the token
 * layout and the NCHW image layout that the depthwise convolutions need. All differentiable.
 *
 * @module
 */
import * as ad from "../../ops/autograd/ops.ts";
import { shapeStr, type Tensor } from "../../ops/tensor.ts";

/** Height and width of the token grid; token `i = row·W + col` (row-major). */
export type Grid = readonly [number, number];

/**
 * Checks that `x` is `[B, N, C]` with `N = H·W` and `C` divisible by `nHeads`; returns `[B, N,
 * C, d]` with `d = C / nHeads`.
 *
 * @example
 * ```ts
 * import { zeros } from "../../ops/tensor.ts";
 * import { checkTokens } from "./heads.ts";
 * console.log(checkTokens("demo", zeros([2, 6, 8]), [2, 3], 2)); // [2, 6, 8, 4]
 * ```
 */
export function checkTokens(
  fn: string,
  x: Tensor,
  grid: Grid,
  nHeads: number,
): [number, number, number, number] {
  if (x.ndim !== 3) throw new RangeError(`${fn}: x must be [B, N, C], got ${shapeStr(x.shape)}`);
  const [b, n, c] = x.shape;
  if (
    !Array.isArray(grid) || grid.length !== 2 ||
    !grid.every((v) => Number.isInteger(v) && v >= 1) || grid[0] * grid[1] !== n
  ) {
    throw new RangeError(
      `${fn}: grid must be [H, W] positive integers with H·W = N = ${n}, got ${
        JSON.stringify(grid)
      }`,
    );
  }
  if (!Number.isInteger(nHeads) || nHeads < 1 || c % nHeads !== 0) {
    throw new RangeError(`${fn}: nHeads must be a positive divisor of C = ${c}, got ${nHeads}`);
  }
  return [b, n, c, c / nHeads];
}

/**
 * `[B, N, h·d]` → `[B, h, N, d]`.
 *
 * @example
 * ```ts
 * import { zeros } from "../../ops/tensor.ts";
 * import { splitHeads } from "./heads.ts";
 * console.log(splitHeads(zeros([2, 5, 6]), 3).shape); // [2, 3, 5, 2]
 * ```
 */
export function splitHeads(x: Tensor, nHeads: number): Tensor {
  const [b, n, c] = x.shape;
  return ad.transpose(ad.reshape(x, [b, n, nHeads, c / nHeads]), [0, 2, 1, 3]);
}

/**
 * `[B, h, N, d]` → `[B, N, h·d]` (the inverse of {@link splitHeads}).
 *
 * @example
 * ```ts
 * import { zeros } from "../../ops/tensor.ts";
 * import { mergeHeads } from "./heads.ts";
 * console.log(mergeHeads(zeros([2, 3, 5, 2])).shape); // [2, 5, 6]
 * ```
 */
export function mergeHeads(x: Tensor): Tensor {
  const [b, h, n, d] = x.shape;
  return ad.reshape(ad.transpose(x, [0, 2, 1, 3]), [b, n, h * d]);
}

/**
 * Tokens `[B, H·W, C]` → image `[B, C, H, W]`.
 *
 * @example
 * ```ts
 * import { zeros } from "../../ops/tensor.ts";
 * import { toImage } from "./heads.ts";
 * console.log(toImage(zeros([1, 6, 4]), [2, 3]).shape); // [1, 4, 2, 3]
 * ```
 */
export function toImage(x: Tensor, grid: Grid): Tensor {
  const [b, , c] = x.shape;
  return ad.reshape(ad.transpose(x, [0, 2, 1]), [b, c, grid[0], grid[1]]);
}

/**
 * Image `[B, C, H, W]` → tokens `[B, H·W, C]` (row-major over the grid).
 *
 * @example
 * ```ts
 * import { zeros } from "../../ops/tensor.ts";
 * import { toTokens } from "./heads.ts";
 * console.log(toTokens(zeros([1, 4, 2, 3])).shape); // [1, 6, 4]
 * ```
 */
export function toTokens(x: Tensor): Tensor {
  const [b, c, h, w] = x.shape;
  return ad.transpose(ad.reshape(x, [b, c, h * w]), [0, 2, 1]);
}
