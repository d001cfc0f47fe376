/**
 * What each experiment script reads by default (issue 13): the one table behind the README's
 * "Data" table, the `data:` line every script prints on stderr before its work, and the test
 * (`tests/experiments/data_sources_test.ts`) that runs each script with and without
 * `../shared/data` and checks that line against this table.
 *
 * @module
 */
import { fileURLToPath } from "node:url";

/** How a script gets its data by default (no `--data`), the same in `--quick` and full mode. */
export interface DataSource {
  /**
   * The folder under `../shared/data` that the script reads by default, or `null` when it
   * generates its data (or, for the tools, reads only the files it is given).
   */
  readonly folder: string | null;
  /** Without that folder: `"generated"` (it runs on seeded generated data) or `"error"` (exit 2). */
  readonly missing: "generated" | "error" | null;
  /** What it reads when `../shared` is beside the checkout (README wording). */
  readonly shared: string;
  /** What it does without `../shared` (README wording). */
  readonly without: string;
}

const generated = (what: string): DataSource => ({
  folder: null,
  missing: null,
  shared: `nothing: ${what}`,
  without: "the same",
});

/**
 * Every script in `experiments/`, by file name without `.ts`.
 *
 * @example
 * ```ts
 * import { DATA_SOURCES } from "./data_sources.ts";
 * console.log(DATA_SOURCES.otd.folder, DATA_SOURCES.otd.missing); // digits error
 * ```
 */
export const DATA_SOURCES: Readonly<Record<string, DataSource>> = {
  adapters: generated("random teacher MLPs (seeded)"),
  attention: {
    folder: "digits",
    missing: "error",
    shared: "`digits/digits.csv` (`--bench`: random tokens, no data)",
    without: "exit 2: no such folder (`--bench` still runs)",
  },
  compress: {
    folder: null,
    missing: null,
    shared: "as `compress_<method>` (it dispatches)",
    without: "as `compress_<method>`",
  },
  compress_bipft: {
    folder: "tinyshakespeare",
    missing: "generated",
    shared: "`tinyshakespeare/input.txt`",
    without: "a generated text (seeded word chain)",
  },
  compress_dsformer: {
    folder: "tinyshakespeare",
    missing: "generated",
    shared: "`tinyshakespeare/input.txt`",
    without: "a generated text (seeded word chain)",
  },
  compress_trp: {
    folder: "digits",
    missing: "generated",
    shared: "`digits/digits.csv`",
    without: "generated 8×8 digit images (seeded)",
  },
  ctr: generated("a generated Criteo-format log (the Criteo sample only with `--data FILE`)"),
  decompositions: generated("Gaussian matrices (seeded)"),
  dqlore: {
    folder: "gsm8k",
    missing: "error",
    shared: "`gsm8k/{train,test}.jsonl`",
    without: "exit 2: no such folder",
  },
  eigentrajectory: {
    folder: "ethucy",
    missing: "generated",
    shared: "`ethucy/<fold>/{train,val,test}`",
    without: "seeded synthetic scenes",
  },
  eigentrajectory_select: {
    folder: "ethucy",
    missing: "generated",
    shared: "`ethucy/<fold>/{train,val,test}`",
    without: "seeded synthetic scenes",
  },
  galore: {
    folder: "tinyshakespeare",
    missing: "error",
    shared: "`tinyshakespeare/input.txt`",
    without: "exit 2: no corpus",
  },
  gemm: generated("random matrices (seeded)"),
  instruct: generated("generated clinical instruction tasks (seeded)"),
  lora3d: generated("synthetic multi-view scenes (seeded)"),
  otd: {
    folder: "digits",
    missing: "error",
    shared: "`digits/digits.csv`",
    without: "exit 2: no digits data",
  },
  peft: {
    folder: null,
    missing: null,
    shared: "only the files named by its flags",
    without: "the same",
  },
  reproduce: {
    folder: null,
    missing: null,
    shared: "runs every experiment above in `--quick` mode",
    without: "runs the others; reports the ones that need the data as skipped (not failed)",
  },
  subgm: generated("random low-rank problems (seeded)"),
};

/**
 * `../shared/data/<name>` beside the checkout, as an absolute path (whether or not it exists).
 *
 * @example
 * ```ts
 * import { sharedData } from "./data_sources.ts";
 * console.log(sharedData("digits").endsWith("/shared/data/digits")); // true
 * ```
 */
export function sharedData(name: string): string {
  return fileURLToPath(new URL(`../../../shared/data/${name}`, import.meta.url));
}

/**
 * Prints `<tag>: data: <source>` on stderr: the line that says what a run reads (the data test
 * looks for it), printed before the run's work.
 *
 * @example
 * ```ts
 * import { announceData } from "./data_sources.ts";
 * announceData("demo", "generated (seed 0)"); // stderr: demo: data: generated (seed 0)
 * ```
 */
export function announceData(tag: string, source: string): void {
  console.error(`${tag}: data: ${source}`);
}

/**
 * The README's data table (markdown), one row per script of {@link DATA_SOURCES}.
 *
 * @example
 * ```ts
 * import { dataTable } from "./data_sources.ts";
 * console.log(dataTable().split("\n")[0].startsWith("| experiment")); // true
 * ```
 */
export function dataTable(): string {
  const rows = Object.entries(DATA_SOURCES).map(([name, s]) =>
    `| \`${name}\` | ${s.shared} | ${s.without} |`
  );
  return [
    "| experiment | reads when `../shared/data` is beside the checkout | without it |",
    "| --- | --- | --- |",
    ...rows,
  ].join("\n");
}
