/**
 * Where the EigenTrajectory experiments read ETH/UCY: `--data DIR` (checked up front), `--data
 * synthetic` (null: the seeded synthetic scenes), or by default `../shared/data/ethucy` beside
 * the checkout when it holds the folds, else null.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { checkInputDir, upFront } from "./cli.ts";

/** The default ETH/UCY folder: `../shared/data/ethucy` next to the repository. */
export const DEFAULT_ETHUCY: string = fileURLToPath(
  new URL("../../../shared/data/ethucy", import.meta.url),
);

/**
 * The ETH/UCY folder a script reads, or null for synthetic scenes.
 *
 * @example
 * ```ts
 * import { ethucyDir } from "./ethucy_dir.ts";
 * console.log(ethucyDir("synthetic", "experiments/x.ts")); // null
 * ```
 */
export function ethucyDir(data: string | undefined, script: string): string | null {
  if (data === "synthetic") return null;
  if (data !== undefined) {
    upFront(script, () => checkInputDir("data", data));
    return data;
  }
  try {
    return Deno.statSync(`${DEFAULT_ETHUCY}/eth/test`).isDirectory ? DEFAULT_ETHUCY : null;
  } catch {
    return null;
  }
}
