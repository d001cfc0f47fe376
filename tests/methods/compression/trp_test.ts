import assert from "node:assert/strict";
import { randn } from "../../../ops/random.ts";
import { mul, sum } from "../../../ops/autograd/ops.ts";
import { svdvals } from "../../../ops/linalg/svd.ts";
import { matrixRank } from "../../../ops/linalg/rank.ts";
import { type Tensor, tensor } from "../../../ops/tensor.ts";
import {
  linearRateRank,
  trpMacsPerPixel,
  trpProject,
  trpProjectMatrix,
  trpRank,
  trpReshape,
  trpUnreshape,
  valueRank,
} from "../../../methods/compression/mod.ts";
import { maxAbsDiff, SCHEMES } from "./_trp_util.ts";

function dot(a: Tensor, b: Tensor): number {
  return sum(mul(a, b)).data[0];
}

function nuclear(m: Tensor): number {
  let t = 0;
  for (const v of svdvals(m).data) t += v;
  return t;
}

Deno.test("trpRank energy: σ = [3, 2, 1] gives 1, 2, 3 at e = 0.6, 0.9, 0.95; monotone in e (§1 property 1)", () => {
  const s = [3, 2, 1];
  assert.equal(trpRank(s, { energy: 0.6 }), 1);
  assert.equal(trpRank(s, { energy: 0.9 }), 2);
  assert.equal(trpRank(s, { energy: 0.95 }), 3);
  assert.equal(trpRank(s, { energy: 1 }), 3);
  const spec = svdvals(randn([9, 7], { seed: 3 })).data;
  let prev = 0;
  for (let e = 0.01; e <= 1; e += 0.01) {
    const k = trpRank(spec, { energy: e });
    assert.ok(k >= prev && k >= 1 && k <= 7, `e = ${e}: k = ${k} after ${prev}`);
    prev = k;
  }
});

Deno.test("trpRank value and rate: ValueThreshold(1.5) = 2, (0.5) = 3; LinearRate = floor(p·ρ) (§1 property 2)", () => {
  assert.equal(trpRank([3, 2, 1], { value: 1.5 }), 2);
  assert.equal(trpRank([3, 2, 1], { value: 0.5 }), 3);
  assert.equal(valueRank([3, 2, 1], 2), 2); // σ ≥ T is kept
  assert.equal(valueRank([3, 2, 1], 5), 0);
  assert.equal(trpRank([3, 2, 1], { rate: 0.7 }), 2);
  assert.equal(linearRateRank(7, 1), 7);
});

Deno.test("trpRank rejects malformed criteria and spectra", () => {
  assert.throws(() => trpRank([1], { energi: 0.9 } as never), TypeError);
  assert.throws(() => trpRank([1], { energy: 0.9, value: 1 } as never), TypeError);
  assert.throws(() => trpRank([1], { energy: "0.9" } as never), TypeError);
  assert.throws(() => trpRank([1], { energy: 0 }), RangeError);
  assert.throws(() => trpRank([1, 2], { value: 1 }), /descending/);
  assert.throws(() => trpRank([1, NaN], { value: 1 }), RangeError);
  assert.throws(() => trpRank([1], { rate: 1.5 }), RangeError);
  assert.throws(() => valueRank([1], -1), RangeError);
});

Deno.test("trpProjectMatrix: Eckart–Young error, rank ≤ k, idempotent (§1 property 3)", () => {
  const m = randn([10, 7], { seed: 1 });
  const s = svdvals(m).data;
  for (const k of [0, 1, 3, 7]) {
    const p = trpProjectMatrix(m, k);
    let err = 0, tail = 0;
    for (let i = 0; i < m.size; i++) err += (m.data[i] - p.approx.data[i]) ** 2;
    for (let i = k; i < s.length; i++) tail += s[i] ** 2;
    assert.ok(Math.abs(err - tail) <= 1e-12 * 70 * (s[0] ** 2), `k ${k}: ${err} vs ${tail}`);
    assert.ok(matrixRank(p.approx) <= k, `k ${k}`);
    const again = trpProjectMatrix(p.approx, k).approx;
    assert.ok(maxAbsDiff(again, p.approx) < 1e-12 * 10 * s[0], `k ${k}`);
  }
});

Deno.test("trpProject: rank(R(W_new)) ≤ k for every scheme; twice is the same (§1 property 3)", () => {
  const w = randn([6, 5, 3, 3], { seed: 2 });
  for (const scheme of SCHEMES) {
    const p = trpProject(w, { scheme, criterion: { energy: 0.7 } });
    const mats = trpReshape(p.weight, scheme);
    mats.forEach((m, i) => assert.ok(matrixRank(m) <= p.ranks[i], `${scheme} ${i}`));
    assert.equal(p.ranks.length, scheme === "nd" ? 6 : 1);
    assert.ok(p.ranks.every((k, i) => k < Math.min(...trpReshape(w, scheme)[i].shape)));
    const back = trpUnreshape(
      mats.map((m, i) => trpProjectMatrix(m, p.ranks[i]).approx),
      w.shape,
      scheme,
    );
    assert.ok(maxAbsDiff(back, p.weight) < 1e-12, scheme);
  }
  assert.throws(() => trpProject(w, { sheme: "nc" } as never), TypeError);
  assert.throws(() => trpProject(w, { scheme: "xy" as never }), TypeError);
});

Deno.test("nuclear-norm sub-gradient U Vᵀ: finite differences, ⟨UVᵀ, W⟩ = ‖W‖_*, ‖UVᵀ‖₂ = 1 (§1 property 4)", () => {
  const w = randn([6, 4], { seed: 4 });
  const g = trpProjectMatrix(w, 4).subgradient;
  const eps = 1e-6;
  for (let t = 0; t < 3; t++) {
    const e = randn([6, 4], { seed: 10 + t });
    const plus = tensor(w.data.map((v, i) => v + eps * e.data[i]), { shape: [6, 4] });
    const minus = tensor(w.data.map((v, i) => v - eps * e.data[i]), { shape: [6, 4] });
    const fd = (nuclear(plus) - nuclear(minus)) / (2 * eps);
    assert.ok(Math.abs(dot(g, e) - fd) <= 1e-5 * Math.abs(fd), `${dot(g, e)} vs ${fd}`);
  }
  assert.ok(Math.abs(dot(g, w) - nuclear(w)) < 1e-12 * nuclear(w));
  assert.ok(Math.abs(svdvals(g).data[0] - 1) < 1e-12);
  // The truncated sub-gradient of a projection is a valid sub-gradient at the projected point.
  const p = trpProjectMatrix(w, 2);
  assert.ok(Math.abs(dot(p.subgradient, p.approx) - nuclear(p.approx)) < 1e-12 * 10);
  // It uses the truncated factors: U_2 V_2ᵀ has singular values [1, 1, 0, 0].
  const sv = svdvals(p.subgradient).data;
  assert.ok([1, 1, 0, 0].every((v, i) => Math.abs(sv[i] - v) < 1e-12), `${sv}`);
});

Deno.test("trpMacsPerPixel: the spec's formulas (§1 property 6)", () => {
  assert.equal(trpMacsPerPixel([16, 16, 3, 3], "nc", 4), 640);
  assert.equal(trpMacsPerPixel([16, 16, 3, 3], "original"), 2304);
  assert.equal(trpMacsPerPixel([16, 8, 3, 5], "vh", 2), 2 * (8 * 3 + 16 * 5));
  assert.equal(trpMacsPerPixel([16, 8, 3, 5], "nd", 2), 2 * (16 * 8 + 16 * 15));
  assert.throws(() => trpMacsPerPixel([16, 8, 3], "nc", 2), RangeError);
  assert.throws(() => trpMacsPerPixel([16, 8, 3, 3], "nc", 0), RangeError);
});

Deno.test("trpReshape: the spec's index maps, and R⁻¹ round-trips exactly (§1 property 7)", () => {
  const [N, C, kh, kw] = [4, 3, 3, 2];
  const w = randn([N, C, kh, kw], { seed: 5 });
  const [nc] = trpReshape(w, "nc"), [vh] = trpReshape(w, "vh"), nd = trpReshape(w, "nd");
  assert.deepEqual(vh.shape, [C * kh, N * kw]);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      for (let h = 0; h < kh; h++) {
        for (let x = 0; x < kw; x++) {
          const v = w.data[((n * C + c) * kh + h) * kw + x];
          assert.equal(nc.data[n * C * kh * kw + (c * kh + h) * kw + x], v);
          assert.equal(vh.data[(c * kh + h) * N * kw + n * kw + x], v);
          assert.equal(nd[n].data[c * kh * kw + h * kw + x], v);
        }
      }
    }
  }
  for (const scheme of SCHEMES) {
    const back = trpUnreshape(trpReshape(w, scheme), w.shape, scheme);
    assert.deepEqual(back.shape, w.shape);
    assert.ok(back.data.every((v, i) => v === w.data[i]), scheme);
  }
  const w32 = randn([2, 2, 3, 3], { seed: 6, dtype: "f32" });
  assert.equal(trpUnreshape(trpReshape(w32, "vh"), w32.shape, "vh").dtype, "f32");
  assert.throws(() => trpUnreshape([vh], [N, C, kh, kw], "nc"), RangeError);
  assert.throws(() => trpReshape(nc, "nc"), RangeError);
});
