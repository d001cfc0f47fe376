/**
 * Convolutions and the layers around them, on NCHW tensors: `conv2d` (stride, padding,
 * dilation, groups, bias; im2col + GEMM, a 1×1 path and a direct depthwise path on the CPU, an
 * implicit-GEMM WGSL kernel for GpuTensors), `maxPool2d`, `avgPool2d`, `adaptiveAvgPool2d`,
 * `batchNorm2d` (train/eval with running statistics) and `flatten`. All are differentiable.
 *
 * @example
 * ```ts
 * import { randn } from "../random.ts";
 * import { adaptiveAvgPool2d, batchNorm2d, conv2d, flatten } from "./mod.ts";
 * const x = randn([2, 3, 8, 8], { seed: 0 }), w = randn([4, 3, 3, 3], { seed: 1 });
 * const h = batchNorm2d(conv2d(x, w, { padding: 1, stride: 2 }), { training: true }).y;
 * console.log(flatten(adaptiveAvgPool2d(h, 1)).shape); // [2, 4]
 * ```
 *
 * @module
 */
export { conv2d, type Conv2dOptions, conv2dOutShape } from "./conv2d.ts";
export type { Conv2dShapeOptions } from "./conv_geom.ts";
export { adaptiveAvgPool2d, avgPool2d, maxPool2d, type Pool2dOptions } from "./pool.ts";
export { batchNorm2d, type BatchNorm2dOptions, type BatchNorm2dResult } from "./batchnorm.ts";
export { flatten, type FlattenOptions } from "./flatten.ts";
export type { Pair } from "./options.ts";

// Types that the exports above use in their signatures, re-exported so that this entry
// point documents them (deno doc --lint: no reference to a type the entry does not export).
export type { DType, Tensor, TensorData } from "../tensor.ts";
export type { GpuTensor } from "../gpu/gpu_tensor.ts";
export type { Gpu, GpuInfo, GpuLimits, GpuStats } from "../gpu/device.ts";
export type { PoolStats } from "../gpu/pool.ts";
