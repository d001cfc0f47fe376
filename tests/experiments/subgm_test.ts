/**
 * Command-line rules of experiments/subgm.ts: unknown, repeated, malformed and ineffective flags
 * exit 2 with one line; --help prints the flags.
 */
import assert from "node:assert/strict";
import { expectUsageErrors, runScript, type ScriptRun } from "./_run.ts";

const run = (args: string[]): Promise<ScriptRun> => runScript("subgm.ts", args);

/** A one-setting problem small enough to run in a few milliseconds. */
const TINY = ["--d", "4", "--rstar", "1", "--rank", "2", "--m", "60", "--iters", "5"];

Deno.test("subgm.ts: flags without effect, typos, repeats and bad values exit 2 with one line", async () => {
  const cases: [string[], string][] = [
    [["--p", "0", "--noise", "gaussian"], "--noise gaussian: no effect with --p 0"],
    [[...TINY, "--p", "0", "--noise", "outlier"], "--noise outlier: no effect with --p 0"],
    [["--p", "0", "--noise", "bogus"], "--noise must be one of outlier, gaussian, got bogus"],
    [[...TINY, "--nu", "2"], "--nu 2: no effect unless the noise is Gaussian"],
    [[...TINY, "--p", "0", "--nu", "2"], "--nu 2: no effect unless the noise is Gaussian"],
    [["--eta0", "0.3"], "--eta0: no effect in the suite"],
    [[...TINY, "--out", "x", "--quick"], "--out --quick: no effect in a one-setting run"],
    [["--time-iteration", "--d", "20"], "--d: no effect in --time-iteration"],
    [[...TINY, "--gpu", "no"], 'unexpected argument "no"'],
    [["--quick", "--full"], "--quick and --full: choose one"],
    [
      [...TINY, "--design", "rank-one", "--dtype", "f32"],
      "--dtype: no effect with --design rank-one",
    ],
    [[...TINY, "--d", "12"], "--d is given twice"],
    [[...TINY, "--qiuck"], "unknown flag --qiuck; did you mean --quick?"],
    [["--d", "2.5"], "--d must be an integer, got 2.5"],
    [["--p", "1.5"], "--p must be ≤ 1, got 1.5"],
    [[...TINY, "--json", "/proc/nope/r.json"], "--json /proc/nope/r.json: cannot create folder"],
  ];
  await expectUsageErrors("subgm.ts", cases);
});

Deno.test("subgm.ts --help lists the flags of every mode and the JSON fields, exits 0", async () => {
  const r = await run(["--help"]);
  assert.equal(r.code, 0, r.stderr);
  for (const f of ["--d", "--noise", "--design", "--time-iteration", "--full", "--json"]) {
    assert.ok(r.stdout.includes(f), f);
  }
  assert.ok(r.stdout.includes("finalError"));
});

Deno.test("subgm.ts: the same settings without the idle flags run and write their JSON", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const settings = [["--p", "0"], ["--p", "0.1", "--noise", "gaussian", "--nu", "0.5"]];
    for (const [i, extra] of settings.entries()) {
      const json = `${dir}/r${i}.json`;
      const r = await run([...TINY, ...extra, "--json", json]);
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(await Deno.readTextFile(json));
      assert.equal(out.errors.length, 6, "the initial error and one per iteration");
      assert.ok(out.errors.every((e: number) => Number.isFinite(e) && e >= 0));
      assert.equal(out.finalError, out.errors[5]);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("subgm.ts --quick: the suite's claims CP9-CP15 hold (exit 0, every check passes)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const r = await run(["--quick", "--out", dir, "--seed", "0"]);
    assert.equal(r.code, 0, r.stderr.slice(-2000));
    const report = JSON.parse(await Deno.readTextFile(`${dir}/subgm.json`));
    const checks: { name: string; ok: boolean; detail: string }[] = report.checks;
    for (const cp of ["CP9", "CP10", "CP11", "CP12", "CP14", "CP15"]) {
      const mine = checks.filter((c) => c.name.includes(`/${cp} `));
      assert.ok(mine.length > 0, `no check for ${cp}: ${checks.map((c) => c.name).join("; ")}`);
    }
    const failed = checks.filter((c) => !c.ok);
    assert.deepEqual(failed, [], JSON.stringify(failed));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
