// DUSt3R global alignment (spec compression_optim_attention.md §9) and property 4 (μ → ∞).
import assert from "node:assert/strict";
import { tensor } from "../../../ops/tensor.ts";
import {
  alignmentObjective,
  globalAlign,
  type PairWeights,
} from "../../../methods/geometry/global_align.ts";
import { calibrateAlignment } from "../../../methods/geometry/calibrate.ts";
import { alignmentPoses, evaluateAlignment } from "../../../methods/geometry/metrics.ts";
import { sceneRays } from "../../../methods/geometry/synthetic_scene.ts";
import { noisyPredictions } from "./helpers.ts";

Deno.test("noise-free pairs in scrambled similarities: the alignment recovers scene and poses", () => {
  const { scene, preds } = noisyPredictions(1, { scrambled: true });
  for (const rays of [undefined, sceneRays(scene)]) {
    const al = globalAlign(preds, { sweeps: 30, rays });
    const e = evaluateAlignment(alignmentPoses(preds, al), al.pointMaps, scene);
    assert.ok(al.objective.at(-1)! < 1e-20, `objective ${al.objective.at(-1)}`);
    assert.ok(e.rotErrDeg < 1e-6 && e.transErr < 1e-9 && e.reconErr < 1e-9, JSON.stringify(e));
    // the gauge Π σ_e = 1
    const logSum = al.transforms.reduce((s, t) => s + Math.log(t.scale), 0);
    assert.ok(Math.abs(logSum) < 1e-12, `Σ log σ = ${logSum}`);
  }
});

Deno.test("each sweep minimises a block exactly: the objective never increases (p = 2 and 1)", () => {
  const { scene, preds } = noisyPredictions(2, {
    noise: 0.05,
    outlierRate: 0.2,
    scrambled: true,
  });
  for (const exponent of [2, 1] as const) {
    for (const rays of [undefined, sceneRays(scene)]) {
      const al = globalAlign(preds, { sweeps: 25, exponent, rays });
      const f = al.objective;
      // the gauge Π σ_e = 1 holds after every T-step (without it the maps would shrink to 0)
      const logSum = al.transforms.reduce((acc, t) => acc + Math.log(t.scale), 0);
      assert.ok(Math.abs(logSum) < 1e-9, `Σ log σ = ${logSum}`);
      assert.equal(f.length, 26);
      for (let k = 1; k < f.length; k++) {
        assert.ok(
          f[k] <= f[k - 1] * (1 + 1e-12),
          `p=${exponent} sweep ${k}: ${f[k - 1]} -> ${f[k]}`,
        );
      }
      assert.ok(f.at(-1)! < f[0]);
    }
  }
});

Deno.test("weights: zero-ish weights on the outliers give a better alignment than w = 1", () => {
  const { scene, preds, outlier } = noisyPredictions(3, { noise: 0.01, outlierRate: 0.25 });
  const rays = sceneRays(scene);
  const w: PairWeights = outlier.map(([a, b]) => [
    Float64Array.from(a, (o) => (o ? 1e-9 : 1)),
    Float64Array.from(b, (o) => (o ? 1e-9 : 1)),
  ]);
  const ev = (al: ReturnType<typeof globalAlign>) =>
    evaluateAlignment(alignmentPoses(preds, al), al.pointMaps, scene);
  const plain = ev(globalAlign(preds, { rays })),
    oracle = ev(globalAlign(preds, { rays, weights: w }));
  assert.ok(oracle.rotErrDeg < plain.rotErrDeg / 5, `${oracle.rotErrDeg} vs ${plain.rotErrDeg}`);
  assert.ok(oracle.reconErr < plain.reconErr / 5, `${oracle.reconErr} vs ${plain.reconErr}`);
});

Deno.test("property 4: μ → ∞ gives w = 1 and the plain objective (exponent 1: DUSt3R's own, 2: squared)", () => {
  const { scene, preds } = noisyPredictions(4, { noise: 0.05, outlierRate: 0.2, scrambled: true });
  const rays = sceneRays(scene);
  for (const exponent of [1, 2] as const) {
    const plain = globalAlign(preds, { sweeps: 40, exponent, rays });
    const plainMore = globalAlign(preds, { sweeps: 40, exponent, rays, init: plain });
    for (const mu of [Infinity, 1e15]) {
      const cal = calibrateAlignment(preds, { mu, alternations: 1, sweeps: 40, exponent, rays });
      cal.weights.forEach(([a, b]) =>
        [a, b].forEach((w) => w.forEach((x) => assert.ok(1 - x < 1e-9)))
      );
      // the calibrated run is the plain run continued: same objective as 40 more plain sweeps
      const fc = alignmentObjective(preds, cal.alignment, undefined, exponent);
      const fp = alignmentObjective(preds, plainMore, undefined, exponent);
      assert.ok(Math.abs(fc - fp) <= 1e-6 * fp, `p=${exponent} mu=${mu}: ${fc} vs ${fp}`);
      // and the robust objective (Σ wCr^p + μΣ(√w−1)²) equals the plain one
      assert.ok(Math.abs(cal.objective[0] - fc) <= 1e-6 * fc, `${cal.objective[0]} vs ${fc}`);
    }
  }
});

Deno.test("globalAlign: bad input names the argument", () => {
  const { preds } = noisyPredictions(5, { views: 3, pixels: 5 });
  const p = tensor([[0, 0, 1]]), c = tensor([1]);
  assert.throws(() => globalAlign([]), /at least one pair/);
  assert.throws(() => globalAlign(preds, { iters: 3 } as never), /unknown option "iters"/);
  assert.throws(
    () => globalAlign(preds, { sweeps: 0 }),
    /sweeps must be a positive integer, got 0/,
  );
  assert.throws(
    () => globalAlign(preds, { exponent: 3 as never }),
    /exponent must be 1 or 2, got 3/,
  );
  assert.throws(
    () => globalAlign([{ views: [0, 0], points: [p, p], confidence: [c, c] }]),
    /views \[0,0\]/,
  );
  assert.throws(
    () => globalAlign([{ views: [0, 1], points: [p, p], confidence: [c, tensor([0])] }]),
    /confidence\[1\]\[0\] = 0; need > 0/,
  );
  assert.throws(
    () => globalAlign([{ views: [0, 1], points: [p, p], confidence: [c, tensor([1, 1])] }]),
    /confidence\[1\] is 2, points are 1 x 3/,
  );
  assert.throws(
    () =>
      globalAlign([
        { views: [0, 1], points: [p, p], confidence: [c, c] },
        { views: [2, 3], points: [p, p], confidence: [c, c] },
      ]),
    /views 2,3 are not connected/,
  );
  assert.throws(
    () => globalAlign([{ views: [0, 2], points: [p, p], confidence: [c, c] }]),
    /view 1 appears in no pair/,
  );
  const w: PairWeights = preds.map(
    () => [new Float64Array(5).fill(2), new Float64Array(5).fill(1)],
  );
  assert.throws(() => globalAlign(preds, { weights: w }), /weights\[0\]\[0\] must lie in \(0, 1\]/);
  assert.throws(() => globalAlign(preds, { rays: [p] }), /rays has 1 views, the predictions 3/);
  const bad = [0, 1, 2].map(() => tensor(new Float64Array(15).fill(1), { shape: [5, 3] }));
  assert.throws(() => globalAlign(preds, { rays: bad }), /rays\[0\] row 0 has norm/);
});

Deno.test("options exponent, rays and init have their effect", () => {
  const { scene, preds } = noisyPredictions(6, { noise: 0.05, outlierRate: 0.2 });
  const rays = sceneRays(scene);
  const p2 = globalAlign(preds, { sweeps: 10 }),
    p1 = globalAlign(preds, { sweeps: 10, exponent: 1 });
  assert.notEqual(p1.pointMaps[0][0], p2.pointMaps[0][0]);
  assert.equal(p2.poses, undefined);
  const r = globalAlign(preds, { sweeps: 10, rays });
  assert.equal(r.poses?.length, 4);
  // with rays every χ^v_i lies on its pixel's ray from the view's estimated centre
  r.pointMaps.forEach((chi, v) => {
    const { rotation: R, center: c } = r.poses![v];
    for (let i = 0; i < chi.length / 3; i++) {
      const d = [0, 1, 2].map((k) => chi[3 * i + k] - c[k]);
      const cam = [0, 1, 2].map((k) => R[k] * d[0] + R[3 + k] * d[1] + R[6 + k] * d[2]);
      const n = Math.hypot(cam[0], cam[1], cam[2]);
      for (let k = 0; k < 3; k++) assert.ok(Math.abs(cam[k] / n - rays[v].data[3 * i + k]) < 1e-9);
    }
  });
  // init: continuing from an alignment starts at its objective
  const more = globalAlign(preds, { sweeps: 1, init: p2 });
  assert.ok(Math.abs(more.objective[0] - p2.objective.at(-1)!) <= 1e-12 * p2.objective.at(-1)!);
});
