/**
 * Cutting one recording into benchmark samples (Social-GAN rules, spec §1.3): windows of
 * consecutive distinct frame ids, stride 1, keeping pedestrians present in every frame of the
 * window and windows with at least two such pedestrians.
 *
 * @module
 */
import { makeTrajectorySet, OBS_LEN, PRED_LEN, type TrajectorySet } from "./dataset.ts";
import type { TrajectoryRows } from "./reader.ts";

/** Options of {@link windowRows}. */
export interface WindowOptions {
  /** Observed steps (default 8). */
  obsLen?: number;
  /** Predicted steps (default 12). */
  predLen?: number;
  /** Keep a window only with at least this many complete pedestrians (default 2). */
  minAgents?: number;
  /** Round coordinates to this many decimals (default 4, as the benchmark); `null` keeps them. */
  decimals?: number | null;
}

function checkPositiveInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) {
    throw new RangeError(`windowRows: ${name} must be a positive integer, got ${v}`);
  }
  return v;
}

/**
 * Cuts one file's rows into windows. Windows count entries of the sorted distinct frame ids, not
 * frame numbers, so a window may straddle a gap in the recording (as the benchmark does).
 * Pedestrians are ordered by ascending id within a window, windows by start index.
 *
 * @example
 * ```ts
 * import { parseTrajectoryText } from "./reader.ts";
 * import { windowRows } from "./windowing.ts";
 * let text = "";
 * for (let f = 0; f < 20; f++) text += `${f * 10}\t1\t${f}\t0\n${f * 10}\t2\t${f}\t1\n`;
 * const set = windowRows(parseTrajectoryText(text));
 * console.log(set.count, set.sceneStart); // 2 Int32Array [0, 2]
 * ```
 */
export function windowRows(rows: TrajectoryRows, opts: WindowOptions = {}): TrajectorySet {
  const obsLen = checkPositiveInt("obsLen", opts.obsLen ?? OBS_LEN);
  const predLen = checkPositiveInt("predLen", opts.predLen ?? PRED_LEN);
  const minAgents = checkPositiveInt("minAgents", opts.minAgents ?? 2);
  const decimals = opts.decimals === undefined ? 4 : opts.decimals;
  if (decimals !== null && (!Number.isInteger(decimals) || decimals < 0)) {
    throw new RangeError(
      `windowRows: decimals must be a non-negative integer or null, got ${decimals}`,
    );
  }
  const len = obsLen + predLen;
  const byFrame = groupByFrame(rows);
  const frames = [...byFrame.keys()].sort((a, b) => a - b);
  const perFrame = frames.map((f) => byFrame.get(f) as Map<number, number>);
  const round = roundingOf(decimals);
  const positions: number[] = [];
  const sceneStart: number[] = [0];
  for (let s = 0; s + len <= frames.length; s++) {
    const kept = [...perFrame[s].keys()]
      .filter((p) => completeIn(perFrame, s, len, p))
      .sort((a, b) => a - b);
    if (kept.length < minAgents) continue;
    for (const p of kept) {
      for (let t = 0; t < len; t++) {
        const r = perFrame[s + t].get(p) as number;
        positions.push(round(rows.x[r]), round(rows.y[r]));
      }
    }
    sceneStart.push(sceneStart[sceneStart.length - 1] + kept.length);
  }
  return makeTrajectorySet(
    obsLen,
    predLen,
    Float64Array.from(positions),
    Int32Array.from(sceneStart),
  );
}

/** frame id → (pedestrian id → row index). */
function groupByFrame(rows: TrajectoryRows): Map<number, Map<number, number>> {
  const byFrame = new Map<number, Map<number, number>>();
  for (let r = 0; r < rows.frame.length; r++) {
    let m = byFrame.get(rows.frame[r]);
    if (m === undefined) byFrame.set(rows.frame[r], m = new Map());
    m.set(rows.ped[r], r);
  }
  return byFrame;
}

function completeIn(perFrame: Map<number, number>[], s: number, len: number, p: number): boolean {
  for (let t = 0; t < len; t++) if (!perFrame[s + t].has(p)) return false;
  return true;
}

function roundingOf(decimals: number | null): (v: number) => number {
  if (decimals === null) return (v) => v;
  const f = 10 ** decimals;
  return (v) => Math.round(v * f) / f;
}
