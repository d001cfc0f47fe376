import assert from "node:assert/strict";
import { matmul } from "../../../ops/matmul.ts";
import { randn, Rng } from "../../../ops/random.ts";
import { add } from "../../../ops/elementwise.ts";
import { astype } from "../../../ops/tensor.ts";
import {
  lora,
  loraApply,
  loraFromFactors,
  loraMerge,
  loraMerge_,
  loraParamCount,
  loraScale,
} from "../../../methods/adapters/lora.ts";
import {
  checkDeltaGradients,
  checkMergeRoundTrip,
  maxAbs,
  maxDiff,
  probeGrads,
  rankOf,
} from "./helpers.ts";

Deno.test("LoRA: init gives ΔW = 0 exactly, A within the Kaiming bound, and the base output", () => {
  const w = randn([12, 10], { seed: 1 });
  const st = lora.init(w, { r: 3, alpha: 6 }, new Rng(2));
  assert.equal(maxAbs(lora.delta(st)), 0);
  const bound = 1 / Math.sqrt(10);
  assert.ok(st.params.a.data.every((x) => Math.abs(x) <= bound));
  assert.ok(maxAbs(st.params.a) > 0.5 * bound);
  const x = randn([5, 10], { seed: 3 });
  const y0 = matmul(x, w, { transB: true });
  assert.deepEqual(add(y0, loraApply(st, x)).data, y0.data);
  const g = lora.init(w, { r: 4, init: "gaussian" }, new Rng(2)).params.a;
  let ss = 0;
  for (const v of g.data) ss += v * v;
  // Sample variance of N(0, 1/r²) with 40 draws: within a factor 2 of 1/16 (χ² tail < 1e-3).
  assert.ok(ss / g.size > 0.5 / 16 && ss / g.size < 2 / 16);
  assert.throws(
    () => lora.init(w, { r: 0 }, new Rng(0)),
    /lora.init: r must be a positive integer, got 0/,
  );
  assert.throws(
    () => lora.init(w, { r: 2, init: "ones" as "gaussian" }, new Rng(0)),
    /init must be/,
  );
});

Deno.test("LoRA: rank ≤ r, branch = x ΔWᵀ without forming ΔW, merged = unmerged forward", () => {
  const w = randn([9, 7], { seed: 4 });
  const st = loraFromFactors(randn([2, 7], { seed: 5 }), randn([9, 2], { seed: 6 }), { alpha: 5 });
  const d = lora.delta(st);
  assert.equal(rankOf(d), 2);
  const x = randn([6, 7], { seed: 7 });
  const viaDelta = matmul(x, d, { transB: true });
  assert.ok(maxDiff(loraApply(st, x), viaDelta) <= 1e-13 * maxAbs(viaDelta));
  const merged = add(w, d);
  const unmergedOut = add(matmul(x, w, { transB: true }), loraApply(st, x));
  assert.ok(
    maxDiff(matmul(x, merged, { transB: true }), unmergedOut) <= 1e-13 * maxAbs(unmergedOut),
  );
  checkMergeRoundTrip(lora, w, st);
});

Deno.test("LoRA: gradients — ∂L/∂A = 0 at init, ∂L/∂B ≠ 0; gradcheck of ΔW(A, B)", () => {
  const w = randn([8, 6], { seed: 8 });
  const st = lora.init(w, { r: 3, alpha: 6 }, new Rng(9));
  const g = probeGrads(lora, st);
  assert.equal(maxAbs(g.a), 0);
  assert.ok(maxAbs(g.b) > 0);
  checkDeltaGradients(
    lora,
    loraFromFactors(randn([3, 6], { seed: 1 }), randn([8, 3], { seed: 2 }), { alpha: 6 }),
  );
});

Deno.test("LoRA: scaling α/r or α/√r (rsLoRA), and the spec's parameter counts", () => {
  assert.equal(loraScale(16, 8), 2);
  assert.equal(loraScale(16, 16, true), 4);
  const st = lora.init(randn([4, 4], { seed: 0 }), { r: 4, alpha: 8, useRslora: true }, new Rng(0));
  assert.equal(st.scale, 4);
  assert.equal(loraParamCount(4096, 4096, 8), 65_536);
  assert.equal(loraParamCount(11008, 4096, 16), 241_664);
  assert.equal(loraParamCount(4096, 4096, 128), 1_048_576); // PiSSA's and BA-LoRA's row of §16
  assert.equal(lora.paramCount(lora.init(randn([11, 4], { seed: 0 }), { r: 2 }, new Rng(0))), 30);
});

Deno.test("loraMerge / loraMerge_: one GEMM pass equals W ± s·B A (f64 and f32 tolerances)", () => {
  for (const dtype of ["f64", "f32"] as const) {
    const w = astype(randn([7, 5], { seed: 1 }), dtype);
    const st = loraFromFactors(
      astype(randn([3, 5], { seed: 2 }), dtype),
      astype(randn([7, 3], { seed: 3 }), dtype),
      { alpha: 6 },
    );
    const want = add(
      astype(w, "f64"),
      lora.delta(
        loraFromFactors(astype(st.params.a, "f64"), astype(st.params.b, "f64"), { alpha: 6 }),
      ),
    );
    const got = loraMerge(w, st);
    const u = dtype === "f64" ? 2 ** -53 : 2 ** -24;
    assert.ok(maxDiff(astype(got, "f64"), want) <= 8 * u * maxAbs(want), dtype);
    const inPlace = w.clone();
    assert.equal(loraMerge_(inPlace, st), inPlace);
    loraMerge_(inPlace, st, { unmerge: true });
    assert.ok(maxDiff(inPlace, w) <= 8 * u * maxAbs(want));
  }
  assert.throws(
    () =>
      loraMerge(
        randn([5, 7], { seed: 0 }),
        lora.init(randn([7, 5], { seed: 0 }), { r: 1 }, new Rng(0)),
      ),
    /loraMerge_: w is 5x7, the adapter is 7x5/,
  );
});
