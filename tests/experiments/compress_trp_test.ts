/** experiments/compress_trp.ts (issue 15): the trp JSON fields, MAC accounting, data errors. */
import assert from "node:assert/strict";
import { Rng } from "../../mod.ts";
import { expectUsageErrors } from "./_run.ts";
import { runTrp } from "../../experiments/compress_trp.ts";

/** A digits-shaped csv: `rows` rows of 64 pixels 0..16 and a label (row mod 10, or `label`). */
async function digitsDir(
  rows: number,
  opts: { cols?: number; label?: number } = {},
): Promise<string> {
  const rng = new Rng(1), cols = opts.cols ?? 64;
  const lines = Array.from({ length: rows }, (_, i) => {
    const px = Array.from({ length: cols }, () => rng.int(17));
    return [...px, opts.label ?? i % 10].join(",");
  });
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/digits.csv`, lines.join("\n") + "\n");
  return dir;
}

const TINY = { widths: [4, 8], blocks: 1, inChannels: 1, size: 8, classes: 10 };

Deno.test("runTrp: the issue's JSON fields, the README split, MACs by the spec's formulas", async () => {
  const data = await digitsDir(150);
  const { json, report } = await runTrp({ quick: true, seed: 0, data }, {
    config: TINY,
    epochs: 1,
    batch: 40,
    timingReps: 1,
  });
  const r = json as {
    baseline: { acc: number; macs: number; params: number };
    trp: { acc: number; macs: number; params: number; ranks: Record<string, number> };
    schemes: Record<
      string,
      { acc: number; macs: number; inferenceMs: number; ranks: Record<string, number> }
    >;
    speedup: number;
    settings: { data: string };
  };
  // Stem 4·1·9·64, two 4→4 convs at 8×8, 4→8 stride 2 and 8→8 at 4×4, head 8·10.
  assert.equal(r.baseline.macs, 2304 + 2 * 9216 + 4608 + 9216 + 80);
  // NC factorises the stride-1 convs only: r(C·9 + N) per output pixel.
  const k = r.trp.ranks;
  assert.deepEqual(Object.keys(k), ["s0.b0.conv1", "s0.b0.conv2", "s1.b0.conv2"]);
  const nc = 2304 + 4608 + 80 + (k["s0.b0.conv1"] + k["s0.b0.conv2"]) * 40 * 64 +
    k["s1.b0.conv2"] * 80 * 16;
  assert.equal(r.trp.macs, nc);
  assert.equal(r.schemes.nc.macs, nc);
  // ND factorises every selected conv, stride 2 included.
  assert.equal(Object.keys(r.schemes.nd.ranks).length, 4);
  for (const s of ["nc", "vh", "nd"]) {
    const row = r.schemes[s];
    assert.ok(row.acc >= 0 && row.acc <= 1 && row.inferenceMs > 0 && row.macs > 0, s);
  }
  // 150 rows: 30 test rows (i % 5 == 0), so accuracies are multiples of 1/30.
  assert.ok(Math.abs(r.baseline.acc * 30 - Math.round(r.baseline.acc * 30)) < 1e-9);
  assert.ok(r.speedup > 0 && r.baseline.params > r.trp.params);
  assert.equal(r.settings.data, `${data}/digits.csv`);
  assert.equal(report.name, "compress_trp");
  assert.equal(report.checks?.length, 4);
});

Deno.test("compress.ts trp: a data folder without digits.csv, a wrong column count or label exits 2", async () => {
  const empty = await Deno.makeTempDir();
  const narrow = await digitsDir(20, { cols: 10 });
  const badLabel = await digitsDir(20, { label: 12 });
  await expectUsageErrors("compress.ts", [
    [["trp", "--data", empty], "no digits.csv in that folder"],
    [["trp", "--data", narrow], "expected 65 columns, got 11"],
    [["trp", "--data", badLabel], "label must be an integer 0..9, got 12"],
  ]);
});
