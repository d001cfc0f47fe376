import assert from "node:assert/strict";
import { valueAndGrad } from "../../../ops/autograd/grad.ts";
import { gradcheck } from "../../../ops/autograd/gradcheck.ts";
import * as ad from "../../../ops/autograd/ops.ts";
import { randn, Rng } from "../../../ops/random.ts";
import { Tensor } from "../../../ops/tensor.ts";
import { agentFeatures, featureCount } from "../../../methods/trajectory/features.ts";
import { encode, type ETModel, fitEigenTrajectory } from "../../../methods/trajectory/model.ts";
import {
  initNetwork,
  type LossBatch,
  refine,
  standardize,
  wtaLoss,
} from "../../../methods/trajectory/network.ts";
import { syntheticScenes } from "../../../methods/trajectory/synthetic.ts";

const SET = syntheticScenes({ scenes: 80, seed: 4 });
const MODEL = fitEigenTrajectory(SET, { staticDist: 0.35, modes: 5, nInit: 1 });
const B = 7, S = MODEL.modes, k = MODEL.k, T = MODEL.predLen;

function batch(seed: number): LossBatch {
  const rng = new Rng(seed);
  const group = Uint8Array.from({ length: B }, (_, i) => i % 2);
  return {
    anchors: randn([B, S, k], { rng }),
    group,
    cFut: Float64Array.from({ length: B * k }, () => rng.normal()),
    future: Float64Array.from({ length: B * 2 * T }, () => 3 * rng.normal()),
    invScale: Float64Array.from({ length: B }, () => rng.uniformIn(0.3, 2)),
  };
}

/**
 * The same losses written with composed autograd ops: an independent reference. With `relax`
 * ε each term is (1 − ε)·(winner) + ε·(mean over modes).
 */
function composedLoss(model: ETModel, c: Tensor, b: LossBatch, relax = 0): Tensor {
  const eps = 1e-12;
  const oneHotMin = (d: Tensor): Tensor => {
    const out = new Float64Array(d.size);
    for (let i = 0; i < B; i++) {
      let best = 0;
      for (let s = 1; s < S; s++) if (d.data[i * S + s] < d.data[i * S + best]) best = s;
      out[i * S + best] = 1;
    }
    return new Tensor(out, [B, S]);
  };
  const wta = (d: Tensor): Tensor =>
    ad.add(
      ad.scale(ad.sum(ad.mul(d, oneHotMin(d))), (1 - relax) / B),
      ad.scale(ad.sum(d), relax / (B * S)),
    );
  const cgt = new Tensor(b.cFut, [B, 1, k]);
  const et = wta(ad.sqrt(ad.add(ad.sum(ad.square(ad.sub(c, cgt)), { axis: 2 }), eps)));
  const flat = ad.reshape(c, [B * S, k]);
  const mv = new Float64Array(B * S).map((_, r) => b.group[Math.floor(r / S)]);
  const moving = new Tensor(mv, [B * S, 1]), still = new Tensor(mv.map((v) => 1 - v), [B * S, 1]);
  const y = ad.reshape(
    ad.add(
      ad.mul(ad.matmul(flat, model.groups[1].fut.u, { transB: true }), moving),
      ad.mul(ad.matmul(flat, model.groups[0].fut.u, { transB: true }), still),
    ),
    [B, S, T, 2],
  );
  const dist = ad.sqrt(
    ad.add(ad.sum(ad.square(ad.sub(y, new Tensor(b.future, [B, 1, T, 2]))), { axis: 3 }), eps),
  );
  const metres = ad.mul(dist, new Tensor(b.invScale, [B, 1, 1]));
  const ade = wta(ad.mean(metres, { axis: 2 }));
  const fde = wta(ad.reshape(ad.sliceAxis(metres, 2, T - 1, T), [B, S]));
  return ad.add(ad.add(et, ade), fde);
}

Deno.test("fused wtaLoss equals the composed-op reference in value and gradient", () => {
  for (const seed of [1, 2, 3]) {
    const b = batch(seed), c = randn([B, S, k], { seed: seed + 10 });
    const fused = valueAndGrad((x: Tensor) => wtaLoss(MODEL, x, b).total)(c);
    const ref = valueAndGrad((x: Tensor) => composedLoss(MODEL, x, b))(c);
    assert.ok(Math.abs(fused.value.data[0] - ref.value.data[0]) < 1e-12 * 100);
    let err = 0;
    for (let i = 0; i < c.size; i++) {
      err = Math.max(err, Math.abs(fused.grad.data[i] - ref.grad.data[i]));
    }
    assert.ok(err < 1e-12 * 100, `max gradient difference ${err}`);
  }
});

Deno.test("fused wtaLoss passes a finite-difference gradient check", () => {
  const b = batch(5), c = randn([B, S, k], { seed: 6 });
  // Winners do not change under the 1e-6 perturbations of a generic point, so the loss is
  // smooth there and central differences apply.
  const r = gradcheck((x: Tensor) => wtaLoss(MODEL, x, b).total, [c], { eps: 1e-6, tol: 1e-6 });
  assert.ok(r.ok, `gradcheck max error ${r.maxError}`);
});

Deno.test("relaxed wtaLoss equals the composed reference and passes a gradient check", () => {
  for (const relax of [0.05, 0.5]) {
    const b = batch(20), c = randn([B, S, k], { seed: 21 });
    const fused = valueAndGrad((x: Tensor) => wtaLoss(MODEL, x, b, { relax }).total)(c);
    const ref = valueAndGrad((x: Tensor) => composedLoss(MODEL, x, b, relax))(c);
    assert.ok(Math.abs(fused.value.data[0] - ref.value.data[0]) < 1e-12 * 100);
    let err = 0;
    for (let i = 0; i < c.size; i++) {
      err = Math.max(err, Math.abs(fused.grad.data[i] - ref.grad.data[i]));
    }
    assert.ok(err < 1e-12 * 100, `relax ${relax}: max gradient difference ${err}`);
    // Every mode now gets a gradient, not only the winners.
    let silent = 0;
    for (let r = 0; r < B * S; r++) {
      if (fused.grad.data.subarray(r * k, (r + 1) * k).every((v) => v === 0)) silent++;
    }
    assert.equal(silent, 0);
    // Non-winners carry gradients of size ε/(S·B) ≈ 1e-3, where the round-off of a central
    // difference with step 1e-6 (u·|loss|/1e-6 ≈ 1e-9) is already 1e-6 relative: use 1e-5.
    const check = gradcheck((x: Tensor) => wtaLoss(MODEL, x, b, { relax }).total, [c], {
      eps: 1e-5,
      tol: 1e-6,
    });
    assert.ok(check.ok, `gradcheck max error ${check.maxError}`);
  }
  // The logged parts stay the hard minima whatever ε is.
  const b = batch(22), c = randn([B, S, k], { seed: 23 });
  const hard = wtaLoss(MODEL, c, b), soft = wtaLoss(MODEL, c, b, { relax: 0.3 });
  assert.deepEqual([soft.et, soft.ade, soft.fde], [hard.et, hard.ade, hard.fde]);
  for (const relax of [-0.1, 1, NaN]) {
    assert.throws(() => wtaLoss(MODEL, c, b, { relax }), /wtaLoss: relax must be in \[0, 1\)/);
  }
});

Deno.test("wtaLoss parts: a mode equal to the truth gives 0 for all three terms", () => {
  const b = batch(7);
  const c = randn([B, S, k], { seed: 8 });
  // Put each agent's true coefficients in mode 2 and its future at their reconstruction.
  for (let i = 0; i < B; i++) {
    for (let q = 0; q < k; q++) c.data[(i * S + 2) * k + q] = b.cFut[i * k + q];
    const u = MODEL.groups[b.group[i]].fut.u.data;
    for (let r = 0; r < 2 * T; r++) {
      let v = 0;
      for (let q = 0; q < k; q++) v += u[r * k + q] * b.cFut[i * k + q];
      b.future[i * 2 * T + r] = v;
    }
  }
  const l = wtaLoss(MODEL, c, b);
  assert.ok(l.et < 1e-5 && l.ade < 1e-5 && l.fde < 1e-5, `${l.et} ${l.ade} ${l.fde}`);
  assert.throws(() => wtaLoss(MODEL, randn([B, S]), b), /wtaLoss/);
});

Deno.test("features are invariant to rotating and translating the scene", () => {
  const enc = encode(MODEL, SET);
  const f0 = agentFeatures(SET, enc, k, { neighbours: 3 });
  const phi = 0.7, co = Math.cos(phi), si = Math.sin(phi);
  const p = SET.positions.map((
    v,
    i,
    a,
  ) => (i % 2 ? 5 + si * a[i - 1] + co * v : -2 + co * v - si * a[i + 1]));
  const moved = { ...SET, positions: p };
  const f1 = agentFeatures(moved, encode(MODEL, moved), k, { neighbours: 3 });
  assert.equal(f0.length, SET.count * featureCount(k, 3));
  let err = 0;
  for (let i = 0; i < f0.length; i++) err = Math.max(err, Math.abs(f0[i] - f1[i]));
  assert.ok(err < 1e-9, `max feature change ${err}`);
});

Deno.test("a fresh network starts near anchors-only: residuals are small", () => {
  const enc = encode(MODEL, SET);
  const raw = agentFeatures(SET, enc, k, { neighbours: 2 });
  const net = initNetwork(MODEL, raw, { hidden: [32], neighbours: 2 });
  const x = standardize(net, raw);
  const [n, F] = x.shape;
  assert.ok(x.data.every((v) => Math.abs(v) <= 3), "standardized features are limited to ±3");
  for (let c = 0; c < F; c++) {
    const col = Array.from({ length: n }, (_, i) => x.data[i * F + c]);
    if (col.some((v) => Math.abs(v) === 3)) continue; // clipped column: mean no longer 0
    const mean = col.reduce((a, b) => a + b, 0) / n;
    assert.ok(Math.abs(mean) < 1e-9, `column ${c} has zero mean`);
  }
  const anchors = new Tensor(new Float64Array(SET.count * S * k), [SET.count, S, k]);
  const r = refine(net.mlp, x, anchors, S, k);
  assert.ok(r.data.every((v) => Math.abs(v) < 0.5), "initial residuals scaled down by outScale");
  assert.throws(
    () => initNetwork(MODEL, new Float64Array(5), { neighbours: 2 }),
    /initNetwork: features/,
  );
});
