/**
 * The sitting a table was measured in: date (UTC), machine, load, versions and commands, as the
 * paragraph above each generated table of `benches/RESULTS.md`.
 *
 * @module
 */

/** What is recorded about one sitting. */
export interface Sitting {
  /** Start and end, ISO 8601 UTC. */
  start: string;
  end: string;
  cpu: string;
  nproc: number;
  /** `Deno.loadavg()` (1, 5, 15 min) at the start and at the end. */
  loadStart: number[];
  loadEnd: number[];
  /** e.g. ["Deno 2.9.6", "numpy 2.4.6", "ml-matrix 6.15.1"]. */
  versions: string[];
  /** The command that regenerated the table, then every command it ran, in order. */
  commands: string[];
}

const hm = (iso: string): string => iso.slice(11, 16);
const load = (l: number[]): string => l.map((v) => v.toFixed(2)).join(" / ");

/**
 * The paragraph that heads an area's generated table.
 *
 * @example
 * ```ts
 * import { renderSitting } from "./sitting.ts";
 * const text = renderSitting({
 *   start: "2026-12-06T15:50:00Z", end: "2026-12-06T15:53:00Z", cpu: "Xeon", nproc: 2,
 *   loadStart: [1, 2, 3], loadEnd: [2, 2, 3], versions: ["Deno 2.9.6"],
 *   commands: ["deno task results --area gemm", "deno bench -A --json benches/gemm_bench.ts"],
 * });
 * console.log(text.split("\n")[0]);
 * // Measured 2026-12-06 15:50–15:53 UTC: Xeon, nproc 2, load average (1 / 5 / 15 min) 1.00 / 2.00 / 3.00 at the start, 2.00 / 2.00 / 3.00 at the end; Deno 2.9.6.
 * ```
 */
export function renderSitting(s: Sitting): string {
  const head = `Measured ${s.start.slice(0, 10)} ${hm(s.start)}–${hm(s.end)} UTC: ${s.cpu}, ` +
    `nproc ${s.nproc}, load average (1 / 5 / 15 min) ${load(s.loadStart)} at the start, ` +
    `${load(s.loadEnd)} at the end; ${s.versions.join(", ")}.`;
  const [main, ...ran] = s.commands;
  return [
    head,
    `Regenerate: \`${main}\`. It ran, in this order:`,
    "",
    ...ran.map((c) => `- \`${c}\``),
  ].join("\n");
}

/** The CPU model from /proc/cpuinfo, or "unknown CPU". */
export function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(Deno.readTextFileSync("/proc/cpuinfo"));
    return m ? m[1].trim() : "unknown CPU";
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return "unknown CPU";
    throw e;
  }
}
