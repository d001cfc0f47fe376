/** experiments/reproduce.ts flags (issue 13): --help, and --only names the valid experiments. */
import assert from "node:assert/strict";
import { expectUsageErrors, runScript } from "./_run.ts";

Deno.test("reproduce.ts: --help lists the experiments; a wrong --only or a typo exits 2 naming the choices", async () => {
  const help = await runScript("reproduce.ts", ["--help"]);
  assert.equal(help.code, 0, help.stderr);
  assert.ok(help.stdout.includes("--only") && help.stdout.includes("subgm"), help.stdout);
  await expectUsageErrors("reproduce.ts", [
    [["--only", "adaptrs"], "--only must be one of adapters, attention, "],
    [["--only", "subgm,eigentrajectry"], "eigentrajectory"],
    [["--qiuck"], "unknown flag --qiuck"],
    [["--only", "subgm", "--only", "gemm"], "--only is given twice"],
  ]);
});
