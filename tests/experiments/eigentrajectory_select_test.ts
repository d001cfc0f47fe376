/**
 * experiments/eigentrajectory_select.ts (issue 13: choose the EigenTrajectory variants on
 * validation only, read the test split once): on a tiny generated ETH/UCY folder, every variant's
 * validation FDE and the selected variant's test scores equal the library's own training run,
 * the selected variant is the validation argmin, and only it is scored on test.
 */
import assert from "node:assert/strict";
import {
  anchorCoefficients,
  concatSets,
  decodeFutures,
  encode,
  fitEigenTrajectory,
  loadFold,
  predictCoefficients,
  scoreForecast,
  splitHistoryFuture,
  STATIC_DIST,
  trainNetwork,
} from "../../methods/trajectory/mod.ts";
import { withTinyEthucy } from "./_ethucy.ts";
import { expectUsageErrors, runScript } from "./_run.ts";

const SCRIPT = "eigentrajectory_select.ts";

interface VariantOut {
  name: string;
  speed: boolean;
  neighbours: number;
  social: number;
  valFde: number;
  folds: { eth: { valFde: number; runs: { seed: number; valFde: number }[] } };
}

Deno.test("eigentrajectory_select.ts: validation FDE per variant and the selected variant's test scores equal the library", () =>
  withTinyEthucy(async (dir) => {
    const json = `${dir}/s.json`;
    const r = await runScript(SCRIPT, [
      ...["--data", `${dir}/data`, "--folds", "eth", "--grid", "speed,neighbours"],
      ...["--seeds", "0,1", "--epochs", "2", "--hidden", "8", "--ninit", "1", "--workers", "2"],
      ...["--seed", "3", "--json", json, "--out", `${dir}/out`],
    ]);
    // Exit 1 is allowed: on a tiny fold the network may not beat the anchors (a failed check);
    // the JSON is written either way.
    const failed = r.stderr.split("\n").filter((l) => l.startsWith("FAIL "));
    assert.ok(
      r.code === 0 && failed.length === 0 ||
        r.code === 1 && failed.length === 1 && failed[0].includes("beats anchors-only"),
      r.stderr.slice(-2000),
    );
    const got = JSON.parse(await Deno.readTextFile(json));
    const variants = got.variants as VariantOut[];
    assert.deepEqual(variants.map((v) => v.name), ["base", "speed", "pool4", "speed+pool4"]);

    // The library, run by hand: descriptor on train + val (k-means seed 3), then each variant.
    const d = await loadFold(`${dir}/data`, "eth");
    const model = fitEigenTrajectory(concatSets([d.train, d.val]), {
      staticDist: STATIC_DIST.eth,
      nInit: 1,
      seed: 3,
    });
    const nets = new Map<string, ReturnType<typeof trainNetwork>>();
    for (const v of variants) {
      for (const seed of [0, 1]) {
        const tr = trainNetwork(model, d.train, d.val, {
          epochs: 2,
          hidden: [8],
          neighbours: v.neighbours,
          speed: v.speed,
          socialSlots: v.social,
          relax: 0.1,
          relaxEnd: 0,
          seed,
          log: () => {},
        });
        nets.set(`${v.name}/${seed}`, tr);
        const want = tr.history[tr.bestEpoch - 1].valFde;
        const run = v.folds.eth.runs.find((x) => x.seed === seed);
        assert.equal(run?.valFde, want, `${v.name} seed ${seed}`);
      }
      assert.ok(Math.abs(v.valFde - v.folds.eth.valFde) < 1e-15);
    }
    // The selection is the validation argmin, and nothing else was scored on test.
    const best = variants.reduce((a, b) => (b.valFde < a.valFde ? b : a));
    assert.equal(got.selected, best.name);
    assert.deepEqual(Object.keys(got.test.folds), ["eth"]);
    assert.equal(got.test.folds.eth.seeds.length, 2);
    assert.ok(r.stderr.includes(`selected on validation: ${best.name}`));

    const enc = encode(model, d.test), truth = splitHistoryFuture(d.test).future;
    const scoreOf = (coef: Float64Array) =>
      scoreForecast(decodeFutures(model, enc, coef), truth, d.test.sceneStart, model.modes, 12);
    for (const s of got.test.folds.eth.seeds as { seed: number; ade: number; fde: number }[]) {
      const net = (nets.get(`${best.name}/${s.seed}`) as ReturnType<typeof trainNetwork>).net;
      const want = scoreOf(predictCoefficients(model, net, d.test));
      assert.deepEqual({ ade: s.ade, fde: s.fde }, { ade: want.ade, fde: want.fde });
    }
    const anchors = scoreOf(anchorCoefficients(model, enc));
    assert.deepEqual(got.anchors.avg, { ade: anchors.ade, fde: anchors.fde });
    const seedAde = (got.test.seeds as { ade: number }[]).map((s) => s.ade);
    assert.ok(Math.abs(got.test.avg.ade - (seedAde[0] + seedAde[1]) / 2) < 1e-15);
    assert.ok(
      Math.abs(got.test.avg.adeSd - Math.abs(seedAde[0] - seedAde[1]) / Math.SQRT2) < 1e-15,
    );
    assert.equal(got.test.defaultSeed.seed, 0, "--seed 3 is not a training seed: the first is");
    assert.ok(Deno.statSync(`${dir}/out/eigentrajectory_select_val.svg`).isFile);
  }));

Deno.test("eigentrajectory_select.ts --design one-at-a-time: the default and each grid factor alone", () =>
  withTinyEthucy(async (dir) => {
    const json = `${dir}/s.json`;
    const r = await runScript(SCRIPT, [
      ...["--data", `${dir}/data`, "--folds", "eth", "--grid", "speed,neighbours,social"],
      ...["--design", "one-at-a-time", "--seeds", "0", "--epochs", "1", "--hidden", "4"],
      ...["--ninit", "1", "--json", json, "--out", `${dir}/out`],
    ]);
    assert.ok(r.code === 0 || r.code === 1, r.stderr.slice(-2000));
    const got = JSON.parse(await Deno.readTextFile(json)).variants as VariantOut[];
    assert.deepEqual(
      got.map((v) => [v.name, v.speed, v.neighbours, v.social]),
      [["base", false, 0, 0], ["speed", true, 0, 0], ["pool4", false, 4, 0], [
        "social8",
        false,
        0,
        8,
      ]],
    );
  }));

Deno.test("eigentrajectory_select.ts --help lists the flags and JSON fields; bad flags exit 2 with one line", async () => {
  const help = await runScript(SCRIPT, ["--help"]);
  assert.equal(help.code, 0, help.stderr);
  for (const f of ["--grid", "--seeds", "--workers", "--folds", '"selected"']) {
    assert.ok(help.stdout.includes(f), f);
  }
  await expectUsageErrors(SCRIPT, [
    [["--grid", "sped"], "--grid must be one of speed, neighbours, social, got sped"],
    [["--seeds", "0,x"], "--seeds must list integers ≥ 0"],
    [["--workers", "0"], "--workers must be ≥ 1, got 0"],
    [["--design", "ofat"], "--design must be one of factorial, one-at-a-time, got ofat"],
    [["--data", "synthetic", "--folds", "eth"], "--folds: no effect on synthetic scenes"],
    [["--data", "/nope"], "--data /nope: no such folder"],
    [["--data", "synthetic", "--json", "/proc/nope/r.json"], "--json /proc/nope/r.json"],
  ]);
});
