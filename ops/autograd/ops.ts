/**
 * The differentiable op front ends, under the names of the CPU ops. Each computes exactly what
 * the CPU op computes and, only while `grad` is recording, also records its backward; so a
 * model written against these names runs at full speed outside `grad`.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { grad } from "./grad.ts";
 * import { linear, mse } from "./ops.ts";
 * const x = tensor([[1, 2]]), y = tensor([[1]]);
 * const g = grad((w: typeof x) => mse(linear(x, w), y))(tensor([[0, 0]]));
 * console.log(g.data); // Float64Array [-2, -4]
 * ```
 *
 * @module
 */
export { add, div, mul, neg, scale, sub } from "./ops_arith.ts";
export {
  abs,
  astype,
  erf,
  exp,
  gelu,
  log,
  pow,
  relu,
  sigmoid,
  sign,
  silu,
  sqrt,
  square,
  tanh,
} from "./ops_unary.ts";
export { max, mean, min, sum } from "./ops_reduce.ts";
export {
  concat,
  gather,
  type Indices,
  reshape,
  slice,
  sliceAxis,
  sliceCols,
  sliceRows,
  transpose,
} from "./ops_shape.ts";
export { linear, matmul } from "./ops_matmul.ts";
export {
  crossEntropy,
  type CrossEntropyOptions,
  logSoftmax,
  softmax,
  type SoftmaxFusedOptions,
  type SoftmaxOptions,
} from "./ops_softmax.ts";
export { layerNorm, type NormOptions, rmsNorm } from "./ops_norm.ts";
export { mse, rope, type RopeOptions, where } from "./ops_select.ts";
