/**
 * A learned social-interaction layer for the ET predictor (spec §3.5: "the social interaction
 * (graph, attention, pooling) runs across the agents of the window"): additive attention
 * (Bahdanau, Cho, Bengio, ICLR 2015) of each agent over its nearest neighbours in the same
 * window, as in the attention pooling of Social-BiGAT / SoPhie-style predictors. Each
 * neighbour j of agent i is described in i's canonical frame (rotation and scale λ of spec §2:
 * metres for a static agent, its own step lengths for a moving one), so the pooled vector is
 * invariant to rotating and translating the scene, and for moving agents to its scale:
 *
 *   g_ij = relu(W_k e_ij + W_q x_i + b),  α_ij = softmax_j(v·g_ij) over present j,
 *   pooled_i = Σ_j α_ij g_ij  (0 when i has no neighbour within the radius).
 *
 * The pooled vector is appended to the agent's own features before the residual MLP.
 *
 * @module
 */
import * as ad from "../../ops/autograd/ops.ts";
import { applyLinear, initLinear, type LinearParams } from "../../ops/nn/layers.ts";
import { Rng } from "../../ops/random.ts";
import { Tensor } from "../../ops/tensor.ts";
import { splitHistoryFuture, type TrajectorySet } from "./dataset.ts";
import type { Encoded } from "./model.ts";

/**
 * Values per neighbour: relative position (2), its velocity (2) and the velocity relative to
 * the agent's (2), all in the agent's canonical frame (rotated, times λ), and the distance
 * (1, times λ).
 */
export const NEIGHBOUR_WIDTH = 7;

/** Padded neighbour descriptions of every agent of a set. */
export interface NeighbourFeatures {
  /** Neighbour slots per agent (P). */
  readonly slots: number;
  /** `count × P × NEIGHBOUR_WIDTH`, nearest first; absent slots are 0. */
  readonly data: Float64Array;
  /** `count × P`: 1 for a present neighbour, 0 for an empty slot. */
  readonly mask: Float64Array;
}

/** Options of {@link neighbourFeatures}. */
export interface NeighbourOptions {
  /** Neighbour slots per agent (default 8). */
  slots?: number;
  /** Agents farther than this at x₈ (metres) are not neighbours (default 6). */
  radius?: number;
}

/**
 * The nearest neighbours (same window, within `radius` metres at the last observed step) of
 * every agent of `set`, described in that agent's canonical frame. `enc` must be
 * `encode(model, set)`.
 *
 * @example
 * ```ts
 * import { syntheticScenes } from "./synthetic.ts";
 * import { encode, fitEigenTrajectory } from "./model.ts";
 * import { neighbourFeatures } from "./social.ts";
 * const set = syntheticScenes({ scenes: 20 });
 * const m = fitEigenTrajectory(set, { staticDist: 0.35, modes: 3, nInit: 1 });
 * const nb = neighbourFeatures(set, encode(m, set), { slots: 2 });
 * console.log(nb.mask.length === 2 * set.count); // true
 * ```
 */
export function neighbourFeatures(
  set: TrajectorySet,
  enc: Encoded,
  opts: NeighbourOptions = {},
): NeighbourFeatures {
  const P = opts.slots ?? 8, radius = opts.radius ?? 6;
  if (!Number.isInteger(P) || P < 1) {
    throw new RangeError(`neighbourFeatures: slots must be a positive integer, got ${P}`);
  }
  if (!(radius > 0)) throw new RangeError(`neighbourFeatures: radius must be > 0, got ${radius}`);
  if (enc.count !== set.count) {
    throw new RangeError(`neighbourFeatures: enc has ${enc.count} agents, the set ${set.count}`);
  }
  const W = NEIGHBOUR_WIDTH, To = set.obsLen, { history } = splitHistoryFuture(set);
  const data = new Float64Array(set.count * P * W), mask = new Float64Array(set.count * P);
  const at = (i: number, t: number, c: number): number => history[(i * To + t) * 2 + c];
  const vel = (i: number, c: number): number => at(i, To - 1, c) - at(i, To - 2, c);
  for (let j = 0; j + 1 < set.sceneStart.length; j++) {
    const lo = set.sceneStart[j], hi = set.sceneStart[j + 1];
    for (let i = lo; i < hi; i++) {
      const cs = enc.params.cos[i] * enc.params.scale[i],
        sn = enc.params.sin[i] * enc.params.scale[i];
      // Row vector times R(θ)·λ: the canonical transform of spec §2, so a moving agent sees its
      // neighbours in units of its own step length, as its own history coefficients.
      const rot = (x: number, y: number): [number, number] => [x * cs + y * sn, y * cs - x * sn];
      const near: [number, number][] = [];
      for (let o = lo; o < hi; o++) {
        if (o === i) continue;
        const d = Math.hypot(
          at(o, To - 1, 0) - at(i, To - 1, 0),
          at(o, To - 1, 1) - at(i, To - 1, 1),
        );
        if (d <= radius) near.push([d, o]);
      }
      near.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      for (let p = 0; p < Math.min(P, near.length); p++) {
        const [d, o] = near[p];
        const r = rot(at(o, To - 1, 0) - at(i, To - 1, 0), at(o, To - 1, 1) - at(i, To - 1, 1));
        const v = rot(vel(o, 0), vel(o, 1));
        const dv = rot(vel(o, 0) - vel(i, 0), vel(o, 1) - vel(i, 1));
        data.set([...r, ...v, ...dv, d * enc.params.scale[i]], (i * P + p) * W);
        mask[i * P + p] = 1;
      }
    }
  }
  return { slots: P, data, mask };
}

/** Weights of the attention layer. */
export interface SocialParams {
  /** Neighbour description → hidden (`NEIGHBOUR_WIDTH → dim`, no bias). */
  readonly key: LinearParams;
  /** Agent's own features → hidden (`inFeatures → dim`, with the shared bias b). */
  readonly query: LinearParams;
  /** Hidden → attention score (`dim → 1`, no bias: softmax ignores a shift). */
  readonly score: LinearParams;
}

/**
 * A seeded attention layer for agents with `inFeatures` own features and a `dim`-wide
 * pooled output.
 *
 * @example
 * ```ts
 * import { initSocial } from "./social.ts";
 * console.log(initSocial(8, 16).key.weight.shape); // [16, 7]
 * ```
 */
export function initSocial(
  inFeatures: number,
  dim: number,
  opts: { seed?: number } = {},
): SocialParams {
  const rng = new Rng(opts.seed ?? 0);
  return {
    key: initLinear(NEIGHBOUR_WIDTH, dim, { rng, bias: false }),
    query: initLinear(inFeatures, dim, { rng }),
    score: initLinear(dim, 1, { rng, bias: false }),
  };
}

/**
 * The pooled social vector of each agent, `B × dim`, for own features `x` (`B × F`),
 * neighbour descriptions `nb` (`B × P × NEIGHBOUR_WIDTH`) and the presence `mask` (`B × P`).
 * Differentiable in `p`, `x` and `nb`; an agent without neighbours gets 0.
 *
 * @example
 * ```ts
 * import { tensor, zeros } from "../../ops/tensor.ts";
 * import { applySocial, initSocial } from "./social.ts";
 * const p = initSocial(2, 4);
 * const out = applySocial(p, tensor([[1, 0]]), zeros([1, 3, 7]), zeros([1, 3]));
 * console.log(out.shape, out.data.every((v) => v === 0)); // [1, 4] true
 * ```
 */
export function applySocial(p: SocialParams, x: Tensor, nb: Tensor, mask: Tensor): Tensor {
  const [B, P, W] = nb.shape, dim = p.key.weight.shape[0];
  if (nb.ndim !== 3 || W !== NEIGHBOUR_WIDTH || x.shape[0] !== B || mask.size !== B * P) {
    throw new RangeError(
      `applySocial: x is ${x.shape.join("x")}, nb ${nb.shape.join("x")}, mask ${
        mask.shape.join("x")
      }; expected B×F, B×P×${NEIGHBOUR_WIDTH}, B×P`,
    );
  }
  const k = ad.reshape(applyLinear(p.key, ad.reshape(nb, [B * P, W])), [B, P, dim]);
  const q = ad.reshape(applyLinear(p.query, x), [B, 1, dim]);
  const g = ad.relu(ad.add(k, q));
  const s = ad.reshape(applyLinear(p.score, ad.reshape(g, [B * P, dim])), [B, P]);
  // Empty slots get a score far below any real one, then their weight is zeroed exactly, so
  // an agent without neighbours pools to 0 instead of averaging padding.
  const bias = new Tensor(mask.data.map((m) => (m > 0 ? 0 : -1e9)), [B, P]);
  const alpha = ad.mul(ad.softmax(ad.add(s, bias), { axis: 1 }), ad.reshape(mask, [B, P]));
  return ad.sum(ad.mul(g, ad.reshape(alpha, [B, P, 1])), { axis: 1 });
}
