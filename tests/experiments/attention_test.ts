/**
 * experiments/attention.ts: --help names the flags and JSON fields; bad flags, ineffective
 * flags, a missing data folder and a malformed digits file exit 2 with one line; the bench
 * helper fills every field and skips softmax past its byte limit.
 */
import assert from "node:assert/strict";
import { gridOf, runBench } from "../../experiments/lib/attention_bench.ts";
import { runScript } from "./_script.ts";

async function expectOneLine(args: string[], text: string): Promise<void> {
  const r = await runScript("attention", args);
  assert.equal(r.code, 2, `${args.join(" ")}: exit ${r.code}\n${r.stderr}`);
  const lines = r.stderr.trim().split("\n");
  assert.equal(lines.length, 1, `${args.join(" ")}: ${r.stderr}`);
  assert.ok(lines[0].includes(text), `${args.join(" ")}: ${lines[0]}`);
}

Deno.test("attention.ts --help lists the flags and the JSON fields, exits 0", async () => {
  const r = await runScript("attention", ["--help"]);
  assert.equal(r.code, 0);
  for (
    const s of [
      "--attention",
      "--bench",
      "--data",
      "--quick",
      '"acc"',
      '"kvRank"',
      '"outputRank"',
      '"trainSeconds"',
      '"softmaxMs"',
      '"ralaMs"',
    ]
  ) {
    assert.ok(r.stdout.includes(s), s);
  }
});

Deno.test("attention.ts: bad and ineffective flags exit 2 with one line", async () => {
  const cases: [string[], string][] = [
    [["--attention", "flash"], "--attention"],
    [["--atention", "rala"], "unknown flag --atention"],
    [["--bench", "--attention", "rala"], "--attention: no effect with --bench"],
    [["--bench", "--data", "/tmp"], "--data: no effect with --bench"],
    [["--data", "/nope/digits"], "--data /nope/digits: no such folder"],
    [["--seed", "1", "--seed", "2"], "--seed is given twice"],
  ];
  for (const [args, text] of cases) await expectOneLine(args, text);
});

Deno.test("attention.ts: a malformed digits.csv exits 2 naming the file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/digits.csv`, "1,2,3\n4,5,6\n");
    await expectOneLine(["--data", dir, "--out", dir], `${dir}/digits.csv: expected 65 columns`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("attention bench helper: grids, fields, softmax skipped past its byte limit", () => {
  assert.deepEqual(gridOf(512), [16, 32]);
  assert.deepEqual(gridOf(16384), [128, 128]);
  const b = runBench([16, 64], 1, 2 * 4 * 16 * 16 * 4, () => {});
  assert.deepEqual(b.n, [16, 64]);
  assert.equal(typeof b.softmaxMs[0], "number");
  assert.equal(b.softmaxMs[1], null);
  assert.equal(b.linearMs.length, 2);
  assert.equal(b.ralaMs.length, 2);
  assert.deepEqual(b.softmaxAttnBytes, [2 * 4 * 256 * 4, 2 * 4 * 4096 * 4]);
  assert.equal(b.ralaBufferBytes, 4 * 64 * 64 * 4);
});
