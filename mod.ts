/**
 * lowrank: low-rank scientific computing for Deno and TypeScript.
 *
 * - Core (`ops/`): `Tensor`, seeded `Rng`, elementwise/reduction ops, the WebAssembly SIMD GEMM
 *   behind `matmul`, and the decompositions (`qr`, `svd`, `eigh`, `lu`, `ldu`, `cholesky`,
 *   `solve`, `lstsq`, `pinv`, `randomizedSvd`, `nystrom`, `tucker`, `pca`, `kmeans`).
 * - One differentiable op set: the op names exported here record on the `grad` tape whenever an
 *   input is traced (`svd`, `eigh`, `qr`, `cholesky` and `solve` included); an op without a
 *   gradient throws on a traced input. `grad`, `valueAndGrad`, `gradcheck`, `stopGradient`;
 *   `ad` is an alias namespace of the same functions.
 * - Convolutions (NCHW): `conv2d`, `maxPool2d`, `avgPool2d`, `adaptiveAvgPool2d`, `batchNorm2d`,
 *   `flatten`.
 * - nn and optimizers: `initLinear`, `initMlp`, `initConv2d`, `initSmallCnn`, `initLlama`,
 *   `adamw`, `sgd`, schedules.
 * - io: `readSafetensors`, `writeSafetensors`, and readers of the shared data formats
 *   (`readNumericCsv`, `readCharCorpus`, `readJsonLines`, `readCriteo`) with `miniBatches`.
 * - recovery: `subgm`, `l2gd`, measurement operators and problem generators.
 * - methods, as namespaces: `adapters` (LoRA family, PEFT files and workflow), `trajectory`
 *   (EigenTrajectory), `lowrankOptim` (GaLore, Natural GaLore, OwLore/LISA; `galoreAdamW` and
 *   `naturalGaloreAdamW` also at the top level), `compression` (TRP, DSFormer, BiPFT, AFM), `ctr`,
 *   `attention` (RALA), `retrieval` (DQ-LoRe; `loreRerank` also at the top level), `geometry`
 *   (LoRA3D), `distill` (optimisation-trajectory distillation).
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
