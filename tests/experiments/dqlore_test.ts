/**
 * Command-line rules of experiments/dqlore.ts: --help prints the flags and JSON fields; unknown,
 * repeated and out-of-range flags, a missing data folder, an unwritable --json and malformed
 * GSM8K files exit 2 with one line before any work.
 */
import assert from "node:assert/strict";
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
    [["--json", "/proc/nope/r.json"], "--json /proc/nope/r.json: cannot create folder"],
  ];
  for (const [args, text] of cases) await expectOneLine(args, text);
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
