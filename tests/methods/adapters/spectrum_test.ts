import assert from "node:assert/strict";
import { svd } from "../../../ops/linalg/svd.ts";
import { matmul } from "../../../ops/matmul.ts";
import { randn } from "../../../ops/random.ts";
import { tensor } from "../../../ops/tensor.ts";
import { lowRankSingularValues, numericalRank } from "../../../methods/adapters/spectrum.ts";

const U = 2 ** -53;

Deno.test("lowRankSingularValues equals the SVD of the dense product, rank-deficient too", () => {
  const b = randn([30, 5], { seed: 1 }), a = randn([5, 20], { seed: 2 });
  // Column 4 of B repeats column 1: B A has rank 4, and the factored path must not give NaN.
  for (let i = 0; i < 30; i++) b.data[i * 5 + 4] = b.data[i * 5 + 1];
  const got = lowRankSingularValues(b, a, -0.5);
  const want = Array.from(svd(matmul(b, a)).s.data.subarray(0, 5), (s) => 0.5 * s);
  const tol = 50 * 30 * U * want[0];
  got.forEach((s, i) => assert.ok(Math.abs(s - want[i]) <= tol, `σ${i}: ${s} vs ${want[i]}`));
  assert.equal(numericalRank(got, 30 * 2 ** -52 * 50), 4);
  const zero = lowRankSingularValues(tensor([[0, 0], [0, 0]]), tensor([[0], [0]]));
  assert.deepEqual(zero, [0, 0]);
});

Deno.test("lowRankSingularValues rejects non-finite factors and scale", () => {
  const b = tensor([[1], [NaN]]), a = tensor([[1, 2]]);
  assert.throws(() => lowRankSingularValues(b, a), /b has a non-finite entry at 1/);
  assert.throws(
    () => lowRankSingularValues(tensor([[1], [2]]), tensor([[Infinity]])),
    /a has a non-finite/,
  );
  assert.throws(
    () => lowRankSingularValues(tensor([[1]]), tensor([[1]]), NaN),
    /scale must be finite, got NaN/,
  );
});
