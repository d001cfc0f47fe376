/**
 * Reductions along an axis (or over all elements): sum, mean, max, min, and the index
 * reductions argmax, argmin.
 *
 * @module
 */
import { allocData, assertTensor, shapeSize, Tensor } from "./tensor.ts";
import { GpuTensor, reduceGpu } from "./gpu/dispatch.ts";
import { checkOptions } from "./options.ts";
import { assertUntraced } from "./autograd/tape.ts";

/** Options of the axis reductions. */
export interface ReduceOptions {
  /** Axis to reduce (negative counts from the end); omitted: reduce every element. */
  axis?: number;
  /** Keep the reduced axis with extent 1 (default false). */
  keepDims?: boolean;
}

type Kind = "sum" | "mean" | "max" | "min";

/** Checked at run time: `mean(x, 0)` (numpy's habit) used to return the global mean. */
const REDUCE_OPTIONS = { axis: "number", keepDims: "boolean" } as const;

/** `acc[j] = acc[j] ⊕ x[base + j]` for j < n, one monomorphic loop per kind (NaN
 * propagates through max/min). */
function accumulate(
  kind: Kind,
  acc: Float64Array,
  x: ArrayLike<number>,
  base: number,
  n: number,
): void {
  if (kind === "sum" || kind === "mean") {
    for (let j = 0; j < n; j++) acc[j] += x[base + j];
  } else if (kind === "max") {
    for (let j = 0; j < n; j++) {
      const v = x[base + j];
      if (v > acc[j] || v !== v) acc[j] = v;
    }
  } else {
    for (let j = 0; j < n; j++) {
      const v = x[base + j];
      if (v < acc[j] || v !== v) acc[j] = v;
    }
  }
}

function initial(kind: Kind): number {
  return kind === "max" ? -Infinity : kind === "min" ? Infinity : 0;
}

function reduce(fn: Kind, t: Tensor, opts: ReduceOptions): Tensor {
  assertTensor(fn, "t", t);
  const ordered = fn === "max" || fn === "min";
  const all = opts.axis === undefined;
  const ax = all ? -1 : normalizeAxis(fn, opts.axis as number, t.ndim);
  const outer = all ? 1 : shapeSize(t.shape.slice(0, ax));
  const n = all ? t.size : t.shape[ax];
  const inner = all ? 1 : shapeSize(t.shape.slice(ax + 1));
  if (n === 0 && ordered) {
    throw new RangeError(all ? `${fn}: empty tensor has no ${fn}` : `${fn}: axis ${ax} is empty`);
  }
  const out = allocData(t.dtype, outer * inner);
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    acc.fill(initial(fn));
    if (inner === 1) {
      // one accumulator: run down the reduced axis in a single contiguous loop
      acc[0] = foldRow(fn, t.data, o * n, n);
    } else {
      for (let k = 0; k < n; k++) accumulate(fn, acc, t.data, (o * n + k) * inner, inner);
    }
    for (let j = 0; j < inner; j++) out[o * inner + j] = fn === "mean" ? acc[j] / n : acc[j];
  }
  const shape = all
    ? (opts.keepDims ? t.shape.map(() => 1) : [])
    : opts.keepDims
    ? t.shape.map((d, i) => (i === ax ? 1 : d))
    : t.shape.filter((_, i) => i !== ax);
  return new Tensor(out, shape);
}

/** Folds `x[off .. off+n)` into one number. */
function foldRow(kind: Kind, x: ArrayLike<number>, off: number, n: number): number {
  let a = initial(kind);
  if (kind === "sum" || kind === "mean") {
    for (let i = 0; i < n; i++) a += x[off + i];
  } else if (kind === "max") {
    for (let i = 0; i < n; i++) {
      const v = x[off + i];
      if (v > a || v !== v) a = v;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const v = x[off + i];
      if (v < a || v !== v) a = v;
    }
  }
  return a;
}

/**
 * Resolves a possibly negative axis, or throws a RangeError naming `fn`.
 *
 * @example
 * ```ts
 * import { normalizeAxis } from "./reduce.ts";
 * console.log(normalizeAxis("f", -1, 3)); // 2
 * ```
 */
export function normalizeAxis(fn: string, axis: number, ndim: number): number {
  if (!Number.isInteger(axis) || axis < -ndim || axis >= ndim) {
    throw new RangeError(`${fn}: axis ${axis} out of range for a ${ndim}-D tensor`);
  }
  return axis < 0 ? axis + ndim : axis;
}

/**
 * Sum of elements, along `axis` or over all. Accumulates in f64 for both dtypes.
 *
 * @example
 * ```ts
 * import { tensor } from "./tensor.ts";
 * import { sum } from "./reduce.ts";
 * console.log(sum(tensor([[1, 2], [3, 4]]), { axis: 0 }).data); // Float64Array [4, 6]
 * ```
 */
export function sum(t: Tensor, opts?: ReduceOptions): Tensor;
/** The same on the GPU (f32 accumulation): a GpuTensor gives a GpuTensor. */
export function sum(t: GpuTensor, opts?: ReduceOptions): GpuTensor;
export function sum(t: Tensor | GpuTensor, opts: ReduceOptions = {}): Tensor | GpuTensor {
  checkOptions("sum", opts, REDUCE_OPTIONS);
  if (t instanceof GpuTensor) return reduceGpu(t, "sum", opts);
  return reduce("sum", t, opts);
}

/**
 * Arithmetic mean, along `axis` or over all.
 *
 * @example
 * ```ts
 * import { tensor } from "./tensor.ts";
 * import { mean } from "./reduce.ts";
 * console.log(mean(tensor([[1, 2], [3, 4]]), { axis: 1 }).data); // Float64Array [1.5, 3.5]
 * ```
 */
export function mean(t: Tensor, opts?: ReduceOptions): Tensor;
/** The same on the GPU (f32 accumulation): a GpuTensor gives a GpuTensor. */
export function mean(t: GpuTensor, opts?: ReduceOptions): GpuTensor;
export function mean(t: Tensor | GpuTensor, opts: ReduceOptions = {}): Tensor | GpuTensor {
  checkOptions("mean", opts, REDUCE_OPTIONS);
  if (t instanceof GpuTensor) return reduceGpu(t, "mean", opts);
  return reduce("mean", t, opts);
}

/**
 * Maximum, along `axis` or over all (NaN propagates). An empty reduction is a RangeError.
 *
 * @example
 * ```ts
 * import { tensor } from "./tensor.ts";
 * import { max } from "./reduce.ts";
 * console.log(max(tensor([[1, 5], [3, 4]]), { axis: 0 }).data); // Float64Array [3, 5]
 * ```
 */
export function max(t: Tensor, opts?: ReduceOptions): Tensor;
/** The same on the GPU (f32 accumulation): a GpuTensor gives a GpuTensor. */
export function max(t: GpuTensor, opts?: ReduceOptions): GpuTensor;
export function max(t: Tensor | GpuTensor, opts: ReduceOptions = {}): Tensor | GpuTensor {
  checkOptions("max", opts, REDUCE_OPTIONS);
  if (t instanceof GpuTensor) return reduceGpu(t, "max", opts);
  return reduce("max", t, opts);
}

/**
 * Minimum, along `axis` or over all (NaN propagates). An empty reduction is a RangeError.
 *
 * @example
 * ```ts
 * import { tensor } from "./tensor.ts";
 * import { min } from "./reduce.ts";
 * console.log(min(tensor([2, -1, 3])).data); // Float64Array [-1]
 * ```
 */
export function min(t: Tensor, opts?: ReduceOptions): Tensor;
/** The same on the GPU (f32 accumulation): a GpuTensor gives a GpuTensor. */
export function min(t: GpuTensor, opts?: ReduceOptions): GpuTensor;
export function min(t: Tensor | GpuTensor, opts: ReduceOptions = {}): Tensor | GpuTensor {
  checkOptions("min", opts, REDUCE_OPTIONS);
  if (t instanceof GpuTensor) return reduceGpu(t, "min", opts);
  return reduce("min", t, opts);
}

/** Index of the first extreme element along a run (the first NaN wins, as numpy). */
function argExtreme(
  x: ArrayLike<number>,
  off: number,
  n: number,
  stride: number,
  isMax: boolean,
): number {
  let best = 0, v0 = x[off];
  if (v0 !== v0) return 0;
  for (let k = 1; k < n; k++) {
    const v = x[off + k * stride];
    if (v !== v) return k;
    if (isMax ? v > v0 : v < v0) best = k, v0 = v;
  }
  return best;
}

function argReduce(fn: "argmax" | "argmin", t: Tensor, opts: ReduceOptions): Tensor {
  checkOptions(fn, opts, REDUCE_OPTIONS);
  assertTensor(fn, "t", t);
  assertUntraced(fn, { t });
  if (t.size === 0) throw new RangeError(`${fn}: empty tensor has no ${fn.slice(3)}`);
  const isMax = fn === "argmax";
  if (opts.axis === undefined) {
    const out = new Float64Array([argExtreme(t.data, 0, t.size, 1, isMax)]);
    return new Tensor(out, opts.keepDims ? t.shape.map(() => 1) : []);
  }
  const ax = normalizeAxis(fn, opts.axis, t.ndim);
  const outer = shapeSize(t.shape.slice(0, ax)), n = t.shape[ax];
  const inner = shapeSize(t.shape.slice(ax + 1));
  const out = new Float64Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      out[o * inner + j] = argExtreme(t.data, o * n * inner + j, n, inner, isMax);
    }
  }
  const shape = opts.keepDims
    ? t.shape.map((d, i) => (i === ax ? 1 : d))
    : t.shape.filter((_, i) => i !== ax);
  return new Tensor(out, shape);
}

/**
 * Index of the largest element, along `axis` or of the flattened tensor (numpy's `argmax`):
 * the first one among ties, and the first NaN if there is one. Indices are returned as an f64
 * tensor of integers. No gradient: a traced input is a TypeError (use `stopGradient`).
 *
 * @throws {RangeError} for an empty tensor or an axis out of range.
 *
 * @example
 * ```ts
 * import { tensor } from "./tensor.ts";
 * import { argmax } from "./reduce.ts";
 * const x = tensor([[1, 5, 2], [7, 0, 7]]);
 * console.log(argmax(x).data, argmax(x, { axis: 1 }).data); // Float64Array [3] Float64Array [1, 0]
 * ```
 */
export function argmax(t: Tensor, opts: ReduceOptions = {}): Tensor {
  return argReduce("argmax", t, opts);
}

/**
 * Index of the smallest element, along `axis` or of the flattened tensor (numpy's `argmin`);
 * ties and NaN as {@link argmax}.
 *
 * @throws {RangeError} for an empty tensor or an axis out of range.
 *
 * @example
 * ```ts
 * import { tensor } from "./tensor.ts";
 * import { argmin } from "./reduce.ts";
 * console.log(argmin(tensor([[3, 1], [0, 2]]), { axis: 0 }).data); // Float64Array [1, 0]
 * ```
 */
export function argmin(t: Tensor, opts: ReduceOptions = {}): Tensor {
  return argReduce("argmin", t, opts);
}
