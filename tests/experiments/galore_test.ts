/** Command line of experiments/galore.ts: strict flags and the JSON fields other tools read. */
import assert from "node:assert/strict";
import { runScript, type ScriptRun } from "./_script.ts";
import { sharedData } from "../ops/io/shared_data.ts";

// Ignored (with the reason printed) only when ../shared/data is absent; with the folder
// present, a missing corpus fails the run instead of skipping it.
const { missing: NO_DATA } = sharedData("tinyshakespeare/input.txt");

function run(args: string[]): Promise<ScriptRun> {
  return runScript("galore", args);
}

Deno.test("galore.ts: unknown, repeated, malformed and ineffective flags exit non-zero", async () => {
  const cases: [string[], string][] = [
    [["--optimiser", "adamw"], "unknown flag --optimiser"],
    [["--steps", "20", "--steps", "30"], "--steps is given twice"],
    [["--steps", "ten"], "--steps must be a number"],
    [["--optimizer", "sgd"], "--optimizer must be one of"],
    [["--optimizer", "adamw", "--rank", "4"], "--rank: no effect with --optimizer adamw"],
    [["--optimizer", "galore", "--out", "x"], "--out: no effect with --optimizer"],
    [["--quick", "--rank", "64"], "--rank must be an integer in 1..32"],
    [["--data", "/nonexistent-dir", "--optimizer", "galore"], "--data /nonexistent-dir: no such"],
    [["--data", "/tmp", "--optimizer", "galore"], "cannot read the corpus"],
  ];
  for (const [args, msg] of cases) {
    const r = await run(args);
    assert.notEqual(r.code, 0, args.join(" "));
    assert.ok(r.stderr.includes(msg), `${args.join(" ")}: ${r.stderr}`);
  }
});

Deno.test({
  name: "galore.ts --optimizer galore --quick writes the issue's JSON fields",
  ignore: NO_DATA,
  fn: async () => {
    const json = await Deno.makeTempFile({ suffix: ".json" });
    const r = await run([
      "--optimizer",
      "galore",
      "--quick",
      "--steps",
      "10",
      "--rank",
      "4",
      "--json",
      json,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const rec = JSON.parse(await Deno.readTextFile(json));
    for (
      const k of [
        "valLoss",
        "trainLoss",
        "optimizerStateBytes",
        "paramBytes",
        "steps",
        "trainSeconds",
        "msPerStep",
      ]
    ) {
      assert.equal(typeof rec[k], "number", k);
    }
    assert.equal(rec.steps, 10);
    // ms/step is timed after the warm-up step (issue 13): 10 steps leave out 1.
    assert.equal(rec.warmupSteps, 1);
    assert.ok(
      Math.abs(rec.tokensPerSec - (8 * 32) / (rec.msPerStep / 1000)) < 1e-6 * rec.tokensPerSec,
    );
    assert.equal(rec.optimizerStateBytes, rec.formulaStateBytes);
    assert.ok(rec.valLoss > 0 && rec.valLoss < Math.log(65) + 0.5);
    assert.ok(/tok\/s ETA/.test(r.stderr));
    await Deno.remove(json);
  },
});
