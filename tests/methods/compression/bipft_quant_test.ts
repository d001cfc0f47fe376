import assert from "node:assert/strict";
import { randn } from "../../../ops/random.ts";
import { matmul } from "../../../ops/matmul.ts";
import { sub as subRaw } from "../../../ops/elementwise.ts";
import { type Tensor, tensor } from "../../../ops/tensor.ts";
import { grad } from "../../../ops/autograd/grad.ts";
import { mul, sum } from "../../../ops/autograd/ops.ts";
import {
  bwnWeight,
  initAlpha_,
  signQuant,
  unsignedQuant,
} from "../../../methods/compression/mod.ts";

function meanAbs(t: Tensor): number {
  return Array.from(t.data).reduce((a, v) => a + Math.abs(v), 0) / t.size;
}

Deno.test("bwnWeight: entries are ±mean|W| (0 where W = mean), mean|W_b| = mean|W|, identity gradient (§4 property 2)", () => {
  const w = randn([6, 5], { seed: 0 });
  const wb = bwnWeight(w), m = meanAbs(w);
  assert.ok(wb.data.every((v) => v === m || v === -m));
  assert.ok(Math.abs(meanAbs(wb) - m) <= 1e-15);
  // sign(W − mean): with mean 1, the entry 1 maps to 0.
  assert.deepEqual(Array.from(bwnWeight(tensor([0, 1, 2])).data), [-1, 0, 1]);
  const g = randn([6, 5], { seed: 1 });
  const gw = grad((x: Tensor) => sum(mul(bwnWeight(x), g)))(w);
  assert.deepEqual(Array.from(gw.data), Array.from(g.data));
});

Deno.test("signQuant: output in {−α, 0, α}; STE mask is 1 exactly on |x| ≤ α; α gets Σ sign(x)·g/√n (§4 property 3)", () => {
  const x = tensor([-2, -0.5, 0, 0.25, 0.5, 0.50001, 3]);
  const alpha = tensor([0.5]);
  const out = signQuant(x, alpha);
  assert.deepEqual(Array.from(out.data), [-0.5, -0.5, 0, 0.5, 0.5, 0.5, 0.5]);
  const g = tensor([1, 2, 3, 4, 5, 6, 7]);
  const [gx, ga] = grad((a: Tensor, b: Tensor) => sum(mul(signQuant(a, b), g)), {
    argnums: [0, 1],
  })(x, alpha) as Tensor[];
  assert.deepEqual(Array.from(gx.data), [0, 2, 3, 4, 5, 0, 0]);
  const want = (-1 - 2 + 0 + 4 + 5 + 6 + 7) / Math.sqrt(7);
  assert.ok(Math.abs(ga.data[0] - want) <= 1e-12);
  assert.throws(() => signQuant(x, tensor([0])), /alpha must be finite and > 0, got 0/);
  assert.throws(() => signQuant(x, tensor([1, 2])), TypeError);
});

Deno.test("unsignedQuant: output in {0, α_P}, P < α_P/2 maps to 0; LSQ gradients (§4 property 4)", () => {
  const p = tensor([0, 0.1, 0.19, 0.2, 0.3, 0.4, 0.9]);
  const alpha = tensor([0.4]);
  const out = unsignedQuant(p, alpha);
  assert.deepEqual(Array.from(out.data), [0, 0, 0, 0.4, 0.4, 0.4, 0.4]);
  const q = randn([50], { seed: 2 }).data.map((v) => Math.abs(v) / 3);
  const pq = unsignedQuant(tensor(Array.from(q)), alpha);
  for (let i = 0; i < q.length; i++) {
    assert.equal(pq.data[i], q[i] < 0.2 ? 0 : 0.4, `entry ${q[i]}`);
  }
  const g = tensor([1, 1, 1, 1, 1, 1, 2]);
  const [gp, ga] = grad((a: Tensor, b: Tensor) => sum(mul(unsignedQuant(a, b), g)), {
    argnums: [0, 1],
  })(p, alpha) as Tensor[];
  assert.deepEqual(Array.from(gp.data), [1, 1, 1, 1, 1, 1, 0]); // 0.9/0.4 > 1: clipped
  const v = [0, 0.25, 0.475, 0.5, 0.75, 1];
  const want = (v.reduce((a, x) => a + Math.round(x) - x, 0) + 2) / Math.sqrt(7);
  assert.ok(Math.abs(ga.data[0] - want) <= 1e-12, `${ga.data[0]} vs ${want}`);
});

Deno.test("initAlpha_: factor·mean|x|, the first-batch initialisation", () => {
  const a = tensor([1]);
  initAlpha_(a, tensor([1, -2, 3]), 2);
  assert.equal(a.data[0], 4);
  initAlpha_(a, tensor([0.1, 0.3]), 4);
  assert.ok(Math.abs(a.data[0] - 0.8) <= 1e-15);
  initAlpha_(a, tensor([0, 0]), 2);
  assert.ok(a.data[0] > 0);
});

Deno.test("residual algebra: QKᵀ = Q_bK_bᵀ + Q_bR_kᵀ + R_qK_bᵀ + R_qR_kᵀ, so oracle estimators give the full-precision scores (§4 property 1)", () => {
  const q = randn([6, 4], { seed: 3 }), k = randn([6, 4], { seed: 4 });
  const qb = signQuant(q, tensor([meanAbs(q)])), kb = signQuant(k, tensor([meanAbs(k)]));
  const rq = subRaw(q, qb), rk = subRaw(k, kb);
  const parts = [
    matmul(qb, kb, { transB: true }),
    matmul(qb, rk, { transB: true }),
    matmul(rq, kb, { transB: true }),
    matmul(rq, rk, { transB: true }),
  ];
  const full = matmul(q, k, { transB: true });
  for (let i = 0; i < full.size; i++) {
    const s = parts.reduce((a, t) => a + t.data[i], 0);
    assert.ok(Math.abs(s - full.data[i]) <= 1e-12);
  }
});
