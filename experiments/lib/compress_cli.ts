/**
 * The command line shared by the compression experiments (issue 15):
 * `deno run -A experiments/compress.ts <trp|dsformer|bipft> [--quick] [--seed N] [--data DIR]
 * [--out DIR] --json FILE`, and each method's own script (`compress_dsformer.ts`, …) with the
 * same flags. Strict flags (`runCli`), bad input is one line on stderr and exit 2, the report
 * (`<out>/compress_<method>.json` + SVG) goes to `--out` and the JSON to `--json`.
 *
 * @module
 */
import { type CharCorpus, charCorpusFromText, readCharCorpus, Rng } from "../../mod.ts";
import {
  checkInputDir,
  checkOutputFile,
  CliError,
  COMMON_FLAGS,
  exitWith,
  runCli,
  upFront,
} from "./strict_cli.ts";
import { type ExperimentReport, writeReport } from "./report.ts";
import { announceData, sharedData } from "./data_sources.ts";

/** The compression methods of the CLI. */
export const COMPRESS_METHODS = ["trp", "dsformer", "bipft"] as const;
/** One of {@link COMPRESS_METHODS}. */
export type CompressMethod = typeof COMPRESS_METHODS[number];

/** What a method's experiment receives. */
export interface CompressRunOptions {
  /** Small sizes (each method ≤ 2 minutes on a 2-core machine). */
  quick: boolean;
  /** Seed of every random choice. */
  seed: number;
  /** The data folder given with `--data`, or undefined for the method's default. */
  data?: string;
}

/** What a method's experiment returns. */
export interface CompressRun {
  /** The machine-readable result with the field names (written to `--json`). */
  json: Record<string, unknown>;
  /** The report for `deno task reproduce` (its name is `compress_<method>`). */
  report: ExperimentReport;
}

const JSON_FIELDS: Record<CompressMethod, string> = {
  trp:
    `{ baseline: { acc, macs, params }, trp: { acc, macs, params, ranks }, schemes: { nc|vh|nd: { acc, macs, inferenceMs } }, speedup }`,
  dsformer:
    `{ dense: { valLoss, params }, lowrank: {…}, dsformerInit: {…}, dsformer: {…}, lowrankFinetuned: {…} } (params: the compressed layers)`,
  bipft: `{ fp: { valLoss }, binary: { valLoss, bits }, bipft: { valLoss, bits } }`,
};

const FLAGS = {
  ...COMMON_FLAGS,
  data: { type: "string", help: "data folder (default: ../shared/data/<dataset>, else generated)" },
} as const;

/**
 * Parses the flags of one method, runs it, writes `--json` and the report; bad input exits 2
 * with one line, a failed check exits 1 (after writing).
 *
 * @example
 * ```ts ignore
 * import { compressMain } from "./compress_cli.ts";
 * await compressMain("dsformer", (o) => runDsformer(o), ["--quick", "--json", "r.json"]);
 * ```
 */
export async function compressMain(
  method: CompressMethod,
  run: (o: CompressRunOptions) => Promise<CompressRun>,
  args: readonly string[],
  name = `experiments/compress.ts ${method}`,
): Promise<void> {
  const cli = runCli({
    name,
    summary: `Issue 15 compression experiment: ${method}.`,
    flags: FLAGS,
    json: JSON_FIELDS[method],
  }, args);
  const v = cli.values;
  upFront(name, () => {
    if (v.json !== undefined) checkOutputFile("json", v.json);
    if (v.data !== undefined) checkInputDir("data", v.data);
  });
  let result: CompressRun;
  try {
    result = await run({ quick: v.quick, seed: v.seed, data: v.data });
  } catch (e) {
    return exitWith(name, e);
  }
  if (v.json !== undefined) {
    await Deno.writeTextFile(v.json, JSON.stringify(result.json, null, 2));
  }
  await writeReport(v.out, result.report);
}

/** A seeded stand-in for tinyshakespeare: lines of words drawn from a fixed small lexicon. */
function generatedText(seed: number, chars: number): string {
  const rng = new Rng(seed);
  const letters = "etaoinshrdlucmfwypvbgk";
  const words = Array.from({ length: 60 }, () => {
    const n = 2 + rng.int(6);
    return Array.from({ length: n }, () => letters[rng.int(letters.length)]).join("");
  });
  let text = "";
  let prev = 0;
  while (text.length < chars) {
    // A word depends on the previous one (a first-order chain), so there is structure to learn.
    prev = (prev * 7 + rng.int(5)) % words.length;
    text += words[prev] + (rng.int(9) === 0 ? ".\n" : " ");
  }
  return text;
}

/**
 * The character corpus of the dsformer/bipft experiments: `DIR/input.txt` of `--data DIR`;
 * without `--data`, `../shared/data/tinyshakespeare` when it exists, else a generated text
 * (announced on stderr). First 90 % train, last 10 % validation (the data README's split).
 * `defaultDir` replaces the default folder (tests).
 *
 * @example
 * ```ts ignore
 * import { charCorpusFor } from "./compress_cli.ts";
 * const { corpus, source } = charCorpusFor(undefined, 0);
 * ```
 */
export function charCorpusFor(
  data: string | undefined,
  seed: number,
  defaultDir: string = sharedData("tinyshakespeare"),
): { corpus: CharCorpus; source: string } {
  const dir = data ?? defaultDir;
  const file = `${dir}/input.txt`;
  let exists = false;
  try {
    exists = Deno.statSync(file).isFile;
  } catch {
    exists = false;
  }
  if (exists) {
    const corpus = readCharCorpus(file, { valFraction: 0.1 });
    announceData("compress", file);
    return { corpus, source: file };
  }
  if (data !== undefined) throw new CliError(`--data ${data}: no input.txt in that folder`);
  announceData("compress", `generated: text (seed ${seed}); ${file} is absent`);
  return {
    corpus: charCorpusFromText(generatedText(seed, 120_000), { valFraction: 0.1 }),
    source: "generated",
  };
}
