import assert from "node:assert/strict";
import { valueAndGrad } from "../../../ops/autograd/grad.ts";
import { add as addAD, square, sub, sum } from "../../../ops/autograd/ops.ts";
import { sliceRows } from "../../../ops/shape.ts";
import { matmul } from "../../../ops/autograd/ops_matmul.ts";
import { randn, Rng } from "../../../ops/random.ts";
import { add } from "../../../ops/elementwise.ts";
import type { Tensor } from "../../../ops/tensor.ts";
import {
  clipByNorm,
  communicationBytes,
  dataWeights,
  dpFedLora,
  fedAvgFactors,
  loraExampleGrads,
  productAverage,
} from "../../../methods/adapters/dp_lora.ts";
import {
  gaussianSigma,
  rdpEpsilon,
  rdpSampledGaussian,
} from "../../../methods/adapters/dp_accountant.ts";
import { lora, loraFromFactors, type LoraState } from "../../../methods/adapters/lora.ts";
import { maxAbs, maxDiff } from "./helpers.ts";

Deno.test("RDP accountant: spec reference values (checked independently in Python), monotonicity", () => {
  const cases: [number, number, number, number, number][] = [
    [1, 5, 1, 0.9797, 25],
    [256 / 60000, 1.1, 14063, 3.009, 9],
    [0.01, 1, 1000, 2.538, 8],
  ];
  for (const [q, sigma, steps, eps, order] of cases) {
    const r = rdpEpsilon({ q, sigma, steps, delta: 1e-5 });
    assert.ok(Math.abs(r.epsilon - eps) < 1e-3, `${r.epsilon} vs ${eps}`);
    assert.equal(r.order, order);
  }
  assert.ok(Math.abs(rdpSampledGaussian(1, 3, 7) - 7 / 18) < 1e-15, "q = 1: a/(2σ²)");
  let prev = Infinity;
  for (const sigma of [0.8, 1, 1.5, 2, 4]) {
    const e = rdpEpsilon({ q: 0.02, sigma, steps: 200, delta: 1e-5 }).epsilon;
    assert.ok(e < prev, "ε decreases with σ");
    prev = e;
  }
  prev = 0;
  for (const steps of [1, 10, 100, 1000]) {
    const e = rdpEpsilon({ q: 0.02, sigma: 1, steps, delta: 1e-5 }).epsilon;
    assert.ok(e > prev, "ε grows with the number of steps");
    prev = e;
  }
  assert.ok(Math.abs(gaussianSigma(0.5, 1e-5) - Math.sqrt(2 * Math.log(1.25e5)) / 0.5) < 1e-12);
  assert.throws(() => gaussianSigma(2, 1e-5), /needs 0 < epsilon < 1, got 2/);
  assert.throws(
    () => rdpEpsilon({ q: 0, sigma: 1, steps: 1, delta: 1e-5 }),
    /q must be in \(0, 1\]/,
  );
});

Deno.test("DP clipping, aggregation weights, communication bytes, factor-vs-product averaging", () => {
  const g = [randn([3, 4], { seed: 1 }), randn([5], { seed: 2 })];
  const { clipped, norm } = clipByNorm(g, 0.5);
  let ss = 0;
  for (const t of clipped) for (const v of t.data) ss += v * v;
  assert.ok(Math.abs(Math.sqrt(ss) - 0.5) < 1e-15 && norm > 0.5);
  const same = clipByNorm(g, norm * 2).clipped;
  assert.deepEqual(same[0].data, g[0].data);
  const p = dataWeights(3, [10, 30, 60]);
  assert.ok(Math.abs(p.reduce((a, x) => a + x, 0) - 1) < 1e-15);
  const s1 = loraFromFactors(randn([2, 4], { seed: 3 }), randn([3, 2], { seed: 4 }));
  const s2 = loraFromFactors(randn([2, 4], { seed: 5 }), randn([3, 2], { seed: 6 }));
  assert.deepEqual(
    fedAvgFactors([s1], [7]).params.a.data,
    s1.params.a.data,
    "one client ⇒ identity",
  );
  const eq = fedAvgFactors([s1, s2], [5, 5]);
  for (let i = 0; i < eq.params.a.size; i++) {
    assert.ok(
      Math.abs(eq.params.a.data[i] - (s1.params.a.data[i] + s2.params.a.data[i]) / 2) < 1e-15,
    );
  }
  // Heterogeneous clients: mean of factors' product ≠ mean of products.
  const gap = maxDiff(lora.delta(eq), productAverage([s1, s2], [5, 5]));
  assert.ok(gap > 1e-3, `discrepancy ${gap}`);
  assert.equal(communicationBytes(4096, 4096, 8, 4) / (2 * 4096 * 4096 * 4), 1 / 256);
});

Deno.test("DP-LoRA: closed-form per-example gradients equal autograd's", () => {
  const w = randn([4, 5], { seed: 7 });
  const st = loraFromFactors(randn([2, 5], { seed: 8 }), randn([4, 2], { seed: 9 }), { alpha: 3 });
  const x = randn([1, 5], { seed: 10 }), y = randn([1, 4], { seed: 11 });
  const f = (a: Tensor, b: Tensor): Tensor => {
    const eff = addAD(w, lora.delta({ ...st, params: { a, b } }));
    const e = sub(matmul(x, eff, { transB: true }), y);
    return sum(square(e));
  };
  const { grad } = valueAndGrad(f, { argnums: [0, 1] })(st.params.a, st.params.b);
  const [ga, gb] = loraExampleGrads(w, st, Float64Array.from(x.data), Float64Array.from(y.data));
  // Autograd differentiates Σe², the closed form ½Σe².
  const [aa, ab] = grad as Tensor[];
  for (let i = 0; i < ga.size; i++) assert.ok(Math.abs(2 * ga.data[i] - aa.data[i]) < 1e-12);
  for (let i = 0; i < gb.size; i++) assert.ok(Math.abs(2 * gb.data[i] - ab.data[i]) < 1e-12);
});

/** Non-private FedAvg-LoRA written independently with autograd batch gradients. */
function plainFedAvg(
  w: Tensor,
  clients: { x: Tensor; y: Tensor }[],
  rounds: number,
  local: number,
  batch: number,
  lr: number,
  seed: number,
): LoraState {
  const rng = new Rng(seed);
  let server = lora.init(w, { r: 2 }, rng);
  for (let t = 0; t < rounds; t++) {
    const locals = clients.map((c) => {
      let st = server;
      for (let s = 0; s < local; s++) {
        const idx = rng.choice(c.x.shape[0], batch);
        const loss = (a: Tensor, b: Tensor): Tensor => {
          let acc: Tensor | null = null;
          for (const i of idx) {
            const xi = sliceRows(c.x, i, i + 1), yi = sliceRows(c.y, i, i + 1);
            const e = sub(
              matmul(xi, addAD(w, lora.delta({ ...st, params: { a, b } })), { transB: true }),
              yi,
            );
            const l = sum(square(e));
            acc = acc === null ? l : addAD(acc, l);
          }
          return acc!;
        };
        const { grad } = valueAndGrad(loss, { argnums: [0, 1] })(st.params.a, st.params.b);
        const [ga, gb] = grad as Tensor[];
        const upd = (p: Tensor, g: Tensor): Tensor => {
          const q = p.clone();
          for (let j = 0; j < q.size; j++) q.data[j] -= lr * (g.data[j] / 2) / batch;
          return q;
        };
        st = { ...st, params: { a: upd(st.params.a, ga), b: upd(st.params.b, gb) } };
      }
      return st;
    });
    server = fedAvgFactors(locals, clients.map((c) => c.x.shape[0]));
  }
  return server;
}

Deno.test("DP-LoRA: σ = 0 without clipping reproduces non-private FedAvg-LoRA; private run still learns", () => {
  const w = randn([3, 4], { seed: 12 });
  const target = randn([3, 4], { seed: 13 });
  const clients = [20, 40].map((n, k) => {
    const x = randn([n, 4], { seed: 20 + k });
    return { x, y: matmul(x, add(w, target), { transB: true }) };
  });
  const opts = {
    r: 2,
    rounds: 3,
    localSteps: 2,
    batch: 5,
    lr: 0.2,
    clip: Infinity,
    sigma: 0,
    seed: 4,
  };
  const ours = dpFedLora(w, clients, opts);
  const ref = plainFedAvg(w, clients, 3, 2, 5, 0.2, 4);
  assert.ok(maxDiff(ours.state.params.a, ref.params.a) < 1e-12);
  assert.ok(maxDiff(ours.state.params.b, ref.params.b) < 1e-12);
  assert.equal(ours.epsilon, Infinity);
  const priv = dpFedLora(w, clients, { ...opts, rounds: 15, clip: 5, sigma: 0.5 });
  assert.ok(priv.loss[15] < priv.loss[0], `${priv.loss[0]} → ${priv.loss[15]}`);
  assert.ok(Number.isFinite(priv.epsilon) && priv.epsilon > 0);
  assert.ok(maxAbs(priv.state.params.b) > 0);
  assert.throws(() => dpFedLora(w, clients, { ...opts, sigma: 1 }), /noise needs a finite clip/);
});

Deno.test("DP-LoRA noise: empirical std of the added noise is σ·C/batch", () => {
  // One client, zero-gradient data (y = x W, A = 0 ⇒ ∂B = 0 and B = 0 ⇒ ∂A = 0): the whole update is noise.
  const w = randn([2, 3], { seed: 30 });
  const x = randn([50, 3], { seed: 31 });
  const res = dpFedLora(w, [{ x, y: matmul(x, w, { transB: true }) }], {
    r: 4,
    rounds: 1,
    localSteps: 1,
    batch: 10,
    lr: 1,
    clip: 2,
    sigma: 1.5,
    seed: 9,
  });
  const init = lora.init(w, { r: 4 }, new Rng(9));
  const noise: number[] = [];
  for (let i = 0; i < res.state.params.b.size; i++) {
    noise.push(res.state.params.b.data[i] - init.params.b.data[i]);
  }
  for (let i = 0; i < res.state.params.a.size; i++) {
    noise.push(res.state.params.a.data[i] - init.params.a.data[i]);
  }
  const sd = Math.sqrt(noise.reduce((a, v) => a + v * v, 0) / noise.length);
  const want = 1.5 * 2 / 10;
  // 20 draws: the sample std lies within ±50% of σ with probability > 0.999.
  assert.ok(Math.abs(sd / want - 1) < 0.5, `${sd} vs ${want}`);
});

Deno.test("DP-LoRA ε wiring: ε = max over clients of rdpEpsilon({ q: batch/n_k, σ, steps: rounds·localSteps, δ })", () => {
  const w = randn([2, 3], { seed: 40 });
  const clients = [12, 30].map((n, k) => {
    const x = randn([n, 3], { seed: 41 + k });
    return { x, y: randn([n, 2], { seed: 43 + k }) };
  });
  const opts = { r: 1, rounds: 2, localSteps: 3, batch: 4, lr: 0.1, clip: 1, sigma: 0.8, seed: 1 };
  // The smaller client (n = 12) has the larger sampling rate and so the larger ε.
  const want = rdpEpsilon({ q: 4 / 12, sigma: 0.8, steps: 6, delta: 1e-5 }).epsilon;
  assert.equal(dpFedLora(w, clients, opts).epsilon, want);
  const other = rdpEpsilon({ q: 4 / 30, sigma: 0.8, steps: 6, delta: 1e-5 }).epsilon;
  assert.ok(other < want);
  const d3 = rdpEpsilon({ q: 4 / 12, sigma: 0.8, steps: 6, delta: 1e-3 }).epsilon;
  assert.equal(dpFedLora(w, clients, { ...opts, delta: 1e-3 }).epsilon, d3);
  assert.ok(d3 < want);
});
