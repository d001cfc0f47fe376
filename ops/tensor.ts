/**
 * The one CPU array type of lowrank: a shape, a dtype and a contiguous row-major typed array.
 *
 * @module
 */
import { formatTensor } from "./format.ts";

/**
 * Element type of a tensor: 32-bit or 64-bit IEEE floats.
 *
 * @example
 * ```ts
 * import { type DType, zeros } from "./tensor.ts";
 * const dtype: DType = "f32";
 * console.log(zeros([2], { dtype }).data); // Float32Array [0, 0]
 * ```
 */
export type DType = "f32" | "f64";

/**
 * The typed array that backs a tensor of either dtype.
 *
 * @example
 * ```ts
 * import { Tensor, type TensorData } from "./tensor.ts";
 * const data: TensorData = new Float64Array([1, 2, 3, 4]);
 * console.log(new Tensor(data, [2, 2]).shape); // [2, 2]
 * ```
 */
export type TensorData = Float32Array | Float64Array;

/**
 * Anything that can describe tensor contents: a flat or nested array of numbers, or a typed array.
 *
 * @example
 * ```ts
 * import { tensor, type TensorLike } from "./tensor.ts";
 * const rows: TensorLike = [[1, 2], [3, 4]];
 * console.log(tensor(rows).shape); // [2, 2]
 * ```
 */
export type TensorLike = number | TensorData | ArrayLike<number> | NestedArray;

/** A nested JavaScript array of numbers (`[[1, 2], [3, 4]]`). */
export interface NestedArray extends ReadonlyArray<number | NestedArray> {}

/** Options accepted by the tensor constructors. */
export interface TensorOptions {
  /** Shape of the result; defaults to the nesting of `data` (or `[data.length]`). */
  shape?: readonly number[];
  /** Element type; defaults to `"f64"`. */
  dtype?: DType;
}

/** What a wrong `data` argument is, for the error message. */
function describeData(data: unknown): string {
  if (Array.isArray(data)) return "an Array";
  if (data === null || typeof data !== "object") return String(data);
  return `a ${data.constructor?.name ?? "object"}`;
}

/**
 * A dense, contiguous, row-major n-dimensional array on the CPU.
 *
 * Tensors are values: every op returns a new tensor unless its name ends in `_`.
 *
 * @example
 * ```ts
 * import { Tensor } from "./tensor.ts";
 * const t = new Tensor(new Float64Array([1, 2, 3, 4]), [2, 2]);
 * console.log(t.shape, t.dtype, t.size); // [2, 2] "f64" 4
 * ```
 */
export class Tensor {
  /** Extent of each axis. */
  readonly shape: readonly number[];
  /** Element type. */
  readonly dtype: DType;
  /** The elements, row-major; `data.length === size`. */
  readonly data: TensorData;

  /**
   * Wraps `data` (not copied) as a tensor of `shape`.
   * @throws {RangeError} if the shape is invalid or does not match `data.length`.
   */
  constructor(data: TensorData, shape: readonly number[]) {
    // A plain array or an Int32Array used to be wrapped and labelled "f64" (wrong dtype, or
    // integer storage that truncates every write).
    if (!(data instanceof Float64Array) && !(data instanceof Float32Array)) {
      throw new TypeError(
        `Tensor: data must be a Float64Array or Float32Array, got ${describeData(data)}` +
          " (tensor(values) converts arrays)",
      );
    }
    checkShape("Tensor", shape);
    const size = shapeSize(shape);
    if (data.length !== size) {
      throw new RangeError(
        `Tensor: data has ${data.length} elements but shape [${shape.join(", ")}] needs ${size}`,
      );
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
    this.dtype = data instanceof Float32Array ? "f32" : "f64";
  }

  /** Number of elements. */
  get size(): number {
    return this.data.length;
  }

  /** Number of axes. */
  get ndim(): number {
    return this.shape.length;
  }

  /** Rows of a matrix (`shape[0]`); throws unless the tensor is 2-D. */
  get rows(): number {
    return this.#matrixShape("rows")[0];
  }

  /** Columns of a matrix (`shape[1]`); throws unless the tensor is 2-D. */
  get cols(): number {
    return this.#matrixShape("cols")[1];
  }

  /** A deep copy. */
  clone(): Tensor {
    return new Tensor(this.data.slice(), this.shape);
  }

  /** Human-readable summary, e.g. `Tensor(f64 [2, 3])`. */
  toString(): string {
    return `Tensor(${this.dtype} [${this.shape.join(", ")}])`;
  }

  /** What `console.log` shows in Deno: the summary and the values, truncated like numpy. */
  [Symbol.for("Deno.customInspect")](): string {
    return `${this.toString()}\n${formatTensor(this)}`;
  }

  /** The same for Node's `util.inspect` (npm users). */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return `${this.toString()}\n${formatTensor(this)}`;
  }

  #matrixShape(what: string): readonly number[] {
    if (this.shape.length !== 2) {
      throw new RangeError(`Tensor.${what}: tensor is not 2-D, shape is ${shapeStr(this.shape)}`);
    }
    return this.shape;
  }
}

/**
 * Formats a shape as `3x4` for error messages.
 *
 * @example
 * ```ts
 * import { shapeStr } from "./tensor.ts";
 * console.log(shapeStr([3, 4]), shapeStr([])); // 3x4 scalar
 * ```
 */
export function shapeStr(shape: readonly number[]): string {
  return shape.length === 0 ? "scalar" : shape.join("x");
}

/**
 * Product of the extents of `shape` (1 for a scalar).
 *
 * @example
 * ```ts
 * import { shapeSize } from "./tensor.ts";
 * console.log(shapeSize([2, 3, 4]), shapeSize([])); // 24 1
 * ```
 */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * Throws a RangeError naming `fn` unless every extent is a non-negative integer (a TypeError
 * if `shape` is not an array).
 *
 * @example
 * ```ts
 * import { checkShape } from "./tensor.ts";
 * checkShape("f", [2, 0]); // fine
 * try {
 *   checkShape("f", [2, -1]);
 * } catch (e) {
 *   console.log((e as Error).message); // f: shape [2, -1] has an invalid extent -1
 * }
 * ```
 */
export function checkShape(fn: string, shape: readonly number[]): void {
  if (!Array.isArray(shape)) {
    throw new TypeError(`${fn}: shape must be an array of integers, got ${String(shape)}`);
  }
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new RangeError(`${fn}: shape [${shape.join(", ")}] has an invalid extent ${d}`);
    }
  }
}

/**
 * Returns `dtype`, or throws a TypeError naming `fn` unless it is `"f32"` or `"f64"`.
 *
 * @example
 * ```ts
 * import { checkDType } from "./tensor.ts";
 * console.log(checkDType("f", "f32")); // f32
 * ```
 */
export function checkDType(fn: string, dtype: unknown): DType {
  if (dtype !== "f32" && dtype !== "f64") {
    throw new TypeError(`${fn}: dtype must be "f32" or "f64", got ${JSON.stringify(dtype)}`);
  }
  return dtype;
}

/**
 * Allocates a zero-filled typed array for `dtype`.
 *
 * @example
 * ```ts
 * import { allocData } from "./tensor.ts";
 * console.log(allocData("f32", 2)); // Float32Array [0, 0]
 * ```
 */
export function allocData(dtype: DType, size: number): TensorData {
  return dtype === "f32" ? new Float32Array(size) : new Float64Array(size);
}

/**
 * Throws a TypeError naming `fn` and `arg` unless `t` is a Tensor.
 *
 * @example
 * ```ts
 * import { assertTensor } from "./tensor.ts";
 * try {
 *   assertTensor("f", "a", [1, 2]);
 * } catch (e) {
 *   console.log((e as Error).message); // f: a must be a Tensor, got an Array
 * }
 * ```
 */
export function assertTensor(fn: string, arg: string, t: unknown): asserts t is Tensor {
  if (!(t instanceof Tensor)) {
    throw new TypeError(`${fn}: ${arg} must be a Tensor, got ${describe(t)}`);
  }
}

/**
 * Throws a TypeError unless `t` is a Tensor and a RangeError unless it is 2-D; returns
 * `[rows, cols]`.
 *
 * @example
 * ```ts
 * import { assertMatrix, zeros } from "./tensor.ts";
 * console.log(assertMatrix("f", "a", zeros([2, 3]))); // [2, 3]
 * ```
 */
export function assertMatrix(fn: string, arg: string, t: Tensor): [number, number] {
  assertTensor(fn, arg, t);
  if (t.ndim !== 2) {
    throw new RangeError(`${fn}: ${arg} must be a matrix, got shape ${shapeStr(t.shape)}`);
  }
  return [t.shape[0], t.shape[1]];
}

/**
 * Throws a RangeError naming `fn`, `arg`, the value and its flat index if `t` has a NaN or
 * infinite entry.
 *
 * @example
 * ```ts
 * import { assertFinite, tensor } from "./tensor.ts";
 * try {
 *   assertFinite("f", "a", tensor([1, NaN]));
 * } catch (e) {
 *   console.log((e as Error).message); // f: a has a non-finite entry NaN at flat index 1
 * }
 * ```
 */
export function assertFinite(fn: string, arg: string, t: Tensor): void {
  const d = t.data;
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i])) {
      throw new RangeError(`${fn}: ${arg} has a non-finite entry ${d[i]} at flat index ${i}`);
    }
  }
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an Array";
  return typeof v === "object" ? (v.constructor?.name ?? "object") : `${typeof v} ${String(v)}`;
}

function inferShape(data: TensorLike): number[] {
  if (typeof data === "number") return [];
  const shape: number[] = [];
  let cur: unknown = data;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0];
  }
  if (shape.length === 0) shape.push((data as ArrayLike<number>).length);
  return shape;
}

function flattenInto(data: TensorLike, out: TensorData, shape: number[]): void {
  if (typeof data === "number") {
    out[0] = data;
    return;
  }
  if (!Array.isArray(data)) {
    const flat = data as ArrayLike<number>;
    for (let i = 0; i < flat.length; i++) out[i] = checkNumber(flat[i], i);
    return;
  }
  let pos = 0;
  const walk = (node: unknown, depth: number): void => {
    if (depth === shape.length) {
      out[pos] = checkNumber(node, pos);
      pos++;
      return;
    }
    if (!Array.isArray(node) || node.length !== shape[depth]) {
      throw new RangeError(
        `tensor: ragged nested array: expected length ${shape[depth]} at depth ${depth}`,
      );
    }
    for (const child of node) walk(child, depth + 1);
  };
  walk(data, 0);
}

function checkNumber(v: unknown, i: number): number {
  if (typeof v !== "number") {
    throw new TypeError(`tensor: element ${i} is not a number: ${String(v)}`);
  }
  return v;
}

/**
 * Creates a tensor from numbers, nested arrays or a typed array (copied).
 *
 * @example
 * ```ts
 * import { tensor } from "./tensor.ts";
 * const a = tensor([[1, 2], [3, 4]]);
 * const b = tensor([1, 2, 3, 4, 5, 6], { shape: [2, 3], dtype: "f32" });
 * console.log(a.shape, b.dtype); // [2, 2] "f32"
 * ```
 */
export function tensor(data: TensorLike, opts: TensorOptions = {}): Tensor {
  const dtype = checkDType(
    "tensor",
    opts.dtype ?? (data instanceof Float32Array ? "f32" : "f64"),
  );
  const natural = inferShape(data);
  const flat = allocData(dtype, shapeSize(natural));
  flattenInto(data, flat, natural);
  if (opts.shape === undefined) return new Tensor(flat, natural);
  checkShape("tensor", opts.shape);
  if (shapeSize(opts.shape) !== flat.length) {
    throw new RangeError(
      `tensor: ${flat.length} elements cannot take shape [${opts.shape.join(", ")}]`,
    );
  }
  return new Tensor(flat, opts.shape);
}

/**
 * A tensor of `shape` filled with `value`.
 *
 * @example
 * ```ts
 * import { full } from "./tensor.ts";
 * console.log(full([2, 2], 7).data); // Float64Array [7, 7, 7, 7]
 * ```
 */
export function full(
  shape: readonly number[],
  value: number,
  opts: { dtype?: DType } = {},
): Tensor {
  return filled("full", shape, value, opts);
}

/** `full` whose errors name the public function `fn` the user called. */
function filled(
  fn: string,
  shape: readonly number[],
  value: number,
  opts: { dtype?: DType },
): Tensor {
  checkShape(fn, shape);
  if (typeof value !== "number") throw new TypeError(`${fn}: value must be a number, got ${value}`);
  const data = allocData(checkDType(fn, opts.dtype ?? "f64"), shapeSize(shape));
  if (value !== 0) data.fill(value);
  return new Tensor(data, shape);
}

/**
 * A zero tensor of `shape`.
 *
 * @example
 * ```ts
 * import { zeros } from "./tensor.ts";
 * console.log(zeros([2, 3], { dtype: "f32" }).toString()); // Tensor(f32 [2, 3])
 * ```
 */
export function zeros(shape: readonly number[], opts: { dtype?: DType } = {}): Tensor {
  return filled("zeros", shape, 0, opts);
}

/**
 * A tensor of `shape` filled with ones.
 *
 * @example
 * ```ts
 * import { ones } from "./tensor.ts";
 * console.log(ones([3]).data); // Float64Array [1, 1, 1]
 * ```
 */
export function ones(shape: readonly number[], opts: { dtype?: DType } = {}): Tensor {
  return filled("ones", shape, 1, opts);
}

/**
 * The `n × m` identity matrix (`m` defaults to `n`).
 *
 * @example
 * ```ts
 * import { eye } from "./tensor.ts";
 * console.log(eye(2).data); // Float64Array [1, 0, 0, 1]
 * ```
 */
export function eye(n: number, m: number = n, opts: { dtype?: DType } = {}): Tensor {
  for (const [name, v] of [["n", n], ["m", m]] as const) {
    if (!Number.isInteger(v) || v < 0) {
      throw new RangeError(`eye: ${name} must be a non-negative integer, got ${v}`);
    }
  }
  const t = filled("eye", [n, m], 0, opts);
  for (let i = 0; i < Math.min(n, m); i++) t.data[i * m + i] = 1;
  return t;
}

/**
 * Evenly spaced values in `[start, stop)` with `step` (like `numpy.arange`).
 *
 * @example
 * ```ts
 * import { arange } from "./tensor.ts";
 * console.log(arange(0, 5).data); // Float64Array [0, 1, 2, 3, 4]
 * ```
 */
export function arange(
  start: number,
  stop: number,
  step = 1,
  opts: { dtype?: DType } = {},
): Tensor {
  if (!Number.isFinite(start) || !Number.isFinite(stop) || !Number.isFinite(step) || step === 0) {
    throw new RangeError(
      `arange: need finite start/stop and non-zero step, got ${start}, ${stop}, ${step}`,
    );
  }
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const data = allocData(checkDType("arange", opts.dtype ?? "f64"), n);
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return new Tensor(data, [n]);
}

/**
 * The element at a multi-index (negative indices count from the end).
 *
 * @example
 * ```ts
 * import { at, tensor } from "./tensor.ts";
 * console.log(at(tensor([[1, 2], [3, 4]]), 1, -1)); // 4
 * ```
 */
export function at(t: Tensor, ...index: number[]): number {
  return t.data[flatIndex("at", t, index)];
}

/**
 * Row-major flat offset of a multi-index (negative indices count from the end), or a
 * RangeError naming `fn` when the index does not fit the shape.
 *
 * @example
 * ```ts
 * import { flatIndex, zeros } from "./tensor.ts";
 * console.log(flatIndex("f", zeros([2, 3]), [1, -1])); // 5
 * ```
 */
export function flatIndex(fn: string, t: Tensor, index: readonly number[]): number {
  if (index.length !== t.ndim) {
    throw new RangeError(
      `${fn}: index [${index.join(", ")}] has ${index.length} axes, tensor has shape ${
        shapeStr(t.shape)
      }`,
    );
  }
  let off = 0;
  for (let ax = 0; ax < index.length; ax++) {
    const n = t.shape[ax];
    let i = index[ax];
    if (!Number.isInteger(i) || i < -n || i >= n) {
      throw new RangeError(`${fn}: index ${i} out of range for axis ${ax} of extent ${n}`);
    }
    if (i < 0) i += n;
    off = off * n + i;
  }
  return off;
}

/**
 * Nested JavaScript arrays (or a number for a scalar) with the tensor's contents.
 *
 * @example
 * ```ts
 * import { tensor, toArray } from "./tensor.ts";
 * console.log(toArray(tensor([[1, 2], [3, 4]]))); // [[1, 2], [3, 4]]
 * ```
 */
export function toArray(t: Tensor): number | NestedArray {
  if (t.ndim === 0) return t.data[0];
  const build = (axis: number, off: number): NestedArray => {
    const n = t.shape[axis];
    if (axis === t.ndim - 1) return Array.from(t.data.subarray(off, off + n));
    const stride = shapeSize(t.shape.slice(axis + 1));
    const out: NestedArray[] = [];
    for (let i = 0; i < n; i++) out.push(build(axis + 1, off + i * stride));
    return out;
  };
  return build(0, 0);
}

/**
 * A copy of `t` converted to `dtype` (a copy even when the dtype is unchanged).
 *
 * @example
 * ```ts
 * import { astype, tensor } from "./tensor.ts";
 * console.log(astype(tensor([1.5]), "f32").dtype); // "f32"
 * ```
 */
export function astype(t: Tensor, dtype: DType): Tensor {
  assertTensor("astype", "t", t);
  const out = allocData(checkDType("astype", dtype), t.size);
  out.set(t.data);
  return new Tensor(out, t.shape);
}

/**
 * A scalar (0-d) tensor holding `value`.
 *
 * @example
 * ```ts
 * import { scalar } from "./tensor.ts";
 * console.log(scalar(3).shape); // []
 * ```
 */
export function scalar(value: number, opts: { dtype?: DType } = {}): Tensor {
  return full([], value, opts);
}
