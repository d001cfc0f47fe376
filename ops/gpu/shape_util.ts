/**
 * Shape helpers of the GPU ops (broadcast shape, axis resolution). They mirror the CPU rules of
 * `ops/elementwise.ts` and `ops/reduce.ts` but are kept here so that those CPU front ends can
 * dispatch to `ops/gpu/` without an import cycle.
 *
 * @module
 */
import { shapeStr } from "../tensor.ts";

/**
 * Shape that `a` and `b` broadcast to (NumPy rules), or a RangeError naming `fn` and both shapes.
 *
 * @example
 * ```ts
 * import { broadcastShapeGpu } from "./shape_util.ts";
 * console.log(broadcastShapeGpu("add", [3, 1], [4])); // [3, 4]
 * ```
 */
export function broadcastShapeGpu(
  fn: string,
  a: readonly number[],
  b: readonly number[],
): number[] {
  const nd = Math.max(a.length, b.length);
  const out = new Array<number>(nd);
  for (let i = 0; i < nd; i++) {
    const da = a[a.length - nd + i] ?? 1, db = b[b.length - nd + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new RangeError(`${fn}: shapes ${shapeStr(a)} and ${shapeStr(b)} do not broadcast`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * Resolves a possibly negative axis of an `ndim`-axis tensor, or throws a RangeError naming `fn`.
 *
 * @example
 * ```ts
 * import { axisGpu } from "./shape_util.ts";
 * console.log(axisGpu("sum", -1, 2)); // 1
 * ```
 */
export function axisGpu(fn: string, axis: number, ndim: number): number {
  if (!Number.isInteger(axis) || axis < -ndim || axis >= ndim) {
    throw new RangeError(`${fn}: axis ${axis} out of range for a ${ndim}-D tensor`);
  }
  return axis < 0 ? axis + ndim : axis;
}

/**
 * Row-major strides of `shape` (in elements).
 *
 * @example
 * ```ts
 * import { stridesGpu } from "./shape_util.ts";
 * console.log(stridesGpu([2, 3, 4])); // [12, 4, 1]
 * ```
 */
export function stridesGpu(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}
