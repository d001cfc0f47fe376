// The synthetic multi-view stand-in: scenes, rays, pair features (issue 20).
import assert from "node:assert/strict";
import { Rng } from "../../../ops/random.ts";
import {
  CANONICAL_STYLE,
  encodePoints,
  makeEncoder,
  makePairs,
  shiftedStyle,
  trainingStyle,
} from "../../../methods/geometry/pair_data.ts";
import { makeScene, sceneRays, toCamera } from "../../../methods/geometry/synthetic_scene.ts";
import { rotationAngleDeg } from "../../../methods/geometry/similarity.ts";

Deno.test("makeScene: seeded, proper rotations, every point in front of every camera", () => {
  const a = makeScene(new Rng(3), { views: 5, pixels: 60 }),
    b = makeScene(new Rng(3), { views: 5, pixels: 60 });
  assert.deepEqual(a.points[2], b.points[2]);
  assert.equal(a.rotations.length, 5);
  for (const R of a.rotations) {
    const rtr = [0, 1, 2].map((i) =>
      [0, 1, 2].map((j) => R[i] * R[j] + R[3 + i] * R[3 + j] + R[6 + i] * R[6 + j])
    );
    rtr.forEach((row, i) =>
      row.forEach((x, j) => assert.ok(Math.abs(x - (i === j ? 1 : 0)) < 1e-12))
    );
  }
  for (let v = 0; v < 5; v++) {
    for (let u = 0; u < 5; u++) {
      const q = toCamera(a, v, a.points[u]);
      for (let i = 2; i < q.length; i += 3) {
        assert.ok(q[i] > 0.5, `view ${u} point in camera ${v} at z ${q[i]}`);
      }
    }
  }
  // the arc spreads the cameras: neighbours tens of degrees apart
  assert.ok(rotationAngleDeg(a.rotations[0], a.rotations[4]) > 90);
  assert.throws(() => makeScene(new Rng(0), { views: 1 }), /views must be at least 2, got 1/);
  assert.throws(() => makeScene(new Rng(0), { cameras: 3 } as never), /unknown option "cameras"/);
});

Deno.test("sceneRays: unit rays along each pixel's camera-frame point", () => {
  const s = makeScene(new Rng(1), { views: 3, pixels: 10 });
  const rays = sceneRays(s);
  rays.forEach((r, v) => {
    const q = toCamera(s, v, s.points[v]);
    for (let i = 0; i < 10; i++) {
      const n = Math.hypot(q[3 * i], q[3 * i + 1], q[3 * i + 2]);
      for (let k = 0; k < 3; k++) assert.ok(Math.abs(r.data[3 * i + k] * n - q[3 * i + k]) < 1e-12);
    }
  });
});

Deno.test("pair features: 12 encodings + (cos θ, sin θ); noise-free canonical encoding is a function of the point", () => {
  const rng = new Rng(2);
  const enc = makeEncoder(rng, { noise: 0 });
  const f1 = encodePoints(enc, CANONICAL_STYLE, [0.5, -0.2, 3], rng, 1);
  const f2 = encodePoints(enc, CANONICAL_STYLE, [0.5, -0.2, 3], rng, 1);
  assert.deepEqual(f1.data, f2.data);
  assert.equal(f1.shape[1], 14);
  assert.ok(
    Math.abs(f1.data[12] - Math.cos(1)) < 1e-15 && Math.abs(f1.data[13] - Math.sin(1)) < 1e-15,
  );
  // γ changes the code, and its effect scales with the baseline (none at θ = 0)
  const st = { gamma: 1.2, beta: 0, kappa: 0 };
  const at0 = encodePoints(enc, st, [0.5, -0.2, 3], rng, 0),
    can0 = encodePoints(enc, CANONICAL_STYLE, [0.5, -0.2, 3], rng, 0);
  for (let j = 0; j < 12; j++) assert.ok(Math.abs(at0.data[j] - can0.data[j]) < 1e-15);
  const wide = encodePoints(enc, st, [0.5, -0.2, 3], rng, 1);
  assert.ok(Math.abs(wide.data[0] - f1.data[0]) > 1e-3);
  assert.throws(() => encodePoints(enc, CANONICAL_STYLE, [0, 0, -1], rng), /point 0 has depth -1/);
});

Deno.test("makePairs: all ordered pairs, truth in the first camera's frame, outlier share", () => {
  const rng = new Rng(4);
  const scene = makeScene(rng, { views: 4, pixels: 200 });
  const pairs = makePairs(scene, makeEncoder(rng), CANONICAL_STYLE, rng, { outlierRate: 0.25 });
  assert.equal(pairs.length, 12);
  const p = pairs[5];
  assert.deepEqual(p.truth[1], toCamera(scene, p.views[0], scene.points[p.views[1]]));
  const share = pairs.reduce((s, q) => s + q.outlier[0].reduce((a, b) => a + b, 0), 0) / (12 * 200);
  assert.ok(Math.abs(share - 0.25) < 0.03, `share ${share}`);
  const clean = makePairs(scene, makeEncoder(rng), CANONICAL_STYLE, rng);
  assert.ok(clean.every((q) => q.outlier.every((o) => o.every((x) => x === 0))));
  assert.throws(
    () => makePairs(scene, makeEncoder(rng), CANONICAL_STYLE, rng, { outlierRate: 1 }),
    /outlierRate must be in \[0, 1\), got 1/,
  );
  assert.throws(
    () => makePairs(scene, makeEncoder(rng), CANONICAL_STYLE, rng, { outlierShift: [2, 1] }),
    /outlierShift/,
  );
});

Deno.test("styles: training styles near canonical, target styles shifted outside that range", () => {
  const rng = new Rng(5);
  for (let i = 0; i < 50; i++) {
    const t = trainingStyle(rng), s = shiftedStyle(rng);
    assert.ok(
      Math.abs(t.gamma - 1) <= 0.05 && Math.abs(t.beta) <= 0.05 && Math.abs(t.kappa) <= 0.02,
    );
    assert.ok(Math.abs(s.gamma - 1) >= 0.1 && Math.abs(s.kappa) >= 0.05);
  }
});
