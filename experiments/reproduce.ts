/**
 * `deno task reproduce`: runs every experiment script in this folder (quick mode by default),
 * then writes `out/report.html` from the JSON reports and SVG plots they leave in `out/`.
 * Exits non-zero if any experiment failed or any of its checks did not hold. An experiment
 * that needs `../shared/data` (attention, dqlore, galore, otd) is skipped, and reported as
 * skipped, when that data is absent.
 *
 * Flags: `--out DIR` (default out), `--seed N` (default 0), `--quick` (passed through),
 * `--only a,b` (run only these experiments).
 *
 * @module
 */
import { checkOutputFile, COMMON_FLAGS, runCli, upFront } from "./lib/cli.ts";
import { DATA_SOURCES, sharedData } from "./lib/data_sources.ts";
import type { SavedReport } from "./lib/report.ts";

interface RunResult {
  name: string;
  ok: boolean;
  seconds: number;
  code: number;
  report?: SavedReport;
  /** Why it was not run (the data it needs is absent), if so. */
  skipped?: string;
}

const here = new URL(".", import.meta.url);

/** Command-line tools that live beside the experiments but are not experiments. */
const TOOLS = new Set(["peft"]);

/** Scripts not run here: `compress` dispatches to compress_<method>.ts, which run on their own. */
const NOT_RUN = new Set(["compress"]);

function discover(): string[] {
  const names: string[] = [];
  for (const e of Deno.readDirSync(here)) {
    const name = e.name.slice(0, -3);
    if (
      e.isFile && e.name.endsWith(".ts") && name !== "reproduce" && !TOOLS.has(name) &&
      !NOT_RUN.has(name)
    ) {
      names.push(name);
    }
  }
  return names.sort();
}

/**
 * Why `name` cannot run here: it needs a folder of `../shared/data` (DATA_SOURCES: missing =
 * "error") that is absent. Such an experiment is reported as skipped, not failed, so that
 * `deno task reproduce` works on a checkout without `../shared`.
 */
function missingData(name: string): string | undefined {
  const src = DATA_SOURCES[name];
  if (src?.missing !== "error" || src.folder === null) return undefined;
  try {
    if (Deno.statSync(sharedData(src.folder)).isDirectory) return undefined;
  } catch {
    // absent or unreadable: skipped
  }
  return `needs ../shared/data/${src.folder} beside the checkout`;
}

async function runOne(name: string, out: string, seed: number, quick: boolean): Promise<RunResult> {
  const file = new URL(`${name}.ts`, here).pathname;
  const args = ["run", "-A", file, "--out", out, "--seed", String(seed)];
  if (quick) args.push("--quick");
  console.error(`\n== ${name}: deno ${args.slice(2).join(" ")}`);
  const t0 = performance.now();
  const { code } = await new Deno.Command(Deno.execPath(), {
    args,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  const seconds = (performance.now() - t0) / 1000;
  let report: SavedReport | undefined;
  try {
    report = JSON.parse(await Deno.readTextFile(`${out}/${name}.json`));
  } catch {
    report = undefined;
  }
  console.error(`== ${name}: exit ${code} after ${seconds.toFixed(1)} s`);
  return { name, ok: code === 0 && report !== undefined, seconds, code, report };
}

function esc(s: unknown): string {
  return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function section(r: RunResult): string {
  const rep = r.report;
  const head = `<h2 id="${r.name}">${esc(rep?.title ?? r.name)} <small>(${r.name}.ts, ${
    r.seconds.toFixed(1)
  } s, ${status(r)})</small></h2>`;
  if (r.skipped) return `${head}<p>Not run: ${esc(r.skipped)}.</p>`;
  if (!rep) return `${head}<p class="bad">No report was written.</p>`;
  const parts = [head, `<p>${esc(rep.summary)}</p>`];
  for (const t of rep.tables ?? []) {
    parts.push(
      `<table><caption>${esc(t.caption)}</caption><tr>${
        t.header.map((h) => `<th>${esc(h)}</th>`).join("")
      }</tr>${
        t.rows.map((row) => `<tr>${row.map((c) => `<td>${esc(c)}</td>`).join("")}</tr>`).join("")
      }</table>`,
    );
  }
  for (const f of rep.figures ?? []) {
    parts.push(
      `<figure><img src="${esc(f.file)}" alt="${esc(f.caption)}"><figcaption>${
        esc(f.caption)
      }</figcaption></figure>`,
    );
  }
  if (rep.checks?.length) {
    parts.push(
      `<ul>${
        rep.checks.map((c) =>
          `<li class="${c.ok ? "good" : "bad"}">${c.ok ? "✔" : "✘"} ${esc(c.name)}: ${
            esc(c.detail)
          }</li>`
        ).join("")
      }</ul>`,
    );
  }
  return parts.join("\n");
}

function status(r: RunResult): string {
  return r.skipped ? `skipped: ${r.skipped}` : r.ok ? "ok" : `FAILED, exit ${r.code}`;
}

function html(results: RunResult[]): string {
  const rows = results.map((r) =>
    `<tr><td><a href="#${r.name}">${r.name}</a></td><td>${esc(status(r))}</td><td>${
      r.seconds.toFixed(1)
    }</td><td>${(r.report?.checks ?? []).filter((c) => c.ok).length}/${
      (r.report?.checks ?? []).length
    }</td></tr>`
  ).join("");
  return `<!doctype html><html><head><meta charset="utf-8"><title>lowrank report</title>
<style>body{font-family:sans-serif;max-width:980px;margin:2em auto;padding:0 1em}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}
caption{font-weight:bold;text-align:left}.good{color:#196619}.bad{color:#a11}figure{margin:1em 0}
small{color:#666;font-weight:normal}</style></head><body>
<h1>lowrank: reproduced results</h1>
<p>Generated ${new Date().toISOString()} by <code>deno task reproduce</code> on ${
    esc(Deno.build.target)
  } with Deno ${esc(Deno.version.deno)}.</p>
<table><tr><th>experiment</th><th>status</th><th>seconds</th><th>checks passed</th></tr>${rows}</table>
${results.map(section).join("\n")}
</body></html>`;
}

async function main(): Promise<void> {
  const all = discover();
  const name = "experiments/reproduce.ts";
  const { values: flags } = runCli({
    name,
    summary: `Runs the experiments (${all.join(", ")}) one after another, passing --out, ` +
      "--seed and --quick, and writes DIR/report.html from their JSON reports and SVG plots. " +
      "Exits 1 if any experiment failed or any of its checks did not hold. Experiments that " +
      "need ../shared/data are skipped (and reported so) when it is absent.",
    flags: {
      seed: COMMON_FLAGS.seed,
      out: { ...COMMON_FLAGS.out, help: "folder for every report, the plots and report.html" },
      quick: COMMON_FLAGS.quick,
      only: { type: "list", choices: all, help: "run only these experiments" },
    },
  });
  upFront(name, () => checkOutputFile("out", `${flags.out}/report.html`));
  const names = flags.only ?? all;
  await Deno.mkdir(flags.out, { recursive: true });
  const results: RunResult[] = [];
  for (const name of names) {
    const skipped = missingData(name);
    if (skipped !== undefined) console.error(`\n== ${name}: skipped, ${skipped}`);
    results.push(
      skipped === undefined
        ? await runOne(name, flags.out, flags.seed, flags.quick)
        : { name, ok: true, seconds: 0, code: 0, skipped },
    );
  }
  await Deno.writeTextFile(`${flags.out}/report.html`, html(results));
  const failed = results.filter((r) => !r.ok);
  const skipped = results.filter((r) => r.skipped).map((r) => r.name);
  console.error(
    `\nwrote ${flags.out}/report.html: ${
      results.length - failed.length - skipped.length
    } of ${results.length} experiments ok${
      skipped.length ? `, skipped for want of ../shared/data: ${skipped.join(", ")}` : ""
    }`,
  );
  if (failed.length) {
    console.error(`failed: ${failed.map((r) => r.name).join(", ")}`);
    Deno.exit(1);
  }
}

if (import.meta.main) await main();
