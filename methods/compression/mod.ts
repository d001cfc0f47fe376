/**
 * Low-rank model compression. AFM (Atomic Feature Mimicking) and weight SVD of linear layers and
 * embedding tables (Yu et al., KDD 2024; spec `compression_optim_attention.md` §2): streaming
 * output statistics, the top-k output basis, the exact fold into two thin layers, the embedding
 * variant and its fold into the next linear layer, and per-layer ranks from a target ratio.
 *
 * @example
 * ```ts
 * import { randn } from "../../ops/random.ts";
 * import { afmBasis, afmLinear, OutputStats } from "./mod.ts";
 * const layer = { weight: randn([4, 3], { seed: 0 }) };
 * const stats = new OutputStats(4);
 * stats.update(randn([50, 4], { seed: 1 }));
 * console.log(afmLinear(layer, afmBasis(stats, 2)).a.weight.shape); // [2, 3]
 * ```
 *
 * @module
 */
export { collectStats, OutputStats } from "./afm_stats.ts";
export {
  type AfmBasis,
  afmBasis,
  afmEmbedding,
  afmLinear,
  type FactoredEmbedding,
  type FactoredLinear,
} from "./afm.ts";
export { type FoldOptions, foldProjection } from "./afm_fold.ts";
export { svdEmbedding, svdLinear } from "./svd_compress.ts";
export { factoredParams, type RankLayer, type RankPlan, ranksForRatio } from "./rank_budget.ts";
export {
  nmIndexBits,
  nmMatmulT,
  type NmOptions,
  nmPack,
  type NmPacked,
  nmProject,
} from "./nm_sparse.ts";
export {
  type DsformerConvention,
  type DsformerFactors,
  dsformerInit,
  type DsformerInitOptions,
  dsformerKForBudget,
  type DsformerShape,
  type DsformerSize,
  dsformerSize,
  dsformerWeight,
} from "./dsformer.ts";
export { bwnWeight, initAlpha_, signQuant, unsignedQuant } from "./bipft_quant.ts";
export {
  type BipftAttentionAlphas,
  bipftAttentionCore,
  type BipftAttentionOptions,
  residualScores,
} from "./bipft_attention.ts";
export {
  BIPFT_LINEARS,
  bipftForward,
  type BipftMode,
  type BipftOutput,
  initBipft,
} from "./bipft_llama.ts";
export { type BipftBits, bipftBits, type BipftOps, bipftOps } from "./bipft_cost.ts";
export { distillLoss } from "./bipft_distill.ts";
export { binaryMatmulT, type PackedSigns, packSigns } from "./binary_gemm.ts";
export {
  checkScheme,
  kernelDims,
  TRP_SCHEMES,
  trpReshape,
  type TrpScheme,
  trpUnreshape,
} from "./trp_reshape.ts";
export { linearRateRank, type TrpCriterion, trpRank, valueRank } from "./trp_rank.ts";
export {
  type TrpMatrixProjection,
  trpProject,
  type TrpProjection,
  trpProjectMatrix,
  type TrpProjectOptions,
} from "./trp_project.ts";
export { TrpRegularizer, type TrpTrainOptions } from "./trp_train.ts";
export {
  applyTrpFactorised,
  type TrpConvLayer,
  trpDecompose,
  type TrpDecomposeOptions,
  type TrpFactorised,
  trpMacsPerPixel,
} from "./trp_decompose.ts";

// Types that the exports above use in their signatures, re-exported so that this entry
// point documents them.
export type { LinearParams } from "../../ops/nn/layers.ts";
export type { Conv2dParams } from "../../ops/nn/conv.ts";
export type { Conv2dShapeOptions } from "../../ops/conv/conv_geom.ts";
export type { Pair } from "../../ops/conv/options.ts";
export type { LlamaConfig, LlamaParams } from "../../ops/nn/llama.ts";
export type { Indices } from "../../ops/autograd/ops.ts";
export type { DType, Tensor, TensorData } from "../../ops/tensor.ts";
