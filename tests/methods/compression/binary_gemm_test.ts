import assert from "node:assert/strict";
import { randn } from "../../../ops/random.ts";
import { matmul } from "../../../ops/matmul.ts";
import { sign } from "../../../ops/unary.ts";
import { tensor } from "../../../ops/tensor.ts";
import { binaryMatmulT, packSigns } from "../../../methods/compression/mod.ts";

Deno.test("binaryMatmulT: XOR-popcount product equals sign(A)·sign(B)ᵀ for k not a multiple of 32", () => {
  for (const k of [1, 31, 32, 33, 70]) {
    const a = randn([5, k], { seed: k }), b = randn([4, k], { seed: k + 100 });
    const got = binaryMatmulT(packSigns(a), packSigns(b));
    const want = matmul(sign(a), sign(b), { transB: true });
    assert.deepEqual(got.shape, [5, 4]);
    for (let i = 0; i < want.size; i++) assert.equal(got.data[i], want.data[i], `k ${k}`);
  }
});

Deno.test("packSigns: 0 counts as +1; NaN, non-matrices and mismatched k are errors", () => {
  const p = packSigns(tensor([[0, -0.5]]));
  assert.equal(p.words[0], 1);
  assert.equal(binaryMatmulT(p, p).data[0], 2);
  assert.throws(() => packSigns(tensor([[1, NaN]])), /NaN at \[0, 1\]/);
  assert.throws(() => packSigns(tensor([1, 2])), TypeError);
  assert.throws(
    () => binaryMatmulT(packSigns(tensor([[1, 2]])), packSigns(tensor([[1, 2, 3]]))),
    /a has k = 2, b has k = 3/,
  );
});
