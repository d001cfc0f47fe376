/**
 * Attention layers with one interface — softmax attention, plain linear attention (φ = ELU + 1)
 * and RALA, rank-augmented linear attention (Fan, Huang, He, CVPR 2025; spec
 * `compression_optim_attention.md` §7) — with the paper's rank analysis, a small RAVLT-style
 * hierarchical vision transformer, and a WGSL kernel for RALA's forward on GpuTensors.
 *
 * @example
 * ```ts
 * import { randn } from "../../ops/random.ts";
 * import { attentionRanks, initAttentionLayer } from "./mod.ts";
 * const x = randn([1, 16, 8], { seed: 1 });
 * for (const kind of ["linear", "rala"] as const) {
 *   const p = initAttentionLayer(kind, 8, { nHeads: 2, seed: 0 });
 *   console.log(kind, attentionRanks(kind, p, x, { nHeads: 2, grid: [4, 4] }).output);
 * }
 * ```
 *
 * @module
 */
export { eluPlusOne } from "./feature_map.ts";
export { checkTokens, type Grid, mergeHeads, splitHeads, toImage, toTokens } from "./heads.ts";
export { applyRope2d, type Rope2dTables, rope2dTables } from "./rope2d.ts";
export { RALA_EPS, ralaCore, type RalaCoreOptions, type RalaCoreResult } from "./rala_core.ts";
export { linearCore, type LinearCoreOptions, type LinearCoreResult } from "./linear_core.ts";
export {
  applyAttentionLayer,
  ATTENTION_KINDS,
  type AttentionInitOptions,
  type AttentionKind,
  attentionLayer,
  type AttentionLayerOptions,
  type AttentionLayerParams,
  type AttentionLayerResult,
  initAttentionLayer,
  type QkvAttentionParams,
  type RalaParams,
} from "./layer.ts";
export {
  type AttentionRanks,
  attentionRanks,
  type AttentionRanksOptions,
  numericalRank,
  stackRanks,
} from "./ranks.ts";
export {
  type AttentionHook,
  initRavlt,
  type RavltBlockParams,
  type RavltConfig,
  ravltConfig,
  ravltForward,
  type RavltInitOptions,
  type RavltParams,
  type RavltStageParams,
} from "./ravlt.ts";
export {
  RALA_GPU_MAX_D,
  ralaCoreGpu,
  type RalaGpuOptions,
  type RalaGpuResult,
} from "./rala_gpu.ts";

// Types used in the signatures above, re-exported so that this entry documents them.
export type { DType, Tensor, TensorData } from "../../ops/tensor.ts";
export type { Rng } from "../../ops/random.ts";
export type { GpuTensor } from "../../ops/gpu/gpu_tensor.ts";
export type { Gpu, GpuInfo, GpuLimits, GpuStats } from "../../ops/gpu/device.ts";
export type { PoolStats } from "../../ops/gpu/pool.ts";
export type { Conv2dParams } from "../../ops/nn/conv.ts";
export type { LayerInitOptions, LayerNormParams, LinearParams } from "../../ops/nn/layers.ts";
