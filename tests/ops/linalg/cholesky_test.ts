import assert, { deepEqual as assertEquals } from "node:assert/strict";
import fc from "fast-check";
import { cholesky } from "../../../ops/linalg/cholesky.ts";
import { astype, eye, Tensor, tensor } from "../../../ops/tensor.ts";
import { frob, naiveMul, naiveT, spd, throwsWith, uOf } from "./_factor_helpers.ts";

function checkChol(a: Tensor, c = 4): void {
  const n = a.shape[0];
  const l = cholesky(a);
  assertEquals(l.dtype, a.dtype);
  for (let i = 0; i < n; i++) {
    assert(l.data[i * n + i] > 0);
    for (let j = i + 1; j < n; j++) assertEquals(l.data[i * n + j], 0);
  }
  const rec = naiveMul(l.data, naiveT(l.data, n, n), n, n, n);
  const err = frob(a.data, rec);
  const tol = c * n * uOf(a.dtype) * frob(a.data);
  assert(err <= tol, `‖A − LLᵀ‖ = ${err} > ${tol} (n = ${n})`);
  const r = cholesky(a, { upper: true });
  assertEquals(Array.from(r.data), Array.from(naiveT(l.data, n, n)).map((v) => v));
}

Deno.test("cholesky: SPD matrices reconstruct to n·u·‖A‖ (f64 and f32)", () => {
  for (const n of [1, 2, 17, 150]) checkChol(spd(n, n));
  checkChol(astype(spd(40, 3), "f32"));
});

Deno.test("cholesky: matches the hand-computed factor and a Hilbert-like ill-conditioned SPD", () => {
  assertEquals(Array.from(cholesky(tensor([[4, 12, -16], [12, 37, -43], [-16, -43, 98]])).data), [
    2,
    0,
    0,
    6,
    1,
    0,
    -8,
    5,
    3,
  ]);
  const n = 8;
  const h = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) h[i * n + j] = 1 / (i + j + 1);
  checkChol(new Tensor(h, [n, n]));
});

Deno.test("cholesky: badly scaled SPD (1e±150) works without overflow", () => {
  for (const s of [1e150, 1e-150]) {
    const a = spd(20, 4);
    for (let i = 0; i < a.size; i++) a.data[i] *= s;
    checkChol(a);
  }
});

Deno.test("cholesky: indefinite and singular input is a RangeError naming the pivot", () => {
  throwsWith(() => cholesky(tensor([[1, 2], [2, 1]])), RangeError, "pivot 1 is -3");
  throwsWith(() => cholesky(tensor([[-1, 0], [0, 1]])), RangeError, "pivot 0 is -1");
  throwsWith(() => cholesky(tensor([[1, 1], [1, 1]])), RangeError, "pivot 1 is 0");
  throwsWith(() => cholesky(tensor([[1, 2, 3], [4, 5, 6]])), RangeError, "must be square");
  throwsWith(() => cholesky(tensor([[NaN]])), RangeError, "cholesky: a has a non-finite");
});

Deno.test("cholesky: the blocked path (n ≥ 128) names a failing pivot past the first block", () => {
  const n = 200;
  const a = eye(n);
  a.data[150 * n + 150] = -1;
  throwsWith(() => cholesky(a), RangeError, "pivot 150 is -1");
  // A rank-one-deficient SPD-like matrix: the last pivot is exactly 0 (or rounding-small).
  const b = spd(n, 8);
  for (let i = 0; i < n; i++) {
    b.data[(n - 1) * n + i] = 0;
    b.data[i * n + n - 1] = 0;
  }
  throwsWith(() => cholesky(b), RangeError, `pivot ${n - 1} is 0`);
});

Deno.test("cholesky: only the lower triangle is read", () => {
  const a = spd(5, 1);
  const b = a.clone();
  for (let i = 0; i < 5; i++) for (let j = i + 1; j < 5; j++) b.data[i * 5 + j] = 1e9;
  assertEquals(Array.from(cholesky(b).data), Array.from(cholesky(a).data));
});

Deno.test("cholesky: property — GᵀG + εI over random sizes", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 0, max: 1e6 }), (n, seed) => {
      checkChol(spd(n, seed));
    }),
    { numRuns: 60, seed: 3 },
  );
});
