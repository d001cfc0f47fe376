/**
 * lowrank: low-rank scientific computing for Deno and TypeScript.
 *
 * - Core (`ops/`): `Tensor`, seeded `Rng`, elementwise/reduction ops, the WebAssembly SIMD GEMM
 *   behind `matmul`, and the decompositions (`qr`, `svd`, `eigh`, `lu`, `ldu`, `cholesky`,
 *   `solve`, `lstsq`, `pinv`, `randomizedSvd`, `nystrom`, `tucker`, `pca`, `kmeans`).
 * - Autograd: `grad`, `valueAndGrad`, `gradcheck`, and the differentiable ops under `ad`.
 * - nn and optimizers: `initLinear`, `initMlp`, `initLlama`, `adamw`, `sgd`, schedules.
 * - io: `readSafetensors`, `writeSafetensors`.
 * - recovery: `subgm`, `l2gd`, measurement operators and problem generators.
 * - methods: the LoRA family and PEFT files under `adapters`, EigenTrajectory under `trajectory`.
 *
 * @example
 * ```ts
 * import { matmul, randn, svd } from "./mod.ts";
 * const a = randn([6, 4], { seed: 0 });
 * const { s } = svd(a);
 * console.log(matmul(a, a, { transA: true }).shape, s.shape); // [4, 4] [4]
 * ```
 *
 * @module
 */
export * from "./ops/mod.ts";
export * from "./ops/linalg/mod.ts";
export * from "./ops/gpu/mod.ts";
export {
  type BackwardFn,
  grad,
  gradcheck,
  type GradcheckOptions,
  type GradcheckResult,
  type GradOptions,
  isTraced,
  record,
  stopGradient,
  type TensorTree,
  treeLeaves,
  type TreeLike,
  treeMap,
  type ValueAndGrad,
  valueAndGrad,
} from "./ops/autograd/mod.ts";
export * as ad from "./ops/autograd/ops.ts";
export type { Indices, NormOptions } from "./ops/autograd/ops.ts";
export * from "./ops/nn/mod.ts";
export * from "./ops/optim/mod.ts";
export * from "./ops/io/mod.ts";
export * from "./ops/conv/mod.ts";
export * from "./recovery/mod.ts";
export * as adapters from "./methods/adapters/mod.ts";
export * as trajectory from "./methods/trajectory/mod.ts";
export * as geometry from "./methods/geometry/mod.ts";
export * as lowrankOptim from "./methods/optim/mod.ts";
export * as distill from "./methods/distill/mod.ts";
export * as retrieval from "./methods/retrieval/mod.ts";
export * as compression from "./methods/compression/mod.ts";
export * as ctr from "./methods/ctr/mod.ts";
export * as attention from "./methods/attention/mod.ts";
export { type LoreOptions, loreRerank, type LoreScore } from "./methods/retrieval/mod.ts";
export {
  type FisherHistory,
  galoreAdamW,
  type GaloreOptions,
  type GaloreProjection,
  type GaloreState,
  layerwiseGaloreAdamW,
  type LayerwiseOptimizer,
  type LayerwiseOptions,
  type LayerwiseState,
  naturalGaloreAdamW,
  type NaturalGaloreOptions,
  type NaturalGaloreState,
  optimizerStateBytes,
  type ProjectorFn,
  type ProjType,
} from "./methods/optim/mod.ts";
