import assert from "node:assert/strict";
import { svd } from "../../../ops/linalg/svd.ts";
import { randn } from "../../../ops/random.ts";
import type { Tensor } from "../../../ops/tensor.ts";
import { linear } from "../../../ops/autograd/ops.ts";
import { svdEmbedding, svdLinear } from "../../../methods/compression/mod.ts";

function frob2(a: Tensor, b: Tensor): number {
  let s = 0;
  for (let i = 0; i < a.size; i++) s += (a.data[i] - b.data[i]) ** 2;
  return s;
}

Deno.test("svdLinear: exact at full rank; rank-k weight error is Σ_{i>k} σ_i² (Eckart–Young)", () => {
  const w = randn([7, 5], { seed: 0 }), b = randn([7], { seed: 1 });
  const s = svd(w).s.data;
  for (let k = 1; k <= 5; k++) {
    const f = svdLinear({ weight: w, bias: b }, k);
    assert.deepEqual([f.a.weight.shape, f.b.weight.shape], [[k, 5], [7, k]]);
    assert.ok(f.a.bias!.data.every((v) => v === 0));
    assert.deepEqual(Array.from(f.b.bias!.data), Array.from(b.data));
    // ‖W_B·W_A − W‖²_F by a plain triple loop.
    let err = 0;
    for (let i = 0; i < 7; i++) {
      for (let j = 0; j < 5; j++) {
        let v = 0;
        for (let t = 0; t < k; t++) v += f.b.weight.data[i * k + t] * f.a.weight.data[t * 5 + j];
        err += (v - w.data[i * 5 + j]) ** 2;
      }
    }
    const tail = Array.from(s.slice(k)).reduce((a, x) => a + x * x, 0);
    assert.ok(Math.abs(err - tail) <= 1e-12 * s[0] * s[0], `k ${k}: ${err} vs ${tail}`);
  }
});

Deno.test("svdEmbedding: table·projᵀ is the rank-k truncation; exact at k = d", () => {
  const e = randn([20, 4], { seed: 2 });
  const s = svd(e).s.data;
  for (let k = 1; k <= 4; k++) {
    const f = svdEmbedding(e, k);
    assert.deepEqual([f.table.shape, f.proj.weight.shape], [[20, k], [4, k]]);
    const rec = linear(f.table, f.proj.weight, f.proj.bias);
    const tail = Array.from(s.slice(k)).reduce((a, x) => a + x * x, 0);
    assert.ok(Math.abs(frob2(rec, e) - tail) <= 1e-12 * s[0] * s[0]);
  }
});

Deno.test("svd compression errors name k and its range", () => {
  assert.throws(
    () => svdLinear({ weight: randn([3, 2]) }, 3),
    /k must be an integer in \[1, 2\], got 3/,
  );
  assert.throws(() => svdEmbedding(randn([3, 2]), 0), /got 0/);
});
