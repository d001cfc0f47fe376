/**
 * Dense linear algebra: QR, SVD, symmetric eigendecomposition, norms, and (appended by their
 * authors) the other factorizations and low-rank decompositions.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { svd } from "./mod.ts";
 * console.log(svd(tensor([[1, 0], [0, 2]])).s.data); // Float64Array [2, 1]
 * ```
 *
 * @module
 */
export * from "./qr.ts";
export * from "./svd.ts";
export * from "./jacobi_svd.ts";
export * from "./eigh.ts";
export * from "./norms.ts";
export * from "./lu.ts";
export * from "./ldu.ts";
export * from "./cholesky.ts";
export * from "./triangular.ts";
export * from "./solve.ts";
export * from "./det.ts";
export * from "./lstsq.ts";
export * from "./pinv.ts";
export * from "./rank.ts";
export * from "./randomized_svd.ts";
export * from "./nystrom.ts";
export * from "./unfold.ts";
export * from "./tucker.ts";
export * from "./pca.ts";
export * from "./kmeans.ts";

// The decompositions that have a backward are exported as their differentiable front ends
// (same results; they record on the `grad` tape when the input is traced).
export { cholesky, eigh, qr, solve, svd, svdvals } from "../autograd/ops_linalg.ts";

// Types that the exports above use in their signatures, re-exported so that this entry
// point documents them (deno doc --lint: no reference to a type the entry does not export).
export type { DType, Tensor, TensorData } from "../tensor.ts";
export type { Rng } from "../random.ts";
export type { GpuTensor } from "../gpu/gpu_tensor.ts";
export type { Gpu, GpuInfo, GpuLimits, GpuStats, RequestGpuOptions } from "../gpu/device.ts";
export type { PoolStats } from "../gpu/pool.ts";
export type { RandomizedSvdGpuOptions, RandomizedSvdGpuResult } from "../gpu/randomized_svd.ts";
