import assert from "node:assert/strict";
import { add, matmul, randn, type Tensor, tensor } from "../../../ops/mod.ts";
import * as ad from "../../../ops/autograd/ops.ts";
import {
  applyEmbedding,
  applyLayerNorm,
  applyLinear,
  applyMlp,
  applyRmsNorm,
  fans,
  initEmbedding,
  initLayerNorm,
  initLinear,
  initMlp,
  initRmsNorm,
  kaimingNormal,
  kaimingUniform,
  train,
  xavierNormal,
  xavierUniform,
} from "../../../ops/nn/mod.ts";
import { adam } from "../../../ops/optim/mod.ts";
import { Rng } from "../../../ops/random.ts";

function moments(t: Tensor): { mean: number; std: number; maxAbs: number } {
  let s = 0, s2 = 0, m = 0;
  for (const x of t.data) {
    s += x;
    s2 += x * x;
    m = Math.max(m, Math.abs(x));
  }
  const mean = s / t.size;
  return { mean, std: Math.sqrt(s2 / t.size - mean * mean), maxAbs: m };
}

Deno.test("initializers have the documented std and bounds, and are seeded", () => {
  // 40 000 draws: the sample std is within ~0.4% of the truth (1σ), so 3% is > 7σ
  const shape = [200, 200];
  const cases: [string, Tensor, number, number][] = [
    ["kaimingNormal", kaimingNormal(shape, { seed: 1 }), Math.sqrt(2 / 200), Infinity],
    ["kaimingUniform", kaimingUniform(shape, { seed: 2 }), Math.sqrt(2 / 200), Math.sqrt(6 / 200)],
    [
      "kaiming fanOut",
      kaimingNormal([100, 400], { seed: 3, mode: "fanOut" }),
      Math.sqrt(2 / 100),
      Infinity,
    ],
    ["xavierNormal", xavierNormal([100, 400], { seed: 4 }), Math.sqrt(2 / 500), Infinity],
    [
      "xavierUniform",
      xavierUniform([100, 400], { seed: 5, gain: 2 }),
      2 * Math.sqrt(2 / 500),
      2 * Math.sqrt(6 / 500),
    ],
  ];
  for (const [name, t, std, bound] of cases) {
    const m = moments(t);
    assert.ok(Math.abs(m.std / std - 1) < 0.03, `${name}: std ${m.std} vs ${std}`);
    assert.ok(Math.abs(m.mean) < 5 * std / Math.sqrt(t.size), `${name}: mean ${m.mean}`);
    assert.ok(m.maxAbs <= bound, `${name}: ${m.maxAbs} > ${bound}`);
  }
  assert.deepEqual(
    kaimingNormal([3, 4], { seed: 9 }).data,
    kaimingNormal([3, 4], { seed: 9 }).data,
  );
  assert.notDeepEqual(
    kaimingNormal([3, 4], { seed: 9 }).data,
    kaimingNormal([3, 4], { seed: 8 }).data,
  );
  assert.deepEqual(fans([8, 3, 5, 5]), [75, 200]);
  assert.throws(() => fans([]), /non-empty shape/);
  assert.throws(() => kaimingNormal([2, 2], { mode: "fan" as never }), /mode/);
  for (const gain of [NaN, -1, Infinity]) {
    assert.throws(() => kaimingUniform([2, 2], { gain }), /kaimingUniform: gain must be/);
    assert.throws(() => xavierNormal([2, 2], { gain }), /xavierNormal: gain must be/);
  }
});

Deno.test("Linear is x·Wᵀ + b with weight [out, in] and PyTorch's init bounds", () => {
  const p = initLinear(50, 7, { seed: 3 });
  assert.deepEqual(p.weight.shape, [7, 50]);
  assert.ok(moments(p.weight).maxAbs <= 1 / Math.sqrt(50));
  assert.ok(moments(p.bias!).maxAbs <= 1 / Math.sqrt(50));
  assert.equal(initLinear(3, 2, { bias: false }).bias, undefined);
  const x = randn([2, 4, 50], { seed: 4 });
  const y = applyLinear(p, x);
  const want = add(matmul(x, p.weight, { transB: true }), p.bias!);
  assert.deepEqual(y.shape, [2, 4, 7]);
  for (let i = 0; i < y.size; i++) assert.ok(Math.abs(y.data[i] - want.data[i]) < 1e-14);
  assert.throws(() => initLinear(0, 2), /inFeatures must be a positive integer/);
});

Deno.test("Embedding, LayerNorm and RMSNorm layers", () => {
  const e = initEmbedding(5, 3, { seed: 1 });
  const rows = applyEmbedding(e, tensor([[4, 0]]));
  assert.deepEqual(rows.shape, [1, 2, 3]);
  assert.deepEqual(Array.from(rows.data.slice(0, 3)), Array.from(e.weight.data.slice(12, 15)));
  assert.throws(() => applyEmbedding(e, [5]), /ids|indices\[0\] = 5/);
  const x = randn([4, 6], { seed: 2 });
  const ln = applyLayerNorm(initLayerNorm(6), x);
  const rms = applyRmsNorm(initRmsNorm(6), x);
  // elementwise against the definitions (default eps 1e-5 and 1e-6, biased variance)
  for (let r = 0; r < 4; r++) {
    const xr = Array.from(x.data.slice(r * 6, r * 6 + 6));
    const mu = xr.reduce((a, b) => a + b) / 6;
    const v = xr.reduce((a, b) => a + (b - mu) ** 2, 0) / 6;
    const ms = xr.reduce((a, b) => a + b * b, 0) / 6;
    for (let j = 0; j < 6; j++) {
      const wantLn = (xr[j] - mu) / Math.sqrt(v + 1e-5);
      const wantRms = xr[j] / Math.sqrt(ms + 1e-6);
      assert.ok(Math.abs(ln.data[r * 6 + j] - wantLn) < 1e-14, `layerNorm (${r}, ${j})`);
      assert.ok(Math.abs(rms.data[r * 6 + j] - wantRms) < 1e-14, `rmsNorm (${r}, ${j})`);
    }
  }
  assert.throws(() => ad.layerNorm(x, tensor([1, 2])), /weight must have shape \[6\]/);
});

Deno.test("a 2-layer MLP learns a nonlinear regression to 1% of its initial loss", () => {
  const rng = new Rng(11);
  const n = 128;
  const xs: number[] = [], ys: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = rng.uniformIn(-2, 2), b = rng.uniformIn(-2, 2);
    xs.push(a, b);
    ys.push(Math.sin(1.5 * a) * Math.cos(b) + 0.3 * a * b);
  }
  const x = tensor(xs, { shape: [n, 2] }), y = tensor(ys, { shape: [n, 1] });
  const params = initMlp([2, 64, 1], { seed: 5 });
  let first = Infinity;
  const r = train({
    params,
    loss: (p) => ad.mse(applyMlp(p, x, { activation: "tanh" }), y),
    optimizer: adam({ lr: 1e-2 }),
    steps: 1500,
    progress: false,
    onStep: (s) => {
      if (s.step === 0) first = s.loss;
      return s.loss > 0.002 * first; // stop once well past the target
    },
  });
  const final = ad.mse(applyMlp(params, x, { activation: "tanh" }), y).data[0];
  assert.ok(
    final < 0.01 * r.losses[0],
    `loss ${r.losses[0]} -> ${final} after ${r.losses.length} steps`,
  );
});
