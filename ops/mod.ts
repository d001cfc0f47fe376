/**
 * The numeric core of lowrank: tensors, seeded randomness, elementwise ops, reductions, GEMM.
 *
 * @example
 * ```ts
 * import { matmul, randn } from "./mod.ts";
 * const a = randn([4, 3], { seed: 1 });
 * console.log(matmul(a, a, { transA: true }).shape); // [3, 3]
 * ```
 *
 * @module
 */
export * from "./tensor.ts";
export * from "./shape.ts";
export * from "./elementwise.ts";
export * from "./reduce.ts";
export * from "./norm.ts";
export * from "./random.ts";
export * from "./matmul.ts";
export * from "./unary.ts";
export * from "./cpu/mod.ts";

// The op names are the differentiable front ends (they record on the `grad` tape when an input is
// traced, and dispatch GpuTensors to the GPU). These named exports take precedence over the
// kernel modules' same-named functions that the `export *` lines above would otherwise give.
export {
  abs,
  add,
  astype,
  concat,
  crossEntropy,
  type CrossEntropyOptions,
  div,
  erf,
  exp,
  gather,
  gelu,
  type Indices,
  layerNorm,
  linear,
  log,
  logSoftmax,
  matmul,
  max,
  mean,
  min,
  mse,
  mul,
  neg,
  type NormOptions,
  pow,
  relu,
  reshape,
  rmsNorm,
  rope,
  type RopeOptions,
  scale,
  sigmoid,
  sign,
  silu,
  slice,
  sliceAxis,
  sliceCols,
  sliceRows,
  softmax,
  type SoftmaxFusedOptions,
  type SoftmaxOptions,
  sqrt,
  square,
  sub,
  sum,
  tanh,
  transpose,
  where,
} from "./autograd/ops.ts";

// Types that the exports above use in their signatures, re-exported so that this entry
// point documents them (deno doc --lint: no reference to a type the entry does not export).
export type { GpuTensor } from "./gpu/gpu_tensor.ts";
export type { Gpu, GpuInfo, GpuLimits, GpuStats } from "./gpu/device.ts";
export type { PoolStats } from "./gpu/pool.ts";
