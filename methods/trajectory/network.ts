/**
 * The trained EigenTrajectory predictor (Bae et al., ICCV 2023; spec §3.5, §4.2, §4.3): an MLP
 * maps each agent's standardized features to S residuals r_s in ET space, the refined
 * coefficients are ĉ_s = a_s + r_s, and training minimises the three winner-take-all losses
 * L_ET + L_ADE + L_FDE, each a min over the S modes taken independently.
 *
 * @module
 */
import * as ad from "../../ops/autograd/ops.ts";
import { applyMlp, initMlp, type MlpParams } from "../../ops/nn/layers.ts";
import { Tensor } from "../../ops/tensor.ts";
import type { ETModel } from "./model.ts";

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
}

/** Options of {@link initNetwork}. */
export interface NetworkOptions {
  /** Hidden layer widths (default [128, 128]). */
  hidden?: number[];
  /** Seed of the weights (default 0). */
  seed?: number;
  /** Pooled neighbours of the features (default 4). */
  neighbours?: number;
  /** Factor on the last layer's initial weights, so training starts near anchors-only (default 0.01). */
  outScale?: number;
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
  const sizes = [F, ...(opts.hidden ?? [128, 128]), model.modes * model.k];
  const mlp = initMlp(sizes, { seed: opts.seed ?? 0 });
  const last = mlp.layers[mlp.layers.length - 1];
  const s = opts.outScale ?? 0.01;
  for (const t of [last.weight, last.bias]) {
    if (t) {
      for (let i = 0; i < t.size; i++) t.data[i] *= s;
    }
  }
  return { mlp, featMean, featStd, neighbours };
}

/**
 * Standardizes raw features (`N × F`) with the network's statistics into a tensor.
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
      out[i * F + c] = (features[i * F + c] - net.featMean[c]) / net.featStd[c];
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

/** Per-batch constants of the winner-take-all loss. */
export interface LossBatch {
  /** Anchors of each agent's group, `B × S × k`. */
  readonly anchors: Tensor;
  /** True future coefficients, `B × 1 × k`. */
  readonly cFut: Tensor;
  /** Normalized true futures, `B × 1 × predLen × 2`. */
  readonly future: Tensor;
  /** 1 for moving agents, `B·S × 1` (selects the basis per row). */
  readonly moving: Tensor;
  /** 1 − moving, `B·S × 1`. */
  readonly still: Tensor;
  /** 1/λ per agent, `B × 1 × 1`: turns canonical-frame distances into metres. */
  readonly invScale: Tensor;
}

/** One-hot (`B × S`) of each row's smallest entry: the winner of the min over modes. */
function winners(d: Tensor): Tensor {
  const [b, s] = d.shape, out = new Float64Array(b * s);
  for (let i = 0; i < b; i++) {
    let best = 0;
    for (let j = 1; j < s; j++) if (d.data[i * s + j] < d.data[i * s + best]) best = j;
    out[i * s + best] = 1;
  }
  return new Tensor(out, [b, s]);
}

/** Sum over agents of min over modes, divided by the batch size (a WTA mean). */
function wtaMean(d: Tensor): Tensor {
  return ad.scale(ad.sum(ad.mul(d, winners(d))), 1 / d.shape[0]);
}

/**
 * The three winner-take-all losses of spec §4.3 for refined coefficients `c` (`B × S × k`):
 * L_ET in coefficient space, and L_ADE, L_FDE in metres after reconstruction with each agent's
 * group basis. The min over modes is taken separately for each term; its gradient flows
 * through the winning mode only.
 *
 * @example
 * ```ts
 * import { ones, zeros } from "../../ops/tensor.ts";
 * import { wtaLosses } from "./network.ts";
 * const b = {
 *   anchors: zeros([1, 1, 1]), cFut: zeros([1, 1, 1]), future: zeros([1, 1, 1, 2]),
 *   moving: ones([1, 1]), still: zeros([1, 1]), invScale: ones([1, 1, 1]),
 * };
 * const m = { groups: [{ fut: { u: zeros([2, 1]) } }, { fut: { u: zeros([2, 1]) } }], predLen: 1 };
 * console.log(wtaLosses(m as never, ones([1, 1, 1]), b).et.data[0]); // 1
 * ```
 */
export function wtaLosses(
  model: ETModel,
  c: Tensor,
  b: LossBatch,
): { et: Tensor; ade: Tensor; fde: Tensor; total: Tensor } {
  const [B, S, k] = c.shape, T = model.predLen;
  const eps = 1e-12; // keeps sqrt differentiable at an exact hit
  const et = wtaMean(ad.sqrt(ad.add(ad.sum(ad.square(ad.sub(c, b.cFut)), { axis: 2 }), eps)));
  const flat = ad.reshape(c, [B * S, k]);
  const ym = ad.matmul(flat, model.groups[1].fut.u, { transB: true });
  const ys = ad.matmul(flat, model.groups[0].fut.u, { transB: true });
  const y = ad.reshape(ad.add(ad.mul(ym, b.moving), ad.mul(ys, b.still)), [B, S, T, 2]);
  const dist = ad.sqrt(ad.add(ad.sum(ad.square(ad.sub(y, b.future)), { axis: 3 }), eps));
  const metres = ad.mul(dist, b.invScale); // B × S × T
  const ade = wtaMean(ad.mean(metres, { axis: 2 }));
  const fde = wtaMean(ad.reshape(ad.sliceAxis(metres, 2, T - 1, T), [B, S]));
  return { et, ade, fde, total: ad.add(ad.add(et, ade), fde) };
}
