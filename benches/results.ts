/**
 * Regenerates the tables of `benches/RESULTS.md`: for each area, runs its bench and peer scripts
 * (`benches/results/areas.ts`), makes rows of ours vs peer from their machine-readable output
 * (`deno bench --json`, the scripts' `--json FILE`) and rewrites only what lies between the
 * area's markers `<!-- results:AREA:begin -->` / `<!-- results:AREA:end -->`, headed by the date
 * (UTC), CPU, `nproc`, load average, versions and the exact commands. Hand-written readings
 * outside the markers are kept. An area that cannot be measured here (no GPU, no data) gets a
 * "not measured" line saying why instead of a table.
 *
 * Run: `deno task results [--area NAME]... [--file PATH] [--dry-run]` (all areas by default;
 * `--dry-run` prints the sections instead of writing). Progress goes to stderr. Measure on a
 * machine that is otherwise quiet where you can: the load is recorded, not corrected for.
 *
 * @module
 */
import { type Area, AREA_NAMES, AREAS, type Outputs, type Step } from "./results/areas.ts";
import { type BenchResult, parseDenoBench } from "./results/collect.ts";
import { replaceSection } from "./results/markers.ts";
import { cpuModel, renderSitting } from "./results/sitting.ts";
import { renderTable } from "./results/table.ts";

/** The parsed command line of `benches/results.ts`. */
export interface Flags {
  areas: string[];
  file: string;
  dryRun: boolean;
  help: boolean;
}

/** The usage text that `--help` prints. */
export const USAGE: string =
  `usage: deno task results [--area NAME]... [--file PATH] [--dry-run] [--help]
  --area NAME  an area to measure (repeatable; default: all): ${AREA_NAMES.join(", ")}
  --file PATH  the results file to rewrite (default benches/RESULTS.md)
  --dry-run    print the generated sections instead of writing them`;

/**
 * Parses the flags strictly: an unknown or repeated flag, a missing value or an unknown area is
 * a `TypeError`/`RangeError` whose message names it (and, for an area, lists the valid ones).
 *
 * @example
 * ```ts
 * import { parseFlags } from "./results.ts";
 * console.log(parseFlags(["--area", "gemm", "--dry-run"]).areas); // [ "gemm" ]
 * ```
 */
export function parseFlags(args: string[]): Flags {
  const out: Flags = { areas: [], file: "benches/RESULTS.md", dryRun: false, help: false };
  const seen = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a !== "--area" && seen.has(a)) throw new TypeError(`results: ${a} given twice`);
    seen.add(a);
    if (a === "--dry-run") out.dryRun = true;
    else if (a === "--help" || a === "-h") out.help = true;
    else if (a === "--area" || a === "--file") {
      const v = args[++i];
      if (v === undefined || v.startsWith("--")) throw new TypeError(`results: ${a} needs a value`);
      if (a === "--file") out.file = v;
      else if (!AREA_NAMES.includes(v)) {
        throw new RangeError(`results: unknown --area "${v}"; valid: ${AREA_NAMES.join(", ")}`);
      } else if (out.areas.includes(v)) throw new TypeError(`results: --area ${v} given twice`);
      else out.areas.push(v);
    } else throw new TypeError(`results: unknown flag "${a}" (see --help)`);
  }
  if (out.areas.length === 0) out.areas = [...AREA_NAMES];
  return out;
}

/** The command line of a step, as run and as printed (`FILE` stands for the temporary JSON path). */
export function stepCommand(step: Step, jsonPath = "FILE"): string[] {
  switch (step.kind) {
    case "bench":
      return ["deno", "bench", "-A", "--json", step.file];
    case "script":
      return ["deno", "run", "-A", step.file, ...(step.args ?? []), "--json", jsonPath];
    case "numpy":
      return [
        "env",
        "-u",
        "OPENBLAS_CORETYPE",
        "-u",
        "OPENBLAS_L2_SIZE",
        ...(step.threads === "1" ? ["OPENBLAS_NUM_THREADS=1"] : ["-u", "OPENBLAS_NUM_THREADS"]),
        "python3",
        step.script,
        ...(step.args ?? []),
        "--json",
        jsonPath,
      ];
  }
}

/**
 * Runs one command, stderr passed through; its stdout, or an error naming the command. A
 * process that dies of a signal is run once more, with a notice: Mesa's software WebGPU adapter
 * (llvmpipe) sometimes corrupts the heap while the process exits, after every bench has
 * finished (`malloc_consolidate(): unaligned fastbin chunk detected`, SIGABRT); a second
 * death, or any non-zero exit, is an error.
 *
 * @example
 * ```ts
 * import { run } from "./results.ts";
 * console.log(await run(["echo", "hi"])); // hi
 * ```
 */
export async function run(cmd: string[]): Promise<string> {
  for (let attempt = 1;; attempt++) {
    console.error(`results: $ ${cmd.join(" ")}`);
    const out = await new Deno.Command(cmd[0], { args: cmd.slice(1), stderr: "inherit" })
      .output();
    const text = new TextDecoder().decode(out.stdout);
    if (out.success) return text;
    if (out.signal !== null && attempt === 1) {
      console.error(`results: the process died of ${out.signal}; running it once more`);
      continue;
    }
    const how = out.signal !== null ? `died of ${out.signal} twice` : `exited with ${out.code}`;
    throw new Error(`"${cmd.join(" ")}" ${how}:\n${text.slice(-2000)}`);
  }
}

/** Why `area` cannot be measured on this machine now, or null. */
async function unavailable(area: Area): Promise<string | null> {
  if (area.name === "gpu") {
    const { requestGpu, gpuStatus } = await import("../ops/gpu/device.ts");
    const gpu = await requestGpu();
    if (gpu) {
      gpu.destroy();
      return null;
    }
    return `no GPU lent to this sitting (requestGpu: ${gpuStatus().reason})`;
  }
  if (area.name === "eigentrajectory") {
    try {
      await Deno.stat("../shared/data/ethucy");
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return "../shared/data/ethucy is absent";
      throw e;
    }
  }
  return null;
}

/** Runs every step of `area` and returns the generated section (sitting paragraph + table). */
async function measure(area: Area): Promise<string> {
  const start = new Date().toISOString(), loadStart = Deno.loadavg();
  const why = await unavailable(area);
  if (why) return `Not measured (${start.slice(0, 16).replace("T", " ")} UTC): ${why}.`;
  const dir = await Deno.makeTempDir({ prefix: "results_" });
  const benches = new Map<string, BenchResult[]>(), jsons = new Map<string, unknown>();
  const commands = [`deno task results --area ${area.name}`];
  try {
    for (const step of area.steps) {
      const path = `${dir}/${step.id}.json`;
      const stdout = await run(stepCommand(step, path));
      commands.push(stepCommand(step).join(" "));
      if (step.kind === "bench") benches.set(step.id, parseDenoBench(stdout));
      else jsons.set(step.id, JSON.parse(await Deno.readTextFile(path)));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  const out: Outputs = {
    bench: (id) => benches.get(id) ?? [],
    json: (id) => jsons.get(id),
  };
  const rows = area.rows(out);
  const numpy = [...jsons.values()].map((j) => (j as { numpy?: string })?.numpy).find(Boolean);
  const sitting = renderSitting({
    start,
    end: new Date().toISOString(),
    cpu: cpuModel(),
    nproc: navigator.hardwareConcurrency,
    loadStart,
    loadEnd: Deno.loadavg(),
    versions: [`Deno ${Deno.version.deno}`, ...(numpy ? [`numpy ${numpy}`] : []), mlMatrix()],
    commands,
  });
  return `${sitting}\n\n${renderTable(rows)}`;
}

/** The pinned ml-matrix version from deno.json. */
function mlMatrix(): string {
  const cfg = JSON.parse(Deno.readTextFileSync("deno.json"));
  return `ml-matrix ${String(cfg.imports?.["ml-matrix"] ?? "?").replace(/^npm:ml-matrix@/, "")}`;
}

/**
 * Measures each area of `flags` in turn (taken from `areas`, {@link AREAS} by default) and
 * rewrites its section of `flags.file`, or with `flags.dryRun` prints it and leaves the file be.
 *
 * @example
 * ```ts ignore
 * import { main, parseFlags } from "./results.ts";
 * await main(parseFlags(["--area", "ctr", "--dry-run"])); // runs benches/ctr_bench.ts
 * ```
 */
export async function main(flags: Flags, areas: readonly Area[] = AREAS): Promise<void> {
  // Every requested area needs its markers before anything is measured.
  const text = await Deno.readTextFile(flags.file);
  for (const name of flags.areas) replaceSection(text, name, "");
  for (const name of flags.areas) {
    const area = areas.find((a) => a.name === name);
    if (!area) throw new RangeError(`no area named "${name}"`);
    console.error(`results: area ${name}`);
    // On an error the file keeps this area's previous table; earlier areas are already written.
    const body = await measure(area);
    if (flags.dryRun) console.log(`## ${name}\n${body}\n`);
    else {
      const now = await Deno.readTextFile(flags.file);
      await Deno.writeTextFile(flags.file, replaceSection(now, name, body));
      // The file is checked by `deno fmt --check` in CI: align the new table as deno fmt does.
      await run(["deno", "fmt", "--quiet", flags.file]);
      console.error(`results: ${flags.file}: section ${name} rewritten`);
    }
  }
}

if (import.meta.main) {
  let flags: Flags;
  try {
    flags = parseFlags(Deno.args);
  } catch (e) {
    console.error((e as Error).message);
    Deno.exit(2);
  }
  if (flags.help) {
    console.log(USAGE);
    Deno.exit(0);
  }
  try {
    await main(flags);
  } catch (e) {
    console.error(`results: ${(e as Error).message}`);
    Deno.exit(1);
  }
}
