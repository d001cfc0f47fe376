import assert from "node:assert/strict";
import { valueAndGrad } from "../../../ops/autograd/grad.ts";
import { mean, square, sub, tanh } from "../../../ops/autograd/ops.ts";
import { matmul } from "../../../ops/autograd/ops_matmul.ts";
import { randn, Rng } from "../../../ops/random.ts";
import { type Tensor, tensor } from "../../../ops/tensor.ts";
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

Deno.test("CoLoRA by hand: FAIG takes |·| per filter (row), and r_l = max(1, round(δ_l·out·in/(out + in)))", () => {
  // Linear loss L = Σ G ⊙ W: the gradient is G everywhere on the path; pre = 0, tgt = 1.
  const g = tensor([[1, 2], [-3, 0.5]]);
  const lin = (): Record<string, Tensor> => ({ l: g.clone() });
  const r = faig(lin, { l: tensor([[0, 0], [0, 0]]) }, { l: tensor([[1, 1], [1, 1]]) }, {
    steps: 3,
  });
  // Filter sums 3 and −2.5: |3| + |−2.5| (not |0.5| for the layer, nor 6.5 per parameter).
  assert.ok(Math.abs(r.contributions.l - 5.5) < 1e-14);
  assert.ok(Math.abs(r.signedTotal - 0.5) < 1e-14);
  const n = faig(lin, { l: tensor([[0, 0], [0, 0]]) }, { l: tensor([[1, 1], [1, 1]]) }, {
    normalize: true,
  });
  assert.ok(Math.abs(n.contributions.l - 5.5 / 4) < 1e-14);
  // Two 10×10 layers (out·in/(out + in) = 5), ĉ = 1 and 0.5, budget 100 of 200 parameters:
  // r₁ + r₂ ≤ 5 with r₁ = round(5α), r₂ = round(2.5α). α ∈ [0.6, 0.7) gives (3, 2): 5; α = 0.7
  // gives (4, 2). A floor rule would stop at (3, 1), a ceil rule reaches (3, 2) only for α ≤ 0.6.
  const two = [
    { name: "a", out: 10, inp: 10, contribution: 2 },
    { name: "b", out: 10, inp: 10, contribution: 1 },
  ];
  const al = allocateRanks(two, { budget: 0.5 });
  assert.deepEqual(al.ranks, { a: 3, b: 2 });
  assert.equal(al.params, 100);
  // Bisection converges to the top of that interval (a ceil rule would stop at 0.6).
  assert.ok(al.alpha > 0.699 && al.alpha < 0.7, `α = ${al.alpha}`);
  // β shifts δ: with β = 0.1, round(5α + 0.5) and round(2.5α + 0.5) are (3, 2) for α ∈ [0.4, 0.6).
  const ab = allocateRanks(two, { budget: 0.5, beta: 0.1 });
  assert.deepEqual(ab.ranks, { a: 3, b: 2 });
  assert.ok(ab.alpha >= 0.4 && ab.alpha < 0.6, `α = ${ab.alpha}`);
});
