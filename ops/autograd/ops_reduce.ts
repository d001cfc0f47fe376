/**
 * Differentiable reductions: sum and mean along an axis or over all elements.
 *
 * @module
 */
import * as rd from "../reduce.ts";
import { GpuTensor } from "../gpu/gpu_tensor.ts";
import { Tensor } from "../tensor.ts";
import { expandTo, view } from "./broadcast.ts";
import { arith } from "./kernels.ts";
import { record } from "./tape.ts";

/** The reduced shape with the reduced axis (or every axis) kept as extent 1. */
function keptShape(t: Tensor, opts: rd.ReduceOptions): number[] {
  if (opts.axis === undefined) return t.shape.map(() => 1);
  const ax = rd.normalizeAxis("sum", opts.axis, t.ndim);
  return t.shape.map((d, i) => (i === ax ? 1 : d));
}

/**
 * Sum along `axis` or over all elements; differentiable (the gradient is broadcast back).
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { sum } from "./ops_reduce.ts";
 * console.log(sum(tensor([[1, 2], [3, 4]]), { axis: 1 }).data); // Float64Array [3, 7]
 * ```
 */
export function sum(t: Tensor, opts?: rd.ReduceOptions): Tensor;
/** The same on the GPU (not recorded; see `ops/gpu`). */
export function sum(t: GpuTensor, opts?: rd.ReduceOptions): GpuTensor;
export function sum(t: Tensor | GpuTensor, opts: rd.ReduceOptions = {}): Tensor | GpuTensor {
  if (t instanceof GpuTensor) return rd.sum(t, opts);
  const out = rd.sum(t, opts);
  return record("sum", out, [t], (g) => [expandTo(view(g, keptShape(t, opts)), t.shape)]);
}

/**
 * Mean along `axis` or over all elements; differentiable.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { mean } from "./ops_reduce.ts";
 * console.log(mean(tensor([1, 2, 3])).data); // Float64Array [2]
 * ```
 */
export function mean(t: Tensor, opts?: rd.ReduceOptions): Tensor;
/** The same on the GPU (not recorded; see `ops/gpu`). */
export function mean(t: GpuTensor, opts?: rd.ReduceOptions): GpuTensor;
export function mean(t: Tensor | GpuTensor, opts: rd.ReduceOptions = {}): Tensor | GpuTensor {
  if (t instanceof GpuTensor) return rd.mean(t, opts);
  const out = rd.mean(t, opts);
  const n = t.size / Math.max(1, out.size);
  return record("mean", out, [t], (g) => [
    expandTo(view(arith("mul", g, 1 / n), keptShape(t, opts)), t.shape),
  ]);
}

/**
 * The gradient of an extremum: `g` spread evenly over the entries that equal the extremum of
 * their slice (the convention of PyTorch's `amax`: ties share the gradient).
 */
function extremumBackward(t: Tensor, out: Tensor, g: Tensor, opts: rd.ReduceOptions): Tensor {
  const kept = keptShape(t, opts);
  const best = expandTo(view(out, kept), t.shape).data;
  const hit = t.data.map((v, i) => (v === best[i] ? 1 : 0));
  const count = rd.sum(new Tensor(hit, t.shape), opts);
  const share = expandTo(view(arith("div", g, count), kept), t.shape).data;
  return new Tensor(hit.map((h, i) => h * share[i]), t.shape);
}

/**
 * Maximum along `axis` or over all elements (NaN propagates); differentiable (tied entries
 * share the gradient). GpuTensors reduce on the GPU.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { max } from "./ops_reduce.ts";
 * console.log(max(tensor([[1, 5], [3, 4]]), { axis: 0 }).data); // Float64Array [3, 5]
 * ```
 */
export function max(t: Tensor, opts?: rd.ReduceOptions): Tensor;
/** The same on the GPU (not recorded; see `ops/gpu`). */
export function max(t: GpuTensor, opts?: rd.ReduceOptions): GpuTensor;
export function max(t: Tensor | GpuTensor, opts: rd.ReduceOptions = {}): Tensor | GpuTensor {
  if (t instanceof GpuTensor) return rd.max(t, opts);
  const out = rd.max(t, opts);
  return record("max", out, [t], (g) => [extremumBackward(t, out, g, opts)]);
}

/**
 * Minimum along `axis` or over all elements (NaN propagates); differentiable (tied entries
 * share the gradient). GpuTensors reduce on the GPU.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { min } from "./ops_reduce.ts";
 * console.log(min(tensor([2, -1, 3])).data); // Float64Array [-1]
 * ```
 */
export function min(t: Tensor, opts?: rd.ReduceOptions): Tensor;
/** The same on the GPU (not recorded; see `ops/gpu`). */
export function min(t: GpuTensor, opts?: rd.ReduceOptions): GpuTensor;
export function min(t: Tensor | GpuTensor, opts: rd.ReduceOptions = {}): Tensor | GpuTensor {
  if (t instanceof GpuTensor) return rd.min(t, opts);
  const out = rd.min(t, opts);
  return record("min", out, [t], (g) => [extremumBackward(t, out, g, opts)]);
}
