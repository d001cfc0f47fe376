/**
 * Where the data-dependent trajectory tests find ETH/UCY: `../shared/data/ethucy` relative to
 * the repository root, or `$ETHUCY_DIR`. Tests that need it are registered with `ignore` when
 * it is missing, and this module says so once on stderr.
 */
import { sharedData } from "../../ops/io/shared_data.ts";

// Ignored only when ../shared/data is absent (and no $ETHUCY_DIR): with the data folder present,
// a missing or renamed ethucy file fails the tests instead of turning them into "ignored".
function locate(): string | null {
  const env = Deno.env.get("ETHUCY_DIR");
  if (env !== undefined) return env;
  const { path, missing } = sharedData("ethucy");
  return missing ? null : path;
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
