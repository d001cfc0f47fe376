/**
 * The WebGPU backend of lowrank: device acquisition, GpuTensor with a pooled buffer allocator,
 * and WGSL kernels (register-blocked GEMM, GEMV, elementwise with broadcasting, reductions,
 * softmax, transpose) plus the GPU randomized SVD. The CPU front ends `matmul`, `add`, `sub`,
 * `mul`, `div`, `scale`, `sum`, `mean`, `max`, `min` accept GpuTensors and return GpuTensors.
 *
 * @example
 * ```ts
 * import { matmulGpu, requestGpu } from "./mod.ts";
 * import { tensor } from "../tensor.ts";
 * const gpu = await requestGpu({ allowFallback: true });
 * if (gpu) {
 *   const a = gpu.upload(tensor([[1, 2], [3, 4]]));
 *   const c = matmulGpu(a, a);
 *   console.log((await c.read()).data); // Float32Array [7, 10, 15, 22]
 *   gpu.destroy();
 * }
 * ```
 *
 * @module
 */
export {
  Gpu,
  type GpuInfo,
  type GpuLimits,
  type GpuStats,
  type GpuStatus,
  gpuStatus,
  requestGpu,
  type RequestGpuOptions,
} from "./device.ts";
export { assertGpuTensor, GpuTensor } from "./gpu_tensor.ts";
export { bucketSize, BufferPool, type PoolStats } from "./pool.ts";
export { matmulGpu, type MatmulGpuOptions } from "./matmul.ts";
export { chooseGemmKernel, GEMM_TILES, gemmGpu, type GemmKernel } from "./gemm.ts";
export { type GemmGpuArgs, gemmNaive } from "./gemm_naive.ts";
export { type GemmBounds, type GemmTile, gemmWgsl } from "./gemm_wgsl.ts";
export { gemvCols, gemvRows } from "./gemv.ts";
export {
  absGpu,
  binaryGpu,
  type BinaryOp,
  signGpu,
  unaryGpu,
  type UnaryOp,
} from "./elementwise.ts";
export { reduceGpu, type ReduceGpuOptions, type ReduceOp } from "./reduce.ts";
export { softmaxGpu } from "./softmax.ts";
export { transposeGpu } from "./transpose.ts";
export { conv2dGpu, type Conv2dGpuOptions } from "./conv2d.ts";
export type { Conv2dShapeOptions, Pair } from "../conv/mod.ts";
export { cholQrGpu, type CholQrGpuOptions } from "./cholqr.ts";
export {
  randomizedSvdGpu,
  type RandomizedSvdGpuOptions,
  type RandomizedSvdGpuResult,
} from "./randomized_svd.ts";
export { grid2d, uniforms } from "./params.ts";

// Types that the exports above use in their signatures, re-exported so that this entry
// point documents them (deno doc --lint: no reference to a type the entry does not export).
export type { DType, Tensor, TensorData } from "../tensor.ts";
