import assert from "node:assert/strict";
import { jacobiSvd } from "../../../ops/linalg/jacobi_svd.ts";
import { cond, norm } from "../../../ops/linalg/norms.ts";
import { type Tensor, tensor } from "../../../ops/tensor.ts";
import { gaussian, kahan, lowRank, scaled } from "./_decomp_helpers.ts";

const U = 2 ** -53;

Deno.test("norm: 2 and nuc agree with the Jacobi singular values", () => {
  for (const [m, n] of [[6, 4], [4, 9], [30, 30]]) {
    const a = gaussian(m, n, m * n);
    const s = Array.from(jacobiSvd(a).s.data);
    const nuc = s.reduce((x, y) => x + y, 0);
    assert.ok(Math.abs(norm(a, 2) - s[0]) <= 10 * 30 * U * s[0]);
    assert.ok(Math.abs(norm(a, "nuc") - nuc) <= 10 * 30 * U * nuc);
  }
});

Deno.test("norm: fro, 1, inf, max against naive sums; vector norms", () => {
  const a = gaussian(7, 5, 1), d = a.data;
  let fro = 0, mx = 0;
  const col = new Array(5).fill(0), row = new Array(7).fill(0);
  for (let i = 0; i < 7; i++) {
    for (let j = 0; j < 5; j++) {
      const x = d[i * 5 + j];
      fro += x * x;
      mx = Math.max(mx, Math.abs(x));
      col[j] += Math.abs(x);
      row[i] += Math.abs(x);
    }
  }
  const close = (x: number, y: number): boolean => Math.abs(x - y) <= 1e-14 * Math.abs(y);
  assert.ok(close(norm(a), Math.sqrt(fro)) && close(norm(a, "fro"), Math.sqrt(fro)));
  assert.ok(close(norm(a, 1), Math.max(...col)));
  assert.ok(close(norm(a, "inf"), Math.max(...row)) && close(norm(a, Infinity), Math.max(...row)));
  assert.equal(norm(a, "max"), mx);
  const v = tensor([3, -4]);
  assert.deepEqual([norm(v), norm(v, 1), norm(v, 2), norm(v, "inf")], [5, 7, 5, 4]);
});

Deno.test("norm: 2-norm of badly scaled and empty matrices", () => {
  const a = gaussian(10, 6, 2), s = norm(a, 2);
  for (const f of [1e150, 1e-150]) assert.ok(Math.abs(norm(scaled(a, f), 2) / f - s) <= 1e-14 * s);
  assert.equal(norm(tensor(new Float64Array(0), { shape: [0, 3] }), 2), 0);
  assert.equal(norm(tensor(new Float64Array(0), { shape: [3, 0] }), "nuc"), 0);
});

Deno.test("cond: ratio of extreme singular values; Infinity when rank-deficient", () => {
  assert.equal(cond(tensor([[2, 0], [0, 0.5]])), 4);
  const k = kahan(20), s = jacobiSvd(k).s.data;
  assert.ok(Math.abs(cond(k) / (s[0] / s[19]) - 1) <= 1e-6); // σ_min of Kahan is ~1e-7·σ₁
  const low = cond(lowRank(8, 6, 2, 3));
  assert.ok(low > 1e13, `cond of a rank-2 product is huge, got ${low}`);
  assert.equal(cond(tensor([[0, 0], [0, 0]])), Infinity);
});

Deno.test("norm/cond: errors name the function, the argument and the value", () => {
  assert.throws(() => norm(tensor([[1, NaN]]), 2), /norm: a has a non-finite entry/);
  assert.throws(() => norm(tensor([1, 2]), "nuc"), /norm: order "nuc" needs a matrix/);
  assert.throws(() => norm(tensor([[1]]), 3 as unknown as 2), /norm: unknown order 3/);
  assert.throws(() => cond(tensor([1, 2])), /cond: a must be a non-empty matrix/);
  assert.throws(() => cond(tensor(new Float64Array(0), { shape: [0, 0] })), RangeError);
  assert.throws(() => cond(tensor([[Infinity]])), /cond: a has a non-finite entry/);
  assert.throws(() => norm({} as Tensor), TypeError);
});
