/**
 * Input features of the trained ET predictor, per agent-window, all invariant to rotating and
 * translating the scene: the history's ET coefficients c_obs in the agent's own group basis
 * (spec §3.5), the group flag, optionally the speed ‖x₈ − x₆‖/2, and a simple social pooling:
 * the nearest neighbours of the same window, their positions and velocities expressed in the agent's
 * canonical frame (rotation only, metres). The spec's scene-centred x₈ is replaced by this
 * pooling because a network without cross-agent layers cannot use absolute coordinates.
 *
 * @module
 */
import { splitHistoryFuture, type TrajectorySet } from "./dataset.ts";
import type { Encoded } from "./model.ts";

/** Options of {@link agentFeatures}. */
export interface FeatureOptions {
  /** Neighbours pooled per agent (default 4; 0 disables social pooling). */
  neighbours?: number;
  /** Neighbours farther than this at x₈ (metres) count as absent (default 6). */
  radius?: number;
  /**
   * Include the speed in metres per step (default false; without it the slot is 0). The
   * history coefficients of a moving agent are speed-normalized, so this is the feature that
   * ties the prediction to the walking speeds of the training scenes: on ETH/UCY it helped
   * hotel/zara (FDE −0.02) but cost the eth fold (faster walkers) 0.08 FDE, so it is off.
   */
  speed?: boolean;
}

/**
 * Number of features per agent for basis size `k` and `neighbours` pooled neighbours:
 * k coefficients, group flag, speed, and 5 per neighbour (present flag, position, velocity).
 *
 * @example
 * ```ts
 * import { featureCount } from "./features.ts";
 * console.log(featureCount(6, 4)); // 28
 * ```
 */
export function featureCount(k: number, neighbours: number): number {
  return k + 2 + 5 * neighbours;
}

/**
 * The `count × F` feature matrix (row-major) of the agents of `set`, `F` =
 * {@link featureCount}. `enc` must be `encode(model, set)`.
 *
 * @example
 * ```ts
 * import { syntheticScenes } from "./synthetic.ts";
 * import { encode, fitEigenTrajectory } from "./model.ts";
 * import { agentFeatures, featureCount } from "./features.ts";
 * const set = syntheticScenes({ scenes: 60 });
 * const m = fitEigenTrajectory(set, { staticDist: 0.35, modes: 5, nInit: 1 });
 * const f = agentFeatures(set, encode(m, set), 6, { neighbours: 2 });
 * console.log(f.length === set.count * featureCount(6, 2)); // true
 * ```
 */
export function agentFeatures(
  set: TrajectorySet,
  enc: Encoded,
  k: number,
  opts: FeatureOptions = {},
): Float64Array {
  const P = opts.neighbours ?? 4, radius = opts.radius ?? 6;
  if (!Number.isInteger(P) || P < 0) {
    throw new RangeError(`agentFeatures: neighbours must be an integer ≥ 0, got ${P}`);
  }
  if (!(radius > 0)) throw new RangeError(`agentFeatures: radius must be > 0, got ${radius}`);
  if (enc.count !== set.count || enc.cObs.length !== set.count * k) {
    throw new RangeError(`agentFeatures: enc does not encode this set with k = ${k}`);
  }
  const F = featureCount(k, P), To = set.obsLen;
  const out = new Float64Array(set.count * F);
  const { history } = splitHistoryFuture(set);
  const at = (i: number, t: number, c: number): number => history[(i * To + t) * 2 + c];
  for (let j = 0; j + 1 < set.sceneStart.length; j++) {
    const lo = set.sceneStart[j], hi = set.sceneStart[j + 1];
    for (let i = lo; i < hi; i++) {
      const row = i * F;
      for (let c = 0; c < k; c++) out[row + c] = enc.cObs[i * k + c];
      out[row + k] = enc.group[i];
      if (opts.speed ?? false) {
        out[row + k + 1] =
          Math.hypot(at(i, To - 1, 0) - at(i, To - 3, 0), at(i, To - 1, 1) - at(i, To - 3, 1)) / 2;
      }
      if (P === 0) continue;
      const cs = enc.params.cos[i], sn = enc.params.sin[i];
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
        const o = near[p][1], b = row + k + 2 + 5 * p;
        const [rx, ry] = rot(
          at(o, To - 1, 0) - at(i, To - 1, 0),
          at(o, To - 1, 1) - at(i, To - 1, 1),
        );
        const [vx, vy] = rot(
          at(o, To - 1, 0) - at(o, To - 2, 0),
          at(o, To - 1, 1) - at(o, To - 2, 1),
        );
        out.set([1, rx, ry, vx, vy], b);
      }
    }
  }
  return out;
}
