/**
 * Option parsing shared by the convolution and pooling ops: `[h, w]` pairs from a number or a
 * pair, unknown-key checks, and the output-size rule of a sliding window.
 *
 * @module
 */
import { shapeStr, type Tensor } from "../tensor.ts";

/**
 * A per-axis setting: one number for both spatial axes, or `[h, w]`.
 *
 * @example
 * ```ts
 * import type { Pair } from "./options.ts";
 * const stride: Pair = [2, 1];
 * console.log(stride); // [2, 1]
 * ```
 */
export type Pair = number | readonly [number, number];

/**
 * Throws a TypeError naming `fn` and the key when `opts` has a key outside `allowed`, or when
 * `opts` is not a plain object.
 *
 * @example
 * ```ts
 * import { checkKeys } from "./options.ts";
 * try {
 *   checkKeys("conv2d", { strides: 2 }, ["stride"]);
 * } catch (e) {
 *   console.log((e as Error).message); // conv2d: unknown option "strides" (known: stride)
 * }
 * ```
 */
export function checkKeys(fn: string, opts: unknown, allowed: readonly string[]): void {
  if (opts === null || typeof opts !== "object" || Array.isArray(opts)) {
    throw new TypeError(`${fn}: options must be an object, got ${String(opts)}`);
  }
  for (const k of Object.keys(opts)) {
    if (!allowed.includes(k)) {
      throw new TypeError(`${fn}: unknown option "${k}" (known: ${allowed.join(", ")})`);
    }
  }
}

/**
 * `v` (a number or `[h, w]`) as a checked pair of integers `>= min`; `def` when undefined.
 * A non-integer or too small entry is a RangeError naming the option and the value; a value of
 * the wrong type is a TypeError.
 *
 * @example
 * ```ts
 * import { pair } from "./options.ts";
 * console.log(pair("conv2d", "stride", 2, 1, 1), pair("conv2d", "padding", [1, 0], 0, 0)); // [2, 2] [1, 0]
 * ```
 */
export function pair(
  fn: string,
  name: string,
  v: Pair | undefined,
  def: number,
  min: number,
): [number, number] {
  if (v === undefined) return [def, def];
  const p: readonly unknown[] = typeof v === "number" ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2 || p.some((e) => typeof e !== "number")) {
    throw new TypeError(`${fn}: ${name} must be a number or [h, w], got ${JSON.stringify(v)}`);
  }
  for (const e of p as number[]) {
    if (!Number.isInteger(e) || e < min) {
      throw new RangeError(
        `${fn}: ${name} must be ${min === 0 ? "non-negative" : "positive"} integers, got ${
          JSON.stringify(v)
        }`,
      );
    }
  }
  return [p[0] as number, p[1] as number];
}

/**
 * Throws a RangeError unless `x` is a 4-D NCHW tensor.
 *
 * @example
 * ```ts
 * import { zeros } from "../tensor.ts";
 * import { assertNchw } from "./options.ts";
 * assertNchw("maxPool2d", zeros([1, 1, 2, 2])); // ok
 * ```
 */
export function assertNchw(fn: string, x: Tensor): void {
  if (x.ndim !== 4) {
    throw new RangeError(`${fn}: x must be [N, C, H, W], got shape ${shapeStr(x.shape)}`);
  }
}

/**
 * Output extent of a sliding window along one axis: `floor((size + 2·pad − span) / stride) + 1`
 * with `span = dilation·(kernel − 1) + 1`. A window larger than the padded input is a RangeError
 * naming the input and kernel shapes.
 *
 * @example
 * ```ts
 * import { outSize } from "./options.ts";
 * console.log(outSize("conv2d", "H", 32, 3, 1, 1, 1, "x 1x1x32x32, w 8x1x3x3")); // 32
 * ```
 */
export function outSize(
  fn: string,
  axis: string,
  size: number,
  kernel: number,
  stride: number,
  pad: number,
  dilation: number,
  shapes: string,
): number {
  const span = dilation * (kernel - 1) + 1;
  if (size + 2 * pad < span) {
    throw new RangeError(
      `${fn}: kernel (span ${span}) is larger than the padded input along ${axis} (${size} + 2·${pad}): ${shapes}`,
    );
  }
  return Math.floor((size + 2 * pad - span) / stride) + 1;
}
