// The stand-in point-map regressor, its training, and LoRA self-calibration (issue 20).
import assert from "node:assert/strict";
import { gradcheck } from "../../../ops/autograd/gradcheck.ts";
import { Rng } from "../../../ops/random.ts";
import { type Tensor, tensor } from "../../../ops/tensor.ts";
import { lora, type LoraState } from "../../../methods/adapters/lora.ts";
import {
  confidenceLoss,
  initPointMapModel,
  type PointMapModel,
  predictPoints,
} from "../../../methods/geometry/pointmap_model.ts";
import { loraSelfCalibrate, pretrainPointMap } from "../../../methods/geometry/pointmap_train.ts";

function data(seed: number, n: number, k: number): { x: Tensor; y: Tensor } {
  const rng = new Rng(seed);
  const x = tensor(Float64Array.from({ length: n * k }, () => rng.normal()), { shape: [n, k] });
  // a smooth target: point = e^{0.3 x0} (0.2 x1, 0.2 x2, 1)
  const y = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) {
    const d = Math.exp(0.3 * x.data[i * k]);
    y.set([0.2 * x.data[i * k + 1] * d, 0.2 * x.data[i * k + 2] * d, d], 3 * i);
  }
  return { x, y: tensor(y, { shape: [n, 3] }) };
}

Deno.test("predictPoints: point = e^ℓ (a, b, 1), confidence = 1 + e^o, from the last layer", () => {
  const m = initPointMapModel({ features: 3, hidden: [4], seed: 1 });
  const x = tensor([[0.1, -0.2, 0.3], [1, 0, -1]]);
  const { points, confidence } = predictPoints(m, x);
  // reference: the raw MLP output through the head, computed by hand
  const [l1, l2] = m.mlp.layers;
  for (let i = 0; i < 2; i++) {
    const h = [0, 1, 2, 3].map((j) => {
      let z = l1.bias!.data[j];
      for (let c = 0; c < 3; c++) z += l1.weight.data[j * 3 + c] * x.data[i * 3 + c];
      return 0.5 * z * (1 + erf(z / Math.SQRT2));
    });
    const o = [0, 1, 2, 3].map((j) => {
      let z = l2.bias!.data[j];
      for (let c = 0; c < 4; c++) z += l2.weight.data[j * 4 + c] * h[c];
      return z;
    });
    const d = Math.exp(o[2]);
    const want = [o[0] * d, o[1] * d, d];
    want.forEach((v, c) =>
      assert.ok(Math.abs(points.data[3 * i + c] - v) < 1e-6 * Math.max(1, Math.abs(v)))
    );
    assert.ok(Math.abs(confidence.data[i] - (1 + Math.exp(o[3]))) < 1e-6);
  }
});

/** Abramowitz–Stegun 7.1.26 (|error| < 1.5e-7): enough for the 1e-6 check above. */
function erf(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t +
        0.254829592) * t * Math.exp(-x * x);
  return x >= 0 ? y : -y;
}

Deno.test("confidenceLoss: value and gradients (gradcheck through the model and the head)", () => {
  const pred = { points: tensor([[0, 0, 1], [1, 1, 1]]), confidence: tensor([2, 3]) };
  const y = tensor([[0, 3, 5], [1, 1, 1]]);
  const want = (2 * 5 - 0.5 * Math.log(2) + 3 * Math.sqrt(1e-12) - 0.5 * Math.log(3)) / 2;
  assert.ok(Math.abs(confidenceLoss(pred, y, 0.5).data[0] - want) < 1e-12);
  const m = initPointMapModel({ features: 3, hidden: [3], seed: 2 });
  const { x, y: t } = data(1, 4, 3);
  const [w1, w2] = m.mlp.layers.map((l) => l.weight);
  const f = (a: Tensor, b: Tensor): Tensor => {
    const mm: PointMapModel = {
      mlp: { layers: [{ ...m.mlp.layers[0], weight: a }, { ...m.mlp.layers[1], weight: b }] },
    };
    return confidenceLoss(predictPoints(mm, x), t, 0.2);
  };
  const r = gradcheck(f, [w1, w2], { tol: 1e-6 });
  assert.ok(r.ok, JSON.stringify(r));
});

Deno.test("LoRA adapters: zero at init (B = 0), then the gradient reaches A and B (gradcheck)", () => {
  const m = initPointMapModel({ features: 3, hidden: [4], seed: 3 });
  const rng = new Rng(4);
  const ads: LoraState[] = m.mlp.layers.map((l) => lora.init(l.weight, { r: 2 }, rng));
  const { x, y } = data(2, 5, 3);
  const base = predictPoints(m, x), adapted = predictPoints(m, x, ads);
  assert.deepEqual(adapted.points.data, base.points.data);
  // non-zero B so that A gets a gradient too
  ads.forEach((a) => a.params.b.data.forEach((_, i, arr) => arr[i] = 0.1 * rng.normal()));
  const f = (a0: Tensor, b0: Tensor, a1: Tensor, b1: Tensor): Tensor =>
    confidenceLoss(
      predictPoints(m, x, [
        { ...ads[0], params: { a: a0, b: b0 } },
        { ...ads[1], params: { a: a1, b: b1 } },
      ]),
      y,
    );
  const r = gradcheck(f, [ads[0].params.a, ads[0].params.b, ads[1].params.a, ads[1].params.b], {
    tol: 1e-6,
  });
  assert.ok(r.ok, JSON.stringify(r));
});

Deno.test("pretrainPointMap fits a smooth target; options steps, batch, lr, confAlpha act", () => {
  const m = initPointMapModel({ features: 3, hidden: [16], seed: 5 });
  const d = data(3, 64, 3);
  const losses = pretrainPointMap(m, d, { steps: 150, lr: 1e-2 });
  assert.equal(losses.length, 150);
  assert.ok(losses[149] < losses[0] / 3, `${losses[0]} -> ${losses[149]}`);
  const m2 = initPointMapModel({ features: 3, hidden: [16], seed: 5 });
  const l2 = pretrainPointMap(m2, d, { steps: 3, lr: 1e-2, batch: 8, seed: 1 });
  const m3 = initPointMapModel({ features: 3, hidden: [16], seed: 5 });
  const l3 = pretrainPointMap(m3, d, { steps: 3, lr: 1e-2 });
  assert.equal(l2[0] !== l3[0], true); // a batch of 8 rows sees another loss than all 64
  const m4 = initPointMapModel({ features: 3, hidden: [16], seed: 5 });
  assert.notEqual(pretrainPointMap(m4, d, { steps: 1, confAlpha: 1 })[0], l3[0]);
  assert.throws(() => pretrainPointMap(m4, d, { lr: 0 }), /lr must be > 0, got 0/);
  assert.throws(() => pretrainPointMap(m4, d, { epochs: 1 } as never), /unknown option "epochs"/);
  const y2 = tensor(new Float64Array(128), { shape: [64, 2] });
  assert.throws(() => pretrainPointMap(m4, { x: d.x, y: y2 }), /x is 64x3 and y is 64x2/);
});

Deno.test("loraSelfCalibrate: base frozen, loss falls, r(in + out) trainable scalars per layer", () => {
  const m = initPointMapModel({ features: 3, hidden: [16], seed: 6 });
  const before = m.mlp.layers.map((l) => Float64Array.from(l.weight.data));
  const d = data(4, 64, 3);
  const r = loraSelfCalibrate(m, d, { steps: 120, lr: 1e-2, rank: 3 });
  m.mlp.layers.forEach((l, j) => assert.deepEqual(l.weight.data, before[j]));
  assert.equal(r.paramCount, 3 * (3 + 16) + 3 * (16 + 4));
  assert.ok(r.losses[119] < r.losses[0] / 2, `${r.losses[0]} -> ${r.losses[119]}`);
  assert.equal(r.adapters[0].r, 3);
  const r2 = loraSelfCalibrate(m, d, { steps: 1, rank: 2, loraAlpha: 8 });
  assert.equal(r2.adapters[1].scale, 4);
  assert.throws(
    () => loraSelfCalibrate(m, d, { rank: 0 }),
    /rank must be a positive integer, got 0/,
  );
});

Deno.test("predictPoints: shape errors", () => {
  const m = initPointMapModel({ features: 3, hidden: [4] });
  assert.throws(() => predictPoints(m, tensor([[1, 2]])), /x is 1x2, the model takes N x 3/);
  assert.throws(() => predictPoints(m, tensor([[1, 2, 3]]), []), /0 adapters for 2 linear layers/);
  assert.throws(
    () => initPointMapModel({ hidden: [0] }),
    /hidden must be a positive integer, got 0/,
  );
});

Deno.test("loraSelfCalibrate defaults: rank 16 and α = r (spec §9)", () => {
  const m = initPointMapModel({ features: 3, hidden: [20] });
  const r = loraSelfCalibrate(m, data(5, 8, 3), { steps: 1 });
  assert.ok(r.adapters.every((a) => a.r === 16 && a.alpha === 16 && a.scale === 1));
});
