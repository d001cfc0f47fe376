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

Deno.test("matrixRank: singular values past the largest double; tol is still absolute", () => {
  // Orthogonal columns: σ(a0) = [1.5·√8, 0.25·√8] ≈ [4.243, 0.707]; a = 2^1022·a0 has
  // σ₁ ≈ 1.9e308, past Number.MAX_VALUE (1.8e308), and σ₂ ≈ 3.2e307.
  const a0 = new Tensor(
    Float64Array.from({ length: 16 }, (_, i) => i % 2 === 0 ? 1.5 : (i % 4 === 1 ? 0.25 : -0.25)),
    [8, 2],
  );
  const a = new Tensor(a0.data.map((v) => v * 2 ** 1022), [8, 2]);
  assertEquals(matrixRank(a), 2);
  assertEquals(matrixRank(a, { tol: 1e308 }), 1);
  assertEquals(matrixRank(a, { tol: 3e307 }), 2);
  assertEquals(matrixRank(a, { tol: 3.3e307 }), 1);
  assertEquals(matrixRank(a, { tol: Number.MAX_VALUE }), 1);
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
