/** experiments/gemm.ts as a command-line tool (issue 13): strict flags and --help. */
import assert from "node:assert/strict";
import { expectUsageErrors, runScript } from "./_run.ts";

Deno.test("gemm.ts: --help lists the flags and JSON fields; bad flags exit 2 with one line", async () => {
  const help = await runScript("gemm.ts", ["--help"]);
  assert.equal(help.code, 0, help.stderr);
  assert.ok(help.stdout.includes("--max-n") && help.stdout.includes('"oursF64"'));
  await expectUsageErrors("gemm.ts", [
    [["--max-n", "1e9x"], "--max-n must be a number, got 1e9x"],
    [["--max-n", "31"], "--max-n must be ≥ 32"],
    [["--qiuck"], "unknown flag --qiuck; did you mean --quick?"],
    [["--seed", "1", "--seed", "2"], "--seed is given twice"],
    [["--json", "/proc/nope/g.json"], "--json /proc/nope/g.json: cannot create folder"],
  ]);
});
