import assert from "node:assert/strict";
import { valueAndGrad } from "../../../ops/autograd/grad.ts";
import { mean, square, sub, tanh } from "../../../ops/autograd/ops.ts";
import { matmul } from "../../../ops/autograd/ops_matmul.ts";
import { randn, Rng } from "../../../ops/random.ts";
import type { Tensor } from "../../../ops/tensor.ts";
import {
  allocateRanks,
  coloraInit,
  faig,
  type LayerInfo,
} from "../../../methods/adapters/colora.ts";
import { peftLoraFromStates } from "../../../methods/adapters/peft_export.ts";
import { readPeftLora, writePeftLora } from "../../../methods/adapters/peft.ts";

// Toy two-layer network: loss(W) = mean((tanh(x W1ᵀ) W2ᵀ − y)²).
const x = randn([32, 6], { seed: 1 }), y = randn([32, 3], { seed: 2 });
const loss = (w: Record<string, Tensor>): Tensor =>
  mean(square(sub(matmul(tanh(matmul(x, w.l1, { transB: true })), w.l2, { transB: true }), y)));
const grad = (w: Record<string, Tensor>): Record<string, Tensor> =>
  valueAndGrad(loss)(w).grad as Record<string, Tensor>;
const pre = { l1: randn([5, 6], { seed: 3 }), l2: randn([3, 5], { seed: 4 }) };

Deno.test("CoLoRA FAIG: Riemann sum converges (completeness), zero for unchanged layers", () => {
  const tgt = { l1: randn([5, 6], { seed: 5 }), l2: randn([3, 5], { seed: 6 }) };
  const exact = loss(tgt).data[0] - loss(pre).data[0];
  const errs = [10, 40, 160].map((m) =>
    Math.abs(faig(grad, pre, tgt, { steps: m }).signedTotal - exact)
  );
  assert.ok(errs[1] < errs[0] / 2 && errs[2] < errs[1] / 2, `errors ${errs}`);
  // Right Riemann sums converge at O(1/M): 16× the steps cut the error about 16×.
  assert.ok(errs[0] / errs[2] > 8, `errors ${errs}`);
  const only2 = { l1: pre.l1, l2: tgt.l2 };
  const r = faig(grad, pre, only2, { steps: 20 });
  assert.equal(r.contributions.l1, 0);
  assert.ok(r.contributions.l2 > 0);
  const norm = faig(grad, pre, only2, { steps: 20, normalize: true });
  assert.ok(Math.abs(norm.contributions.l2 - r.contributions.l2 / 15) < 1e-15);
});

Deno.test("CoLoRA allocation: monotone, within budget, equal contributions ⇒ uniform ranks", () => {
  const rng = new Rng(7);
  const layers: LayerInfo[] = Array.from(
    { length: 8 },
    (_, i) => ({ name: `l${i}`, out: 128, inp: 128, contribution: rng.uniform() }),
  );
  const a = allocateRanks(layers, { budget: 0.07 });
  assert.ok(a.feasible && a.share <= 0.07);
  // Largest total not exceeding the budget: one more rank anywhere would be below the step size.
  assert.ok(a.share > 0.07 - 256 * 8 / (8 * 128 * 128), `share ${a.share}`);
  const sorted = [...layers].sort((p, q) => p.contribution - q.contribution);
  for (let i = 1; i < sorted.length; i++) {
    assert.ok(a.ranks[sorted[i].name] >= a.ranks[sorted[i - 1].name]);
  }
  const equal = allocateRanks(layers.map((l) => ({ ...l, contribution: 1 })), { budget: 0.07 });
  assert.equal(new Set(Object.values(equal.ranks)).size, 1);
  const tiny = allocateRanks(layers, { budget: 0.001 });
  assert.equal(tiny.feasible, false, "rank ≥ 1 cannot meet a 0.1% budget");
  assert.throws(() => allocateRanks(layers, { budget: 0 }), /budget must be in \(0, 1\]/);
});

Deno.test("CoLoRA export: rank_pattern reloads with identical shapes", () => {
  const weights = {
    "m.0.conv": randn([16, 12], { seed: 1 }),
    "m.1.conv": randn([16, 12], { seed: 2 }),
  };
  const states = coloraInit(weights, { "m.0.conv": 2, "m.1.conv": 5 }, { alpha: 4 }, new Rng(0));
  const files = writePeftLora(peftLoraFromStates(states));
  const back = readPeftLora(files.config, files.weights);
  assert.deepEqual(back.modules.get("m.1.conv")!.a.shape, [5, 12]);
  assert.deepEqual(back.modules.get("m.0.conv")!.b.shape, [16, 2]);
  assert.deepEqual(JSON.parse(files.config).rank_pattern, { "m\\.1\\.conv": 5 });
});
