/**
 * Where the data-dependent trajectory tests find ETH/UCY: `../shared/data/ethucy` relative to
 * the repository root, or `$ETHUCY_DIR`. Tests that need it are registered with `ignore` when
 * it is missing, and this module says so once on stderr.
 */
import { fileURLToPath } from "node:url";

function locate(): string | null {
  const env = Deno.env.get("ETHUCY_DIR");
  const dir = env ?? fileURLToPath(new URL("../../../../shared/data/ethucy", import.meta.url));
  try {
    return Deno.statSync(`${dir}/eth/test/biwi_eth.txt`).isFile ? dir : null;
  } catch {
    return null;
  }
}

/** The ETH/UCY directory, or null when it is absent. */
export const DATA_DIR: string | null = locate();

/** True when the data-dependent tests must be skipped. */
export const NO_DATA: boolean = DATA_DIR === null;

if (NO_DATA) {
  console.error(
    "trajectory tests: ETH/UCY data not found (../shared/data/ethucy or $ETHUCY_DIR); " +
      "data-dependent tests are SKIPPED (shown as ignored)",
  );
}
