/**
 * Command-line rules of experiments/dqlore.ts: --help prints the flags and JSON fields; unknown,
 * repeated and out-of-range flags, a missing data folder, an unwritable --json and malformed
 * GSM8K files exit 2 with one line before any work.
 */
import assert from "node:assert/strict";
import { Rng } from "../../ops/random.ts";
import { runScript } from "./_script.ts";

async function expectOneLine(args: string[], text: string): Promise<void> {
  const r = await runScript("dqlore", args);
  assert.equal(r.code, 2, `${args.join(" ")}: exit ${r.code}\n${r.stderr}`);
  const lines = r.stderr.trim().split("\n");
  assert.equal(lines.length, 1, `${args.join(" ")}: ${r.stderr}`);
  assert.ok(lines[0].includes(text), `${args.join(" ")}: ${lines[0]}`);
}

Deno.test("dqlore.ts --help lists the flags and the JSON fields, exits 0", async () => {
  const r = await runScript("dqlore", ["--help"]);
  assert.equal(r.code, 0);
  for (
    const s of ["--data", "--queries", "--val", "--quick", "--json", '"structureMatch"', '"ci"']
  ) {
    assert.ok(r.stdout.includes(s), s);
  }
});

Deno.test("dqlore.ts: bad flags exit 2 with one line", async () => {
  const cases: [string[], string][] = [
    [["--qeuries", "3"], "unknown flag --qeuries; did you mean --queries?"],
    [["--queries", "0"], "--queries must be ≥ 1, got 0"],
    [["--queries", "5", "--queries", "6"], "--queries is given twice"],
    [["--val", "2.5"], "--val must be an integer, got 2.5"],
    [["--quick", "yes"], 'unexpected argument "yes"'],
    [["--data", "/nope/gsm8k"], "--data /nope/gsm8k: no such folder"],
  ];
  for (const [args, text] of cases) await expectOneLine(args, text);
  // An unwritable --json, with a data folder that exists whether or not ../shared is present.
  const dir = await Deno.makeTempDir();
  try {
    await expectOneLine(
      ["--data", dir, "--json", "/proc/nope/r.json"],
      "--json /proc/nope/r.json: cannot create folder",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("dqlore.ts: a malformed GSM8K file exits 2 naming the file and line", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const good = JSON.stringify({ question: "q", answer: "<<1+1=2>>2\n#### 2" });
    await Deno.writeTextFile(`${dir}/train.jsonl`, `${good}\n{"question": "q"}\n`);
    await Deno.writeTextFile(`${dir}/test.jsonl`, `${good}\n`);
    await expectOneLine(["--data", dir], `${dir}/train.jsonl: line 2 is not a GSM8K record`);
    await Deno.writeTextFile(`${dir}/train.jsonl`, `${good}\n${good}\n`);
    await expectOneLine(["--data", dir, "--queries", "2"], "--queries 2: ");
    await expectOneLine(["--data", dir, "--val", "2"], "--val 2: ");
    await Deno.writeTextFile(`${dir}/train.jsonl`, `${good}\n{bad json\n`);
    await expectOneLine(["--data", dir], `${dir}/train.jsonl:2: invalid JSON`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** GSM8K-shaped lines: questions of made-up words, solutions with random operator sequences. */
function fakeGsm8k(n: number, rng: Rng): string {
  const word = (): string => `w${rng.int(500)}`;
  const op = (): string => "+-*/"[rng.int(4)];
  return Array.from({ length: n }, () => {
    const steps = Array.from({ length: 1 + rng.int(3) }, () => `${word()} <<3${op()}2=1>>1`);
    const question = Array.from({ length: 8 }, word).join(" ");
    return JSON.stringify({ question, answer: `${steps.join("\n")}\n#### 1` });
  }).join("\n") + "\n";
}

Deno.test("dqlore.ts: --queries and --val set the test and validation sizes of the JSON", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const rng = new Rng(5);
    await Deno.writeTextFile(`${dir}/train.jsonl`, fakeGsm8k(420, rng));
    await Deno.writeTextFile(`${dir}/test.jsonl`, fakeGsm8k(12, rng));
    const args = ["--data", dir, "--queries", "7", "--val", "30", "--out", dir];
    const r = await runScript("dqlore", [...args, "--json", `${dir}/r.json`]);
    // Exit 1 is allowed: on random data the claimed properties need not hold.
    assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}: ${r.stderr}`);
    const json = JSON.parse(await Deno.readTextFile(`${dir}/r.json`));
    assert.equal(json.queries, 7);
    const names = Object.keys(json.methods);
    assert.equal(names.length, 11);
    for (const n of ["random", "question-lore", "dq-neighbour-lore-kval", "dq-gold"]) {
      const m = json.methods[n];
      assert.ok(m.ci[0] <= m.structureMatch && m.structureMatch <= m.ci[1], n);
    }
    const report = JSON.parse(await Deno.readTextFile(`${dir}/dqlore.json`));
    assert.ok(report.summary.includes("pool 390 train exemplars"), report.summary);
    assert.ok(report.summary.includes("on 30 validation questions"), report.summary);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
