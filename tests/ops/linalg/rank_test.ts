import { deepEqual as assertEquals } from "node:assert/strict";
import fc from "fast-check";
import { matrixRank } from "../../../ops/linalg/rank.ts";
import { astype, Tensor, tensor } from "../../../ops/tensor.ts";
import { kahan, randMat, rankDeficient, throwsWith, withSpectrum } from "./_factor_helpers.ts";

Deno.test("matrixRank: exact products, zero, vectors-as-matrices and f32", () => {
  assertEquals(matrixRank(rankDeficient(30, 20, 7, 1)), 7);
  assertEquals(matrixRank(rankDeficient(10, 40, 3, 2)), 3);
  assertEquals(matrixRank(new Tensor(new Float64Array(12), [3, 4])), 0);
  assertEquals(matrixRank(tensor([[0, 0, 2]])), 1);
  assertEquals(matrixRank(tensor([[0], [0]])), 0);
  assertEquals(matrixRank(randMat(15, 15, 3)), 15);
  assertEquals(matrixRank(astype(rankDeficient(12, 12, 5, 4), "f32")), 5);
  assertEquals(matrixRank(kahan(30)), 30);
});

Deno.test("matrixRank: the tolerance splits a known spectrum", () => {
  const a = withSpectrum(20, 12, [10, 5, 1, 1e-3, 1e-9], 5);
  assertEquals(matrixRank(a), 5);
  assertEquals(matrixRank(a, { tol: 1e-6 }), 4);
  assertEquals(matrixRank(a, { tol: 2 }), 2);
  throwsWith(() => matrixRank(a, { tol: -1 }), RangeError, "matrixRank: tol");
  throwsWith(() => matrixRank(tensor([1, 2])), RangeError, "matrixRank: a must be a matrix");
});

Deno.test("matrixRank: property — U·diag(s)·Vᵀ with r singular values in [0.1, 1] has rank r", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 9 }),
      fc.integer({ min: 1, max: 9 }),
      fc.integer({ min: 1, max: 9 }),
      fc.integer({ min: 0, max: 1e6 }),
      (m, n, r0, seed) => {
        const r = Math.min(r0, m, n);
        const s = Array.from({ length: r }, (_, i) => 1 - (0.9 * i) / Math.max(r - 1, 1));
        assertEquals(matrixRank(withSpectrum(m, n, s, seed)), r);
      },
    ),
    { numRuns: 80, seed: 23 },
  );
});
