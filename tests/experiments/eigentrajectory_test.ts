/**
 * experiments/eigentrajectory.ts as a command-line tool (issue 13): strict flags, --help, and
 * the anchors-only result on a tiny generated ETH/UCY-style folder equals the library's
 * computation with the descriptor and anchors fitted on train + val only.
 */
import assert from "node:assert/strict";
import {
  anchorCoefficients,
  concatSets,
  decodeFutures,
  encode,
  fitEigenTrajectory,
  loadFold,
  predictBaseline,
  scoreForecast,
  splitHistoryFuture,
  STATIC_DIST,
} from "../../methods/trajectory/mod.ts";
import { withTinyEthucy } from "./_ethucy.ts";
import { expectUsageErrors, runScript, type ScriptRun } from "./_run.ts";

const run = (args: string[], cwd?: string): Promise<ScriptRun> =>
  runScript("eigentrajectory.ts", args, cwd);

Deno.test("eigentrajectory.ts: anchors-only and cv on a tiny fold equal the library, fitted on train + val", () =>
  withTinyEthucy(async (dir) => {
    const json = `${dir}/res/r.json`;
    const r = await run([
      ...["--data", `${dir}/data`, "--folds", "eth", "--predictor", "anchors,cv"],
      ...["--ninit", "2", "--seed", "3", "--json", json, "--out", `${dir}/out`],
    ]);
    assert.equal(r.code, 0, r.stderr.slice(-2000));
    const got = JSON.parse(await Deno.readTextFile(json)).predictors;
    // The same computation with the library: descriptor and anchors from train + val only.
    const d = await loadFold(`${dir}/data`, "eth");
    const model = fitEigenTrajectory(concatSets([d.train, d.val]), {
      staticDist: STATIC_DIST.eth,
      nInit: 2,
      seed: 3,
    });
    const enc = encode(model, d.test), truth = splitHistoryFuture(d.test).future;
    const pred = decodeFutures(model, enc, anchorCoefficients(model, enc));
    const anchors = scoreForecast(pred, truth, d.test.sceneStart, model.modes, 12);
    assert.deepEqual(got.anchors.folds.eth, { ade: anchors.ade, fde: anchors.fde });
    assert.deepEqual(got.anchors.avg, { ade: anchors.ade, fde: anchors.fde });
    const cv = scoreForecast(predictBaseline(d.test, "cv"), truth, d.test.sceneStart, 1, 12);
    assert.deepEqual(got.cv.folds.eth, { ade: cv.ade, fde: cv.fde });
    // The report lands in --out, nowhere else.
    assert.ok(Deno.statSync(`${dir}/out/eigentrajectory.json`).isFile);
  }));

Deno.test("eigentrajectory.ts --seeds: the mlp scores are the mean over seeds, with each seed's validation FDE", () =>
  withTinyEthucy(async (dir) => {
    const json = `${dir}/m.json`;
    const r = await run([
      ...["--data", `${dir}/data`, "--folds", "eth", "--predictor", "mlp", "--ninit", "1"],
      ...["--seeds", "0,1", "--epochs", "2", "--hidden", "8", "--json", json, "--out", `${dir}/o`],
    ]);
    assert.equal(r.code, 0, r.stderr.slice(-2000));
    const got = JSON.parse(await Deno.readTextFile(json));
    const eth = got.folds.eth,
      seeds = eth.seeds as {
        seed: number;
        ade: number;
        fde: number;
        valFde: number;
        bestEpoch: number;
      }[];
    assert.deepEqual(seeds.map((x) => x.seed), [0, 1]);
    assert.ok(seeds[0].ade !== seeds[1].ade, "the seeds train different networks");
    assert.ok(Math.abs(eth.ade - (seeds[0].ade + seeds[1].ade) / 2) < 1e-12);
    assert.ok(Math.abs(eth.valFde - (seeds[0].valFde + seeds[1].valFde) / 2) < 1e-12);
    for (const x of seeds) assert.ok(x.valFde > 0 && x.bestEpoch >= 1 && x.bestEpoch <= 2);
    // The logged validation FDE of the kept epoch is the one reported.
    for (const x of seeds) {
      const lines = r.stderr.split("\n").filter((l) =>
        l.includes(`mlp seed ${x.seed} epoch ${x.bestEpoch}/`)
      );
      assert.equal(lines.length, 1, r.stderr);
      assert.ok(lines[0].includes(`/${x.valFde.toFixed(3)} (`), `${lines[0]} vs ${x.valFde}`);
    }
    const sd = Math.abs(seeds[0].ade - seeds[1].ade) / Math.SQRT2;
    assert.ok(Math.abs(got.avg.adeSd - sd) < 1e-12, `${got.avg.adeSd} vs ${sd}`);
  }));

Deno.test("eigentrajectory.ts --help prints every flag and the JSON fields, exits 0, writes nothing", async () => {
  const cwd = await Deno.makeTempDir();
  try {
    const r = await run(["--help"], cwd);
    assert.equal(r.code, 0, r.stderr);
    for (const f of ["--data", "--folds", "--predictor", "--budget", "--speed", "--json"]) {
      assert.ok(r.stdout.includes(f), f);
    }
    assert.ok(r.stdout.includes('"avg"'), "JSON fields");
    assert.deepEqual([...Deno.readDirSync(cwd)], [], "no out/ folder");
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("eigentrajectory.ts: typos, repeats, bad values, idle flags and bad paths exit 2 with one line", async () => {
  const cases: [string[], string][] = [
    [["--fold", "eth"], "unknown flag --fold; did you mean --folds?"],
    [["--qiuck"], "unknown flag --qiuck; did you mean --quick?"],
    [["--speed", "maybe"], 'unexpected argument "maybe"'],
    [["--budget", "-5"], "--budget must be ≥ 0, got -5"],
    [["--ninit", "2", "--ninit", "3"], "--ninit is given twice"],
    [["--folds", "eht"], "--folds must be one of eth, hotel, univ, zara1, zara2, got eht"],
    [["--predictor", "anchors", "--epochs", "3"], "--epochs: no effect without --predictor mlp"],
    [["--data", "synthetic", "--folds", "eth"], "--folds: no effect on synthetic scenes"],
    [["--data", "/nope"], "--data /nope: no such folder"],
    [["--data", "synthetic", "--json", "/proc/nope/r.json"], "--json /proc/nope/r.json"],
    [["--hidden", "64,x"], "--hidden must list positive integers"],
    [["--predictor", "mlp", "--seeds", "0,x"], "--seeds must list integers"],
    [["--predictor", "cv", "--seeds", "0,1"], "--seeds: no effect without --predictor mlp"],
  ];
  await expectUsageErrors("eigentrajectory.ts", cases);
});
