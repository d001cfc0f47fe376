import assert from "node:assert/strict";
import { randn } from "../../../ops/random.ts";
import { matmul } from "../../../ops/matmul.ts";
import { transpose } from "../../../ops/shape.ts";
import { eye, type Tensor, zeros } from "../../../ops/tensor.ts";
import { grad } from "../../../ops/autograd/grad.ts";
import { gradcheck } from "../../../ops/autograd/gradcheck.ts";
import { mul, sum } from "../../../ops/autograd/ops.ts";
import {
  dsformerInit,
  dsformerKForBudget,
  dsformerSize,
  dsformerWeight,
  nmMatmulT,
  nmPack,
  nmProject,
} from "../../../methods/compression/mod.ts";

function frob(a: Tensor, b: Tensor): number {
  let s = 0;
  for (let i = 0; i < a.size; i++) s += (a.data[i] - b.data[i]) ** 2;
  return Math.sqrt(s);
}

function lowRank(m: number, n: number, r: number, seed: number): Tensor {
  return matmul(randn([m, r], { seed }), randn([r, n], { seed: seed + 1 }));
}

Deno.test("dsformerInit: dense S (N = M) with k ≥ rank(W) fits exactly (§3 property 2)", () => {
  const w = lowRank(12, 10, 5, 0);
  for (const convention of ["columns", "rows"] as const) {
    const f = dsformerInit(w, { k: 8, keep: 4, group: 4, convention });
    const what = convention === "columns" ? matmul(f.d, f.s) : transpose(matmul(f.d, f.s));
    // The D-step's ridge ε = 1e-8·trace(SSᵀ)/k leaves a relative error of order 1e-8.
    assert.ok(frob(w, what) <= 1e-6 * frob(w, zeros([12, 10])), convention);
  }
  // With D = I_m and S = W (k = m), the STF weight is W itself.
  const w2 = randn([8, 6], { seed: 2 });
  assert.ok(frob(dsformerWeight(eye(8), w2, { k: 8, keep: 4, group: 4 }), w2) === 0);
});

Deno.test("dsformerInit: the D-step never increases ‖W − DS‖ and rounds improve on the SVD start (§3 property 3)", () => {
  const w = randn([32, 24], { seed: 3 });
  const f = dsformerInit(w, { k: 16, keep: 2, group: 4, rounds: 6, epsilon: 1e-14 });
  assert.equal(f.errors.length, 1 + 2 * 6);
  for (let i = 1; i < f.errors.length; i++) {
    if (f.errors[i].step === "D") {
      assert.ok(f.errors[i].error <= f.errors[i - 1].error * (1 + 1e-12), `step ${i}`);
    }
  }
  // rounds: 0 is the projected SVD start only; more rounds fit better.
  const f0 = dsformerInit(w, { k: 16, keep: 2, group: 4, rounds: 0 });
  assert.equal(f0.errors.length, 1);
  assert.ok(f.errors.at(-1)!.error < f0.errors[0].error);
  // The returned factors are the last ones, N:M sparse along k.
  assert.ok(Math.abs(frob(w, matmul(f.d, f.s)) - f.errors.at(-1)!.error) <= 1e-9);
  assert.deepEqual(Array.from(nmProject(f.s, 2, 4).data), Array.from(f.s.data));
});

Deno.test("dsformerInit: epsilon is the D-step's ridge (a large one fits worse)", () => {
  const w = randn([16, 16], { seed: 4 });
  const small = dsformerInit(w, { k: 8, rounds: 2, epsilon: 1e-10 });
  const big = dsformerInit(w, { k: 8, rounds: 2, epsilon: 10 });
  assert.ok(big.errors.at(-1)!.error > small.errors.at(-1)!.error * 1.01);
  assert.equal(small.d.dtype, w.dtype);
});

Deno.test("dsformerWeight: STE gradient reaches every entry of S̃; D's gradient is G Sᵀ (§3 property 4)", () => {
  const d = randn([6, 4], { seed: 5 }),
    sl = randn([4, 5], { seed: 6 }),
    g = randn([6, 5], { seed: 7 });
  const shape = { k: 4, keep: 1, group: 2 };
  const [gd, gs] = grad((a: Tensor, b: Tensor) => sum(mul(dsformerWeight(a, b, shape), g)), {
    argnums: [0, 1],
  })(d, sl) as Tensor[];
  const sp = nmProject(sl, 1, 2);
  assert.ok(frob(gs, matmul(d, g, { transA: true })) <= 1e-12);
  assert.ok(gs.data.every((v, i) => sp.data[i] !== 0 || v !== 0)); // masked entries get G too
  assert.ok(frob(gd, matmul(g, sp, { transB: true })) <= 1e-12);
  // D's gradient is a true gradient (S̃ fixed): finite differences agree.
  assert.ok(gradcheck((a) => sum(mul(dsformerWeight(a, sl, shape), g)), [d]).ok);
  // "rows": Ŵ = (D S)ᵀ; its D gradient is a true gradient too.
  const rows = { ...shape, convention: "rows" as const };
  const w = dsformerWeight(d, sl, rows);
  assert.deepEqual(w.shape, [5, 6]);
  assert.ok(frob(w, transpose(matmul(d, sp))) === 0);
  assert.ok(gradcheck((a) => sum(mul(dsformerWeight(a, sl, rows), transpose(g))), [d]).ok);
});

Deno.test("dsformer: D(Sx) equals (DS)x and the size is m·k + N·(k/M)·n (§3 property 5)", () => {
  const f = dsformerInit(randn([24, 20], { seed: 8 }), { k: 8, keep: 2, group: 4 });
  const x = randn([3, 20], { seed: 9 });
  const viaSparse = matmul(nmMatmulT(x, nmPack(f.s, 2, 4)), f.d, { transB: true });
  const dense = matmul(x, matmul(f.d, f.s), { transB: true });
  assert.ok(frob(viaSparse, dense) <= 1e-12);
  const size = dsformerSize(24, 20, { k: 8, keep: 2, group: 4 });
  assert.equal(size.dense + size.sparse, 24 * 8 + 2 * (8 / 4) * 20);
  assert.equal(size.indexBits, (8 / 4) * 20 * Math.log2(6));
  assert.equal(size.total, size.dense + size.sparse + size.indexBits / 32);
  assert.equal(
    dsformerSize(24, 20, { k: 8 }, 16).total,
    size.dense + size.sparse + size.indexBits / 16,
  );
  // "rows" swaps the sides: D is n×k.
  assert.equal(dsformerSize(24, 20, { k: 8, convention: "rows" }).dense, 20 * 8);
});

Deno.test("dsformerKForBudget: the largest multiple of M that fits", () => {
  const k = dsformerKForBudget(64, 64, 2048, { keep: 2, group: 4 });
  assert.ok(dsformerSize(64, 64, { k }).total <= 2048);
  assert.ok(dsformerSize(64, 64, { k: k + 4 }).total > 2048);
  assert.equal(dsformerKForBudget(64, 64, 10), 0);
});

Deno.test("dsformer: bad k, N:M, shapes and unknown options are errors naming the value", () => {
  const w = randn([8, 8], { seed: 1 });
  assert.throws(
    () => dsformerInit(w, { k: 6 }),
    /k must be a positive multiple of group M=4, got 6/,
  );
  assert.throws(() => dsformerInit(w, { k: 12, group: 4 }), /k = 12 exceeds the basis side m = 8/);
  assert.throws(() => dsformerInit(w, { k: 4, keep: 5 }), /N must be an integer in 1..M=4, got 5/);
  assert.throws(
    () => dsformerInit(w, { k: 4, rounds: -1 }),
    /rounds must be an integer ≥ 0, got -1/,
  );
  assert.throws(() => dsformerInit(w, { k: 4, ronuds: 2 } as never), TypeError);
  assert.throws(() => dsformerInit(w, { k: 4, convention: "cols" as "rows" }), TypeError);
  assert.throws(
    () => dsformerWeight(randn([8, 4], { seed: 0 }), randn([8, 8], { seed: 1 }), { k: 4 }),
    /need d \[\.\., 4\] and sLatent \[4, \.\.\]/,
  );
});
