/**
 * Seeded synthetic multi-modal pedestrian data, so that every part of the pipeline runs (and is
 * tested) without the ETH/UCY files. Futures follow one of three modes — straight, turn left,
 * turn right — with the heading ramping to ±45° over six steps (the mode set of spec §8 item 18).
 *
 * @module
 */
import { Rng } from "../../ops/random.ts";
import { makeTrajectorySet, OBS_LEN, PRED_LEN, type TrajectorySet } from "./dataset.ts";

/** The three future modes: heading change in radians reached after `rampSteps`. */
const MODE_TURNS = [0, Math.PI / 4, -Math.PI / 4];

/**
 * Positions after each of `steps` steps of length `step` (interleaved x/y), starting at the
 * origin heading +x, with the heading ramping linearly to `turn` over the first `ramp` steps:
 * step j has heading turn·min(j, ramp)/ramp (spec §8 item 18).
 *
 * @example
 * ```ts
 * import { modePath } from "./synthetic.ts";
 * console.log(modePath(0, 3)); // Float64Array [1, 0, 2, 0, 3, 0]
 * ```
 */
export function modePath(turn: number, steps: number, step = 1, ramp = 6): Float64Array {
  if (!Number.isInteger(steps) || steps < 1) {
    throw new RangeError(`modePath: steps must be a positive integer, got ${steps}`);
  }
  if (!Number.isInteger(ramp) || ramp < 1) {
    throw new RangeError(`modePath: ramp must be a positive integer, got ${ramp}`);
  }
  const out = new Float64Array(2 * steps);
  let x = 0, y = 0;
  for (let j = 1; j <= steps; j++) {
    const h = (turn * Math.min(j, ramp)) / ramp;
    x += step * Math.cos(h);
    y += step * Math.sin(h);
    out[2 * j - 2] = x;
    out[2 * j - 1] = y;
  }
  return out;
}

/** Options of {@link syntheticModeFutures}. */
export interface ModeFutureOptions {
  /** Samples per mode (default 300). */
  perMode?: number;
  /** Standard deviation of the i.i.d. Gaussian noise per coordinate (default 0.05). */
  sigma?: number;
  /** Future steps (default 12). */
  steps?: number;
  /** Seed (default 0). */
  seed?: number;
}

/**
 * Noisy canonical-frame futures of the three modes (spec §8 item 18): `3·perMode × steps × 2`
 * values, mode-major, with the noise-free mode means and each sample's mode label.
 *
 * @example
 * ```ts
 * import { syntheticModeFutures } from "./synthetic.ts";
 * const d = syntheticModeFutures({ perMode: 2, seed: 1 });
 * console.log(d.futures.length, d.labels); // 144 Int32Array [0, 0, 1, 1, 2, 2]
 * ```
 */
export function syntheticModeFutures(
  opts: ModeFutureOptions = {},
): { futures: Float64Array; means: Float64Array[]; labels: Int32Array } {
  const perMode = opts.perMode ?? 300, sigma = opts.sigma ?? 0.05, steps = opts.steps ?? PRED_LEN;
  if (!Number.isInteger(perMode) || perMode < 1) {
    throw new RangeError(
      `syntheticModeFutures: perMode must be a positive integer, got ${perMode}`,
    );
  }
  if (!(sigma >= 0) || !Number.isFinite(sigma)) {
    throw new RangeError(`syntheticModeFutures: sigma must be finite and ≥ 0, got ${sigma}`);
  }
  const rng = new Rng(opts.seed ?? 0);
  const means = MODE_TURNS.map((t) => modePath(t, steps));
  const futures = new Float64Array(MODE_TURNS.length * perMode * 2 * steps);
  const labels = new Int32Array(MODE_TURNS.length * perMode);
  let o = 0;
  for (let m = 0; m < means.length; m++) {
    for (let r = 0; r < perMode; r++) {
      labels[m * perMode + r] = m;
      for (let j = 0; j < 2 * steps; j++) futures[o++] = means[m][j] + sigma * rng.normal();
    }
  }
  return { futures, means, labels };
}

/** Options of {@link syntheticScenes}. */
export interface SyntheticSceneOptions {
  /** Number of scenes (default 200). */
  scenes?: number;
  /** Agents per scene, drawn uniformly from [min, max] (default [2, 5]). */
  agents?: [number, number];
  /** Position noise per coordinate in metres (default 0.02). */
  noise?: number;
  /** Seed (default 0). */
  seed?: number;
}

/**
 * Synthetic scenes in metres with the ETH/UCY window lengths (8 observed, 12 future). Each
 * agent walks straight with a random heading and a speed drawn from 0.05–0.7 m per step (so
 * both the static and the moving group are populated), then follows one of the three modes:
 * with probability 0.8 the one its speed suggests (slow: left, medium: straight, fast: right),
 * otherwise a uniformly random one.
 *
 * @example
 * ```ts
 * import { syntheticScenes } from "./synthetic.ts";
 * const set = syntheticScenes({ scenes: 3, seed: 7 });
 * console.log(set.sceneStart.length, set.obsLen, set.predLen); // 4 8 12
 * ```
 */
export function syntheticScenes(opts: SyntheticSceneOptions = {}): TrajectorySet {
  const scenes = opts.scenes ?? 200, [lo, hi] = opts.agents ?? [2, 5], noise = opts.noise ?? 0.02;
  if (!Number.isInteger(scenes) || scenes < 1) {
    throw new RangeError(`syntheticScenes: scenes must be a positive integer, got ${scenes}`);
  }
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 1 || hi < lo) {
    throw new RangeError(
      `syntheticScenes: agents must be integers 1 ≤ min ≤ max, got [${lo}, ${hi}]`,
    );
  }
  const rng = new Rng(opts.seed ?? 0);
  const len = OBS_LEN + PRED_LEN;
  const rows: number[] = [];
  const sceneStart = [0];
  for (let s = 0; s < scenes; s++) {
    const n = lo + rng.int(hi - lo + 1);
    for (let a = 0; a < n; a++) rows.push(...agentPath(rng, noise, len));
    sceneStart.push(sceneStart[s] + n);
  }
  return makeTrajectorySet(OBS_LEN, PRED_LEN, Float64Array.from(rows), Int32Array.from(sceneStart));
}

function agentPath(rng: Rng, noise: number, len: number): number[] {
  const speed = 0.05 + 0.65 * rng.uniform();
  const heading = 2 * Math.PI * rng.uniform();
  // The mode is mostly (80 %) predictable from the observed speed — slow walkers turn left,
  // fast ones right — so a trained predictor has something to learn beyond the anchors.
  const cue = speed < 0.27 ? 1 : speed < 0.48 ? 0 : 2;
  const turn = MODE_TURNS[rng.uniform() < 0.8 ? cue : rng.int(MODE_TURNS.length)];
  const fut = modePath(turn, PRED_LEN, speed);
  const x0 = 10 * rng.uniform(), y0 = 10 * rng.uniform();
  const c = Math.cos(heading), s = Math.sin(heading);
  const out: number[] = [];
  for (let t = 0; t < len; t++) {
    // Canonical path: straight along +x up to the last observed point (t = OBS_LEN − 1).
    const k = t - (OBS_LEN - 1);
    const px = k <= 0 ? k * speed : fut[2 * k - 2], py = k <= 0 ? 0 : fut[2 * k - 1];
    out.push(
      x0 + c * px - s * py + noise * rng.normal(),
      y0 + s * px + c * py + noise * rng.normal(),
    );
  }
  return out;
}
