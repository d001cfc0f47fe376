/**
 * Reductions along an axis (or over all elements): sum, mean, max, min.
 *
 * @module
 */
import { allocData, assertTensor, shapeSize, Tensor } from "./tensor.ts";
import { GpuTensor, reduceGpu } from "./gpu/dispatch.ts";

/** Options of the axis reductions. */
export interface ReduceOptions {
  /** Axis to reduce (negative counts from the end); omitted: reduce every element. */
  axis?: number;
  /** Keep the reduced axis with extent 1 (default false). */
  keepDims?: boolean;
}

type Fold = {
  init: number;
  step: (acc: number, x: number) => number;
  finish?: (acc: number, n: number) => number;
};

function reduce(fn: string, t: Tensor, opts: ReduceOptions, fold: Fold): Tensor {
  assertTensor(fn, "t", t);
  if (opts.axis === undefined) {
    if (t.size === 0 && fold.init !== 0) throw new RangeError(`${fn}: empty tensor has no ${fn}`);
    let acc = fold.init;
    const x = t.data;
    for (let i = 0; i < x.length; i++) acc = fold.step(acc, x[i]);
    const v = fold.finish ? fold.finish(acc, t.size) : acc;
    const shape = opts.keepDims ? t.shape.map(() => 1) : [];
    const out = allocData(t.dtype, 1);
    out[0] = v;
    return new Tensor(out, shape);
  }
  const ax = normalizeAxis(fn, opts.axis, t.ndim);
  const outer = shapeSize(t.shape.slice(0, ax));
  const n = t.shape[ax];
  const inner = shapeSize(t.shape.slice(ax + 1));
  if (n === 0 && fold.init !== 0) throw new RangeError(`${fn}: axis ${ax} is empty`);
  const out = allocData(t.dtype, outer * inner);
  const acc = new Float64Array(inner);
  const x = t.data;
  for (let o = 0; o < outer; o++) {
    acc.fill(fold.init);
    for (let k = 0; k < n; k++) {
      const base = (o * n + k) * inner;
      for (let j = 0; j < inner; j++) acc[j] = fold.step(acc[j], x[base + j]);
    }
    for (let j = 0; j < inner; j++) {
      out[o * inner + j] = fold.finish ? fold.finish(acc[j], n) : acc[j];
    }
  }
  const shape = opts.keepDims
    ? t.shape.map((d, i) => (i === ax ? 1 : d))
    : t.shape.filter((_, i) => i !== ax);
  return new Tensor(out, shape);
}

/** Resolves a possibly negative axis, or throws a RangeError naming `fn`. */
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
  if (t instanceof GpuTensor) return reduceGpu(t, "sum", opts);
  return reduce("sum", t, opts, { init: 0, step: (a, x) => a + x });
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
  if (t instanceof GpuTensor) return reduceGpu(t, "mean", opts);
  return reduce("mean", t, opts, {
    init: 0,
    step: (a, x) => a + x,
    finish: (a, n) => (n ? a / n : NaN),
  });
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
  if (t instanceof GpuTensor) return reduceGpu(t, "max", opts);
  return reduce("max", t, opts, { init: -Infinity, step: (a, x) => (x > a || x !== x ? x : a) });
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
  if (t instanceof GpuTensor) return reduceGpu(t, "min", opts);
  return reduce("min", t, opts, { init: Infinity, step: (a, x) => (x < a || x !== x ? x : a) });
}
