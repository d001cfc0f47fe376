import assert from "node:assert/strict";
import { randn, Rng } from "../../../ops/random.ts";
import { add, sub } from "../../../ops/elementwise.ts";
import { loldu, type LolduState, lolduToLora } from "../../../methods/adapters/loldu.ts";
import { lora } from "../../../methods/adapters/lora.ts";
import { merge } from "../../../methods/adapters/adapter.ts";
import { checkDeltaGradients, checkMergeRoundTrip, maxAbs, maxDiff, rankOf } from "./helpers.ts";

const U = 2 ** -53;

function trained(st: LolduState, seed: number): LolduState {
  return {
    ...st,
    params: { ...st.params, z: add(st.params.z, randn([st.params.z.size], { seed })) },
  };
}

Deno.test("LoLDU: exact at init, P L diag(d) U = W, permutation and triangular factors", () => {
  const w = randn([40, 30], { seed: 1 });
  const st = loldu.init(w, { r: 6, alpha: 8 }, new Rng(0));
  assert.ok(maxDiff(merge(st.base, loldu, st), w) <= 1e-14 * maxAbs(w) * 30);
  assert.deepEqual([...st.perm].sort((a, b) => a - b), Array.from({ length: 40 }, (_, i) => i));
  // Unit upper U_r; P L_r has the unit lower pattern once the permutation is undone.
  for (let i = 0; i < 6; i++) {
    assert.equal(st.u.data[i * 30 + i], 1);
    for (let j = 0; j < i; j++) assert.equal(st.u.data[i * 30 + j], 0);
    assert.equal(st.pl.data[st.perm[i] * 6 + i], 1);
    for (let j = i + 1; j < 6; j++) assert.equal(st.pl.data[st.perm[i] * 6 + j], 0);
  }
  // r = k and σ = 1: the residual vanishes (the full decomposition reproduces W).
  const full = loldu.init(w, { r: 30, alpha: 30 }, new Rng(0));
  assert.ok(maxAbs(full.base) <= 100 * 30 * U * maxAbs(w));
  assert.equal(loldu.paramCount(full), 30);
  assert.throws(() => loldu.init(w, { r: 31 }, new Rng(0)), /r = 31 exceeds min\(out, in\) = 30/);
});

Deno.test("LoLDU: r (or r + 1) trainable numbers; rank(W' − W) ≤ r; gradcheck; LoRA export", () => {
  const w = randn([12, 16], { seed: 2 });
  const st = trained(loldu.init(w, { r: 3 }, new Rng(0)), 4);
  assert.equal(loldu.paramCount(st), 3);
  const withSigma = loldu.init(w, { r: 3, trainSigma: true }, new Rng(0));
  assert.equal(loldu.paramCount(withSigma), 4);
  const merged = merge(st.base, loldu, st);
  assert.equal(rankOf(sub(merged, w)), 3);
  checkDeltaGradients(loldu, st);
  checkDeltaGradients(loldu, trained(withSigma, 5));
  checkMergeRoundTrip(loldu, st.base, st);
  const exp = lolduToLora(st);
  assert.equal(exp.scale, 1);
  assert.ok(maxDiff(add(w, lora.delta(exp)), merged) <= 1e-13 * maxAbs(merged));
  // Ablation inits change z only.
  const ones = loldu.init(w, { r: 3, init: "ones" }, new Rng(0));
  assert.deepEqual(Array.from(ones.params.z.data), [1, 1, 1]);
  assert.throws(
    () => loldu.init(w, { r: 3, init: "bogus" as "lu" }, new Rng(0)),
    /unknown init "bogus"/,
  );
  // Rank-deficient W (a zero column block) still gives finite factors and an exact init.
  const def = w.clone();
  for (let i = 0; i < 12; i++) for (let j = 0; j < 16; j++) if (j < 5) def.data[i * 16 + j] = 0;
  const sd = loldu.init(def, { r: 4 }, new Rng(0));
  assert.ok(sd.base.data.every(Number.isFinite));
  assert.ok(maxDiff(merge(sd.base, loldu, sd), def) <= 1e-13 * maxAbs(def));
});

/** `Σ_j c_j · PL[:, j] U[j, :]` by explicit loops (independent of the method's ops). */
function plDiagU(st: LolduState, c: number[]): number[] {
  const [out, inp] = st.shape, r = c.length;
  const m = new Array(out * inp).fill(0);
  for (let i = 0; i < out; i++) {
    for (let k = 0; k < inp; k++) {
      for (let j = 0; j < r; j++) {
        m[i * inp + k] += st.pl.data[i * r + j] * c[j] * st.u.data[j * inp + k];
      }
    }
  }
  return m;
}

Deno.test("LoLDU: default α = 1 (σ = 1/r), and W' − W = σ·P L_r diag(z − d_r) U_r by hand", () => {
  const w = randn([7, 5], { seed: 11 });
  const st = trained(loldu.init(w, { r: 3 }, new Rng(0)), 12);
  assert.equal(st.sigma, 1 / 3);
  const z = Array.from(st.params.z.data), d = Array.from(st.d.data);
  const ref = plDiagU(st, z.map((zj, j) => (zj - d[j]) / 3));
  const got = sub(merge(st.base, loldu, st), w);
  for (let i = 0; i < ref.length; i++) assert.ok(Math.abs(got.data[i] - ref[i]) <= 1e-13);
  assert.equal(loldu.init(w, { r: 3, alpha: 6 }, new Rng(0)).sigma, 2);
});

Deno.test("LoLDU: export with a trained σ: lora_B = P L_r diag(σ'z − σ₀d_r), equal to the merged W'", () => {
  const w = randn([9, 6], { seed: 13 });
  const st0 = loldu.init(w, { r: 4, alpha: 2, trainSigma: true }, new Rng(0));
  assert.equal(st0.params.sigma?.data[0], 0.5);
  // A trained state: σ moved from 0.5 to 1.3 and z away from d_r.
  const st: LolduState = {
    ...st0,
    params: { z: add(st0.params.z, randn([4], { seed: 14 })), sigma: randn([1], { seed: 0 }) },
  };
  st.params.sigma!.data[0] = 1.3;
  const merged = merge(st.base, loldu, st);
  const exp = lolduToLora(st);
  const z = Array.from(st.params.z.data), d = Array.from(st.d.data);
  const ref = plDiagU(st, z.map((zj, j) => 1.3 * zj - 0.5 * d[j]));
  const upd = sub(merged, w);
  for (let i = 0; i < ref.length; i++) assert.ok(Math.abs(upd.data[i] - ref[i]) <= 1e-13);
  assert.ok(maxDiff(add(w, lora.delta(exp)), merged) <= 1e-13 * maxAbs(merged));
  // Untrained σ (= σ₀) but trained z: the frozen-σ formula σ·(z − d_r) still holds.
  const frozen: LolduState = { ...st, params: { z: st.params.z } };
  const ref2 = plDiagU(frozen, z.map((zj, j) => 0.5 * (zj - d[j])));
  const e2 = lora.delta(lolduToLora(frozen));
  for (let i = 0; i < ref2.length; i++) assert.ok(Math.abs(e2.data[i] - ref2[i]) <= 1e-13);
});
