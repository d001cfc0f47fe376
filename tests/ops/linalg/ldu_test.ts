import assert, { deepEqual as assertEquals } from "node:assert/strict";
import fc from "fast-check";
import { ldu } from "../../../ops/linalg/ldu.ts";
import { lu } from "../../../ops/linalg/lu.ts";
import { astype, type Tensor, tensor } from "../../../ops/tensor.ts";
import {
  frob,
  naiveMul,
  permuteRows,
  randMat,
  rankDeficient,
  throwsWith,
  uOf,
} from "./_factor_helpers.ts";

/** L·diag(d)·U in f64. */
function recompose(l: Tensor, d: Tensor, u: Tensor): Float64Array {
  const [m, k] = l.shape, n = u.shape[1];
  const du = new Float64Array(k * n);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < n; j++) du[i * n + j] = d.data[i] * u.data[i * n + j];
  }
  return naiveMul(l.data, du, m, k, n);
}

function checkLdu(a: Tensor, c = 8): void {
  const [m, n] = a.shape;
  const k = Math.min(m, n);
  const { p, l, d, u } = ldu(a);
  assertEquals(d.shape, [k]);
  assertEquals(u.shape, [k, n]);
  for (let i = 0; i < k; i++) {
    assertEquals(u.data[i * n + i], 1, `U[${i},${i}] not unit`);
    for (let j = 0; j < i; j++) assertEquals(u.data[i * n + j], 0);
  }
  const err = frob(permuteRows(a.data, p, n), recompose(l, d, u));
  const tol = c * Math.max(m, n) * uOf(a.dtype) * frob(a.data);
  assert(err <= tol, `‖PA − LDU‖ = ${err} > ${tol} for ${m}x${n}`);
}

Deno.test("ldu: reconstructs square, tall and wide matrices; d is the diagonal of lu's U", () => {
  for (const [m, n] of [[1, 1], [8, 8], [120, 120], [90, 40], [40, 90]]) {
    const a = randMat(m, n, m + 31 * n);
    checkLdu(a);
    const k = Math.min(m, n);
    const { u } = lu(a);
    const { d } = ldu(a);
    for (let i = 0; i < k; i++) assertEquals(d.data[i], u.data[i * n + i]);
  }
  checkLdu(astype(randMat(30, 20, 9), "f32"));
});

Deno.test("ldu: zero pivots give a unit U row and no NaN; exact when the LU row vanishes", () => {
  // Column 0 is zero: no P·L·D·U exists, but nothing becomes NaN and d[0] = 0.
  const r = ldu(tensor([[0, 1], [0, 2]]));
  assertEquals(Array.from(r.d.data), [0, 2]);
  assertEquals(Array.from(r.u.data), [1, 0, 0, 1]);
  // Exactly rank-deficient product: the zero pivots are trailing, so the identity is exact.
  const a = rankDeficient(12, 12, 4, 3);
  const { l, d, u, p } = ldu(a);
  assert([...l.data, ...d.data, ...u.data].every(Number.isFinite));
  const err = frob(permuteRows(a.data, p, 12), recompose(l, d, u));
  assert(err <= 1e3 * 12 * uOf("f64") * frob(a.data), `rank-deficient error ${err}`);
  const zero = ldu(tensor([[0, 0, 0], [0, 0, 0]]));
  assertEquals(Array.from(zero.d.data), [0, 0]);
});

Deno.test("ldu: rejects non-finite input", () => {
  throwsWith(() => ldu(tensor([[1, Infinity]])), RangeError, "ldu: a has a non-finite");
});

Deno.test("ldu: property — random full-rank shapes up to 8x8 reconstruct", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 8 }),
      fc.integer({ min: 1, max: 8 }),
      fc.integer({ min: 0, max: 1e6 }),
      (m, n, seed) => checkLdu(randMat(m, n, seed)),
    ),
    { numRuns: 100, seed: 7 },
  );
});
