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
export { type StepInfo, train, type TrainOptions, type TrainResult } from "./train.ts";
