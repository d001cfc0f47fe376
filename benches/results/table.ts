/**
 * Rows of `benches/RESULTS.md` (ours against a peer, same sitting) and their markdown table.
 *
 * @module
 */

/** One measured side of a comparison. */
export interface Timing {
  /** What ran (the bench name, or the peer script's case). */
  label: string;
  /** Milliseconds per call. */
  ms: number;
}

/**
 * A stated goal for a row. `minSpeedup` is on peer time ÷ our time (5 = "5× faster than the
 * peer", 0.5 = "within 2× of the peer"); `maxOursMs` is an absolute time limit.
 */
export interface Goal {
  /** The goal as the issue states it, e.g. "≥ 5× ml-matrix". */
  text: string;
  minSpeedup?: number;
  maxOursMs?: number;
}

/** One line of an area's table. */
export interface Row {
  /** The case (bench group or problem size). */
  case: string;
  ours: Timing;
  peer: Timing;
  /** Which statistic each side reports ("mean" of the timed runs, "best" run, ...). */
  stat: string;
  goal?: Goal;
}

/**
 * A duration in the unit that keeps three significant figures readable.
 *
 * @example
 * ```ts
 * import { formatMs } from "./table.ts";
 * console.log(formatMs(1234.5), formatMs(12.345), formatMs(0.0123)); // 1.23 s 12.3 ms 12.3 µs
 * ```
 */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`formatMs: ms must be ≥ 0, got ${ms}`);
  if (ms >= 1000) return `${(ms / 1000).toPrecision(3)} s`;
  if (ms >= 1) return `${ms.toPrecision(3)} ms`;
  return `${(ms * 1000).toPrecision(3)} µs`;
}

/**
 * Peer time ÷ our time as words: "2.50× faster" or "2.50× slower" (never a bare ratio whose
 * direction the reader has to guess).
 *
 * @example
 * ```ts
 * import { speedupText } from "./table.ts";
 * console.log(speedupText(4, 10), speedupText(10, 4)); // 2.50× faster 2.50× slower
 * ```
 */
export function speedupText(oursMs: number, peerMs: number): string {
  const s = peerMs / oursMs;
  return s >= 1 ? `${s.toFixed(2)}× faster` : `${(1 / s).toFixed(2)}× slower`;
}

/**
 * Whether a row meets its goal: "yes", "no", or "" when it states none.
 *
 * @example
 * ```ts
 * import { goalMet } from "./table.ts";
 * const row = {
 *   case: "svd 512", stat: "mean" as const, goal: { text: "≥ 3× ml-matrix", minSpeedup: 3 },
 *   ours: { label: "ours", ms: 100 }, peer: { label: "ml-matrix", ms: 350 },
 * };
 * console.log(goalMet(row)); // yes
 * ```
 */
export function goalMet(row: Row): "yes" | "no" | "" {
  const g = row.goal;
  if (!g) return "";
  let ok = true;
  if (g.minSpeedup !== undefined) ok &&= row.peer.ms / row.ours.ms >= g.minSpeedup;
  if (g.maxOursMs !== undefined) ok &&= row.ours.ms <= g.maxOursMs;
  return ok ? "yes" : "no";
}

/** Markdown cell text: pipes would split the cell. */
function cell(s: string): string {
  return s.replaceAll("|", "\\|");
}

/**
 * The markdown table of `rows`: case, ours, peer (each with its time), the statistic, "ours vs
 * peer", and goal / met? columns when any row states a goal.
 *
 * @example
 * ```ts
 * import { renderTable } from "./table.ts";
 * const md = renderTable([{
 *   case: "gemm f64 n=512", stat: "mean",
 *   ours: { label: "ours matmul", ms: 100 }, peer: { label: "ml-matrix mmul", ms: 460 },
 * }]);
 * console.log(md.split("\n")[2]);
 * // | gemm f64 n=512 | ours matmul | 100 ms | ml-matrix mmul | 460 ms | mean | 4.60× faster |
 * ```
 */
export function renderTable(rows: Row[]): string {
  if (rows.length === 0) throw new RangeError("renderTable: rows is empty");
  const goals = rows.some((r) => r.goal !== undefined);
  const head = ["case", "ours", "time", "peer", "time", "stat", "ours vs peer"];
  if (goals) head.push("goal", "met?");
  const lines = [`| ${head.join(" | ")} |`, `|${head.map(() => " --- ").join("|")}|`];
  for (const r of rows) {
    const cells = [
      r.case,
      r.ours.label,
      formatMs(r.ours.ms),
      r.peer.label,
      formatMs(r.peer.ms),
      r.stat,
      speedupText(r.ours.ms, r.peer.ms),
    ];
    if (goals) cells.push(r.goal?.text ?? "", goalMet(r));
    lines.push(`| ${cells.map(cell).join(" | ")} |`);
  }
  return lines.join("\n");
}
