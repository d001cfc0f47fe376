/**
 * Rows from what the bench scripts print: `deno bench --json` (each group's baseline is the peer)
 * and the `--json FILE` of the numpy and script-mode peers (matched to our bench by name).
 *
 * @module
 */
import type { Goal, Row } from "./table.ts";

/** One `Deno.bench` case of a `deno bench --json` report, times in ms. */
export interface BenchResult {
  group: string;
  name: string;
  baseline: boolean;
  avgMs: number;
  minMs: number;
}

/** One case of a peer script's `--json` output (numpy, JAX, a script-mode bench). */
export interface PeerResult {
  name: string;
  bestMs: number;
}

/** A goal attached to the rows whose `"group: name"` matches. */
export interface GoalRule {
  match: RegExp;
  goal: Goal;
}

/**
 * The benches of a `deno bench --json` report (stdout; anything a bench module logged before the
 * report is skipped). A bench that did not finish is an error, not a missing row.
 *
 * @example
 * ```ts
 * import { parseDenoBench } from "./collect.ts";
 * const out = JSON.stringify({ version: 1, benches: [{
 *   group: "g", name: "ours", baseline: false, results: [{ ok: { avg: 2e6, min: 1e6 } }],
 * }] });
 * console.log(parseDenoBench(out)[0].avgMs); // 2
 * ```
 */
export function parseDenoBench(stdout: string): BenchResult[] {
  const start = stdout.search(/^\{\s*$/m) >= 0 ? stdout.search(/^\{\s*$/m) : stdout.indexOf("{");
  if (start < 0) throw new SyntaxError("parseDenoBench: no JSON report in the output");
  const report = JSON.parse(stdout.slice(start));
  if (!Array.isArray(report.benches)) {
    throw new SyntaxError("parseDenoBench: the report has no benches array");
  }
  const out: BenchResult[] = [];
  for (const b of report.benches) {
    const ok = b.results?.[0]?.ok;
    if (!ok) {
      throw new Error(
        `parseDenoBench: bench "${b.name}" has no result: ${JSON.stringify(b.results)}`,
      );
    }
    out.push({
      group: b.group ?? "",
      name: b.name,
      baseline: b.baseline === true,
      avgMs: ok.avg / 1e6,
      minMs: ok.min / 1e6,
    });
  }
  return out;
}

function goalFor(key: string, goals: GoalRule[]): Goal | undefined {
  return goals.find((g) => g.match.test(key))?.goal;
}

/**
 * One row per non-baseline bench against its group's baseline (means, as `deno bench`'s own
 * summary compares them). Benches whose name matches `exclude` are left out; a group without a
 * baseline gives no rows.
 *
 * @example
 * ```ts
 * import { groupRows } from "./collect.ts";
 * const rows = groupRows([
 *   { group: "g", name: "peer", baseline: true, avgMs: 10, minMs: 9 },
 *   { group: "g", name: "ours", baseline: false, avgMs: 2, minMs: 1 },
 * ]);
 * console.log(rows[0].case, rows[0].peer.ms / rows[0].ours.ms); // g 5
 * ```
 */
export function groupRows(
  results: BenchResult[],
  opts: { exclude?: RegExp; goals?: GoalRule[] } = {},
): Row[] {
  const kept = results.filter((r) => !opts.exclude?.test(r.name));
  const rows: Row[] = [];
  for (const r of kept) {
    if (r.baseline) continue;
    const base = kept.find((b) => b.baseline && b.group === r.group);
    if (!base) continue;
    rows.push({
      case: r.group,
      ours: { label: r.name, ms: r.avgMs },
      peer: { label: base.name, ms: base.avgMs },
      stat: "mean",
      goal: goalFor(`${r.group}: ${r.name}`, opts.goals ?? []),
    });
  }
  return rows;
}

/** One {@link pairRows} pair: our bench (its exact name, or a pattern that one name matches). */
export interface Pair {
  case: string;
  ours: string | RegExp;
  peer: string;
  goal?: Goal;
}

/**
 * Rows of our benches against a peer script's cases, best run against best run (the peer
 * scripts report their best). A name in `pairs` that is missing on either side is an error.
 *
 * @example
 * ```ts
 * import { pairRows } from "./collect.ts";
 * const rows = pairRows(
 *   [{ group: "g", name: "ours svd 512", baseline: false, avgMs: 300, minMs: 200 }],
 *   [{ name: "svd 512", bestMs: 100 }],
 *   "numpy",
 *   [{ case: "svd 512", ours: "ours svd 512", peer: "svd 512" }],
 * );
 * console.log(rows[0].ours.ms, rows[0].peer.label); // 200 numpy svd 512
 * ```
 */
export function pairRows(
  ours: BenchResult[],
  peer: PeerResult[],
  peerLabel: string,
  pairs: Pair[],
): Row[] {
  return pairs.map((p) => {
    const hits = ours.filter((r) =>
      typeof p.ours === "string" ? r.name === p.ours : p.ours.test(r.name)
    );
    if (hits.length !== 1) {
      throw new Error(
        `pairRows: ${hits.length} benches match ${String(p.ours)} (need exactly one)`,
      );
    }
    const o = hits[0];
    const q = peer.find((r) => r.name === p.peer);
    if (!q) throw new Error(`pairRows: ${peerLabel} has no case "${p.peer}"`);
    return {
      case: p.case,
      ours: { label: o.name, ms: o.minMs },
      peer: { label: `${peerLabel} ${p.peer}`, ms: q.bestMs },
      stat: "best",
      goal: p.goal,
    };
  });
}

/**
 * The cases of a peer script's `--json` file (`benches/peer_json.py`'s format:
 * `{ rows: [{ name, best_ms }] }`).
 *
 * @example
 * ```ts
 * import { parsePeerJson } from "./collect.ts";
 * console.log(parsePeerJson({ rows: [{ name: "svd 512", best_ms: 104 }] })[0].bestMs); // 104
 * ```
 */
export function parsePeerJson(json: unknown): PeerResult[] {
  const rows = (json as { rows?: unknown })?.rows;
  if (!Array.isArray(rows)) throw new SyntaxError("parsePeerJson: no rows array");
  return rows.map((r) => {
    if (typeof r?.name !== "string" || typeof r?.best_ms !== "number") {
      throw new SyntaxError(`parsePeerJson: row without name/best_ms: ${JSON.stringify(r)}`);
    }
    return { name: r.name, bestMs: r.best_ms };
  });
}

/**
 * Script-mode results (one best time per case) as benches, so {@link pairRows} can pair them.
 *
 * @example
 * ```ts
 * import { asBenches } from "./collect.ts";
 * console.log(asBenches([{ name: "ours", bestMs: 3 }])[0].minMs); // 3
 * ```
 */
export function asBenches(rows: PeerResult[], group = ""): BenchResult[] {
  return rows.map((r) => ({
    group,
    name: r.name,
    baseline: false,
    avgMs: r.bestMs,
    minMs: r.bestMs,
  }));
}
