import assert from "node:assert/strict";
import { valueAndGrad } from "../../../ops/autograd/grad.ts";
import { mean, square, sub } from "../../../ops/autograd/ops.ts";
import { matmul } from "../../../ops/autograd/ops_matmul.ts";
import { randn, Rng } from "../../../ops/random.ts";
import { axpy_ } from "../../../ops/elementwise.ts";
import type { Tensor } from "../../../ops/tensor.ts";
import {
  dyLora,
  type DyLoraState,
  dyLoraToLora,
  sampleRank,
  withRank,
} from "../../../methods/adapters/dylora.ts";
import { lora, loraFromFactors } from "../../../methods/adapters/lora.ts";
import { checkDeltaGradients, checkMergeRoundTrip, maxDiff } from "./helpers.ts";

function randomFactors(st: DyLoraState, seed: number): DyLoraState {
  return {
    ...st,
    params: {
      a: randn([...st.params.a.shape], { seed }),
      b: randn([...st.params.b.shape], { seed: seed + 1 }),
    },
  };
}

Deno.test("DyLoRA: rank-b truncation equals a rank-b LoRA with the same α (and the √(r/b) form)", () => {
  const st = randomFactors(
    dyLora.init(randn([9, 7], { seed: 0 }), { r: 5, alpha: 10 }, new Rng(0)),
    3,
  );
  for (let b = 1; b <= 5; b++) {
    const d = dyLora.delta(withRank(st, b));
    assert.ok(maxDiff(d, lora.delta(dyLoraToLora(st, b))) < 1e-13);
    // Reference-code form: base scale α/r_max with each truncated factor times √(r_max/b).
    const f = Math.sqrt(5 / b);
    const a = st.params.a.clone(), bb = st.params.b.clone();
    for (let i = 0; i < a.size; i++) a.data[i] *= f;
    for (let i = 0; i < bb.size; i++) bb.data[i] *= f;
    const ref = lora.delta(dyLoraToLora({ ...st, params: { a, b: bb } }, b));
    const scaled = ref.clone();
    // dyLoraToLora applies α/b; the reference form wants α/r_max on the √(r_max/b)-scaled factors.
    for (let i = 0; i < scaled.size; i++) scaled.data[i] *= b / 5;
    assert.ok(maxDiff(d, scaled) < 1e-12);
    checkMergeRoundTrip(dyLora, randn([9, 7], { seed: 0 }), withRank(st, b));
  }
  checkDeltaGradients(dyLora, withRank({ ...st, mode: "nonfrozen" }, 3));
  // Frozen mode detaches components < b on purpose (not the true gradient); at b = 1 nothing is
  // detached, so there it must match finite differences too.
  checkDeltaGradients(dyLora, withRank(st, 1));
});

Deno.test("DyLoRA frozen mode: an SGD step at rank b moves only component b − 1 (exactly)", () => {
  const w = randn([6, 5], { seed: 1 });
  const st = randomFactors(dyLora.init(w, { r: 4, alpha: 4 }, new Rng(0)), 5);
  const x = randn([8, 5], { seed: 2 }), y = randn([8, 6], { seed: 3 });
  const loss = (a: Tensor, b: Tensor): Tensor =>
    mean(
      square(
        sub(matmul(x, dyLora.delta(withRank({ ...st, params: { a, b } }, 3)), { transB: true }), y),
      ),
    );
  const { grad } = valueAndGrad(loss, { argnums: [0, 1] })(st.params.a, st.params.b);
  const [ga, gb] = grad as Tensor[];
  const a2 = axpy_(st.params.a.clone(), ga, -0.1), b2 = axpy_(st.params.b.clone(), gb, -0.1);
  for (let row = 0; row < 4; row++) {
    for (let j = 0; j < 5; j++) {
      const moved = a2.data[row * 5 + j] !== st.params.a.data[row * 5 + j];
      assert.equal(moved, row === 2, `A row ${row}`);
    }
    for (let i = 0; i < 6; i++) {
      const moved = b2.data[i * 4 + row] !== st.params.b.data[i * 4 + row];
      assert.equal(moved, row === 2, `B column ${row}`);
    }
  }
});

Deno.test("DyLoRA: uniform rank sampler (χ²) and nested training improves every rank", () => {
  const rng = new Rng(4);
  const counts = new Array(8).fill(0);
  for (let i = 0; i < 8000; i++) counts[sampleRank(rng, 8) - 1]++;
  const chi2 = counts.reduce((acc, c) => acc + (c - 1000) ** 2 / 1000, 0);
  assert.ok(chi2 < 24.3, `χ²(7) = ${chi2} beyond the 0.1% quantile`);
  // Toy regression y = x T with a rank-4 target; train nested ranks with plain SGD.
  const x = randn([64, 8], { seed: 5 });
  const t = matmul(randn([8, 4], { seed: 6 }), randn([4, 8], { seed: 7 }));
  const y = matmul(x, t);
  let st: DyLoraState = {
    ...dyLora.init(randn([8, 8], { seed: 0 }), { r: 4, alpha: 4, mode: "nonfrozen" }, new Rng(8)),
  };
  const lossAt = (s: DyLoraState, b: number): number =>
    mean(square(sub(matmul(x, dyLora.delta(withRank(s, b)), { transB: true }), y))).data[0];
  const before = [1, 2, 3, 4].map((b) => lossAt(st, b));
  const rr = new Rng(9);
  for (let step = 0; step < 300; step++) {
    const b = sampleRank(rr, 4);
    const f = (a: Tensor, bm: Tensor): Tensor =>
      mean(
        square(
          sub(
            matmul(x, dyLora.delta(withRank({ ...st, params: { a, b: bm } }, b)), { transB: true }),
            y,
          ),
        ),
      );
    const { grad } = valueAndGrad(f, { argnums: [0, 1] })(st.params.a, st.params.b);
    const [ga, gb] = grad as Tensor[];
    st = {
      ...st,
      params: {
        a: axpy_(st.params.a.clone(), ga, -0.02),
        b: axpy_(st.params.b.clone(), gb, -0.02),
      },
    };
  }
  const after = [1, 2, 3, 4].map((b) => lossAt(st, b));
  for (let b = 0; b < 4; b++) {
    assert.ok(after[b] < 0.8 * before[b], `rank ${b + 1}: ${before[b]} → ${after[b]}`);
  }
  assert.ok(after[3] < after[0], "higher rank fits better");
  assert.equal(loraFromFactors(st.params.a, st.params.b).r, 4);
});

Deno.test("DyLoRA useRslora: ΔW_b = (α/√b)·B[:, :b] A[:b] by hand, state.scale and the export agree", () => {
  const st = randomFactors(
    dyLora.init(randn([5, 4], { seed: 0 }), { r: 4, alpha: 6, useRslora: true }, new Rng(0)),
    8,
  );
  assert.equal(st.scale, 6 / 2); // active rank r_max = 4 at init: α/√4
  const plain = randomFactors(
    dyLora.init(randn([5, 4], { seed: 0 }), { r: 4, alpha: 6 }, new Rng(0)),
    8,
  );
  assert.equal(plain.scale, 6 / 4);
  for (let b = 1; b <= 4; b++) {
    const sb = withRank(st, b);
    assert.equal(sb.scale, 6 / Math.sqrt(b));
    assert.equal(withRank(plain, b).scale, 6 / b);
    const d = dyLora.delta(sb);
    for (let i = 0; i < 5; i++) {
      for (let j = 0; j < 4; j++) {
        let ref = 0;
        for (let c = 0; c < b; c++) {
          ref += st.params.b.data[i * 4 + c] * st.params.a.data[c * 4 + j];
        }
        ref *= 6 / Math.sqrt(b);
        assert.ok(Math.abs(d.data[i * 4 + j] - ref) <= 1e-13, `b=${b} (${i},${j})`);
      }
    }
    const exp = dyLoraToLora(st, b);
    assert.equal(exp.scale, 6 / Math.sqrt(b));
    assert.ok(maxDiff(lora.delta(exp), d) <= 1e-13);
  }
});
