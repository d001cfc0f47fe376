import assert from "node:assert/strict";
import { randn, Rng } from "../../../ops/random.ts";
import { add } from "../../../ops/elementwise.ts";
import { qr } from "../../../ops/linalg/qr.ts";
import { transpose } from "../../../ops/shape.ts";
import { type Tensor, tensor } from "../../../ops/tensor.ts";
import {
  assembleC,
  growAdapter,
  growthDecision,
  importance,
  orthogonalityPenalty,
  triAdapt,
  triAdaptParamCount,
  triAdaptRank,
  type TriAdaptState,
  triAdaptToLora,
} from "../../../methods/adapters/triadapt.ts";
import { lora } from "../../../methods/adapters/lora.ts";
import {
  checkDeltaGradients,
  checkMergeRoundTrip,
  maxAbs,
  maxDiff,
  probeGrads,
} from "./helpers.ts";

function randomStrips(s: TriAdaptState, seed: number): TriAdaptState {
  const params: Record<string, Tensor> = { ...s.params };
  for (const k of Object.keys(params)) {
    if (k.startsWith("c")) params[k] = randn([...params[k].shape], { seed: seed++ });
  }
  return { ...s, params };
}

function grown(seed = 0): TriAdaptState {
  let st = triAdapt.init(randn([12, 10], { seed }), { initRank: 1 }, new Rng(seed));
  st = growAdapter(st, 4, new Rng(seed + 1));
  return growAdapter(st, 4, new Rng(seed + 2));
}

Deno.test("TriAdaptLoRA: C for blocks (1, 4, 4) is dense 9×9 = sum of padded strips; counts", () => {
  const st = randomStrips(grown(), 10);
  const c = assembleC(st);
  assert.deepEqual(c.shape, [9, 9]);
  // Independent assembly: strip m covers rows/cols [S_{m−1}, S_m) × [0, S_m).
  const want = new Float64Array(81);
  let s0 = 0;
  st.blocks.forEach((a, m) => {
    const s1 = s0 + a;
    const cl = st.params[`cl${m}`], cu = st.params[`cu${m}`];
    for (let i = 0; i < a; i++) {
      for (let j = 0; j < s1; j++) want[(s0 + i) * 9 + j] += cl.data[i * s1 + j];
    }
    for (let i = 0; i < s1; i++) {
      for (let j = 0; j < a; j++) want[i * 9 + s0 + j] += cu.data[i * a + j];
    }
    s0 = s1;
  });
  assert.deepEqual(Array.from(c.data), Array.from(want));
  assert.ok(c.data.every((v) => v !== 0), "dense");
  const cStrips = Object.entries(st.params).filter(([k]) => k.startsWith("c")).reduce(
    (n, [, t]) => n + t.size,
    0,
  );
  assert.equal(cStrips, 81 + 1 + 16 + 16);
  assert.equal(triAdapt.paramCount(st), triAdaptParamCount(12, 10, [1, 4, 4]));
  assert.equal(triAdaptParamCount(4096, 4096, [1, 4, 4]), 73_842);
});

Deno.test("TriAdaptLoRA growth: ΔW scales by r_old/r_new (reference) or stays (compensate)", () => {
  const st = randomStrips(grown(1), 20);
  const before = triAdapt.delta(st);
  const plain = growAdapter(st, 4, new Rng(5));
  const comp = growAdapter(st, 4, new Rng(5), { compensate: true });
  const scaled = before.clone();
  for (let i = 0; i < scaled.size; i++) scaled.data[i] *= 9 / 13;
  assert.ok(maxDiff(triAdapt.delta(plain), scaled) <= 1e-13 * maxAbs(before));
  assert.ok(maxDiff(triAdapt.delta(comp), before) <= 1e-13 * maxAbs(before));
  assert.equal(triAdaptRank(plain), 13);
  // Fresh adapter: ΔW = 0, only C (the strips) has gradient at once.
  const fresh = triAdapt.init(randn([8, 6], { seed: 2 }), { initRank: 2 }, new Rng(3));
  assert.equal(maxAbs(triAdapt.delta(fresh)), 0);
  const g = probeGrads(triAdapt, fresh);
  assert.ok(maxAbs(g.cl0) > 0 && maxAbs(g.cu0) > 0);
  assert.equal(maxAbs(g.a), 0);
  assert.equal(maxAbs(g.b), 0);
});

Deno.test("TriAdaptLoRA threshold rule and budget cap", () => {
  const scores = [0.5, 0.1, 0.4, 0.4, 0.05];
  // t0 = 10, Δt = 2; μ = (60 − 10)/90; gap 9 ⇒ K = ⌊5⌋ clamped to 5 ⇒ all grow.
  assert.deepEqual(growthDecision({ step: 60, total: 100, rankNow: 7, rankTarget: 16, scores }), [
    0,
    1,
    2,
    3,
    4,
  ]);
  // gap 4 ⇒ K = ⌊2.22⌋ = 2 ⇒ τ = 0.4 and the tie makes three grow.
  assert.deepEqual(growthDecision({ step: 60, total: 100, rankNow: 12, rankTarget: 16, scores }), [
    0,
    2,
    3,
  ]);
  // Non-linear: K = ⌊exp(μ ln 4)⌋ = ⌊2.16⌋ = 2.
  assert.deepEqual(
    growthDecision({
      step: 60,
      total: 100,
      rankNow: 12,
      rankTarget: 16,
      scores,
      model: "non-linear",
    }),
    [0, 2, 3],
  );
  assert.deepEqual(
    growthDecision({ step: 8, total: 100, rankNow: 1, rankTarget: 16, scores }),
    [],
    "warm-up",
  );
  assert.deepEqual(
    growthDecision({ step: 61, total: 100, rankNow: 1, rankTarget: 16, scores }),
    [],
    "off-interval",
  );
  assert.deepEqual(
    growthDecision({ step: 60, total: 100, rankNow: 16, rankTarget: 16, scores }),
    [],
    "budget reached",
  );
  // Simulated schedule over 4 matrices: total rank never exceeds R_target + a·#matrices.
  let ranks = [1, 1, 1, 1];
  const a = 4, target = 32;
  const rng = new Rng(7);
  for (let t = 1; t <= 200; t++) {
    const grow = growthDecision({
      step: t,
      total: 200,
      rankNow: ranks.reduce((x, y) => x + y),
      rankTarget: target,
      scores: ranks.map(() => rng.uniform()),
    });
    ranks = ranks.map((r, i) => (grow.includes(i) ? r + a : r));
    assert.ok(ranks.reduce((x, y) => x + y) <= target + a * 4);
  }
  assert.ok(ranks.reduce((x, y) => x + y) >= target, "growth reaches the budget");
  // Bad schedules are rejected, not silently turned into "never grow".
  const q = { step: 60, total: 100, rankNow: 1, rankTarget: 16, scores: [1, 2] };
  assert.throws(
    () => growthDecision({ ...q, interval: 0 }),
    /interval must be a positive integer, got 0/,
  );
  assert.throws(
    () => growthDecision({ ...q, warmup: 100 }),
    /warmup must be an integer in \[0, 100\), got 100/,
  );
  assert.throws(() => growthDecision({ ...q, scores: [] }), /scores must be a non-empty/);
  assert.throws(() => growthDecision({ ...q, scores: [1, NaN] }), /scores must be .*got \[1,NaN\]/);
  assert.throws(
    () => growthDecision({ ...q, total: 0 }),
    /total must be a positive integer, got 0/,
  );
});

Deno.test("TriAdaptLoRA: orthogonality penalty 0 for orthonormal factors; gradcheck; merge; LoRA export", () => {
  const q = qr(randn([10, 3], { seed: 9 })).q;
  assert.ok(orthogonalityPenalty([{ a: transpose(q), b: q }]).data[0] < 1e-14);
  assert.ok(orthogonalityPenalty([{ a: randn([3, 10], { seed: 1 }), b: q }]).data[0] > 0.1);
  const st = randomStrips(grown(3), 40);
  checkDeltaGradients(triAdapt, st);
  checkMergeRoundTrip(triAdapt, randn([12, 10], { seed: 3 }), st);
  const w = randn([12, 10], { seed: 3 });
  assert.ok(
    maxDiff(add(w, lora.delta(triAdaptToLora(st))), add(w, triAdapt.delta(st))) <=
      1e-13 * maxAbs(triAdapt.delta(st)),
  );
});

Deno.test("TriAdaptLoRA importance = ‖C‖_F / m and penalty λ·mean over matrices, by hand", () => {
  // Blocks (1, 2): C is 3×3; two entries in different places: ‖C‖_F = √(3² + 4²) = 5, m = 2.
  const st = growAdapter(triAdapt.init(randn([4, 3], { seed: 0 }), {}, new Rng(0)), 2, new Rng(1));
  st.params.cu0.data[0] = 4; // C[0, 0]
  st.params.cl1.data[1 * 3 + 2] = 3; // C[2, 2] (row strip of block 2 covers rows 1..2, cols 0..2)
  assert.equal(importance(st), 2.5);
  const one = triAdapt.init(randn([4, 3], { seed: 0 }), { initRank: 2 }, new Rng(0));
  one.params.cl0.data[1] = -2;
  assert.equal(importance(one), 2);
  // ‖A Aᵀ − I‖_F + ‖BᵀB − I‖_F: (|4 − 1| + 0) for the first matrix, (0 + |9 − 1|) for the second.
  const m1 = { a: tensor([[2, 0]]), b: tensor([[1], [0]]) };
  const m2 = { a: tensor([[1, 0]]), b: tensor([[0], [3]]) };
  assert.equal(orthogonalityPenalty([m1, m2]).data[0], 0.5 * (3 + 8) / 2);
  assert.equal(orthogonalityPenalty([m1, m2], 2).data[0], 2 * (3 + 8) / 2);
  assert.equal(orthogonalityPenalty([m2]).data[0], 0.5 * 8);
});
