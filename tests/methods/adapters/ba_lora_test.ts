import assert from "node:assert/strict";
import { gradcheck } from "../../../ops/autograd/mod.ts";
import { matmul } from "../../../ops/matmul.ts";
import { randn } from "../../../ops/random.ts";
import { tensor, zeros } from "../../../ops/tensor.ts";
import { svdvals } from "../../../ops/linalg/svd.ts";
import {
  baLoraNlu,
  consistencyNlg,
  consistencyNlu,
  diversityNlg,
  diversityNlu,
  singularValues,
  svdShare,
  svdShareBatch,
} from "../../../methods/adapters/ba_lora.ts";

Deno.test("BA-LoRA consistency: 0 for Z = Z₀ (and Z = c·Z₀ for NLU); KL ≥ 0 otherwise", () => {
  const z0 = randn([6, 4], { seed: 1 });
  const c = z0.clone();
  for (let i = 0; i < c.size; i++) c.data[i] *= 3.5;
  assert.ok(consistencyNlu(c, z0).data[0] < 1e-30);
  const z = randn([6, 4], { seed: 2 });
  assert.ok(consistencyNlu(z, z0).data[0] > 0);
  assert.equal(consistencyNlg(z0, z0, 2).data[0], 0);
  // Shift invariance of softmax: Z₀ + const per row gives KL = 0; a different Z gives KL > 0.
  assert.ok(
    Math.abs(consistencyNlg(tensor([[1, 2, 3]]), tensor([[11, 12, 13]]), 1).data[0]) < 1e-15,
  );
  assert.ok(consistencyNlg(z, z0, 3).data[0] > 0);
  // Masked positions do not count.
  const mask = tensor([1, 1, 0, 0, 0, 0]);
  const part = consistencyNlg(z, z0, 3, mask).data[0];
  const head = consistencyNlg(
    tensor(Array.from(z.data.subarray(0, 8)), { shape: [2, 4] }),
    tensor(Array.from(z0.data.subarray(0, 8)), { shape: [2, 4] }),
    3,
  ).data[0];
  assert.ok(Math.abs(part - head) < 1e-15);
});

Deno.test("BA-LoRA diversity: 0 for a diagonal covariance; NLG minimum −log V at uniform P", () => {
  // Orthogonal centred columns: covariance is diagonal.
  assert.ok(Math.abs(diversityNlu(tensor([[1, 1], [-1, 1], [1, -1], [-1, -1]])).data[0]) < 1e-15);
  assert.ok(diversityNlu(randn([8, 3], { seed: 3 })).data[0] > 0);
  assert.equal(diversityNlu(randn([1, 3], { seed: 3 })).data[0], 0);
  assert.ok(Math.abs(diversityNlg(zeros([3, 5])).data[0] + Math.log(5)) < 1e-14);
  assert.ok(diversityNlg(randn([3, 5], { seed: 4 })).data[0] > -Math.log(5));
});

Deno.test("BA-LoRA SVD term: in [−1, −k/min(B, C)], −1 iff rank ≤ k; singular values match svdvals", () => {
  const z = randn([7, 5], { seed: 5 });
  const v = svdShare(z, 2).data[0];
  assert.ok(v >= -1 && v <= -2 / 5);
  const low = matmul(randn([7, 2], { seed: 6 }), randn([2, 5], { seed: 7 }));
  assert.ok(Math.abs(svdShare(low, 2).data[0] + 1) < 1e-9);
  assert.ok(Math.abs(svdShare(low, 9).data[0] + 1) < 1e-9, "k larger than the number of values");
  const ref = svdvals(z).data;
  singularValues(z).data.forEach((s, i) => assert.ok(Math.abs(s - ref[i]) < 1e-13));
  assert.ok(Math.abs(svdShareBatch([z, low], 2).data[0] - (v - 1) / 2) < 1e-9);
});

Deno.test("BA-LoRA: every term passes gradcheck; with λ = 0 the regularizer vanishes", () => {
  const z0 = randn([5, 4], { seed: 8 });
  const z = randn([5, 4], { seed: 9 });
  for (
    const [name, f] of [
      ["consistencyNlu", (t: typeof z) => consistencyNlu(t, z0)],
      ["diversityNlu", diversityNlu],
      ["svdShare", (t: typeof z) => svdShare(t, 2)],
      ["consistencyNlg", (t: typeof z) => consistencyNlg(t, z0, 2)],
      ["diversityNlg", (t: typeof z) => diversityNlg(t)],
      ["baLoraNlu", (t: typeof z) => baLoraNlu(t, z0, { cons: 1, div: 1, svd: 1 })],
    ] as const
  ) {
    const res = gradcheck(f, [z]);
    assert.ok(res.ok, `${name}: ${res.maxError}`);
  }
  assert.equal(baLoraNlu(z, z0, { cons: 0, div: 0, svd: 0 }).data[0], 0);
});

Deno.test("BA-LoRA by hand: L_div = (1/C)·Σ_{p≠q} Σ_pq² with Σ = Z̃ᵀZ̃/(B − 1); KL(P₀ ‖ P), not KL(P ‖ P₀)", () => {
  // Centred Z = [[0, 1], [2, −1], [−2, 0]]: Z̃ᵀZ̃ = [[8, −2], [−2, 2]], Σ = that / 2,
  // off-diagonal energy 2·1² = 2, times 1/C = 1/2.
  const z = tensor([[1, 2], [3, 0], [-1, 1]]);
  assert.ok(Math.abs(diversityNlu(z).data[0] - 1) < 1e-15);
  // C = 3: one correlated pair (cols 0, 1), col 2 constant: Σ_01 = 2 ⇒ (2·4)/3.
  const z3 = tensor([[1, 1, 5], [-1, -1, 5], [1, 1, 5], [-1, -1, 5]]);
  assert.ok(Math.abs(diversityNlu(z3).data[0] - (2 * (4 / 3) ** 2) / 3) < 1e-14);
  // P = (1/4, 3/4), P₀ = (1/2, 1/2): KL(P₀ ‖ P) = ½ ln 2 + ½ ln(2/3) = ½ ln(4/3), over batch 2.
  const zl = tensor([[0, Math.log(3)], [5, -5]]), z0 = tensor([[0, 0], [5, -5]]);
  assert.ok(Math.abs(consistencyNlg(zl, z0, 2).data[0] - 0.5 * Math.log(4 / 3) / 2) < 1e-15);
  // The mask drops the first position (the only one that differs).
  assert.ok(Math.abs(consistencyNlg(zl, z0, 2, tensor([0, 1])).data[0]) < 1e-15);
});
