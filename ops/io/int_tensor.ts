/**
 * Integer arrays read from checkpoint files (token ids, position ids, step counters). lowrank's
 * {@link Tensor} holds floats only, so integer entries of a safetensors file are kept exactly in
 * this small record type instead of being rounded through a float.
 *
 * @module
 */
import { checkShape, shapeSize, shapeStr } from "../tensor.ts";

/**
 * Integer element types a checkpoint can hold: 32-bit and 64-bit signed.
 *
 * @example
 * ```ts
 * import { type IntDType, IntTensor } from "./int_tensor.ts";
 * const dtype: IntDType = new IntTensor(new Int32Array([1, 2]), [2]).dtype;
 * console.log(dtype); // i32
 * ```
 */
export type IntDType = "i32" | "i64";

/**
 * A dense, row-major integer array: `Int32Array` for `"i32"`, `BigInt64Array` for `"i64"` (so
 * 64-bit values round-trip exactly).
 *
 * @example
 * ```ts
 * import { IntTensor } from "./int_tensor.ts";
 * const ids = new IntTensor(new BigInt64Array([0n, 1n, 2n]), [3]);
 * console.log(ids.dtype, ids.shape); // "i64" [3]
 * ```
 */
export class IntTensor {
  /** Extent of each axis. */
  readonly shape: readonly number[];
  /** Element type. */
  readonly dtype: IntDType;
  /** The elements, row-major. */
  readonly data: Int32Array | BigInt64Array;

  /**
   * Wraps `data` (not copied) as an integer array of `shape`.
   * @throws {RangeError} if the shape is invalid or does not match `data.length`.
   */
  constructor(data: Int32Array | BigInt64Array, shape: readonly number[]) {
    checkShape("IntTensor", shape);
    if (!(data instanceof Int32Array) && !(data instanceof BigInt64Array)) {
      throw new TypeError("IntTensor: data must be an Int32Array or a BigInt64Array");
    }
    if (data.length !== shapeSize(shape)) {
      throw new RangeError(
        `IntTensor: data has ${data.length} elements but shape ${shapeStr(shape)} needs ${
          shapeSize(shape)
        }`,
      );
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
    this.dtype = data instanceof Int32Array ? "i32" : "i64";
  }

  /** Number of elements. */
  get size(): number {
    return this.data.length;
  }

  /** Human-readable summary, e.g. `IntTensor(i64 [3])`. */
  toString(): string {
    return `IntTensor(${this.dtype} [${this.shape.join(", ")}])`;
  }
}
