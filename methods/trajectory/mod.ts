/**
 * EigenTrajectory (Bae, Oh, Jeon, "EigenTrajectory: Low-Rank Descriptors for Multi-Modal
 * Trajectory Forecasting", ICCV 2023): ETH/UCY reading and windowing, leave-one-scene-out
 * folds, a seeded synthetic generator, the per-agent canonical frame, low-rank ET descriptors,
 * k-means++ anchors, anchor refinement, metrics, deterministic baselines and a trained
 * predictor.
 *
 * @example
 * ```ts
 * import {
 *   anchorCoefficients, decodeFutures, encode, fitEigenTrajectory, scoreForecast,
 *   splitHistoryFuture, syntheticScenes,
 * } from "./mod.ts";
 * const train = syntheticScenes({ scenes: 80, seed: 0 }), test = syntheticScenes({ scenes: 20, seed: 1 });
 * const model = fitEigenTrajectory(train, { staticDist: 0.35, modes: 6, nInit: 2 });
 * const enc = encode(model, test);
 * const pred = decodeFutures(model, enc, anchorCoefficients(model, enc));
 * const s = scoreForecast(pred, splitHistoryFuture(test).future, test.sceneStart, 6, 12);
 * console.log(s.ade < 1); // true
 * ```
 *
 * @module
 */
export {
  concatSets,
  makeTrajectorySet,
  mirrorY,
  OBS_LEN,
  PRED_LEN,
  sceneCount,
  splitHistoryFuture,
  type TrajectorySet,
} from "./dataset.ts";
export { parseTrajectoryText, readTrajectoryFile, type TrajectoryRows } from "./reader.ts";
export { type WindowOptions, windowRows } from "./windowing.ts";
export {
  checkFold,
  type FoldData,
  type FoldName,
  FOLDS,
  loadFold,
  loadSplit,
  type SplitName,
  STATIC_DIST,
} from "./folds.ts";
export {
  type ModeFutureOptions,
  modePath,
  syntheticModeFutures,
  type SyntheticSceneOptions,
  syntheticScenes,
} from "./synthetic.ts";
export {
  denormalizePoints,
  headingSpeed,
  movingMask,
  normalizePoints,
  type NormParams,
  normParams,
} from "./normalize.ts";
export {
  fitBasis,
  type FitBasisOptions,
  project,
  reconstruct,
  type TrajectoryBasis,
  truncateBasis,
} from "./descriptor.ts";
export { type AnchorOptions, type Anchors, fitAnchors } from "./anchors.ts";
export {
  anchorCoefficients,
  canonicalGroups,
  decodeFutures,
  encode,
  type Encoded,
  type ETGroup,
  type ETModel,
  type ETOptions,
  fitEigenTrajectory,
  GROUP_NAMES,
  type GroupMatrices,
} from "./model.ts";
export {
  type BestOfS,
  bestOfS,
  collisionRate,
  type ForecastScores,
  pooledMean,
  scoreForecast,
  tcc,
} from "./metrics.ts";
export { type BaselineName, predictBaseline } from "./baselines.ts";
export { agentFeatures, featureCount, type FeatureOptions } from "./features.ts";
export {
  type ETNetwork,
  initNetwork,
  type NetworkOptions,
  type NetworkParams,
  refine,
  refineNetwork,
  scaleNeighbours,
  standardize,
} from "./network.ts";
export { type LossBatch, type WtaLoss, wtaLoss, type WtaOptions } from "./wta_loss.ts";
export {
  applySocial,
  initSocial,
  NEIGHBOUR_WIDTH,
  type NeighbourFeatures,
  neighbourFeatures,
  type NeighbourOptions,
  type SocialParams,
} from "./social.ts";
export {
  type EpochRecord,
  predictCoefficients,
  trainNetwork,
  type TrainNetworkOptions,
} from "./train.ts";

// Types that the exports above use in their signatures, re-exported so that this entry point
// documents them (deno doc --lint: no reference to a type the entry does not export).
export type { DType, Tensor, TensorData } from "../../ops/tensor.ts";
export type { LinearParams, MlpParams } from "../../ops/nn/layers.ts";
