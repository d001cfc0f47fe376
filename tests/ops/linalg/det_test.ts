import assert, { deepEqual as assertEquals } from "node:assert/strict";
import fc from "fast-check";
import { det as mathDet } from "mathjs";
import { det, slogdet } from "../../../ops/linalg/det.ts";
import { permutationSign } from "../../../ops/linalg/_lu_kernel.ts";
import { eye, Tensor, tensor } from "../../../ops/tensor.ts";
import { randMat, rankDeficient, throwsWith, uOf } from "./_factor_helpers.ts";

function rows(t: Tensor): number[][] {
  const n = t.shape[0];
  return Array.from({ length: n }, (_, i) => Array.from(t.data.slice(i * n, i * n + n)));
}

Deno.test("det: agrees with mathjs det on random matrices to c·n·u·|det|-ish accuracy", () => {
  for (const n of [1, 2, 3, 6, 12, 25]) {
    const a = randMat(n, n, 100 + n);
    const ref = mathDet(rows(a)) as number;
    const ours = det(a);
    // Both are products of pivots of backward-stable LUs: relative agreement ~ cond·n·u.
    assert(
      Math.abs(ours - ref) <= 1e3 * n * n * uOf("f64") * Math.abs(ref),
      `n=${n}: ${ours} vs ${ref}`,
    );
    const { sign, logabsdet } = slogdet(a);
    assertEquals(sign, Math.sign(ref));
    assert(Math.abs(logabsdet - Math.log(Math.abs(ref))) <= 1e3 * n * n * uOf("f64"));
  }
});

Deno.test("det: singular matrices give 0 and slogdet gives sign 0, -Infinity", () => {
  assertEquals(det(rankDeficient(5, 5, 2, 3)), 0);
  assertEquals(slogdet(tensor([[1, 2], [2, 4]])), { sign: 0, logabsdet: -Infinity });
  assertEquals(det(new Tensor(new Float64Array(0), [0, 0])), 1);
});

Deno.test("det: no spurious overflow or underflow; slogdet stays finite past the range", () => {
  // 400 pivots of 1e-300·1e300... products alternate; the true determinant is exactly 1.
  const n = 400;
  const a = eye(n);
  for (let i = 0; i < n; i++) a.data[i * n + i] = i % 2 === 0 ? 1e200 : 1e-200;
  assert(Math.abs(det(a) - 1) <= 4 * n * uOf("f64"), `det = ${det(a)}`);
  const big = eye(3);
  for (let i = 0; i < 3; i++) big.data[i * 3 + i] = -1e200;
  assertEquals(det(big), -Infinity);
  const { sign, logabsdet } = slogdet(big);
  assertEquals(sign, -1);
  assert(Math.abs(logabsdet - 600 * Math.LN10) <= 1e-12 * 600 * Math.LN10);
});

Deno.test("det: permutation sign and argument errors", () => {
  assertEquals(permutationSign(Int32Array.of(0, 1, 2)), 1);
  assertEquals(permutationSign(Int32Array.of(2, 0, 1)), 1);
  assertEquals(permutationSign(Int32Array.of(1, 0, 2, 3)), -1);
  throwsWith(() => det(randMat(2, 3, 1)), RangeError, "det: a must be square");
  throwsWith(() => slogdet(tensor([[Infinity]])), RangeError, "slogdet: a has a non-finite");
});

Deno.test("det: property — det(AB) = det(A)·det(B) and det(Aᵀ) = det(A)", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 0, max: 1e6 }), (n, seed) => {
      const a = randMat(n, n, seed), b = randMat(n, n, seed + 1);
      const ab = new Float64Array(n * n), at = new Float64Array(n * n);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          at[j * n + i] = a.data[i * n + j];
          for (let t = 0; t < n; t++) ab[i * n + j] += a.data[i * n + t] * b.data[t * n + j];
        }
      }
      const lhs = det(new Tensor(ab, [n, n])), rhs = det(a) * det(b);
      assert(Math.abs(lhs - rhs) <= 1e5 * n * uOf("f64") * Math.max(Math.abs(rhs), 1e-300));
      const dt = det(new Tensor(at, [n, n])), da = det(a);
      assert(Math.abs(dt - da) <= 1e4 * n * uOf("f64") * Math.abs(da));
    }),
    { numRuns: 80, seed: 13 },
  );
});
