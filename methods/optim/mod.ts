/**
 * Low-rank optimizers (spec `compression_optim_attention.md` §5a, §5b, §6): GaLore-AdamW
 * (Zhao et al., ICML 2024), Natural GaLore, and layerwise sampled GaLore for OwLore (Li et al.
 * 2024) and LISA (Pan et al. 2024), on the optimizer protocol of `ops/optim` (`init` /
 * `step_` over parameter trees), with `optimizerStateBytes` to measure their memory.
 *
 * @example
 * ```ts
 * import { randn } from "../../ops/random.ts";
 * import { galoreAdamW, optimizerStateBytes } from "./mod.ts";
 * const params = { w: randn([64, 32], { seed: 0 }) };
 * const opt = galoreAdamW({ rank: 4 });
 * const state = opt.init(params);
 * opt.step_(params, { w: randn([64, 32], { seed: 1 }) }, state);
 * console.log(optimizerStateBytes(state) / 8); // 640 = 2·64·4 + 32·4
 * ```
 *
 * @module
 */
export {
  defaultGaloreTarget,
  GALORE_OPTION_KEYS,
  galoreAdamW,
  type GaloreConfig,
  galoreConfig,
  type GaloreOptions,
  type GaloreState,
  galoreStep_,
  type ProjectedTransform,
} from "./galore.ts";
export {
  emptyHistory,
  type FisherHistory,
  historyVectors,
  naturalGaloreAdamW,
  type NaturalGaloreOptions,
  type NaturalGaloreState,
  naturalGradient,
  pushHistory,
} from "./natural_galore.ts";
export {
  type GaloreProjection,
  project,
  projectBack,
  projectBackInto,
  projectInto,
  type ProjectionOut,
  projectionSide,
  type ProjectorFn,
  type ProjType,
  svdProjector,
} from "./projector.ts";
export {
  layerIndex,
  layerwiseGaloreAdamW,
  type LayerwiseOptimizer,
  type LayerwiseOptions,
  type LayerwiseState,
  sampleBlocks,
  samplingProbabilities,
} from "./layerwise.ts";
export { llamaInputNorms, llamaOutlierRatios, outlierRatio, wandaScores } from "./outlier_ratio.ts";
export { optimizerStateBytes } from "./state_bytes.ts";

// Types the signatures above use, re-exported so this entry documents them.
export type { Optimizer, OptimizerState, Schedule } from "../../ops/optim/optimizer.ts";
export type { TensorTree, TreeLike } from "../../ops/autograd/tree.ts";
export type { DType, Tensor, TensorData } from "../../ops/tensor.ts";
export type { Rng } from "../../ops/random.ts";
export type { LlamaConfig, LlamaParams } from "../../ops/nn/llama.ts";
export type { Indices } from "../../ops/autograd/ops.ts";
