/**
 * The pure parts of `benches/results.ts` (no bench is run): table rendering, goals, marker
 * replacement, flag parsing, parsing of `deno bench --json` and of the peers' `--json` files,
 * and that every area's scripts and markers exist.
 */
import assert from "node:assert/strict";
import { main, parseFlags, run, stepCommand } from "../../benches/results.ts";
import { type Area, AREA_NAMES, AREAS } from "../../benches/results/areas.ts";
import {
  groupRows,
  pairRows,
  parseDenoBench,
  parsePeerJson,
} from "../../benches/results/collect.ts";
import { markers, replaceSection } from "../../benches/results/markers.ts";
import { renderSitting } from "../../benches/results/sitting.ts";
import {
  formatMs,
  goalMet,
  renderTable,
  type Row,
  speedupText,
} from "../../benches/results/table.ts";

const row = (oursMs: number, peerMs: number, goal?: Row["goal"]): Row => ({
  case: "svd 512",
  ours: { label: "ours svd 512", ms: oursMs },
  peer: { label: "ml-matrix SVD 512", ms: peerMs },
  stat: "mean",
  goal,
});

Deno.test("formatMs picks s / ms / µs with three significant figures; rejects bad input", () => {
  assert.equal(formatMs(2500), "2.50 s");
  assert.equal(formatMs(1000), "1.00 s");
  assert.equal(formatMs(999), "999 ms");
  assert.equal(formatMs(1), "1.00 ms");
  assert.equal(formatMs(0.5), "500 µs");
  assert.equal(formatMs(0.00123), "1.23 µs");
  assert.throws(() => formatMs(-1), RangeError);
  assert.throws(() => formatMs(NaN), RangeError);
});

Deno.test("speedupText says faster or slower, never a bare ratio", () => {
  assert.equal(speedupText(10, 25), "2.50× faster");
  assert.equal(speedupText(25, 10), "2.50× slower");
  assert.equal(speedupText(10, 10), "1.00× faster");
});

Deno.test("goalMet: minSpeedup on peer ÷ ours, maxOursMs on our time, both when both given", () => {
  assert.equal(goalMet(row(100, 350)), "");
  assert.equal(goalMet(row(100, 350, { text: "≥ 3×", minSpeedup: 3 })), "yes");
  assert.equal(goalMet(row(100, 299, { text: "≥ 3×", minSpeedup: 3 })), "no");
  // "within 2× of numpy" is minSpeedup 0.5: 1.9× slower meets it, 2.1× slower does not.
  assert.equal(goalMet(row(190, 100, { text: "within 2×", minSpeedup: 0.5 })), "yes");
  assert.equal(goalMet(row(210, 100, { text: "within 2×", minSpeedup: 0.5 })), "no");
  assert.equal(goalMet(row(999, 1, { text: "< 1 s", maxOursMs: 1000 })), "yes");
  assert.equal(goalMet(row(1001, 1e6, { text: "< 1 s", maxOursMs: 1000 })), "no");
  const both = { text: "both", minSpeedup: 2, maxOursMs: 50 };
  assert.equal(goalMet(row(60, 1000, both)), "no");
  assert.equal(goalMet(row(40, 70, both)), "no");
  assert.equal(goalMet(row(40, 100, both)), "yes");
});

Deno.test("renderTable: one line per row, goal columns only when a row states a goal", () => {
  const plain = renderTable([row(100, 460)]).split("\n");
  assert.equal(plain.length, 3);
  assert.equal(plain[0], "| case | ours | time | peer | time | stat | ours vs peer |");
  assert.equal(plain[1], "| --- | --- | --- | --- | --- | --- | --- |");
  assert.equal(
    plain[2],
    "| svd 512 | ours svd 512 | 100 ms | ml-matrix SVD 512 | 460 ms | mean | 4.60× faster |",
  );
  const goals = renderTable([row(100, 460, { text: "≥ 5×", minSpeedup: 5 }), row(1, 2)]);
  const lines = goals.split("\n");
  assert.match(lines[0], /\| goal \| met\? \|$/);
  assert.match(lines[2], /\| ≥ 5× \| no \|$/);
  assert.ok(lines[3].endsWith("2.00× faster |  |  |"), lines[3]);
  assert.equal(lines[2].split(" | ").length, lines[0].split(" | ").length);
});

Deno.test("renderTable escapes pipes in labels and refuses an empty table", () => {
  const r = row(1, 2);
  r.ours.label = "a|b";
  assert.match(renderTable([r]), /a\\\|b/);
  assert.throws(() => renderTable([]), RangeError);
});

const doc = [
  "# Results",
  "## GEMM",
  markers("gemm").begin,
  "old gemm table",
  markers("gemm").end,
  "Reading: hand-written, kept.",
  markers("subgm").begin,
  "old subgm table",
  markers("subgm").end,
  "",
].join("\n");

Deno.test("replaceSection rewrites only between the area's markers", () => {
  const out = replaceSection(doc, "gemm", "\nnew table\n");
  assert.equal(
    out,
    doc.replace("old gemm table", "new table"),
  );
  assert.ok(out.includes("old subgm table"));
  assert.ok(out.includes("Reading: hand-written, kept."));
  // Idempotent: a second run replaces the first run's table, not appends to it.
  assert.equal(replaceSection(out, "gemm", "new table"), out);
});

Deno.test("replaceSection refuses a missing, repeated or reversed marker", () => {
  assert.throws(() => replaceSection(doc, "conv2d", "x"), /results:conv2d:begin.*found 0 and 0/);
  const noEnd = doc.replace(markers("gemm").end, "");
  assert.throws(() => replaceSection(noEnd, "gemm", "x"), /found 1 and 0/);
  const twice = doc + markers("gemm").begin + "\n";
  assert.throws(() => replaceSection(twice, "gemm", "x"), /found 2 and 1/);
  const reversed = `${markers("x").end}\n${markers("x").begin}\n`;
  assert.throws(() => replaceSection(reversed, "x", "y"), /comes before/);
});

Deno.test("parseFlags: default all areas, repeatable --area, --file, --dry-run, --help", () => {
  assert.deepEqual(parseFlags([]).areas, [...AREA_NAMES]);
  assert.equal(parseFlags([]).file, "benches/RESULTS.md");
  const f = parseFlags(["--area", "gemm", "--area", "subgm", "--file", "x.md", "--dry-run"]);
  assert.deepEqual(f, { areas: ["gemm", "subgm"], file: "x.md", dryRun: true, help: false });
  assert.equal(parseFlags(["--help"]).help, true);
  assert.equal(parseFlags(["-h"]).help, true);
});

Deno.test("parseFlags: an unknown --area is an error naming the valid areas", () => {
  assert.throws(
    () => parseFlags(["--area", "gemmm"]),
    (e: Error) =>
      e instanceof RangeError && e.message.includes('"gemmm"') &&
      AREA_NAMES.every((a) => e.message.includes(a)),
  );
});

Deno.test("parseFlags: unknown, repeated and value-less flags are errors", () => {
  assert.throws(() => parseFlags(["--areas", "gemm"]), /unknown flag "--areas"/);
  assert.throws(() => parseFlags(["--dry-run", "--dry-run"]), /--dry-run given twice/);
  assert.throws(() => parseFlags(["--area", "gemm", "--area", "gemm"]), /--area gemm given twice/);
  assert.throws(() => parseFlags(["--file"]), /--file needs a value/);
  assert.throws(() => parseFlags(["--area", "--dry-run"]), /--area needs a value/);
});

const benchReport = (benches: unknown[]): string =>
  "module log line\n" + JSON.stringify({ version: 1, benches }, null, 2);
const ok = (avgNs: number, minNs: number): unknown => [{ ok: { avg: avgNs, min: minNs, n: 3 } }];

Deno.test("parseDenoBench reads ns as ms, skips what a module logged, rejects a failed bench", () => {
  const r = parseDenoBench(benchReport([
    { group: "g", name: "peer", baseline: true, results: ok(4e6, 3e6) },
    { group: "g", name: "ours", baseline: false, results: ok(1e6, 5e5) },
  ]));
  assert.deepEqual(r, [
    { group: "g", name: "peer", baseline: true, avgMs: 4, minMs: 3 },
    { group: "g", name: "ours", baseline: false, avgMs: 1, minMs: 0.5 },
  ]);
  const failed = benchReport([{ group: "g", name: "x", results: [{ failed: "boom" }] }]);
  assert.throws(() => parseDenoBench(failed), /bench "x" has no result/);
  assert.throws(() => parseDenoBench("no json here"), SyntaxError);
});

Deno.test("groupRows: each bench against its group's baseline; exclude, goals, no-baseline groups", () => {
  const b = [
    { group: "g", name: "peer", baseline: true, avgMs: 10, minMs: 9 },
    { group: "g", name: "ours", baseline: false, avgMs: 2, minMs: 1 },
    { group: "g", name: "ours packed", baseline: false, avgMs: 3, minMs: 1 },
    { group: "h", name: "lonely", baseline: false, avgMs: 3, minMs: 1 },
  ];
  const rows = groupRows(b, {
    exclude: /packed/,
    goals: [{ match: /^g: ours$/, goal: { text: "≥ 4×", minSpeedup: 4 } }],
  });
  assert.equal(rows.length, 1);
  assert.deepEqual(rows[0].ours, { label: "ours", ms: 2 });
  assert.deepEqual(rows[0].peer, { label: "peer", ms: 10 });
  assert.equal(rows[0].stat, "mean");
  assert.equal(rows[0].goal?.minSpeedup, 4);
  assert.equal(groupRows(b).length, 2);
});

Deno.test("pairRows: best against best; a missing or ambiguous name is an error", () => {
  const ours = [
    { group: "g", name: "ours svd 512", baseline: false, avgMs: 300, minMs: 200 },
    { group: "g", name: "ours svd 5120", baseline: false, avgMs: 3, minMs: 2 },
  ];
  const peer = [{ name: "svd 512", bestMs: 100 }];
  const rows = pairRows(ours, peer, "numpy", [{
    case: "c",
    ours: "ours svd 512",
    peer: "svd 512",
  }]);
  assert.deepEqual(rows[0].ours, { label: "ours svd 512", ms: 200 });
  assert.deepEqual(rows[0].peer, { label: "numpy svd 512", ms: 100 });
  assert.equal(rows[0].stat, "best");
  assert.throws(
    () => pairRows(ours, peer, "numpy", [{ case: "c", ours: "x", peer: "svd 512" }]),
    /0 benches/,
  );
  assert.throws(
    () => pairRows(ours, peer, "numpy", [{ case: "c", ours: /ours svd/, peer: "svd 512" }]),
    /2 benches/,
  );
  assert.throws(
    () => pairRows(ours, peer, "numpy", [{ case: "c", ours: "ours svd 512", peer: "svd 9" }]),
    /numpy has no case "svd 9"/,
  );
});

Deno.test("parsePeerJson reads peer_json.py's rows and rejects anything else", () => {
  assert.deepEqual(parsePeerJson({ rows: [{ name: "a", best_ms: 1.5, median_ms: 2 }] }), [
    { name: "a", bestMs: 1.5 },
  ]);
  assert.throws(() => parsePeerJson({}), SyntaxError);
  assert.throws(() => parsePeerJson({ rows: [{ name: "a", best_ms: "1" }] }), SyntaxError);
});

Deno.test("stepCommand: numpy runs without the VM's OpenBLAS overrides, threads as asked", () => {
  const one = stepCommand({ kind: "numpy", id: "n", script: "s.py", threads: "1" }, "/t.json");
  assert.deepEqual(one, [
    "env",
    "-u",
    "OPENBLAS_CORETYPE",
    "-u",
    "OPENBLAS_L2_SIZE",
    "OPENBLAS_NUM_THREADS=1",
    "python3",
    "s.py",
    "--json",
    "/t.json",
  ]);
  const dflt = stepCommand({ kind: "numpy", id: "n", script: "s.py", threads: "default" });
  assert.ok(dflt.includes("OPENBLAS_NUM_THREADS") && !dflt.includes("OPENBLAS_NUM_THREADS=1"));
  assert.equal(dflt.at(-1), "FILE");
  assert.deepEqual(
    stepCommand({ kind: "script", id: "s", file: "s.ts", args: ["--rounds", "3"] }, "/t.json"),
    ["deno", "run", "-A", "s.ts", "--rounds", "3", "--json", "/t.json"],
  );
  assert.deepEqual(stepCommand({ kind: "bench", id: "b", file: "f.ts" }), [
    "deno",
    "bench",
    "-A",
    "--json",
    "f.ts",
  ]);
});

Deno.test("renderSitting states date, machine, nproc, load, versions and every command", () => {
  const text = renderSitting({
    start: "2026-12-06T15:50:00.000Z",
    end: "2026-12-06T15:58:00.000Z",
    cpu: "Xeon",
    nproc: 2,
    loadStart: [1.234, 2, 3],
    loadEnd: [4, 5, 6],
    versions: ["Deno 2.9.6", "numpy 2.4.6"],
    commands: ["deno task results --area gemm", "deno bench -A --json benches/gemm_bench.ts"],
  });
  for (
    const s of [
      "2026-12-06 15:50–15:58 UTC",
      "Xeon",
      "nproc 2",
      "1.23 / 2.00 / 3.00",
      "4.00 / 5.00 / 6.00",
      "Deno 2.9.6, numpy 2.4.6",
      "`deno task results --area gemm`",
      "- `deno bench -A --json benches/gemm_bench.ts`",
    ]
  ) assert.ok(text.includes(s), s);
});

Deno.test("every area's scripts exist and benches/RESULTS.md has its markers", () => {
  const md = Deno.readTextFileSync("benches/RESULTS.md");
  for (const area of AREAS) {
    for (const s of area.steps) Deno.statSync(s.kind === "numpy" ? s.script : s.file);
    assert.doesNotThrow(() => replaceSection(md, area.name, "x"), area.name);
  }
});

Deno.test("main runs an area's bench, writes only between its markers, and --dry-run writes nothing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const bench = `${dir}/tiny_bench.ts`;
    await Deno.writeTextFile(
      bench,
      `const spin = (n: number): number => { let s = 0; for (let i = 0; i < n; i++) s += i; return s; };
Deno.bench({ name: "peer", group: "g", baseline: true, n: 20, warmup: 2, fn: () => void spin(4000) });
Deno.bench({ name: "ours", group: "g", n: 20, warmup: 2, fn: () => void spin(1000) });
`,
    );
    const fake: Area = {
      name: "fake",
      steps: [{ kind: "bench", id: "b", file: bench }],
      rows: (out) => groupRows(out.bench("b")),
    };
    const file = `${dir}/RESULTS.md`;
    const before = `# R\n\n${markers("fake").begin}\n\nold\n\n${
      markers("fake").end
    }\n\nReading kept.\n`;
    await Deno.writeTextFile(file, before);
    const flags = { areas: ["fake"], file, dryRun: true, help: false };
    const log = console.log, printed: string[] = [];
    console.log = (s: string) => void printed.push(s);
    try {
      await main(flags, [fake]);
    } finally {
      console.log = log;
    }
    assert.equal(await Deno.readTextFile(file), before);
    assert.match(printed.join("\n"), /\| g +\| ours +\|/);

    await main({ ...flags, dryRun: false }, [fake]);
    const after = await Deno.readTextFile(file);
    assert.ok(!after.includes("old") && after.endsWith("Reading kept.\n"), after);
    assert.match(after, /Regenerate:\s+`deno task results --area fake`/);
    assert.match(after, /- `deno bench -A --json .*tiny_bench\.ts`/);
    assert.match(
      after,
      /\| g +\| ours +\| [0-9.]+ µs +\| peer +\| [0-9.]+ µs +\| mean +\| [0-9.]+× (faster|slower) \|/,
    );
    // A missing marker stops the run before any bench starts.
    await assert.rejects(
      main({ ...flags, areas: ["nope"] }, [fake]),
      /results:nope:begin.*found 0/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("run: a process that dies of a signal runs once more; a second death or a failure is an error", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // Dies of SIGABRT the first time (as llvmpipe's teardown does), prints "ok" the second.
    const once = `if [ -f ${dir}/m ]; then echo ok; else touch ${dir}/m; kill -ABRT $$; fi`;
    assert.equal(await run(["bash", "-c", once]), "ok\n");
    await assert.rejects(run(["bash", "-c", "kill -ABRT $$"]), /died of SIGABRT twice/);
    await assert.rejects(run(["bash", "-c", "echo partial; exit 3"]), /exited with 3:\npartial/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
