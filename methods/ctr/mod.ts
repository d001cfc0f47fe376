/**
 * Click-through-rate models over the Criteo schema and their low-rank compression (Yu et al.,
 * "Unified Low-rank Compression Framework for Click-through Rate Prediction", KDD 2024; spec
 * `compression_optim_attention.md` §2): the feature pipeline (vocabularies from training rows,
 * OOV and missing ids, log-transformed integers), DeepFM and embedding + MLP models, BCE
 * training with AdamW, exact AUC and log-loss, weight-SVD and AFM compression at a target size
 * ratio, and a generator of Criteo-format logs from a known low-rank interaction model.
 *
 * @example
 * ```ts
 * import { parseCriteo } from "../../ops/io/criteo.ts";
 * import { buildEncoder, encodeRows, evaluateCtr, initCtrModel, syntheticCriteo } from "./mod.ts";
 * const data = parseCriteo(syntheticCriteo({ rows: 300, seed: 0 }).text);
 * const enc = buildEncoder(data);
 * const model = initCtrModel({ vocabSize: enc.offsets[26], embDim: 4, hidden: [8] });
 * console.log(evaluateCtr(model, encodeRows(data, enc)).auc > 0); // true
 * ```
 *
 * @module
 */
export {
  buildEncoder,
  type CriteoEncoder,
  type CtrBatchData,
  DENSE_DIM,
  type EncoderOptions,
  encodeRows,
  logTransform,
  MISSING_ID,
  N_DENSE,
  N_SPARSE,
  OOV_ID,
} from "./features.ts";
export { auc, logLoss, softplus } from "./metrics.ts";
export { bceWithLogits } from "./bce.ts";
export {
  applyCtrLayer,
  countParams,
  ctrForward,
  type CtrInitOptions,
  type CtrInput,
  type CtrKind,
  type CtrLayer,
  type CtrModel,
  type CtrParams,
  initCtrModel,
  isFactored,
  type LayerHook,
} from "./model.ts";
export {
  type CtrScore,
  evaluateCtr,
  fitCtr,
  type FitOptions,
  type FitResult,
  predictLogits,
} from "./train.ts";
export { compressCtr, type CompressOptions, type CompressResult } from "./compress.ts";
export { type SyntheticCriteo, syntheticCriteo, type SyntheticCriteoOptions } from "./synthetic.ts";

// Types that the exports above use in their signatures, re-exported so that this entry
// point documents them.
export type { CriteoData } from "../../ops/io/criteo.ts";
export type { Activation, LinearParams } from "../../ops/nn/layers.ts";
export type { DType, Tensor, TensorData } from "../../ops/tensor.ts";
export type { FactoredLinear, RankPlan } from "../compression/mod.ts";
