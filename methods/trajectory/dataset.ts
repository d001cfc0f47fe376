/**
 * The in-memory form of a trajectory benchmark split: agent-windows packed into one flat
 * array, grouped into scenes (one scene = one kept time window, spec §1.3 rule 5).
 *
 * @module
 */

/**
 * Observed steps per window in the ETH/UCY benchmark (spec §1.1).
 *
 * @example
 * ```ts
 * import { OBS_LEN, PRED_LEN } from "./dataset.ts";
 * console.log(OBS_LEN + PRED_LEN); // 20 (positions per window)
 * ```
 */
export const OBS_LEN = 8;
/**
 * Predicted steps per window in the ETH/UCY benchmark (spec §1.1).
 *
 * @example
 * ```ts
 * import { PRED_LEN } from "./dataset.ts";
 * console.log(PRED_LEN * 0.4); // 4.8 (seconds predicted at 2.5 frames per second)
 * ```
 */
export const PRED_LEN = 12;

/**
 * A set of agent-windows. Agent `i` occupies `positions[i*2*len .. (i+1)*2*len)` as
 * `x_1, y_1, x_2, y_2, …` (metres), where `len = obsLen + predLen`. Scene `j` holds agents
 * `sceneStart[j] .. sceneStart[j+1]`, so every agent of a time window can see its neighbours.
 */
export interface TrajectorySet {
  /** Observed steps per agent (8 on ETH/UCY). */
  readonly obsLen: number;
  /** Future steps per agent (12 on ETH/UCY). */
  readonly predLen: number;
  /** Number of agent-windows. */
  readonly count: number;
  /** `count × (obsLen + predLen) × 2` positions, interleaved x/y in time order. */
  readonly positions: Float64Array;
  /** Scene offsets, length `scenes + 1`, non-decreasing, first 0, last `count`. */
  readonly sceneStart: Int32Array;
}

/**
 * Checks the internal consistency of a {@link TrajectorySet} and returns it.
 *
 * @example
 * ```ts
 * import { makeTrajectorySet } from "./dataset.ts";
 * const set = makeTrajectorySet(1, 1, new Float64Array(8), new Int32Array([0, 2]));
 * console.log(set.count); // 2
 * ```
 */
export function makeTrajectorySet(
  obsLen: number,
  predLen: number,
  positions: Float64Array,
  sceneStart: Int32Array,
): TrajectorySet {
  const fn = "makeTrajectorySet";
  for (const [name, v] of [["obsLen", obsLen], ["predLen", predLen]] as const) {
    if (!Number.isInteger(v) || v < 1) {
      throw new RangeError(`${fn}: ${name} must be a positive integer, got ${v}`);
    }
  }
  const per = 2 * (obsLen + predLen);
  if (!(positions instanceof Float64Array) || positions.length % per !== 0) {
    throw new RangeError(
      `${fn}: positions must be a Float64Array whose length is a multiple of ${per}, got ${positions.length}`,
    );
  }
  const count = positions.length / per;
  if (sceneStart.length < 1 || sceneStart[0] !== 0 || sceneStart.at(-1) !== count) {
    throw new RangeError(`${fn}: sceneStart must run from 0 to ${count}, got [${sceneStart}]`);
  }
  for (let j = 1; j < sceneStart.length; j++) {
    if (sceneStart[j] < sceneStart[j - 1]) {
      throw new RangeError(`${fn}: sceneStart decreases at index ${j}`);
    }
  }
  return { obsLen, predLen, count, positions, sceneStart };
}

/**
 * Number of scenes (time windows) of a set.
 *
 * @example
 * ```ts
 * import { makeTrajectorySet, sceneCount } from "./dataset.ts";
 * console.log(sceneCount(makeTrajectorySet(1, 1, new Float64Array(8), new Int32Array([0, 2])))); // 1
 * ```
 */
export function sceneCount(set: TrajectorySet): number {
  return set.sceneStart.length - 1;
}

/**
 * Concatenates sets with equal window lengths, keeping every scene separate.
 *
 * @example
 * ```ts
 * import { concatSets, makeTrajectorySet } from "./dataset.ts";
 * const a = makeTrajectorySet(1, 1, new Float64Array(8), new Int32Array([0, 2]));
 * console.log(concatSets([a, a]).sceneStart); // Int32Array [0, 2, 4]
 * ```
 */
export function concatSets(sets: readonly TrajectorySet[]): TrajectorySet {
  if (sets.length === 0) throw new RangeError("concatSets: sets must not be empty");
  const { obsLen, predLen } = sets[0];
  let total = 0, scenes = 0;
  for (const [i, s] of sets.entries()) {
    if (s.obsLen !== obsLen || s.predLen !== predLen) {
      throw new RangeError(
        `concatSets: set ${i} has lengths ${s.obsLen}/${s.predLen}, set 0 has ${obsLen}/${predLen}`,
      );
    }
    total += s.positions.length;
    scenes += s.sceneStart.length - 1;
  }
  const positions = new Float64Array(total);
  const sceneStart = new Int32Array(scenes + 1);
  let off = 0, agents = 0, j = 0;
  for (const s of sets) {
    positions.set(s.positions, off);
    off += s.positions.length;
    for (let k = 1; k < s.sceneStart.length; k++) sceneStart[++j] = agents + s.sceneStart[k];
    agents += s.count;
  }
  return makeTrajectorySet(obsLen, predLen, positions, sceneStart);
}

/**
 * The mirror copy of a set: every y coordinate negated (the augmentation of spec §3.1).
 *
 * @example
 * ```ts
 * import { makeTrajectorySet, mirrorY } from "./dataset.ts";
 * const s = makeTrajectorySet(1, 1, new Float64Array([1, 2, 3, 4]), new Int32Array([0, 1]));
 * console.log(mirrorY(s).positions); // Float64Array [1, -2, 3, -4]
 * ```
 */
export function mirrorY(set: TrajectorySet): TrajectorySet {
  const p = set.positions.slice();
  for (let i = 1; i < p.length; i += 2) p[i] = -p[i];
  return makeTrajectorySet(set.obsLen, set.predLen, p, set.sceneStart.slice());
}

/**
 * Splits each agent's window into its history (`count × obsLen × 2`) and its future
 * (`count × predLen × 2`), both interleaved x/y.
 *
 * @example
 * ```ts
 * import { makeTrajectorySet, splitHistoryFuture } from "./dataset.ts";
 * const s = makeTrajectorySet(1, 1, new Float64Array([1, 2, 3, 4]), new Int32Array([0, 1]));
 * console.log(splitHistoryFuture(s).future); // Float64Array [3, 4]
 * ```
 */
export function splitHistoryFuture(
  set: TrajectorySet,
): { history: Float64Array; future: Float64Array } {
  const { count, obsLen, predLen, positions } = set;
  const len = 2 * (obsLen + predLen), h = 2 * obsLen, f = 2 * predLen;
  const history = new Float64Array(count * h), future = new Float64Array(count * f);
  // Plain index loops: a subarray per agent costs more than the copy itself.
  for (let i = 0; i < count; i++) {
    const src = i * len;
    for (let j = 0; j < h; j++) history[i * h + j] = positions[src + j];
    for (let j = 0; j < f; j++) future[i * f + j] = positions[src + h + j];
  }
  return { history, future };
}
