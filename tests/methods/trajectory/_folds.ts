/** Cached fold loading shared by the data-dependent trajectory tests of one file. */
import { type FoldData, type FoldName, loadFold } from "../../../methods/trajectory/folds.ts";
import { DATA_DIR } from "./_data.ts";

const cache = new Map<FoldName, Promise<FoldData>>();

/** Loads (once per test file) the windowed splits of a fold from `DATA_DIR`. */
export function fold(name: FoldName): Promise<FoldData> {
  if (DATA_DIR === null) throw new Error("fold: no ETH/UCY data (test should be ignored)");
  let p = cache.get(name);
  if (p === undefined) cache.set(name, p = loadFold(DATA_DIR, name));
  return p;
}
