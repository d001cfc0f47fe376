/**
 * Small neural networks as plain data: seeded initializers, Linear/Embedding/LayerNorm/RMSNorm/
 * MLP layers, RoPE causal self-attention, a tiny Llama decoder with transformers' parameter
 * names, and a training loop.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { applyMlp, initMlp } from "./mod.ts";
 * const p = initMlp([2, 4, 1], { seed: 0 });
 * console.log(applyMlp(p, tensor([[1, 2]]), { activation: "tanh" }).shape); // [1, 1]
 * ```
 *
 * @module
 */
export {
  fans,
  type InitOptions,
  kaimingNormal,
  type KaimingOptions,
  kaimingUniform,
  normalInit,
  xavierNormal,
  xavierUniform,
} from "./init.ts";
export {
  type Activation,
  activation,
  applyEmbedding,
  applyLayerNorm,
  applyLinear,
  applyMlp,
  applyRmsNorm,
  type EmbeddingParams,
  initEmbedding,
  initLayerNorm,
  initLinear,
  initMlp,
  initRmsNorm,
  type LayerInitOptions,
  type LayerNormParams,
  type LinearParams,
  type MlpParams,
  type RmsNormParams,
} from "./layers.ts";
export {
  applyAttention,
  attentionCore,
  type AttentionOptions,
  type AttentionParams,
  initAttention,
} from "./attention.ts";
export {
  initLlama,
  type LinearHook,
  type LlamaConfig,
  llamaForward,
  type LlamaForwardOptions,
  llamaGenerate,
  llamaLoss,
  type LlamaParams,
  llamaShapes,
  loadLlama,
} from "./llama.ts";
export { llamaConfigFromJson, readLlamaConfig } from "./llama_config.ts";
export { type StepInfo, train, type TrainOptions, type TrainResult } from "./train.ts";
export {
  applyBatchNorm2d,
  applyConv2d,
  applySmallCnn,
  type BatchNorm2dParams,
  type BatchNorm2dState,
  type BatchNormModeOptions,
  type Conv2dParams,
  type ConvHook,
  initBatchNorm2d,
  initConv2d,
  initSmallCnn,
  type SmallCnnConfig,
  type SmallCnnParams,
  type SmallCnnState,
} from "./conv.ts";

// Types that the exports above use in their signatures, re-exported so that this entry
// point documents them (deno doc --lint: no reference to a type the entry does not export).
export type { Rng } from "../random.ts";
export type { DType, Tensor, TensorData } from "../tensor.ts";
export type { Indices } from "../autograd/ops_shape.ts";
export type { Conv2dShapeOptions } from "../conv/conv_geom.ts";
export type { Pair } from "../conv/options.ts";
export type { NormOptions } from "../autograd/ops_norm.ts";
export type { TensorTree, TreeLike } from "../autograd/tree.ts";
export type { Optimizer, OptimizerState } from "../optim/optimizer.ts";
