import assert, { deepEqual as assertEquals } from "node:assert/strict";
import fc from "fast-check";
import { solveTriangular } from "../../../ops/linalg/triangular.ts";
import { astype, Tensor, tensor } from "../../../ops/tensor.ts";
import { frob, naiveMul, naiveT, randMat, throwsWith, uOf } from "./_factor_helpers.ts";

/** A well-conditioned triangular matrix (dominant diagonal), with junk in the other triangle. */
function tri(n: number, seed: number): Tensor {
  const a = randMat(n, n, seed);
  for (let i = 0; i < n; i++) a.data[i * n + i] = (a.data[i * n + i] >= 0 ? 1 : -1) * (n + 1);
  return a;
}

function triPart(a: Tensor, lower: boolean, unit: boolean): Float64Array {
  const n = a.shape[0];
  const t = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j) t[i * n + j] = unit ? 1 : a.data[i * n + j];
      else if ((j < i) === lower) t[i * n + j] = a.data[i * n + j];
    }
  }
  return t;
}

function check(n: number, k: number | null, lower: boolean, unit: boolean, trans: boolean): void {
  const a = tri(n, n * 7 + (k ?? 0) + (lower ? 1 : 0));
  const b = k === null ? randMat(1, n, 5) : randMat(n, k, 5);
  const bt = k === null ? new Tensor(b.data, [n]) : b;
  const x = solveTriangular(a, bt, { lower, unitDiagonal: unit, trans });
  assertEquals(x.shape, bt.shape);
  const kk = k ?? 1;
  let t = triPart(a, lower, unit);
  if (trans) t = naiveT(t, n, n);
  const r = naiveMul(t, x.data, n, n, kk);
  // Backward-stable substitution: residual ≤ c·n·u·‖T‖·‖x‖.
  const tol = 4 * n * uOf("f64") * frob(t) * frob(x.data);
  assert(frob(r, b.data) <= tol, `residual ${frob(r, b.data)} > ${tol}`);
}

Deno.test("solveTriangular: all triangle/unit/trans combinations, vectors and blocked matrices", () => {
  for (const lower of [true, false]) {
    for (const unit of [false, true]) {
      for (const trans of [false, true]) {
        check(9, null, lower, unit, trans);
        check(150, 3, lower, unit, trans);
      }
    }
  }
  check(1, 1, true, false, false);
});

Deno.test("solveTriangular: f32 in, f32 out, and the upper-triangle example by hand", () => {
  const x = solveTriangular(
    astype(tensor([[2, 1], [0, 4]]), "f32"),
    astype(tensor([4, 8]), "f32"),
    {
      lower: false,
    },
  );
  assertEquals(x.dtype, "f32");
  assertEquals(Array.from(x.data), [1, 2]);
});

Deno.test("solveTriangular: zero diagonal, bad shapes and non-finite values are rejected", () => {
  throwsWith(
    () => solveTriangular(tensor([[1, 0], [3, 0]]), tensor([1, 1]), { lower: true }),
    RangeError,
    "diagonal entry 1 is 0",
  );
  throwsWith(
    () => solveTriangular(tensor([[1, 0], [3, 1]]), tensor([1, 1, 1]), { lower: true }),
    RangeError,
    "b must be a vector of length 2",
  );
  throwsWith(
    () => solveTriangular(tensor([[1, 0], [3, 1]]), tensor([1, NaN]), { lower: true }),
    RangeError,
    "solveTriangular: b has a non-finite",
  );
  throwsWith(
    () => solveTriangular(tensor([[1]]), tensor([1]), {} as { lower: boolean }),
    TypeError,
    "opts.lower",
  );
  // A zero diagonal is fine when the diagonal is declared unit.
  const x = solveTriangular(tensor([[0, 0], [3, 0]]), tensor([1, 1]), {
    lower: true,
    unitDiagonal: true,
  });
  assertEquals(Array.from(x.data), [1, -2]);
});

Deno.test("solveTriangular: property — random sizes and right-hand sides", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 1, max: 4 }),
      fc.boolean(),
      fc.boolean(),
      (n, k, lower, trans) => check(n, k, lower, false, trans),
    ),
    { numRuns: 80, seed: 5 },
  );
});
