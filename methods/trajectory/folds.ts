/**
 * The five leave-one-scene-out folds of ETH/UCY (Social-GAN split, spec §1.2) and their
 * per-fold hyperparameters (spec §7).
 *
 * @module
 */
import { concatSets, type TrajectorySet } from "./dataset.ts";
import { readTrajectoryFile } from "./reader.ts";
import { type WindowOptions, windowRows } from "./windowing.ts";

/**
 * The fold names, in the benchmark's table order.
 *
 * @example
 * ```ts
 * import { FOLDS } from "./folds.ts";
 * console.log(FOLDS.length, FOLDS[0]); // 5 eth
 * ```
 */
export const FOLDS: readonly FoldName[] = Object.freeze(["eth", "hotel", "univ", "zara1", "zara2"]);

/**
 * One of the five ETH/UCY folds.
 *
 * @example
 * ```ts
 * import { checkFold, type FoldName } from "./folds.ts";
 * const fold: FoldName = checkFold("zara1");
 * console.log(fold); // zara1
 * ```
 */
export type FoldName = "eth" | "hotel" | "univ" | "zara1" | "zara2";

/**
 * A split of a fold.
 *
 * @example
 * ```ts
 * import type { SplitName } from "./folds.ts";
 * const splits: SplitName[] = ["train", "val", "test"];
 * console.log(splits.length); // 3
 * ```
 */
export type SplitName = "train" | "val" | "test";

/**
 * Per-fold `static_dist` (metres per 0.4 s step): agents with ‖x₈ − x₆‖/2 above it are
 * "moving" (spec §7, from the reference configs).
 *
 * @example
 * ```ts
 * import { STATIC_DIST } from "./folds.ts";
 * console.log(STATIC_DIST.univ); // 0.227
 * ```
 */
export const STATIC_DIST: Readonly<Record<FoldName, number>> = Object.freeze({
  eth: 0.419,
  hotel: 0.353,
  univ: 0.227,
  zara1: 0.338,
  zara2: 0.35,
});

/**
 * Throws a `RangeError` unless `name` is one of {@link FOLDS}; returns it typed.
 *
 * @example
 * ```ts
 * import { checkFold } from "./folds.ts";
 * console.log(checkFold("hotel")); // "hotel"
 * ```
 */
export function checkFold(name: string): FoldName {
  if (!(FOLDS as readonly string[]).includes(name)) {
    throw new RangeError(`checkFold: unknown fold "${name}", expected one of ${FOLDS.join(", ")}`);
  }
  return name as FoldName;
}

/** The windowed splits of one fold. */
export interface FoldData {
  /** Fold name. */
  readonly fold: FoldName;
  /** Training windows (earlier part of each other recording). */
  readonly train: TrajectorySet;
  /** Validation windows (later part of each other recording). */
  readonly val: TrajectorySet;
  /** Test windows (the held-out recording). */
  readonly test: TrajectorySet;
}

/**
 * Reads and windows one split of a fold: every `*.txt` file of `<dataDir>/<fold>/<split>/`, in
 * ascending file-name order, each windowed on its own (windows never span two files).
 *
 * @example
 * ```ts
 * import { loadSplit } from "./folds.ts";
 * // A one-file "eth" test split: two pedestrians walking side by side for 20 frames.
 * const root = await Deno.makeTempDir();
 * await Deno.mkdir(`${root}/eth/test`, { recursive: true });
 * let rows = "";
 * for (let f = 0; f < 20; f++) rows += `${10 * f}\t1\t${f}\t0\n${10 * f}\t2\t${f}\t1\n`;
 * await Deno.writeTextFile(`${root}/eth/test/demo.txt`, rows);
 * const test = await loadSplit(root, "eth", "test");
 * console.log(test.count, test.sceneStart); // 2 Int32Array [0, 2]
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function loadSplit(
  dataDir: string,
  fold: FoldName,
  split: SplitName,
  opts: WindowOptions = {},
): Promise<TrajectorySet> {
  checkFold(fold);
  if (split !== "train" && split !== "val" && split !== "test") {
    throw new RangeError(`loadSplit: split must be train, val or test, got "${split}"`);
  }
  const dir = `${dataDir}/${fold}/${split}`;
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.isFile && e.name.endsWith(".txt")) names.push(e.name);
  }
  if (names.length === 0) throw new RangeError(`loadSplit: no .txt files in ${dir}`);
  names.sort();
  const sets = [];
  for (const n of names) sets.push(windowRows(await readTrajectoryFile(`${dir}/${n}`), opts));
  return concatSets(sets);
}

/**
 * Reads all three splits of a fold (see {@link loadSplit}).
 *
 * @example
 * ```ts
 * import { loadFold } from "./folds.ts";
 * const root = await Deno.makeTempDir();
 * let rows = "";
 * for (let f = 0; f < 21; f++) rows += `${10 * f}\t1\t${f}\t0\n${10 * f}\t2\t${f}\t1\n`;
 * for (const split of ["train", "val", "test"]) {
 *   await Deno.mkdir(`${root}/hotel/${split}`, { recursive: true });
 *   await Deno.writeTextFile(`${root}/hotel/${split}/demo.txt`, rows);
 * }
 * const hotel = await loadFold(root, "hotel");
 * console.log(hotel.train.count, hotel.test.sceneStart.length); // 4 3
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function loadFold(
  dataDir: string,
  fold: FoldName,
  opts: WindowOptions = {},
): Promise<FoldData> {
  const [train, val, test] = await Promise.all(
    (["train", "val", "test"] as const).map((s) => loadSplit(dataDir, fold, s, opts)),
  );
  return { fold, train, val, test };
}
