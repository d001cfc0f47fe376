/**
 * Compression experiments of issue 15 behind one command line:
 *
 * `deno run -A experiments/compress.ts <trp|dsformer|bipft> [--quick] [--seed N] [--data DIR]
 * [--out DIR] --json FILE`
 *
 * - trp: trained rank pruning of a small CNN on digits (`compress_trp.ts`, spec §1);
 * - dsformer: dense × N:M-sparse vs low rank at 2× on the char Llama (`compress_dsformer.ts`, §3);
 * - bipft: binary Llama with rank-1 residual estimators, distilled (`compress_bipft.ts`, §4).
 *
 * `--json` gets the fields (see `--help` after the method); `--out` (default out) gets
 * the report `compress_<method>.json` and its SVG plots. An unknown method, a missing data
 * folder or a malformed file exits 2 with one line; a failed check exits 1.
 *
 * @module
 */
import {
  COMPRESS_METHODS,
  compressMain,
  type CompressMethod,
  type CompressRun,
  type CompressRunOptions,
} from "./lib/compress_cli.ts";
import { runDsformer } from "./compress_dsformer.ts";
import { runBipft } from "./compress_bipft.ts";

/**
 * TRP's experiment, loaded only when asked for: `compress_trp.ts` is developed separately, and
 * a missing or unfinished TRP module must not break the other methods.
 */
async function runTrp(o: CompressRunOptions): Promise<CompressRun> {
  const path = "./compress_trp.ts";
  const mod = await import(path) as { runTrp: (o: CompressRunOptions) => Promise<CompressRun> };
  return mod.runTrp(o);
}

const RUNS = { trp: runTrp, dsformer: runDsformer, bipft: runBipft } as const;

if (import.meta.main) {
  const [method, ...rest] = Deno.args;
  if (Deno.args.length === 1 && (method === "--help" || method === "-h")) {
    console.log(
      `usage: deno run -A experiments/compress.ts <${COMPRESS_METHODS.join("|")}> [flags]\n\n` +
        "Issue 15 compression experiments: trp (trained rank pruning of a CNN on digits), " +
        "dsformer (dense × N:M sparse vs low rank on a char Llama), bipft (binary Llama with " +
        "low-rank estimators).\nexperiments/compress.ts <method> --help lists the flags and the " +
        "JSON fields of a method.",
    );
    Deno.exit(0);
  }
  if (!COMPRESS_METHODS.includes(method as CompressMethod)) {
    console.error(
      `experiments/compress.ts: the first argument must be a method, one of ${
        COMPRESS_METHODS.join("|")
      }, got ${method === undefined ? "nothing" : JSON.stringify(method)}`,
    );
    Deno.exit(2);
  }
  await compressMain(method as CompressMethod, RUNS[method as CompressMethod], rest);
}
