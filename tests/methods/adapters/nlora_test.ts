import assert from "node:assert/strict";
import { matmul } from "../../../ops/matmul.ts";
import { randn, Rng } from "../../../ops/random.ts";
import { add } from "../../../ops/elementwise.ts";
import { pinv } from "../../../ops/linalg/pinv.ts";
import { sliceCols, sliceRows } from "../../../ops/shape.ts";
import {
  intTune,
  nlora,
  nloraParamCount,
  type NloraState,
  nloraToLora,
  slora,
} from "../../../methods/adapters/nlora.ts";
import { loraApply } from "../../../methods/adapters/lora.ts";
import { merge } from "../../../methods/adapters/adapter.ts";
import {
  checkDeltaGradients,
  checkMergeRoundTrip,
  maxAbs,
  maxDiff,
  probeGrads,
  rankOf,
} from "./helpers.ts";

function trained(st: NloraState, seed: number): NloraState {
  const p = st.params;
  return {
    ...st,
    params: {
      a: add(p.a, randn([...p.a.shape], { seed })),
      n: add(p.n, randn([...p.n.shape], { seed: seed + 1 })),
      b: add(p.b, randn([...p.b.shape], { seed: seed + 2 })),
    },
  };
}

Deno.test("SLoRA/NLoRA/IntTune: parameter counts (spec §7, §16) and the LLaMA-2-7B sanity oracle", () => {
  assert.equal(nloraParamCount(4096, 4096, 128), 1_064_960);
  assert.equal(nloraParamCount(4096, 4096, 128, true), 16_384);
  assert.equal(32 * 7 * nloraParamCount(4096, 4096, 128, true), 3_670_016);
  const w = randn([9, 7], { seed: 0 });
  assert.equal(slora.paramCount(slora.init(w, { r: 3 }, new Rng(0))), 3 * 16 + 9);
  const it = intTune.init(w, { r: 3 }, new Rng(0));
  assert.equal(intTune.paramCount(it), 9);
  assert.deepEqual(Object.keys(intTune.trainable(it)), ["n"]);
});

Deno.test("SLoRA: ΔW = 0 at init; ∂L/∂N = ∂L/∂A = 0, ∂L/∂B ≠ 0; gradcheck; rank ≤ r", () => {
  const w = randn([10, 8], { seed: 1 });
  const st = slora.init(w, { r: 3, alpha: 6 }, new Rng(2));
  assert.equal(maxAbs(slora.delta(st)), 0);
  const g = probeGrads(slora, st);
  assert.equal(maxAbs(g.a), 0);
  assert.equal(maxAbs(g.n), 0);
  assert.ok(maxAbs(g.b) > 0);
  const t = trained(st, 4);
  checkDeltaGradients(slora, t);
  assert.equal(rankOf(slora.delta(t)), 3);
  checkMergeRoundTrip(slora, w, t);
});

Deno.test("NLoRA pinv-residual: C M⁺ R = W for exact rank r; output preserved at init", () => {
  const w = matmul(randn([12, 3], { seed: 5 }), randn([3, 9], { seed: 6 })); // rank 3
  const st = nlora.init(w, { r: 3, alpha: 3 }, new Rng(0));
  const c = sliceCols(w, 0, 3), r = sliceRows(w, 0, 3), m = sliceCols(sliceRows(w, 0, 3), 0, 3);
  const nys = matmul(matmul(c, pinv(m)), r);
  assert.ok(maxDiff(nys, w) <= 1e-10 * maxAbs(w), "Nyström oracle");
  assert.ok(maxAbs(st.base) <= 1e-10 * maxAbs(w), "residual of an exact-rank W is ~0");
  const w2 = randn([12, 9], { seed: 7 });
  const st2 = nlora.init(w2, { r: 4, alpha: 8 }, new Rng(0));
  assert.ok(maxDiff(merge(st2.base, nlora, st2), w2) <= 1e-12 * maxAbs(w2) * 100);
  checkDeltaGradients(nlora, st2);
  assert.ok(rankOf(nlora.delta(trained(st2, 1))) <= 4);
});

Deno.test("NLoRA code mode: ΔW_init = s·W[:, :r] W[:r, :r] W[:r, :] and W stays the base", () => {
  const w = randn([8, 6], { seed: 8 });
  const st = nlora.init(w, { r: 2, alpha: 4, mode: "nystrom_code" }, new Rng(0));
  assert.equal(st.base, w);
  const want = matmul(
    matmul(sliceCols(w, 0, 2), sliceCols(sliceRows(w, 0, 2), 0, 2)),
    sliceRows(w, 0, 2),
  );
  for (let i = 0; i < want.size; i++) want.data[i] *= 2;
  assert.ok(maxDiff(nlora.delta(st), want) < 1e-13);
  assert.throws(
    () => nlora.init(w, { r: 2, mode: "magic" as "nystrom_code" }, new Rng(0)),
    /unknown mode "magic"/,
  );
});

Deno.test("Folded LoRA export reproduces the forward (N A as lora_A)", () => {
  const w = randn([10, 7], { seed: 9 });
  const t = trained(nlora.init(w, { r: 3, alpha: 5, useRslora: true }, new Rng(0)), 3);
  const x = randn([4, 7], { seed: 10 });
  const want = matmul(x, nlora.delta(t), { transB: true });
  assert.ok(maxDiff(loraApply(nloraToLora(t), x), want) <= 1e-12 * maxAbs(want));
});
