/**
 * Command-line rules of experiments/lora3d.ts: --help prints the flags and the JSON fields and
 * exits 0; unknown, repeated, malformed and valueless flags and an unwritable --json exit 2 with
 * one line before any work.
 */
import assert from "node:assert/strict";
import { expectUsageErrors, runScript } from "./_run.ts";

Deno.test("lora3d.ts --help lists the flags and the JSON fields", async () => {
  const r = await runScript("lora3d.ts", ["--help"]);
  assert.equal(r.code, 0);
  for (
    const s of [
      "--quick",
      "--seed",
      "--out",
      "--json",
      '"plain"',
      '"rotErrDeg"',
      '"transErr"',
      '"reconErr"',
      '"calibrated"',
      '"selfCalibrated"',
      '"outlierMeanWeight"',
      '"inlierMeanWeight"',
      '"adapterBytes"',
    ]
  ) assert.ok(r.stdout.includes(s), s);
});

Deno.test("lora3d.ts: bad flags exit 2 with one line", async () => {
  await expectUsageErrors("lora3d.ts", [
    [["--bogus"], "unknown flag --bogus"],
    [["--seed"], "--seed needs a value"],
    [["--seed", "x"], "--seed must be a non-negative integer, got x"],
    [["--seed", "-1"], "--seed must be a non-negative integer, got -1"],
    [["--quick=yes"], "--quick takes no value, got yes"],
    [["--seed", "1", "--seed", "2"], "--seed given twice"],
    [["scene"], 'unexpected argument "scene"'],
    [["--json", "/proc/nope/r.json"], "--json /proc/nope/r.json: cannot write"],
  ]);
});
