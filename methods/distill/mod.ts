/**
 * Optimisation-trajectory distillation (OTD; Fan et al., "Taxonomy-adaptive cross-domain
 * adaptation in medical imaging via optimization trajectory distillation", ICCV 2023; code
 * camwew/TADA-MI; spec `compression_optim_attention.md` §10): closed-form per-sample gradients
 * of a softmax head, their batch statistics and EMAs, the gradient bank (ring buffer, periodic
 * SVD, 98 % energy rank, projector kept as `U_r`), the cross-domain and cross-class losses (and
 * the stateful streams that compose EMAs, banks and losses), and the historical-trajectory boost
 * `g ← g + 0.1·U_rU_rᵀg` over a parameter tree.
 *
 * @example
 * ```ts
 * import { randn } from "../../ops/random.ts";
 * import { reshape } from "../../ops/autograd/ops.ts";
 * import { crossDomainLoss, EmaStats, GradientBank, gradStats, softmaxHeadGrads } from "./mod.ts";
 * const w = randn([3, 4], { seed: 0 });
 * const src = softmaxHeadGrads(randn([8, 4], { seed: 1 }), w, undefined, [0, 1, 2, 0, 1, 2, 0, 1]);
 * const mix = softmaxHeadGrads(randn([8, 4], { seed: 2 }), w, undefined, [2, 1, 0, 2, 1, 0, 2, 1]);
 * const emaSrc = new EmaStats(), emaMix = new EmaStats();
 * const s = emaSrc.update(gradStats(reshape(src, [8, 12])));
 * const m = emaMix.update(gradStats(reshape(mix, [8, 12])));
 * const bank = new GradientBank(12);
 * bank.push(s.m);
 * console.log(crossDomainLoss(s, m, { m: bank.basis, v: null }).data[0] > 0); // true
 * ```
 *
 * @module
 */
export { energyRank } from "./energy_rank.ts";
export { projectOnto, trajectoryBoost, type TrajectoryBoostOptions } from "./project.ts";
export { flatBankOptions, GradientBank, type GradientBankOptions } from "./bank.ts";
export { softmaxHeadGrads } from "./per_sample.ts";
export { Ema, type EmaOptions, EmaStats, type GradStats, gradStats } from "./stats.ts";
export {
  crossClassLoss,
  type CrossClassOptions,
  crossDomainLoss,
  type StatBases,
} from "./losses.ts";
export { TrajectoryBooster, type TrajectoryBoosterOptions } from "./trajectory.ts";
export {
  CrossClassStream,
  type CrossClassStreamOptions,
  CrossDomainStream,
  type StreamOptions,
} from "./streams.ts";
