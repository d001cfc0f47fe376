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

Deno.test("reproduce.ts without ../shared: an experiment that needs it is reported as skipped, and the run exits 0", async () => {
  const root = new URL("../../", import.meta.url);
  let shared: string | null = null;
  try {
    shared = Deno.realPathSync(new URL("../shared", root));
  } catch {
    shared = null; // already absent
  }
  const out = await Deno.makeTempDir();
  try {
    const r = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        ...(shared ? [`--deny-read=${shared}`] : []),
        "experiments/reproduce.ts",
        "--only",
        "otd",
        "--out",
        out,
      ],
      cwd: root,
      env: { NO_COLOR: "1" },
    }).output();
    const stderr = new TextDecoder().decode(r.stderr);
    assert.equal(r.code, 0, stderr);
    assert.ok(stderr.includes("otd: skipped, needs ../shared/data/digits"), stderr);
    const html = await Deno.readTextFile(`${out}/report.html`);
    assert.ok(html.includes("skipped: needs ../shared/data/digits beside the checkout"), html);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
