/**
 * Shape manipulation: reshape, transpose/permute, slicing of rows and columns, concatenation.
 * Every function returns a new contiguous tensor (lowrank has no hidden views).
 *
 * @module
 */
import {
  allocData,
  assertMatrix,
  assertTensor,
  checkShape,
  shapeSize,
  shapeStr,
  Tensor,
} from "./tensor.ts";

/**
 * The same elements under a new shape; one extent may be `-1` (inferred).
 *
 * @example
 * ```ts
 * import { arange } from "./tensor.ts";
 * import { reshape } from "./shape.ts";
 * console.log(reshape(arange(0, 6), [2, -1]).shape); // [2, 3]
 * ```
 */
export function reshape(t: Tensor, shape: readonly number[]): Tensor {
  assertTensor("reshape", "t", t);
  const free = shape.indexOf(-1);
  let resolved = [...shape];
  if (free >= 0) {
    if (shape.lastIndexOf(-1) !== free) {
      throw new RangeError(`reshape: only one extent may be -1, got [${shape.join(", ")}]`);
    }
    const rest = shapeSize(shape.filter((_, i) => i !== free));
    if (rest === 0 || t.size % rest !== 0) {
      throw new RangeError(`reshape: cannot reshape ${shapeStr(t.shape)} to [${shape.join(", ")}]`);
    }
    resolved = shape.map((d, i) => (i === free ? t.size / rest : d));
  }
  checkShape("reshape", resolved);
  if (shapeSize(resolved) !== t.size) {
    throw new RangeError(`reshape: cannot reshape ${shapeStr(t.shape)} to [${shape.join(", ")}]`);
  }
  return new Tensor(t.data.slice(), resolved);
}

/**
 * Matrix transpose (2-D), or a general axis permutation when `axes` is given.
 * Uses a cache-blocked copy for matrices.
 *
 * @example
 * ```ts
 * import { tensor } from "./tensor.ts";
 * import { transpose } from "./shape.ts";
 * console.log(transpose(tensor([[1, 2, 3]])).shape); // [3, 1]
 * ```
 */
export function transpose(t: Tensor, axes?: readonly number[]): Tensor {
  assertTensor("transpose", "t", t);
  if (axes === undefined) {
    if (t.ndim === 1) return t.clone();
    if (t.ndim !== 2) {
      throw new RangeError(`transpose: pass axes for a ${t.ndim}-D tensor (${shapeStr(t.shape)})`);
    }
    return transposeMatrix(t);
  }
  return permute(t, axes);
}

function transposeMatrix(t: Tensor): Tensor {
  const [m, n] = t.shape;
  const src = t.data;
  const dst = allocData(t.dtype, m * n);
  const B = 32; // block so both source rows and destination rows stay in L1
  for (let i0 = 0; i0 < m; i0 += B) {
    const i1 = Math.min(i0 + B, m);
    for (let j0 = 0; j0 < n; j0 += B) {
      const j1 = Math.min(j0 + B, n);
      for (let i = i0; i < i1; i++) {
        const row = i * n;
        for (let j = j0; j < j1; j++) dst[j * m + i] = src[row + j];
      }
    }
  }
  return new Tensor(dst, [n, m]);
}

function permute(t: Tensor, axes: readonly number[]): Tensor {
  const nd = t.ndim;
  const seen = new Set(axes);
  if (
    axes.length !== nd || seen.size !== nd ||
    axes.some((a) => !Number.isInteger(a) || a < 0 || a >= nd)
  ) {
    throw new RangeError(`transpose: axes [${axes.join(", ")}] is not a permutation of ${nd} axes`);
  }
  const shape = axes.map((a) => t.shape[a]);
  const srcStrides = stridesOf(t.shape);
  const strides = axes.map((a) => srcStrides[a]);
  const out = allocData(t.dtype, t.size);
  // Trailing axes that stay in place are one contiguous run in both layouts (the head split
  // [B, T, H, d] → [B, H, T, d] of attention copies runs of d): copy runs, not elements.
  let keep = nd;
  while (keep > 0 && axes[keep - 1] === keep - 1) keep--;
  const run = shapeSize(t.shape.slice(keep));
  const outer = keep === 0 ? 1 : shapeSize(shape.slice(0, keep));
  if (t.size === 0) return new Tensor(out, shape);
  const idx = new Array<number>(keep).fill(0);
  const data = t.data;
  let src = 0;
  for (let k = 0, dst = 0; k < outer; k++, dst += run) {
    if (run === 1) out[dst] = data[src];
    else for (let j = 0; j < run; j++) out[dst + j] = data[src + j];
    for (let ax = keep - 1; ax >= 0; ax--) {
      idx[ax]++;
      src += strides[ax];
      if (idx[ax] < shape[ax]) break;
      src -= strides[ax] * shape[ax];
      idx[ax] = 0;
    }
  }
  return new Tensor(out, shape);
}

/**
 * Row-major strides (in elements) of `shape`.
 *
 * @example
 * ```ts
 * import { stridesOf } from "./shape.ts";
 * console.log(stridesOf([2, 3, 4])); // [12, 4, 1]
 * ```
 */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

function checkRange(fn: string, what: string, start: number, end: number, n: number): void {
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > n || start > end) {
    throw new RangeError(`${fn}: ${what} range [${start}, ${end}) is invalid for extent ${n}`);
  }
}

/**
 * Rows `[start, end)` of a matrix (or of the first axis of any tensor).
 *
 * @example
 * ```ts
 * import { tensor } from "./tensor.ts";
 * import { sliceRows } from "./shape.ts";
 * console.log(sliceRows(tensor([[1, 2], [3, 4], [5, 6]]), 1, 3).data); // Float64Array [3, 4, 5, 6]
 * ```
 */
export function sliceRows(t: Tensor, start: number, end: number = t.shape[0]): Tensor {
  assertTensor("sliceRows", "t", t);
  if (t.ndim < 1) throw new RangeError("sliceRows: t is a scalar");
  checkRange("sliceRows", "row", start, end, t.shape[0]);
  const stride = shapeSize(t.shape.slice(1));
  const shape = [end - start, ...t.shape.slice(1)];
  return new Tensor(t.data.slice(start * stride, end * stride), shape);
}

/**
 * Columns `[start, end)` of a matrix.
 *
 * @example
 * ```ts
 * import { tensor } from "./tensor.ts";
 * import { sliceCols } from "./shape.ts";
 * console.log(sliceCols(tensor([[1, 2, 3], [4, 5, 6]]), 1).data); // Float64Array [2, 3, 5, 6]
 * ```
 */
export function sliceCols(t: Tensor, start: number, end?: number): Tensor {
  const [m, n] = assertMatrix("sliceCols", "t", t);
  const e = end ?? n;
  checkRange("sliceCols", "column", start, e, n);
  const w = e - start;
  const out = allocData(t.dtype, m * w);
  for (let i = 0; i < m; i++) out.set(t.data.subarray(i * n + start, i * n + e), i * w);
  return new Tensor(out, [m, w]);
}

/**
 * The block `a[r0:r1, c0:c1]` of a matrix.
 *
 * @example
 * ```ts
 * import { eye } from "./tensor.ts";
 * import { slice } from "./shape.ts";
 * console.log(slice(eye(4), [1, 3], [1, 3]).data); // Float64Array [1, 0, 0, 1]
 * ```
 */
export function slice(
  t: Tensor,
  rows: readonly [number, number],
  cols: readonly [number, number],
): Tensor {
  const [m, n] = assertMatrix("slice", "t", t);
  checkRange("slice", "row", rows[0], rows[1], m);
  checkRange("slice", "column", cols[0], cols[1], n);
  const h = rows[1] - rows[0], w = cols[1] - cols[0];
  const out = allocData(t.dtype, h * w);
  for (let i = 0; i < h; i++) {
    const s = (rows[0] + i) * n + cols[0];
    out.set(t.data.subarray(s, s + w), i * w);
  }
  return new Tensor(out, [h, w]);
}

/**
 * Concatenates tensors along `axis` (default 0). Shapes must agree on every other axis and
 * dtypes must match.
 *
 * @example
 * ```ts
 * import { tensor } from "./tensor.ts";
 * import { concat } from "./shape.ts";
 * console.log(concat([tensor([[1, 2]]), tensor([[3, 4]])]).shape); // [2, 2]
 * console.log(concat([tensor([[1], [2]]), tensor([[3], [4]])], 1).shape); // [2, 2]
 * ```
 */
export function concat(ts: readonly Tensor[], axis = 0): Tensor {
  if (!(ts instanceof Array) || ts.length === 0) {
    throw new RangeError("concat: need a non-empty array of tensors");
  }
  ts.forEach((t, i) => assertTensor("concat", `ts[${i}]`, t));
  const first = ts[0];
  const nd = first.ndim;
  if (!Number.isInteger(axis) || axis < 0 || axis >= nd) {
    throw new RangeError(`concat: axis ${axis} out of range for ${nd}-D tensors`);
  }
  for (const t of ts) {
    if (t.dtype !== first.dtype) {
      throw new TypeError(`concat: dtypes differ: ${first.dtype} and ${t.dtype}`);
    }
    if (t.ndim !== nd || t.shape.some((d, i) => i !== axis && d !== first.shape[i])) {
      throw new RangeError(
        `concat: shapes ${shapeStr(first.shape)} and ${shapeStr(t.shape)} differ off axis ${axis}`,
      );
    }
  }
  const outer = shapeSize(first.shape.slice(0, axis));
  const inner = shapeSize(first.shape.slice(axis + 1));
  const total = ts.reduce((s, t) => s + t.shape[axis], 0);
  const shape = first.shape.map((d, i) => (i === axis ? total : d));
  const out = allocData(first.dtype, shapeSize(shape));
  let off = 0;
  for (const t of ts) {
    const chunk = t.shape[axis] * inner;
    for (let o = 0; o < outer; o++) {
      out.set(t.data.subarray(o * chunk, (o + 1) * chunk), o * total * inner + off);
    }
    off += chunk;
  }
  return new Tensor(out, shape);
}
