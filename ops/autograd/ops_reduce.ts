/**
 * Differentiable reductions: sum and mean along an axis or over all elements.
 *
 * @module
 */
import * as rd from "../reduce.ts";
import type { Tensor } from "../tensor.ts";
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
export function sum(t: Tensor, opts: rd.ReduceOptions = {}): Tensor {
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
export function mean(t: Tensor, opts: rd.ReduceOptions = {}): Tensor {
  const out = rd.mean(t, opts);
  const n = t.size / Math.max(1, out.size);
  return record("mean", out, [t], (g) => [
    expandTo(view(arith("mul", g, 1 / n), keptShape(t, opts)), t.shape),
  ]);
}
