/**
 * The minimal GPU surface that the CPU op front ends (`ops/matmul.ts`, `ops/elementwise.ts`,
 * `ops/reduce.ts`) import to route GpuTensor arguments to the GPU kernels. Nothing in `ops/gpu/`
 * imports those front ends, so there is no import cycle.
 *
 * @module
 */
export { GpuTensor } from "./gpu_tensor.ts";
export { matmulGpu } from "./matmul.ts";
export { binaryGpu } from "./elementwise.ts";
export { reduceGpu } from "./reduce.ts";
