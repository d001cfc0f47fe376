/**
 * Optimizers over parameter trees: SGD (momentum, Nesterov), Adam, AdamW, gradient-norm
 * clipping and learning-rate schedules. State is plain data keyed by parameter path.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { adamw, warmupCosine } from "./mod.ts";
 * const params = { w: tensor([1, 2]) };
 * const opt = adamw({ lr: warmupCosine({ lr: 1e-2, warmupSteps: 2, totalSteps: 10 }) });
 * const state = opt.init(params);
 * opt.step_(params, { w: tensor([1, 1]) }, state);
 * console.log(state.step, Object.keys(state.m)); // 1 ["w"]
 * ```
 *
 * @module
 */
export {
  hyper,
  type Optimizer,
  type OptimizerState,
  pairLeaves,
  resolveLr,
  type Schedule,
  stateSlot,
} from "./optimizer.ts";
export {
  adam,
  type AdamHyper,
  type AdamOptions,
  type AdamState,
  adamUpdate_,
  adamw,
} from "./adam.ts";
export { sgd, type SgdOptions, type SgdState } from "./sgd.ts";
export { clipGradNorm_, globalNorm } from "./clip.ts";
export { cosineDecay, linearWarmup, stepDecay, warmupCosine } from "./schedule.ts";

// Types that the exports above use in their signatures, re-exported so that this entry
// point documents them (deno doc --lint: no reference to a type the entry does not export).
export type { TensorTree, TreeLike } from "../autograd/tree.ts";
export type { DType, Tensor, TensorData } from "../tensor.ts";
