/**
 * The trained EigenTrajectory predictor (Bae et al., ICCV 2023; spec §3.5, §4.2, §4.3): an MLP
 * maps each agent's standardized features to S residuals r_s in ET space, the refined
 * coefficients are ĉ_s = a_s + r_s, and training minimises the three winner-take-all losses
 * L_ET + L_ADE + L_FDE (`wta_loss.ts`), each a min over the S modes taken independently.
 *
 * @module
 */
import * as ad from "../../ops/autograd/ops.ts";
import { applyMlp, initMlp, type MlpParams } from "../../ops/nn/layers.ts";
import { Tensor } from "../../ops/tensor.ts";
import type { ETModel } from "./model.ts";
import {
  applySocial,
  initSocial,
  NEIGHBOUR_WIDTH,
  type NeighbourFeatures,
  type SocialParams,
} from "./social.ts";

/** A trained (or freshly initialised) predictor network with its input standardization. */
export interface ETNetwork {
  /** MLP weights: features → S·k residuals. */
  readonly mlp: MlpParams;
  /** Per-feature mean subtracted before the MLP. */
  readonly featMean: Float64Array;
  /** Per-feature scale divided out before the MLP. */
  readonly featStd: Float64Array;
  /** Pooled neighbours the features were built with. */
  readonly neighbours: number;
  /** Whether the features include the speed (see `FeatureOptions.speed`; default false). */
  readonly speed?: boolean;
  /** Learned attention over neighbours (absent: no social layer). */
  readonly social?: SocialParams;
  /** Neighbour slots of the social layer. */
  readonly socialSlots?: number;
  /** Radius (metres) the social layer's neighbours were chosen within (default 6). */
  readonly socialRadius?: number;
  /** Per-column RMS of the training neighbour descriptions, divided out before the layer. */
  readonly socialScale?: Float64Array;
}

/** The trainable weights of an {@link ETNetwork}. */
export interface NetworkParams {
  /** Residual MLP. */
  readonly mlp: MlpParams;
  /** Social attention layer, if the network has one. */
  readonly social?: SocialParams;
}

/** Options of {@link initNetwork}. */
export interface NetworkOptions {
  /** Hidden layer widths (default [128, 128]). */
  hidden?: number[];
  /** Seed of the weights (default 0). */
  seed?: number;
  /** Pooled neighbours of the features (default 4). */
  neighbours?: number;
  /** Whether the features include the speed (default false). */
  speed?: boolean;
  /** Factor on the last layer's initial weights, so training starts near anchors-only (default 0.01). */
  outScale?: number;
  /**
   * Add the learned social attention layer (`social.ts`) of width `dim` (default 32), with
   * its input scale taken from the training neighbour descriptions `neighbours`.
   */
  social?: { neighbours: NeighbourFeatures; dim?: number };
}

/**
 * A seeded network for `model` whose inputs are standardized with the mean and standard
 * deviation of `features` (`N × F`, the training features).
 *
 * @example
 * ```ts
 * import { syntheticScenes } from "./synthetic.ts";
 * import { encode, fitEigenTrajectory } from "./model.ts";
 * import { agentFeatures } from "./features.ts";
 * import { initNetwork } from "./network.ts";
 * const set = syntheticScenes({ scenes: 60 });
 * const m = fitEigenTrajectory(set, { staticDist: 0.35, modes: 5, nInit: 1 });
 * const f = agentFeatures(set, encode(m, set), 6, { neighbours: 1 });
 * const net = initNetwork(m, f, { hidden: [16], neighbours: 1 });
 * console.log(net.mlp.layers.at(-1)?.weight.shape); // [30, 16]
 * ```
 */
export function initNetwork(
  model: ETModel,
  features: Float64Array,
  opts: NetworkOptions = {},
): ETNetwork {
  const neighbours = opts.neighbours ?? 4;
  const F = model.k + 2 + 5 * neighbours;
  if (features.length === 0 || features.length % F !== 0) {
    throw new RangeError(
      `initNetwork: features has ${features.length} values, not a multiple of F = ${F}`,
    );
  }
  const n = features.length / F;
  const featMean = new Float64Array(F), featStd = new Float64Array(F);
  for (let i = 0; i < n; i++) for (let c = 0; c < F; c++) featMean[c] += features[i * F + c] / n;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < F; c++) featStd[c] += (features[i * F + c] - featMean[c]) ** 2 / n;
  }
  // A constant feature keeps scale 1 instead of dividing by zero.
  for (let c = 0; c < F; c++) featStd[c] = featStd[c] > 1e-12 ? Math.sqrt(featStd[c]) : 1;
  const dim = opts.social ? opts.social.dim ?? 32 : 0;
  const sizes = [F + dim, ...(opts.hidden ?? [128, 128]), model.modes * model.k];
  const mlp = initMlp(sizes, { seed: opts.seed ?? 0 });
  const last = mlp.layers[mlp.layers.length - 1];
  const s = opts.outScale ?? 0.01;
  for (const t of [last.weight, last.bias]) {
    if (t) {
      for (let i = 0; i < t.size; i++) t.data[i] *= s;
    }
  }
  const net = { mlp, featMean, featStd, neighbours, speed: opts.speed ?? false };
  if (!opts.social) return net;
  const nb = opts.social.neighbours;
  return {
    ...net,
    social: initSocial(F, dim, { seed: (opts.seed ?? 0) + 1 }),
    socialSlots: nb.slots,
    socialScale: neighbourScale(nb),
  };
}

/** RMS of each neighbour column over the present slots (1 where a column is all zero). */
function neighbourScale(nb: NeighbourFeatures): Float64Array {
  const W = NEIGHBOUR_WIDTH, sq = new Float64Array(W);
  let n = 0;
  for (let j = 0; j < nb.mask.length; j++) {
    if (nb.mask[j] === 0) continue;
    n++;
    for (let c = 0; c < W; c++) sq[c] += nb.data[j * W + c] ** 2;
  }
  return sq.map((v) => (n > 0 && v / n > 1e-24 ? Math.sqrt(v / n) : 1));
}

/**
 * Neighbour descriptions scaled by the network's `socialScale` and limited to ±3, as
 * `[count, P, NEIGHBOUR_WIDTH]` and `[count, P]` tensors.
 *
 * @example
 * ```ts
 * import { initMlp } from "../../ops/nn/layers.ts";
 * import { scaleNeighbours } from "./network.ts";
 * const net = {
 *   mlp: initMlp([1, 1]), featMean: new Float64Array(1), featStd: new Float64Array([1]),
 *   neighbours: 0, socialScale: new Float64Array(7).fill(2),
 * };
 * const nb = { slots: 1, data: new Float64Array(7).fill(4), mask: new Float64Array([1]) };
 * console.log(scaleNeighbours(net, nb).data.data[0]); // 2
 * ```
 */
export function scaleNeighbours(
  net: ETNetwork,
  nb: NeighbourFeatures,
): { data: Tensor; mask: Tensor } {
  const scale = net.socialScale;
  if (!scale) throw new RangeError("scaleNeighbours: the network has no social layer");
  const W = NEIGHBOUR_WIDTH, n = nb.mask.length / nb.slots;
  const out = nb.data.map((v, j) => Math.max(-CLIP_SIGMA, Math.min(CLIP_SIGMA, v / scale[j % W])));
  return {
    data: new Tensor(out, [n, nb.slots, W]),
    mask: new Tensor(nb.mask.slice(), [n, nb.slots]),
  };
}

/**
 * Refined coefficients ĉ = a + r (`N × S × k`) of a network with or without the social layer:
 * with it, the pooled neighbour vector is appended to `x` before the residual MLP.
 *
 * @example
 * ```ts
 * import { initMlp } from "../../ops/nn/layers.ts";
 * import { tensor, zeros } from "../../ops/tensor.ts";
 * import { refineNetwork } from "./network.ts";
 * import { initSocial } from "./social.ts";
 * const p = { mlp: initMlp([2 + 4, 4]), social: initSocial(2, 4) };
 * const nb = { data: zeros([1, 3, 7]), mask: zeros([1, 3]) };
 * console.log(refineNetwork(p, tensor([[0, 0]]), zeros([1, 2, 2]), 2, 2, nb).shape); // [1, 2, 2]
 * ```
 */
export function refineNetwork(
  p: NetworkParams,
  x: Tensor,
  anchors: Tensor,
  modes: number,
  k: number,
  nb?: { data: Tensor; mask: Tensor },
): Tensor {
  if (!p.social) return refine(p.mlp, x, anchors, modes, k);
  if (!nb) throw new RangeError("refineNetwork: a social network needs the neighbours nb");
  const pooled = applySocial(p.social, x, nb.data, nb.mask);
  return refine(p.mlp, ad.concat([x, pooled], 1), anchors, modes, k);
}

/**
 * Standardized features are limited to ±3 training standard deviations: a test scene with,
 * e.g., faster walkers than any training scene (eth) then gets the prediction for the edge of
 * the training range instead of a ReLU network's linear extrapolation. This is part of the
 * model (applied identically in training), not a repair of bad input.
 */
const CLIP_SIGMA = 3;

/**
 * Standardizes raw features (`N × F`) with the network's statistics into a tensor, limited to
 * ±3 (training) standard deviations.
 *
 * @example
 * ```ts
 * import { initMlp } from "../../ops/nn/layers.ts";
 * import { standardize } from "./network.ts";
 * const net = { mlp: initMlp([1, 1]), featMean: new Float64Array([1]), featStd: new Float64Array([2]), neighbours: 0 };
 * console.log(standardize(net, new Float64Array([5])).data); // Float64Array [2]
 * ```
 */
export function standardize(net: ETNetwork, features: Float64Array): Tensor {
  const F = net.featMean.length, n = features.length / F;
  if (!Number.isInteger(n)) {
    throw new RangeError(`standardize: features length ${features.length} is not N × ${F}`);
  }
  const out = new Float64Array(features.length);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < F; c++) {
      const z = (features[i * F + c] - net.featMean[c]) / net.featStd[c];
      out[i * F + c] = Math.max(-CLIP_SIGMA, Math.min(CLIP_SIGMA, z));
    }
  }
  return new Tensor(out, [n, F]);
}

/**
 * Refined coefficients ĉ = a + r, `N × S × k`, for standardized inputs `x` (`N × F`) and the
 * anchors `a` of each agent's group (`N × S × k`). Differentiable in `mlp`.
 *
 * @example
 * ```ts
 * import { initMlp } from "../../ops/nn/layers.ts";
 * import { tensor, zeros } from "../../ops/tensor.ts";
 * import { refine } from "./network.ts";
 * const c = refine(initMlp([2, 4]), tensor([[0, 0]]), zeros([1, 2, 2]), 2, 2);
 * console.log(c.shape); // [1, 2, 2]
 * ```
 */
export function refine(
  mlp: MlpParams,
  x: Tensor,
  anchors: Tensor,
  modes: number,
  k: number,
): Tensor {
  const r = applyMlp(mlp, x, { activation: "relu" });
  return ad.add(ad.reshape(r, [x.shape[0], modes, k]), anchors);
}

export { type LossBatch, type WtaLoss, wtaLoss, type WtaOptions } from "./wta_loss.ts";
