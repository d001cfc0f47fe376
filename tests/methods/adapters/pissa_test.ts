import assert from "node:assert/strict";
import { svd, svdvals } from "../../../ops/linalg/svd.ts";
import { matmul } from "../../../ops/matmul.ts";
import { randn, Rng } from "../../../ops/random.ts";
import { add, sub } from "../../../ops/elementwise.ts";
import { elementaryNorm } from "../../../ops/norm.ts";
import { pissa, type PissaState, pissaToLora } from "../../../methods/adapters/pissa.ts";
import { lora } from "../../../methods/adapters/lora.ts";
import { merge } from "../../../methods/adapters/adapter.ts";
import { checkDeltaGradients, checkMergeRoundTrip, maxAbs, maxDiff } from "./helpers.ts";

const U = 2 ** -53;

function trained(st: PissaState, seed: number): PissaState {
  const params = {
    a: add(st.params.a, randn([...st.params.a.shape], { seed })),
    b: add(st.params.b, randn([...st.params.b.shape], { seed: seed + 1 })),
  };
  return { ...st, params };
}

Deno.test("PiSSA: W_res + s B₀A₀ = W, ‖W_res‖₂ = σ_{r+1}, ‖W − W_res‖_F² = Σσ_i², orthonormal factors", () => {
  const w = randn([20, 14], { seed: 1 });
  const r = 4;
  const st = pissa.init(w, { r, alpha: 16 }, new Rng(0));
  const sv = svdvals(w).data;
  const tol = 20 * 14 * U * sv[0];
  assert.ok(maxDiff(merge(st.base, pissa, st), w) <= tol);
  assert.ok(Math.abs(svdvals(st.base).data[0] - sv[r]) <= tol);
  const top = Array.from(sv.slice(0, r)).reduce((a, x) => a + x * x, 0);
  assert.ok(Math.abs(elementaryNorm(sub(w, st.base)) ** 2 - top) <= 100 * U * top);
  // B₀ diag(√(Σ/s))⁻¹ has orthonormal columns; likewise the rows of the scaled A₀.
  const root = Array.from(sv.slice(0, r), (x) => Math.sqrt(x / st.scale));
  const u = st.b0.clone(), v = st.a0.clone();
  for (let i = 0; i < 20; i++) for (let j = 0; j < r; j++) u.data[i * r + j] /= root[j];
  for (let i = 0; i < r; i++) for (let j = 0; j < 14; j++) v.data[i * 14 + j] /= root[i];
  const eyeErr = (g: Float64Array | Float32Array): number =>
    Math.max(...Array.from(g, (x, k) => Math.abs(x - (k % (r + 1) === 0 ? 1 : 0))));
  assert.ok(eyeErr(matmul(u, u, { transA: true }).data) < 1e-13);
  assert.ok(eyeErr(matmul(v, v, { transB: true }).data) < 1e-13);
  // Output at init equals the base output.
  const x = randn([3, 14], { seed: 2 });
  const y = add(matmul(x, st.base, { transB: true }), matmul(x, pissa.delta(st), { transB: true }));
  assert.ok(maxDiff(y, matmul(x, w, { transB: true })) <= 1e3 * U * maxAbs(y));
});

Deno.test("PiSSA: s·B₀A₀ is independent of α; the fast randomized init is exact at init", () => {
  const w = randn([16, 12], { seed: 3 });
  const d1 = pissa.delta(pissa.init(w, { r: 3, alpha: 1 }, new Rng(0)));
  for (const alpha of [16, 128]) {
    assert.ok(
      maxDiff(pissa.delta(pissa.init(w, { r: 3, alpha }, new Rng(0))), d1) <= 1e-12 * maxAbs(d1),
    );
  }
  const fast = pissa.init(w, { r: 3, niter: 4 }, new Rng(5));
  assert.ok(maxDiff(merge(fast.base, pissa, fast), w) <= 1e-13 * maxAbs(w));
  // Approximate: the captured energy is close to the optimal rank-3 energy.
  const sv = svdvals(w).data;
  const best = sv[0] ** 2 + sv[1] ** 2 + sv[2] ** 2;
  const got = elementaryNorm(pissa.delta(fast)) ** 2;
  assert.ok(got <= best * (1 + 1e-12) && got >= 0.9 * best, `${got} vs ${best}`);
  assert.throws(() => pissa.init(w, { r: 13 }, new Rng(0)), /r = 13 exceeds min\(out, in\) = 12/);
});

Deno.test("PiSSA: rank-2r LoRA export on the original W equals the merged PiSSA weight", () => {
  const w = randn([10, 8], { seed: 4 });
  for (const useRslora of [false, true]) {
    const st = trained(pissa.init(w, { r: 2, alpha: 6, useRslora }, new Rng(0)), 9);
    const exp = pissaToLora(st);
    assert.equal(exp.r, 4);
    assert.ok(Math.abs(exp.scale - st.scale) < 1e-15);
    const viaLora = add(w, lora.delta(exp));
    const merged = merge(st.base, pissa, st);
    assert.ok(maxDiff(viaLora, merged) <= 1e-12 * maxAbs(merged));
  }
  const st = trained(pissa.init(w, { r: 2 }, new Rng(0)), 9);
  checkMergeRoundTrip(pissa, st.base, st);
  checkDeltaGradients(pissa, st);
  // The SVD used is the project's: U Σ Vᵀ reconstructs W.
  const { u, s, vt } = svd(w);
  const us = u.clone();
  for (let i = 0; i < 10; i++) for (let j = 0; j < 8; j++) us.data[i * 8 + j] *= s.data[j];
  assert.ok(maxDiff(matmul(us, vt), w) < 1e-13);
});
