/**
 * What every experiment writes for `deno task reproduce`: `<out>/<name>.json` (the report
 * record, with figure file names instead of SVG text) and one SVG file per figure.
 *
 * @module
 */

/** A plot, as SVG text, with the file name it is saved under. */
export interface Figure {
  file: string;
  caption: string;
  svg: string;
}

/** A table of results. */
export interface Table {
  caption: string;
  header: string[];
  rows: (string | number)[][];
}

/** A claimed property and whether it held in this run. */
export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

/** The whole record of one experiment run. */
export interface ExperimentReport {
  name: string;
  title: string;
  summary: string;
  tables?: Table[];
  figures?: Figure[];
  checks?: Check[];
  data?: unknown;
}

/**
 * The JSON form of a report: figures keep their file and caption only.
 *
 * @example
 * ```ts
 * import type { SavedReport } from "./report.ts";
 * const saved: SavedReport = {
 *   name: "demo",
 *   title: "Demo",
 *   summary: "one figure",
 *   figures: [{ file: "demo.svg", caption: "error per iteration" }],
 * };
 * console.log(JSON.parse(JSON.stringify(saved)).figures[0].file); // demo.svg
 * ```
 */
export type SavedReport = Omit<ExperimentReport, "figures"> & {
  figures: { file: string; caption: string }[];
  seconds?: number;
};

const SAFE_FILE = /^[A-Za-z0-9_.-]+\.svg$/;

/**
 * Writes the report JSON and its SVG figures into `outDir`, prints the checks on stderr, and
 * exits the process with status 1 after writing if any check failed.
 *
 * @example
 * ```ts
 * import { writeReport } from "./report.ts";
 * const dir = await Deno.makeTempDir();
 * await writeReport(dir, { name: "demo", title: "Demo", summary: "nothing", checks: [] });
 * console.log(JSON.parse(await Deno.readTextFile(`${dir}/demo.json`)).title); // "Demo"
 * ```
 */
export async function writeReport(outDir: string, r: ExperimentReport): Promise<void> {
  if (!/^[A-Za-z0-9_-]+$/.test(r.name)) {
    throw new RangeError(
      `writeReport: name must be a plain identifier, got ${JSON.stringify(r.name)}`,
    );
  }
  await Deno.mkdir(outDir, { recursive: true });
  const figures = r.figures ?? [];
  for (const f of figures) {
    if (!SAFE_FILE.test(f.file)) {
      throw new RangeError(`writeReport: figure file must be a plain *.svg name, got ${f.file}`);
    }
    await Deno.writeTextFile(`${outDir}/${f.file}`, f.svg);
  }
  const saved: SavedReport = {
    ...r,
    figures: figures.map(({ file, caption }) => ({ file, caption })),
  };
  await Deno.writeTextFile(`${outDir}/${r.name}.json`, JSON.stringify(saved, null, 2));
  const checks = r.checks ?? [];
  for (const c of checks) console.error(`${c.ok ? "PASS" : "FAIL"} ${c.name}: ${c.detail}`);
  if (checks.some((c) => !c.ok)) {
    console.error(`${r.name}: ${checks.filter((c) => !c.ok).length} check(s) failed`);
    Deno.exit(1);
  }
}
