// Pose and reconstruction errors of the LoRA3D experiment, and the pose/depth ray maps.
import assert from "node:assert/strict";
import { Rng } from "../../../ops/random.ts";
import { evaluateAlignment, sceneRadius } from "../../../methods/geometry/metrics.ts";
import { type CameraPose, fitRayMap, posesFromPairs } from "../../../methods/geometry/ray_maps.ts";
import { applySimilarity } from "../../../methods/geometry/similarity.ts";
import { makeScene, sceneRays, toCamera } from "../../../methods/geometry/synthetic_scene.ts";
import { randomRotation } from "./helpers.ts";

const scene = makeScene(new Rng(21), { views: 4, pixels: 30 });
const truePoses: CameraPose[] = scene.rotations.map((rotation, v) => ({
  rotation,
  center: scene.centers[v],
}));

Deno.test("evaluateAlignment: zero for the truth in any similarity frame", () => {
  const t = {
    scale: 2.5,
    rotation: randomRotation(new Rng(1)),
    translation: new Float64Array([1, -3, 2]),
  };
  const poses = truePoses.map((p) => {
    const r = new Float64Array(9); // R_t R_v
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        for (let k = 0; k < 3; k++) r[3 * i + j] += t.rotation[3 * i + k] * p.rotation[3 * k + j];
      }
    }
    return { rotation: r, center: applySimilarity(t, p.center) };
  });
  const e = evaluateAlignment(poses, scene.points.map((p) => applySimilarity(t, p)), scene);
  assert.ok(
    e.rotErrDeg < 1e-6 && e.transErr < 1e-12 && e.reconErr < 1e-12 && e.reconErrPoseAligned < 1e-12,
    JSON.stringify(e),
  );
});

Deno.test("evaluateAlignment: a known error in one camera and in the points", () => {
  // camera 0 turned by 2° about its own axis: its 3 pairs err by 2°, the other 3 pairs by 0
  const turn = randomRotation(new Rng(2), (2 * Math.PI) / 180);
  const poses = truePoses.map((p, v) => {
    if (v !== 0) return p;
    const r = new Float64Array(9);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        for (let k = 0; k < 3; k++) r[3 * i + j] += p.rotation[3 * i + k] * turn[3 * k + j];
      }
    }
    return { rotation: r, center: p.center };
  });
  const moved = scene.points.map((p) => Float64Array.from(p));
  moved[1][0] += 0.3; // one point of view 1 off by 0.3 along x
  const e = evaluateAlignment(poses, moved, scene);
  assert.ok(Math.abs(e.rotErrDeg - 1) < 1e-9, `${e.rotErrDeg}`); // (3·2° + 3·0°) / 6 pairs
  assert.ok(e.transErr < 1e-12);
  const n = 4 * 30, r = sceneRadius(scene);
  assert.ok(Math.abs(e.reconErrPoseAligned - 0.3 / n / r) < 1e-12);
  // the least-squares point fit moves every point by O(0.3/n): mean error between 0.3/n and ~2·0.3/n
  assert.ok(e.reconErr > 0.5 * 0.3 / n / r && e.reconErr < 3 * 0.3 / n / r, `${e.reconErr}`);
  assert.throws(
    () => evaluateAlignment(poses.slice(1), moved, scene),
    /3 poses and 4 maps for 4 views/,
  );
});

Deno.test("fitRayMap: recovers pose and depths from points on the pixels' rays", () => {
  const rays = sceneRays(scene);
  const v = 2, p = truePoses[v];
  // a warm start 10° and 0.3 off, as the alignment gives it the previous sweep's pose
  const turn = randomRotation(new Rng(4), (10 * Math.PI) / 180), r0 = new Float64Array(9);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      for (let k = 0; k < 3; k++) r0[3 * i + j] += turn[3 * i + k] * p.rotation[3 * k + j];
    }
  }
  const start = { rotation: r0, center: p.center.map((c) => c + 0.3) };
  const fit = fitRayMap(scene.points[v], new Float64Array(30).fill(1), rays[v].data, start, 1000);
  const q = toCamera(scene, v, scene.points[v]);
  fit.depths.forEach((d, i) =>
    assert.ok(Math.abs(d - Math.hypot(q[3 * i], q[3 * i + 1], q[3 * i + 2])) < 1e-6)
  );
  fit.pose.center.forEach((c, k) => assert.ok(Math.abs(c - p.center[k]) < 1e-6));
  fit.points.forEach((x, i) => assert.ok(Math.abs(x - scene.points[v][i]) < 1e-6));
  // each alternation is an exact block minimiser: the cost never increases
  let prev = Infinity;
  for (const iters of [1, 2, 4, 8]) {
    const f = fitRayMap(scene.points[v], new Float64Array(30).fill(1), rays[v].data, start, iters);
    let c = 0;
    f.points.forEach((x, i) => c += (x - scene.points[v][i]) ** 2);
    assert.ok(c <= prev * (1 + 1e-12), `${iters}: ${c} > ${prev}`);
    prev = c;
  }
});

Deno.test("posesFromPairs: chordal mean of the first-view pairs; a view that leads no pair is an error", () => {
  const id = new Float64Array([1, 0, 0, 0, 1, 0, 0, 0, 1]);
  const a = {
    scale: 1,
    rotation: randomRotation(new Rng(3), 0.1),
    translation: new Float64Array([0, 0, 0]),
  };
  const b = { scale: 1, rotation: id, translation: new Float64Array([2, 0, 0]) };
  const poses = posesFromPairs([[0, 1], [0, 1], [1, 0]], [a, b, b]);
  assert.deepEqual(Array.from(poses[0].center), [1, 0, 0]);
  assert.throws(() => posesFromPairs([[0, 1]], [a]), /view 1 is the first view of no pair/);
});
