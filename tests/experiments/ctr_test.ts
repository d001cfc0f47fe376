/** Command line of experiments/ctr.ts: --inspect, malformed files, flags, the JSON result. */
import assert from "node:assert/strict";
import { runScript, type ScriptRun } from "./_script.ts";
import { sharedData } from "../ops/io/shared_data.ts";

// Ignored (with the reason printed) only when ../shared/data is absent; a missing file fails.
const { path: SAMPLE, missing: NO_SAMPLE } = sharedData("criteo/criteo_sample.txt");

const run = (args: string[]): Promise<ScriptRun> => runScript("ctr", args);

const HEADER = "label," + Array.from({ length: 13 }, (_, i) => `I${i + 1}`).join(",") + "," +
  Array.from({ length: 26 }, (_, i) => `C${i + 1}`).join(",");
const GOOD = ["1", "3", ...Array(12).fill(""), "05db9164", ...Array(25).fill("")];

Deno.test({
  name: "ctr.ts --inspect on the shared sample: 200 rows, 13 dense, 26 sparse",
  ignore: NO_SAMPLE,
  async fn(): Promise<void> {
    const dir = await Deno.makeTempDir();
    try {
      const r = await run(["--inspect", "--data", SAMPLE, "--json", `${dir}/i.json`]);
      assert.equal(r.code, 0, r.stderr);
      const o = JSON.parse(await Deno.readTextFile(`${dir}/i.json`));
      assert.deepEqual(Object.keys(o), ["rows", "dense", "sparse", "missing", "vocab"]);
      assert.deepEqual([o.rows, o.dense, o.sparse], [200, 13, 26]);
      assert.equal(o.vocab.length, 26);
      assert.ok(o.missing > 0);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("ctr.ts: malformed rows exit 1 naming file, line and field; flag mistakes exit 2", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const bad: [string[], string][] = [
      [GOOD.slice(0, 39), "bad.txt:3: expected 40 comma-separated fields, got 39"],
      [["x", ...GOOD.slice(1)], "bad.txt:3: field 1 (label)"],
      [["1", "3a", ...GOOD.slice(2)], "bad.txt:3: field 2 (I1)"],
    ];
    for (const [fields, message] of bad) {
      await Deno.writeTextFile(
        `${dir}/bad.txt`,
        [HEADER, GOOD.join(","), fields.join(",")].join("\n"),
      );
      const file = `${dir}/bad.txt`;
      for (
        const args of [["--inspect", "--data", file], ["--quick", "--data", file, "--out", dir]]
      ) {
        const r = await run(args);
        assert.equal(r.code, 1);
        assert.ok(r.stderr.includes(message), r.stderr);
      }
    }
    const flags: [string[], string][] = [
      [["--inspect", "--data", "x", "--quick"], "--quick: no effect with --inspect"],
      [["--inspect"], "--inspect needs --data FILE"],
      [["--data", "x", "--rows", "500"], "--rows: no effect with --data"],
      [["--kind", "dcn", "--rows", "100"], "--kind must be one of deepfm, mlp, got dcn"],
      [["--rows", "10"], "--rows must be ≥ 100, got 10"],
      [["--inspect", "--data", `${dir}/nope.txt`], `--data ${dir}/nope.txt: no such file`],
    ];
    for (const [args, message] of flags) {
      const r = await run(args);
      assert.equal(r.code, 2, args.join(" "));
      assert.ok(r.stderr.includes(message), r.stderr);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ctr.ts --quick on a small generated log writes the issue's JSON fields and passes its checks", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const r = await run([
      "--quick",
      "--rows",
      "1500",
      "--kind",
      "mlp",
      "--out",
      dir,
      "--json",
      `${dir}/r.json`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const o = JSON.parse(await Deno.readTextFile(`${dir}/r.json`));
    assert.deepEqual(Object.keys(o), [
      "original",
      "svd",
      "afm",
      "svdFinetuned",
      "afmFinetuned",
      "reconError",
      "inferenceMs",
    ]);
    for (const k of ["original", "svd", "afm", "svdFinetuned", "afmFinetuned"]) {
      assert.deepEqual(Object.keys(o[k]), ["auc", "logloss", "params"]);
    }
    assert.ok(o.afm.params * 3 <= o.original.params && o.svd.params === o.afm.params);
    assert.ok(o.reconError.afm <= o.reconError.svd);
    assert.ok(o.inferenceMs.original > 0 && o.inferenceMs.afm > 0);
    const report = JSON.parse(await Deno.readTextFile(`${dir}/ctr.json`));
    assert.ok(report.checks.every((c: { ok: boolean }) => c.ok));
    assert.ok((await Deno.stat(`${dir}/ctr_auc_size.svg`)).isFile);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
