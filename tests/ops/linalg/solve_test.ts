import assert, { deepEqual as assertEquals } from "node:assert/strict";
import fc from "fast-check";
import { lusolve } from "mathjs";
import { solve } from "../../../ops/linalg/solve.ts";
import { astype, type Tensor, tensor } from "../../../ops/tensor.ts";
import { frob, naiveMul, randMat, spd, throwsWith, uOf } from "./_factor_helpers.ts";

function rows(t: Tensor): number[][] {
  const [m, n] = t.ndim === 1 ? [t.shape[0], 1] : t.shape;
  return Array.from({ length: m }, (_, i) => Array.from(t.data.slice(i * n, i * n + n)));
}

Deno.test("solve: agrees with mathjs lusolve and has a backward-stable residual", () => {
  for (const [n, k] of [[1, 1], [7, 1], [40, 3], [140, 2]]) {
    const a = randMat(n, n, n), b = randMat(n, k, n + 1);
    const x = solve(a, b);
    const r = naiveMul(a.data, x.data, n, n, k);
    const tol = 8 * n * uOf("f64") * frob(a.data) * frob(x.data);
    assert(frob(r, b.data) <= tol, `residual ${frob(r, b.data)} > ${tol} (n = ${n})`);
    const ref = new Float64Array(n * k);
    for (let j = 0; j < k; j++) {
      const col = Array.from({ length: n }, (_, i) => b.data[i * k + j]);
      const xj = (lusolve(rows(a), col) as number[][]).flat();
      for (let i = 0; i < n; i++) ref[i * k + j] = xj[i];
    }
    // Both are backward stable: forward errors agree to about cond(A)·u; these matrices are
    // random normal (cond ≈ n), so allow c·n²·u relative to ‖x‖.
    assert(
      frob(x.data, ref) <= 64 * n * n * uOf("f64") * frob(ref),
      `differs from mathjs (n=${n})`,
    );
  }
});

Deno.test("solve: vector right-hand side keeps its shape; f32 in gives f32 out", () => {
  const x = solve(tensor([[3, 1], [1, 2]]), tensor([9, 8]));
  assertEquals(x.shape, [2]);
  assert(frob(x.data, [2, 3]) <= 4 * uOf("f64") * 4);
  const a = astype(spd(12, 2), "f32"), b = astype(randMat(12, 1, 3), "f32");
  const xf = solve(a, b);
  assertEquals(xf.dtype, "f32");
  const r = naiveMul(a.data, xf.data, 12, 12, 1);
  assert(frob(r, b.data) <= 16 * 12 * uOf("f32") * frob(a.data) * frob(xf.data));
});

Deno.test("solve: badly scaled systems (1e±150) are solved without overflow", () => {
  for (const s of [1e150, 1e-150]) {
    const a = randMat(20, 20, 9);
    for (let i = 0; i < a.size; i++) a.data[i] *= s;
    const b = randMat(20, 1, 10);
    const x = solve(a, b);
    assert(x.data.every(Number.isFinite));
    const r = naiveMul(a.data, x.data, 20, 20, 1);
    assert(frob(r, b.data) <= 8 * 20 * uOf("f64") * frob(a.data) * frob(x.data));
  }
});

Deno.test("solve: exactly singular matrices and bad arguments are errors", () => {
  // Rows 0 and 1 are parallel, so elimination produces an exactly zero pivot.
  const sing = tensor([[1, 2, 3], [2, 4, 6], [1, 0, 1]]);
  throwsWith(() => solve(sing, tensor([1, 2, 3])), RangeError, "a is singular: pivot 2");
  throwsWith(
    () => solve(tensor([[0, 0], [0, 0]]), tensor([1, 1])),
    RangeError,
    "pivot 0 of its LU factorization is 0",
  );
  throwsWith(() => solve(randMat(3, 2, 1), tensor([1, 1, 1])), RangeError, "must be square");
  throwsWith(() => solve(randMat(2, 2, 1), tensor([1, 1, 1])), RangeError, "b must be");
  throwsWith(() => solve(randMat(2, 2, 1), astype(tensor([1, 1]), "f32")), TypeError, "dtypes");
});

Deno.test("solve: property — A·solve(A, b) ≈ b over random sizes", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 10 }),
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 0, max: 1e6 }),
      (n, k, seed) => {
        const a = spd(n, seed), b = randMat(n, k, seed + 1);
        const x = solve(a, b);
        const r = naiveMul(a.data, x.data, n, n, k);
        assert(frob(r, b.data) <= 8 * n * uOf("f64") * frob(a.data) * frob(x.data));
      },
    ),
    { numRuns: 80, seed: 11 },
  );
});
