/**
 * Differentiable shape ops: reshape, transpose, slicing, concatenation and row gathering
 * (embedding lookup).
 *
 * @module
 */
import * as sh from "../shape.ts";
import { normalizeAxis } from "../reduce.ts";
import { allocData, assertTensor, shapeSize, shapeStr, Tensor } from "../tensor.ts";
import { view } from "./broadcast.ts";
import { record } from "./tape.ts";

/**
 * The same elements under a new shape (one extent may be -1); differentiable.
 *
 * @example
 * ```ts
 * import { arange } from "../tensor.ts";
 * import { reshape } from "./ops_shape.ts";
 * console.log(reshape(arange(0, 6), [3, -1]).shape); // [3, 2]
 * ```
 */
export function reshape(t: Tensor, shape: readonly number[]): Tensor {
  const out = sh.reshape(t, shape);
  return record("reshape", out, [t], (g) => [view(g, t.shape)]);
}

/**
 * Matrix transpose, or an axis permutation when `axes` is given; differentiable (the gradient
 * goes through the inverse permutation).
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { transpose } from "./ops_shape.ts";
 * console.log(transpose(tensor([[1, 2]])).shape); // [2, 1]
 * ```
 */
export function transpose(t: Tensor, axes?: readonly number[]): Tensor {
  const out = sh.transpose(t, axes);
  return record("transpose", out, [t], (g) => {
    if (axes === undefined) return [t.ndim === 1 ? g : sh.transpose(g)];
    const inv = new Array<number>(axes.length);
    axes.forEach((a, i) => (inv[a] = i));
    return [sh.transpose(g, inv)];
  });
}

/** Copies the `[start, end)` block of `axis` from `src` into `dst` (or back, if `scatter`). */
function copyAxisBlock(
  big: Tensor,
  small: Tensor,
  axis: number,
  start: number,
  scatter: boolean,
): void {
  const outer = shapeSize(big.shape.slice(0, axis));
  const inner = shapeSize(big.shape.slice(axis + 1));
  const nBig = big.shape[axis], nSmall = small.shape[axis];
  const chunk = nSmall * inner;
  for (let o = 0; o < outer; o++) {
    const b0 = (o * nBig + start) * inner;
    if (scatter) big.data.set(small.data.subarray(o * chunk, (o + 1) * chunk), b0);
    else small.data.set(big.data.subarray(b0, b0 + chunk), o * chunk);
  }
}

/**
 * Entries `[start, end)` along `axis` (negative axis counts from the end); differentiable.
 * The general form of `sliceRows`/`sliceCols` (PyTorch's `narrow`).
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { sliceAxis } from "./ops_shape.ts";
 * console.log(sliceAxis(tensor([[1, 2, 3], [4, 5, 6]]), -1, 1, 3).data); // Float64Array [2, 3, 5, 6]
 * ```
 */
export function sliceAxis(t: Tensor, axis: number, start: number, end: number): Tensor {
  assertTensor("sliceAxis", "t", t);
  const ax = normalizeAxis("sliceAxis", axis, t.ndim);
  const n = t.shape[ax];
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > n || start > end) {
    throw new RangeError(`sliceAxis: range [${start}, ${end}) is invalid for axis extent ${n}`);
  }
  const shape = t.shape.map((d, i) => (i === ax ? end - start : d));
  const out = new Tensor(allocData(t.dtype, shapeSize(shape)), shape);
  copyAxisBlock(t, out, ax, start, false);
  return record("sliceAxis", out, [t], (g) => [padAxis(g, t.shape, ax, start)]);
}

/** Zeros of `shape` with `g` placed at `[start, start + g.shape[axis])` along `axis`. */
function padAxis(g: Tensor, shape: readonly number[], axis: number, start: number): Tensor {
  const big = new Tensor(allocData(g.dtype, shapeSize(shape)), shape);
  copyAxisBlock(big, g, axis, start, true);
  return big;
}

/**
 * Rows `[start, end)` along the first axis; differentiable.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { sliceRows } from "./ops_shape.ts";
 * console.log(sliceRows(tensor([[1], [2], [3]]), 1).data); // Float64Array [2, 3]
 * ```
 */
export function sliceRows(t: Tensor, start: number, end?: number): Tensor {
  const out = sh.sliceRows(t, start, end);
  return record("sliceRows", out, [t], (g) => [padAxis(g, t.shape, 0, start)]);
}

/**
 * Columns `[start, end)` of a matrix; differentiable.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { sliceCols } from "./ops_shape.ts";
 * console.log(sliceCols(tensor([[1, 2], [3, 4]]), 1).data); // Float64Array [2, 4]
 * ```
 */
export function sliceCols(t: Tensor, start: number, end?: number): Tensor {
  const out = sh.sliceCols(t, start, end);
  return record("sliceCols", out, [t], (g) => [padAxis(g, t.shape, 1, start)]);
}

/**
 * The block `t[r0:r1, c0:c1]` of a matrix; differentiable.
 *
 * @example
 * ```ts
 * import { eye } from "../tensor.ts";
 * import { slice } from "./ops_shape.ts";
 * console.log(slice(eye(3), [0, 2], [1, 3]).data); // Float64Array [0, 0, 1, 0]
 * ```
 */
export function slice(
  t: Tensor,
  rows: readonly [number, number],
  cols: readonly [number, number],
): Tensor {
  const out = sh.slice(t, rows, cols);
  return record("slice", out, [t], (g) => {
    const wide = padAxis(g, [g.shape[0], t.shape[1]], 1, cols[0]);
    return [padAxis(wide, t.shape, 0, rows[0])];
  });
}

/**
 * Concatenation along `axis` (default 0); differentiable in every part.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { concat } from "./ops_shape.ts";
 * console.log(concat([tensor([1]), tensor([2, 3])]).data); // Float64Array [1, 2, 3]
 * ```
 */
export function concat(ts: readonly Tensor[], axis = 0): Tensor {
  const out = sh.concat(ts, axis);
  return record("concat", out, ts, (g, need) => {
    let off = 0;
    return ts.map((t, i) => {
      const start = off;
      off += t.shape[axis];
      if (!need[i]) return null;
      const part = new Tensor(allocData(g.dtype, t.size), t.shape);
      copyAxisBlock(g, part, axis, start, false);
      return part;
    });
  });
}

/**
 * Integer indices: a JS array, an `Int32Array`, an integer-valued `Tensor`, or any
 * `{ shape, data: Int32Array }` (such as an `IntTensor` read from safetensors).
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { gather, type Indices } from "./ops_shape.ts";
 * const rows: Indices = new Int32Array([1, 1]);
 * console.log(gather(tensor([[1, 2], [3, 4]]), rows).data); // Float64Array [3, 4, 3, 4]
 * ```
 */
export type Indices =
  | readonly number[]
  | Int32Array
  | Tensor
  | { readonly shape: readonly number[]; readonly data: Int32Array };

/**
 * Validates `indices` against `n` entries and returns them flat with their shape. The value
 * `allow` (if given) is accepted besides `[0, n)` (an ignore marker).
 *
 * @example
 * ```ts
 * import { readIndices } from "./ops_shape.ts";
 * console.log(readIndices("f", "ids", [2, 0], 3).shape); // [2]
 * ```
 */
export function readIndices(
  fn: string,
  arg: string,
  indices: Indices,
  n: number,
  allow?: number,
): { flat: Int32Array; shape: readonly number[] } {
  let src: ArrayLike<number>, shape: readonly number[];
  if (Array.isArray(indices) || indices instanceof Int32Array) {
    src = indices as ArrayLike<number>;
    shape = [src.length];
  } else if (
    typeof indices === "object" && indices !== null && "shape" in indices &&
    (indices.data instanceof Int32Array || indices instanceof Tensor)
  ) {
    src = indices.data;
    shape = indices.shape;
  } else {
    throw new TypeError(`${fn}: ${arg} must be an integer array or tensor, got ${String(indices)}`);
  }
  const flat = new Int32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const v = src[i];
    if ((!Number.isInteger(v) || v < 0 || v >= n) && v !== allow) {
      throw new RangeError(`${fn}: ${arg}[${i}] = ${v} is not an index in [0, ${n})`);
    }
    flat[i] = v;
  }
  return { flat, shape };
}

/**
 * Rows of `table` picked by integer `indices` (an embedding lookup): the result has shape
 * `[...indices.shape, ...table.shape.slice(1)]`. Differentiable in `table` (the gradient
 * scatter-adds into the picked rows).
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { gather } from "./ops_shape.ts";
 * console.log(gather(tensor([[1, 2], [3, 4], [5, 6]]), [2, 0]).data); // Float64Array [5, 6, 1, 2]
 * ```
 */
export function gather(table: Tensor, indices: Indices): Tensor {
  assertTensor("gather", "table", table);
  if (table.ndim < 1) throw new RangeError("gather: table is a scalar");
  const { flat, shape } = readIndices("gather", "indices", indices, table.shape[0]);
  const row = shapeSize(table.shape.slice(1));
  const outShape = [...shape, ...table.shape.slice(1)];
  const out = allocData(table.dtype, flat.length * row);
  for (let i = 0; i < flat.length; i++) {
    out.set(table.data.subarray(flat[i] * row, (flat[i] + 1) * row), i * row);
  }
  return record("gather", new Tensor(out, outShape), [table], (g) => {
    const gt = allocData(g.dtype, table.size);
    const gd = g.data;
    for (let i = 0; i < flat.length; i++) {
      const dst = flat[i] * row, src = i * row;
      for (let j = 0; j < row; j++) gt[dst + j] += gd[src + j];
    }
    return [new Tensor(gt, table.shape)];
  });
}

/**
 * Throws a RangeError naming `fn` and both arguments unless `a` and `b` have equal shapes.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { assertSameShape } from "./ops_shape.ts";
 * assertSameShape("f", tensor([1, 2]), tensor([3, 4])); // passes
 * ```
 */
export function assertSameShape(fn: string, a: Tensor, b: Tensor, an = "a", bn = "b"): void {
  if (a.ndim !== b.ndim || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new RangeError(
      `${fn}: shapes differ: ${an} is ${shapeStr(a.shape)}, ${bn} is ${shapeStr(b.shape)}`,
    );
  }
}
