// The LoRA3D pipeline end to end at toy size: pre-train, predict on a shifted scene with
// mismatches, calibrate, pseudo-label, self-calibrate with LoRA, re-align (issue 20).
import assert from "node:assert/strict";
import { concat } from "../../../ops/autograd/ops.ts";
import { Rng } from "../../../ops/random.ts";
import * as g from "../../../methods/geometry/mod.ts";

Deno.test("pipeline: mismatches get w ≈ 0, pseudo-labels keep half, the adapted model starts at the base", () => {
  const rng = new Rng(7);
  const enc = g.makeEncoder(rng);
  const rows = [0, 1].map(() =>
    g.truthRows(
      g.makePairs(g.makeScene(rng, { views: 3, pixels: 40 }), enc, g.trainingStyle(rng), rng),
    )
  );
  const model = g.initPointMapModel({ hidden: [32, 32], seed: 1 });
  const losses = g.pretrainPointMap(model, {
    x: concat(rows.map((r) => r.x), 0),
    y: concat(rows.map((r) => r.y), 0),
  }, {
    steps: 150,
    batch: 128,
    lr: 1e-2,
  });
  assert.ok(losses[149] < losses[0] / 5);
  const scene = g.makeScene(rng, { views: 3, pixels: 40 });
  const pairs = g.makePairs(scene, enc, g.shiftedStyle(rng), rng, { outlierRate: 0.2 });
  const preds = g.predictPairs(model, pairs);
  const cal = g.calibrateAlignment(preds, { rays: g.sceneRays(scene), sweeps: 20 });
  let wo = 0, no = 0, wi = 0, ni = 0;
  cal.weights.forEach((pw, e) =>
    pw.forEach((w, k) =>
      w.forEach((x, i) => {
        if (pairs[e].outlier[k][i]) wo += x, no++;
        else wi += x, ni++;
      })
    )
  );
  assert.ok(wo / no < 0.1 * (wi / ni), `mismatches ${wo / no}, inliers ${wi / ni}`);
  const data = g.pseudoLabelRows(pairs, g.pseudoLabels(cal));
  const total = pairs.length * 2 * 40;
  assert.ok(data.x.shape[0] >= total / 2 - pairs.length * 2 && data.x.shape[0] <= total / 2);
  const sc = g.loraSelfCalibrate(model, data, { steps: 1, rank: 2, lr: 1e-12 });
  // B = 0 at the start and a vanishing step: the adapted predictions equal the base's
  const adapted = g.predictPairs(model, pairs, sc.adapters);
  adapted.forEach((p, e) =>
    p.points[0].data.forEach((x, i) => assert.ok(Math.abs(x - preds[e].points[0].data[i]) < 1e-6))
  );
  const sc2 = g.loraSelfCalibrate(model, data, { steps: 60, rank: 2, lr: 1e-2, batch: 200 });
  assert.ok(sc2.losses.at(-1)! < sc2.losses[0], `${sc2.losses[0]} -> ${sc2.losses.at(-1)}`);
  const cal2 = g.calibrateAlignment(g.predictPairs(model, pairs, sc2.adapters), {
    rays: g.sceneRays(scene),
    sweeps: 20,
  });
  const e = g.evaluateAlignment(
    g.alignmentPoses(preds, cal2.alignment),
    cal2.alignment.pointMaps,
    scene,
  );
  assert.ok(Object.values(e).every(Number.isFinite), JSON.stringify(e));
});
