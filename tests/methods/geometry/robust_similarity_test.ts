// Spec compression_optim_attention.md §9, checkable property 3: the IRLS toy with 30 % outliers.
import assert from "node:assert/strict";
import { Rng } from "../../../ops/random.ts";
import { type Tensor, tensor } from "../../../ops/tensor.ts";
import { robustSimilarity } from "../../../methods/geometry/robust_similarity.ts";
import {
  applySimilarity,
  rotationAngleDeg,
  type Similarity,
  weightedUmeyama,
} from "../../../methods/geometry/similarity.ts";
import { randomRotation } from "./helpers.ts";

/** 100 points, y = s R x + t + noise, 30 % of them moved by a gross displacement (norm 4–10). */
interface Toy {
  x: Tensor;
  y: Tensor;
  truth: Similarity;
  outlier: Uint8Array;
}

function toy(seed: number): Toy {
  const rng = new Rng(seed), n = 100;
  const truth: Similarity = {
    scale: rng.uniformIn(0.5, 2),
    rotation: randomRotation(rng),
    translation: Float64Array.from({ length: 3 }, () => rng.normal()),
  };
  const x = Float64Array.from({ length: 3 * n }, () => rng.normal());
  const y = applySimilarity(truth, x).map((v) => v + 0.01 * rng.normal());
  const outlier = Uint8Array.from({ length: n }, (_, i) => (i % 10 < 3 ? 1 : 0));
  outlier.forEach((o, i) => {
    if (!o) return;
    const d = [rng.normal(), rng.normal(), rng.normal()], l = Math.hypot(d[0], d[1], d[2]);
    const s = rng.uniformIn(4, 10);
    for (let k = 0; k < 3; k++) y[3 * i + k] += (s * d[k]) / l;
  });
  return {
    x: tensor(x, { shape: [n, 3] }),
    y: tensor(y, { shape: [n, 3] }),
    truth,
    outlier,
  };
}

/** Transform error: rotation angle (degrees) + relative scale + translation errors. */
function transformError(t: Similarity, truth: Similarity): number {
  const dt = Math.hypot(...t.translation.map((v, k) => v - truth.translation[k]));
  return rotationAngleDeg(t.rotation, truth.rotation) + Math.abs(t.scale / truth.scale - 1) + dt;
}

Deno.test("property 3: IRLS beats unweighted least squares by far and outliers end with w < 0.1", () => {
  for (const seed of [0, 1, 2, 3]) {
    const { x, y, truth, outlier } = toy(seed);
    const plain = transformError(weightedUmeyama(x, y), truth);
    for (const exponent of [2, 1] as const) {
      const r = robustSimilarity(x, y, { exponent, iterations: 15 });
      const robust = transformError(r.transform, truth);
      assert.ok(
        robust < plain / 20,
        `seed ${seed} p=${exponent}: robust ${robust} vs plain ${plain}`,
      );
      // noise 0.01 on ~70 inliers: about 0.1° of rotation, well under 0.3 in this combined measure
      assert.ok(robust < 0.3, `seed ${seed} p=${exponent}: error ${robust} (plain ${plain})`);
      outlier.forEach((o, i) => {
        if (o) assert.ok(r.weights[i] < 0.1, `seed ${seed}: outlier ${i} has w ${r.weights[i]}`);
      });
      const inl = r.weights.filter((_, i) => !outlier[i]);
      assert.ok(inl.reduce((s, w) => s + w, 0) / inl.length > 0.9);
    }
  }
});

Deno.test("the IRLS objective does not increase over the alternations (p = 2)", () => {
  const { x, y } = toy(4);
  const r = robustSimilarity(x, y, { iterations: 12 });
  assert.equal(r.objective.length, 12);
  for (let k = 1; k < r.objective.length; k++) {
    assert.ok(r.objective[k] <= r.objective[k - 1] * (1 + 1e-12), `step ${k}: ${r.objective}`);
  }
});

Deno.test("μ → ∞ reduces to the plain confidence-weighted fit (property 4, toy form)", () => {
  const { x, y } = toy(5);
  const rng = new Rng(1);
  const c = Float64Array.from({ length: 100 }, () => rng.uniformIn(0.5, 2));
  const plain = weightedUmeyama(x, y, { weights: c });
  const r = robustSimilarity(x, y, { confidence: c, mu: Infinity, iterations: 3 });
  assert.ok(r.weights.every((w) => w === 1));
  assert.ok(Math.abs(r.transform.scale - plain.scale) < 1e-14 * plain.scale);
  assert.ok(rotationAngleDeg(r.transform.rotation, plain.rotation) < 1e-6);
  const big = robustSimilarity(x, y, { confidence: c, mu: 1e14, iterations: 3 });
  assert.ok(big.weights.every((w) => 1 - w < 1e-9));
  assert.ok(rotationAngleDeg(big.transform.rotation, plain.rotation) < 1e-5);
});

Deno.test("options have their effect: mu, confidence, withScale, iterations", () => {
  const { x, y } = toy(6);
  const auto = robustSimilarity(x, y, { iterations: 2 });
  const fixed = robustSimilarity(x, y, { iterations: 2, mu: auto.mu * 100 });
  assert.equal(fixed.mu, auto.mu * 100);
  assert.ok(fixed.weights[0] > auto.weights[0]); // larger μ: milder down-weighting
  // confidences scale the terms a = C r²: a doubled confidence halves the default-μ ratio
  const c2 = robustSimilarity(x, y, { iterations: 2, confidence: new Float64Array(100).fill(2) });
  assert.ok(Math.abs(c2.mu - 2 * auto.mu) < 1e-9 * auto.mu);
  assert.equal(robustSimilarity(x, y, { iterations: 2, withScale: false }).transform.scale, 1);
  assert.equal(robustSimilarity(x, y, { iterations: 4 }).objective.length, 4);
});

Deno.test("robustSimilarity: bad options", () => {
  const { x, y } = toy(7);
  assert.throws(() => robustSimilarity(x, y, { mu: 0 }), /mu must be > 0, got 0/);
  assert.throws(
    () => robustSimilarity(x, y, { iterations: 0 }),
    /iterations must be a positive integer, got 0/,
  );
  assert.throws(
    () => robustSimilarity(x, y, { exponent: 3 as never }),
    /exponent must be 1 or 2, got 3/,
  );
  assert.throws(() => robustSimilarity(x, y, { iters: 3 } as never), /unknown option "iters"/);
  assert.throws(() => robustSimilarity(x, y, { confidence: [1] }), /confidence has 1 entries/);
});
