/**
 * Deterministic baseline predictors of spec §6.3 (single output, S = 1): stay at x₈, constant
 * velocity (Schöller et al., RA-L 2020) with one- or two-step velocity, and the least-squares
 * line (the Social-GAN "Linear" baseline, Gupta et al., CVPR 2018).
 *
 * @module
 */
import { splitHistoryFuture, type TrajectorySet } from "./dataset.ts";

/**
 * Names of the deterministic baselines.
 *
 * @example
 * ```ts
 * import type { BaselineName } from "./baselines.ts";
 * const name: BaselineName = "cv";
 * console.log(name); // cv
 * ```
 */
export type BaselineName = "stop" | "cv" | "cv2" | "linear";

/**
 * Predicts `count × predLen × 2` future positions with a deterministic baseline:
 * - `stop`: ŷ_t = x₈;
 * - `cv`: ŷ_t = x₈ + t·(x₈ − x₇);
 * - `cv2`: ŷ_t = x₈ + t·(x₈ − x₆)/2;
 * - `linear`: per coordinate, the ordinary least-squares line a + b·τ through (τ, x_τ),
 *   τ = 1..obsLen, evaluated at τ = obsLen + t.
 *
 * @example
 * ```ts
 * import { makeTrajectorySet } from "./dataset.ts";
 * import { predictBaseline } from "./baselines.ts";
 * // obsLen 3, predLen 1: history (0,0), (1,0), (2,0); truth (3,0)
 * const set = makeTrajectorySet(3, 1, new Float64Array([0, 0, 1, 0, 2, 0, 3, 0]), new Int32Array([0, 1]));
 * console.log(predictBaseline(set, "cv"), predictBaseline(set, "stop")); // Float64Array [3, 0] Float64Array [2, 0]
 * ```
 */
export function predictBaseline(set: TrajectorySet, name: BaselineName): Float64Array {
  const { obsLen: To, predLen: Tp, count } = set;
  if (To < 3 && name !== "stop") {
    throw new RangeError(`predictBaseline: "${name}" needs obsLen ≥ 3, got ${To}`);
  }
  const { history } = splitHistoryFuture(set);
  const out = new Float64Array(count * Tp * 2);
  for (let i = 0; i < count; i++) {
    for (let c = 0; c < 2; c++) {
      const h = (k: number): number => history[(i * To + k - 1) * 2 + c]; // 1-based step k
      const [a, b] = lineOf(name, h, To);
      for (let t = 1; t <= Tp; t++) out[(i * Tp + t - 1) * 2 + c] = a + b * t;
    }
  }
  return out;
}

/** Intercept at τ = obsLen and slope per step, so ŷ_t = a + b·t. */
function lineOf(name: BaselineName, h: (k: number) => number, To: number): [number, number] {
  switch (name) {
    case "stop":
      return [h(To), 0];
    case "cv":
      return [h(To), h(To) - h(To - 1)];
    case "cv2":
      return [h(To), (h(To) - h(To - 2)) / 2];
    case "linear":
      return leastSquares(h, To);
    default:
      throw new RangeError(`predictBaseline: unknown baseline "${name}" (stop, cv, cv2, linear)`);
  }
}

function leastSquares(h: (k: number) => number, To: number): [number, number] {
  const tm = (To + 1) / 2;
  let my = 0;
  for (let k = 1; k <= To; k++) my += h(k);
  my /= To;
  let sxy = 0, sxx = 0;
  for (let k = 1; k <= To; k++) {
    sxy += (k - tm) * (h(k) - my);
    sxx += (k - tm) * (k - tm);
  }
  const b = sxy / sxx;
  return [my + b * (To - tm), b];
}
