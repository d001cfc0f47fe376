/**
 * LoRA3D (Lu et al., "LoRA3D: Low-Rank Self-Calibration of 3D Geometric Foundation Models",
 * ICLR 2025; spec `compression_optim_attention.md` §9) at small scale: the Geman–McClure
 * confidence re-weighting (`gemanMcClureWeight`, `updateWeights`), weighted Umeyama and its IRLS
 * toy (`weightedUmeyama`, `robustSimilarity`), DUSt3R's global alignment of pair point maps
 * (`globalAlign`), robust calibration and pseudo-labels (`calibrateAlignment`, `pseudoLabels`),
 * and the stand-in for a point-map model — synthetic multi-view scenes, pair features, an MLP
 * regressor with LoRA self-calibration (`loraSelfCalibrate`, reusing `adapters.lora`).
 *
 * @example
 * ```ts
 * import { gemanMcClureWeight } from "./mod.ts";
 * console.log(gemanMcClureWeight(1, 1)); // 0.25
 * ```
 *
 * @module
 */
export * from "./robust_weight.ts";
export * from "./similarity.ts";
export * from "./robust_similarity.ts";
export * from "./global_align.ts";
export * from "./calibrate.ts";
export * from "./synthetic_scene.ts";
export * from "./pair_data.ts";
export * from "./pointmap_model.ts";
export * from "./pointmap_train.ts";
export * from "./metrics.ts";
export * from "./ray_maps.ts";
export * from "./predict_pairs.ts";

// Types the exports above use in their signatures (deno doc --lint).
export type { DType, Tensor, TensorData } from "../../ops/tensor.ts";
export type { Rng } from "../../ops/random.ts";
export type { LinearParams, MlpParams } from "../../ops/nn/layers.ts";
export type { LoraParams, LoraState } from "../adapters/lora.ts";
export type { AdapterState, Params } from "../adapters/adapter.ts";
