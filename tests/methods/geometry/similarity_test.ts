import assert from "node:assert/strict";
import { Rng } from "../../../ops/random.ts";
import { type Tensor, tensor } from "../../../ops/tensor.ts";
import {
  applySimilarity,
  invertSimilarity,
  pairMoments,
  rotationAngleDeg,
  type Similarity,
  weightedUmeyama,
} from "../../../methods/geometry/similarity.ts";
import { randomRotation } from "./helpers.ts";

function randomPoints(rng: Rng, n: number): Tensor {
  return tensor(Float64Array.from({ length: 3 * n }, () => rng.normal()), { shape: [n, 3] });
}

function cost(t: Similarity, x: Tensor, y: Tensor, w: ArrayLike<number>): number {
  const z = applySimilarity(t, x.data);
  let f = 0;
  for (let i = 0; i < w.length; i++) {
    for (let k = 0; k < 3; k++) f += w[i] * (z[3 * i + k] - y.data[3 * i + k]) ** 2;
  }
  return f;
}

Deno.test("weightedUmeyama recovers an exact similarity to round-off", () => {
  const rng = new Rng(3);
  for (let trial = 0; trial < 5; trial++) {
    const x = randomPoints(rng, 20);
    const truth = {
      scale: rng.uniformIn(0.2, 5),
      rotation: randomRotation(rng),
      translation: Float64Array.from([1, -2, 3], (v) => v * rng.normal()),
    };
    const y = tensor(applySimilarity(truth, x.data), { shape: [20, 3] });
    const t = weightedUmeyama(x, y);
    assert.ok(Math.abs(t.scale - truth.scale) < 1e-12 * truth.scale);
    assert.ok(rotationAngleDeg(t.rotation, truth.rotation) < 1e-6);
    for (let k = 0; k < 3; k++) {
      assert.ok(Math.abs(t.translation[k] - truth.translation[k]) < 1e-11);
    }
  }
});

Deno.test("weightedUmeyama minimises the weighted cost: no perturbation does better", () => {
  const rng = new Rng(5);
  const x = randomPoints(rng, 15), y = randomPoints(rng, 15); // no exact fit
  const w = Float64Array.from({ length: 15 }, () => rng.uniformIn(0.1, 2));
  const t = weightedUmeyama(x, y, { weights: w });
  const f0 = cost(t, x, y, w);
  for (let k = 0; k < 200; k++) {
    const d = randomRotation(rng, 1e-3 * rng.uniform());
    const r = new Float64Array(9);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        for (let l = 0; l < 3; l++) r[3 * i + j] += d[3 * i + l] * t.rotation[3 * l + j];
      }
    }
    const p = {
      scale: t.scale * (1 + 1e-3 * rng.normal()),
      rotation: r,
      translation: t.translation.map((v) => v + 1e-3 * rng.normal()),
    };
    assert.ok(cost(p, x, y, w) >= f0 - 1e-12 * f0);
  }
});

Deno.test("weights: a zero weight ignores a corrupted point; withScale false fixes s = 1", () => {
  const rng = new Rng(7);
  const x = randomPoints(rng, 10);
  const truth = {
    scale: 2,
    rotation: randomRotation(rng),
    translation: new Float64Array([1, 1, 1]),
  };
  const yd = applySimilarity(truth, x.data);
  yd[0] += 50;
  const y = tensor(yd, { shape: [10, 3] });
  const w = new Float64Array(10).fill(1);
  assert.ok(Math.abs(weightedUmeyama(x, y).scale - 2) > 1e-3);
  w[0] = 0;
  assert.ok(Math.abs(weightedUmeyama(x, y, { weights: w }).scale - 2) < 1e-12);
  const rigid = weightedUmeyama(x, y, { weights: w, withScale: false });
  assert.equal(rigid.scale, 1);
  assert.ok(rotationAngleDeg(rigid.rotation, truth.rotation) < 1e-6); // rotation does not depend on s
});

Deno.test("a mirrored target still gives a proper rotation (det +1)", () => {
  const rng = new Rng(9);
  const x = randomPoints(rng, 12);
  const y = tensor(x.data.map((v, i) => (i % 3 === 0 ? -v : v)), { shape: [12, 3] });
  const R = weightedUmeyama(x, y).rotation;
  const det = R[0] * (R[4] * R[8] - R[5] * R[7]) - R[1] * (R[3] * R[8] - R[5] * R[6]) +
    R[2] * (R[3] * R[7] - R[4] * R[6]);
  assert.ok(Math.abs(det - 1) < 1e-12, `det ${det}`);
});

Deno.test("invertSimilarity undoes applySimilarity; rotationAngleDeg of a known rotation", () => {
  const rng = new Rng(11);
  const t = {
    scale: 0.7,
    rotation: randomRotation(rng, 0.4),
    translation: new Float64Array([3, 2, 1]),
  };
  const x = Float64Array.from({ length: 30 }, () => rng.normal());
  const back = invertSimilarity(t, applySimilarity(t, x));
  x.forEach((v, i) => assert.ok(Math.abs(back[i] - v) < 1e-13));
  const id = new Float64Array([1, 0, 0, 0, 1, 0, 0, 0, 1]);
  assert.ok(Math.abs(rotationAngleDeg(id, t.rotation) - (0.4 * 180) / Math.PI) < 1e-9);
});

Deno.test("bad input: shapes, weights, unknown options", () => {
  const x = tensor([[0, 0, 0], [1, 0, 0]]);
  assert.throws(() => weightedUmeyama(x, tensor([[0, 0, 0]])), /x is 2x3 but y is 1x3/);
  assert.throws(() => weightedUmeyama(tensor([[0, 0]]), x), /x must be n x 3 points, got 1x2/);
  assert.throws(
    () => weightedUmeyama(x, x, { weights: [1] }),
    /weights has 1 entries for 2 points/,
  );
  assert.throws(() => weightedUmeyama(x, x, { weights: [0, 0] }), /sum to 0/);
  assert.throws(
    () => weightedUmeyama(x, x, { weights: [1, -1] }),
    /weight 1 must be finite and >= 0, got -1/,
  );
  assert.throws(() => weightedUmeyama(x, x, { scale: true } as never), TypeError);
  assert.throws(() => pairMoments([0, 0], [0, 0, 0], [1]), /3n = 3/);
  const same = tensor([[1, 1, 1], [1, 1, 1]]);
  assert.throws(() => weightedUmeyama(same, x), /coincide/);
});
