/**
 * Robust low-rank matrix recovery by the sub-gradient method (SubGM) with small initialization
 * and over-parameterization (Ma & Fattahi, JMLR 24(96), 2023): measurement operators (dense
 * Gaussian in f32/f64, full or packed; rank-one; entry sampling), seeded problem generation with
 * outlier and Gaussian noise, SubGM with its step rules, and the ℓ2 gradient-descent baseline.
 *
 * @example
 * ```ts
 * import { generateProblem, l2gd, subgm } from "./mod.ts";
 * const p = generateProblem({ d: 8, rstar: 1, m: 120, noise: { kind: "outlier", p: 0.2 }, seed: 3 });
 * const s = subgm(p, { rank: 4, alpha: 1e-6, iters: 800 });
 * const g = l2gd(p, { rank: 4, iters: 200 });
 * console.log(s.errors.at(-1)! < 1e-3, !(g.errors.at(-1)! < 1e-1)); // true true
 * ```
 *
 * @module
 */
export {
  type MeasurementOperator,
  type ResidualWeight,
  residualWeights,
  twoPassResidualGradient,
} from "./operator.ts";
export {
  DenseDesign,
  type DenseStorage,
  denseStorage,
  gaussianDesign,
  type GaussianDesignOptions,
} from "./dense.ts";
export { RankOneDesign, rankOneDesign, type RankOneDesignOptions } from "./rank_one.ts";
export { CompletionDesign, completionDesign, type CompletionDesignOptions } from "./completion.ts";
export { packSymmetric, unpackSymmetric } from "./packing.ts";
export {
  asymmetricGroundTruth,
  type AsymmetricTruth,
  orthonormalizeColumns,
  psdGroundTruth,
  type PsdTruth,
  type PsdTruthOptions,
} from "./truth.ts";
export * from "./noise.ts";
export * from "./problem.ts";
export * from "./schedule.ts";
export {
  evaluateFactored,
  type FactoredWork,
  factoredWork,
  type LossAndGradient,
  lossAndGradient,
  type LossKind,
} from "./objective.ts";
export * from "./descent.ts";
export * from "./subgm.ts";
export * from "./l2gd.ts";
export { GpuDenseDesign } from "./dense_gpu.ts";
export { type GpuRecoveryProblem, subgmGpu, toGpuProblem } from "./subgm_gpu.ts";

// Types that the exports above use in their signatures, re-exported so that this entry
// point documents them (deno doc --lint: no reference to a type the entry does not export).
export type { DType, Tensor, TensorData } from "../ops/tensor.ts";
export type { Rng } from "../ops/random.ts";
export type { GpuTensor } from "../ops/gpu/gpu_tensor.ts";
export type { Gpu, GpuInfo, GpuLimits, GpuStats } from "../ops/gpu/device.ts";
export type { PoolStats } from "../ops/gpu/pool.ts";
