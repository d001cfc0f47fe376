/**
 * Reverse-mode automatic differentiation over lowrank's CPU ops: `grad`, `valueAndGrad`,
 * `stopGradient`, `gradcheck`, parameter trees, and the differentiable op front ends (`ops.ts`,
 * re-exported here under the CPU op names).
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { grad, square, sum } from "./mod.ts";
 * console.log(grad((x: ReturnType<typeof tensor>) => sum(square(x)))(tensor([1, -2])).data); // Float64Array [2, -4]
 * ```
 *
 * @module
 */
export * from "./ops.ts";
export { grad, type GradOptions, stopGradient, type ValueAndGrad, valueAndGrad } from "./grad.ts";
export { gradcheck, type GradcheckOptions, type GradcheckResult } from "./gradcheck.ts";
export { type TensorTree, treeLeaves, type TreeLike, treeMap } from "./tree.ts";
export { type BackwardFn, isTraced, record } from "./tape.ts";

// Types that the exports above use in their signatures, re-exported so that this entry
// point documents them (deno doc --lint: no reference to a type the entry does not export).
export type { DType, Tensor, TensorData } from "../tensor.ts";
export type { GeluOptions } from "../unary.ts";
export type { ReduceOptions } from "../reduce.ts";
export type { MatmulOptions } from "../matmul.ts";
