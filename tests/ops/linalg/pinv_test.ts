import assert, { deepEqual as assertEquals } from "node:assert/strict";
import fc from "fast-check";
import { inv } from "mathjs";
import { pinv } from "../../../ops/linalg/pinv.ts";
import { astype, Tensor, tensor } from "../../../ops/tensor.ts";
import {
  frob,
  naiveMul,
  naiveT,
  randMat,
  rankDeficient,
  throwsWith,
  uOf,
} from "./_factor_helpers.ts";

/** The four Penrose conditions, each scaled by max(m, n)·u and the norms involved. */
function checkPenrose(a: Tensor, c = 200): void {
  const [m, n] = a.shape;
  const x = pinv(a);
  assertEquals(x.shape, [n, m]);
  const u = uOf(a.dtype) * Math.max(m, n) * c;
  const na = frob(a.data), nx = frob(x.data);
  const ax = naiveMul(a.data, x.data, m, n, m), xa = naiveMul(x.data, a.data, n, m, n);
  const axa = naiveMul(ax, a.data, m, m, n), xax = naiveMul(xa, x.data, n, n, m);
  assert(frob(axa, a.data) <= u * na * na * nx + 1e-300, "AXA = A");
  assert(frob(xax, x.data) <= u * nx * nx * na + 1e-300, "XAX = X");
  assert(frob(ax, naiveT(ax, m, m)) <= u * na * nx + 1e-300, "(AX)ᵀ = AX");
  assert(frob(xa, naiveT(xa, n, n)) <= u * na * nx + 1e-300, "(XA)ᵀ = XA");
}

Deno.test("pinv: Penrose conditions on full-rank, rank-deficient, tall and wide matrices", () => {
  for (const [m, n] of [[1, 1], [10, 4], [4, 10], [30, 30]]) checkPenrose(randMat(m, n, m * n));
  checkPenrose(rankDeficient(20, 12, 3, 1));
  checkPenrose(rankDeficient(9, 16, 2, 2));
  checkPenrose(astype(randMat(12, 5, 3), "f32"));
});

Deno.test("pinv: equals mathjs inv for a nonsingular square matrix", () => {
  const n = 8;
  const a = randMat(n, n, 21);
  const ref = (inv(
    Array.from({ length: n }, (_, i) => Array.from(a.data.slice(i * n, i * n + n))),
  ) as number[][]).flat();
  assert(frob(pinv(a).data, ref) <= 1e4 * n * uOf("f64") * frob(ref));
});

Deno.test("pinv: zero matrix gives zeros; badly scaled input stays finite; rcond drops values", () => {
  assertEquals(Array.from(pinv(new Tensor(new Float64Array(6), [2, 3])).data), [0, 0, 0, 0, 0, 0]);
  const big = randMat(6, 6, 4);
  for (let i = 0; i < big.size; i++) big.data[i] *= 1e-150;
  checkPenrose(big);
  const d = tensor([[1, 0], [0, 1e-9]]);
  assertEquals(Array.from(pinv(d, { rcond: 1e-6 }).data), [1, 0, 0, 0]);
  throwsWith(() => pinv(d, { rcond: NaN }), RangeError, "pinv: rcond");
});

Deno.test("pinv: subnormal-scale input gives ±Infinity where a⁺ overflows, never NaN", () => {
  // a⁺ = diag(2^1040, 2^1030) is out of range; the off-diagonal zeros must stay 0, not 0·∞.
  const tiny = pinv(tensor([[2 ** -1040, 0], [0, 2 ** -1030]]));
  assertEquals(Array.from(tiny.data), [Infinity, 0, 0, Infinity]);
  // in range, the power-of-two scaling is exact
  const d = pinv(tensor([[2 ** -1000, 0], [0, -(2 ** -1020)]]));
  assertEquals(Array.from(d.data), [2 ** 1000, 0, 0, -(2 ** 1020)]);
  const full = pinv(tensor([[1e-310, 2e-310], [3e-310, 4e-310]])).data;
  assert(full.every((v) => !Number.isNaN(v)), `${full}`);
});

Deno.test("pinv: singular values past the largest double give a⁺ = a0⁺·2^-1023, not zeros", () => {
  const a0 = tensor([[1.5, 1], [1, -1.5], [1, 1]]);
  const p = pinv(new Tensor(a0.data.map((v) => v * 2 ** 1023), [3, 2])), p0 = pinv(a0);
  for (let i = 0; i < 6; i++) {
    const v = p.data[i] * 2 ** 1023;
    assert(Math.abs(v - p0.data[i]) <= 64 * 2 ** -53 * Math.abs(p0.data[i]), `${i}: ${v}`);
  }
});

Deno.test("pinv: property — Penrose conditions over random shapes and ranks", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 7 }),
      fc.integer({ min: 1, max: 7 }),
      fc.integer({ min: 1, max: 7 }),
      fc.integer({ min: 0, max: 1e6 }),
      (m, n, r, seed) => {
        checkPenrose(r >= Math.min(m, n) ? randMat(m, n, seed) : rankDeficient(m, n, r, seed), 2e3);
      },
    ),
    { numRuns: 60, seed: 19 },
  );
});
