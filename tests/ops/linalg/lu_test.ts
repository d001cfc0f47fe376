import assert, { deepEqual as assertEquals } from "node:assert/strict";
import fc from "fast-check";
import { lu } from "../../../ops/linalg/lu.ts";
import { astype, Tensor, tensor } from "../../../ops/tensor.ts";
import {
  frob,
  kahan,
  naiveMul,
  permuteRows,
  randMat,
  rankDeficient,
  throwsWith,
  uOf,
} from "./_factor_helpers.ts";

/** Checks PA = LU within c·n·u·‖A‖ and the structure of L, U and p; returns the relative error. */
function checkLu(a: Tensor, c = 8): number {
  const [m, n] = a.shape;
  const k = Math.min(m, n);
  const { p, l, u } = lu(a);
  assertEquals(l.shape, [m, k]);
  assertEquals(u.shape, [k, n]);
  assertEquals(l.dtype, a.dtype);
  assertEquals([...p].sort((x, y) => x - y), Array.from({ length: m }, (_, i) => i));
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < k; j++) {
      const v = l.data[i * k + j];
      if (j > i) assertEquals(v, 0, `L[${i},${j}] above the diagonal`);
      else if (j === i) assertEquals(v, 1, `L[${i},${i}] not unit`);
      else assert(Math.abs(v) <= 1, `|L[${i},${j}]| = ${v} > 1 breaks partial pivoting`);
    }
  }
  for (let i = 0; i < k; i++) for (let j = 0; j < i; j++) assertEquals(u.data[i * n + j], 0);
  const pa = permuteRows(a.data, p, n);
  const rec = naiveMul(l.data, u.data, m, k, n);
  const tol = c * Math.max(m, n, 1) * uOf(a.dtype) * frob(a.data);
  const err = frob(pa, rec);
  assert(err <= tol, `‖PA − LU‖ = ${err} > ${tol} for ${m}x${n} ${a.dtype}`);
  assert(rec.every(Number.isFinite));
  return err;
}

Deno.test("lu: square, tall and wide random matrices reconstruct to n·u·‖A‖ (blocked path)", () => {
  for (const [m, n] of [[1, 1], [5, 5], [130, 130], [150, 60], [60, 150], [97, 1], [1, 97]]) {
    checkLu(randMat(m, n, m * 1000 + n));
  }
});

Deno.test("lu: f32 input is factored accurately and returned as f32", () => {
  checkLu(randMat(70, 70, 3, "f32"));
});

Deno.test("lu: pivots match the partial-pivoting rule of mathjs.lup on a small matrix", async () => {
  const { lup } = await import("mathjs");
  const a = randMat(6, 6, 11);
  const rows = Array.from({ length: 6 }, (_, i) => Array.from(a.data.slice(i * 6, i * 6 + 6)));
  const ref = lup(rows) as unknown as { U: number[][]; p: number[] };
  const { p, u } = lu(a);
  // mathjs stores the inverse permutation: ref.p[r] is the position of row r of A in P·A.
  const inv = new Array<number>(6);
  p.forEach((r, i) => (inv[r] = i));
  assertEquals(inv, ref.p);
  const refU = ref.U.flat();
  assert(frob(u.data, refU) <= 64 * 6 * uOf("f64") * frob(a.data));
});

Deno.test("lu: singular, zero, rank-deficient, Kahan and badly scaled inputs give no NaN", () => {
  checkLu(rankDeficient(40, 30, 5, 1));
  checkLu(rankDeficient(25, 60, 3, 2));
  checkLu(new Tensor(new Float64Array(12), [3, 4]));
  checkLu(tensor([[0, 1], [0, 2]]));
  checkLu(kahan(60));
  const big = randMat(30, 30, 5);
  for (let i = 0; i < big.size; i++) big.data[i] *= 1e150;
  checkLu(big);
  const small = randMat(30, 30, 6);
  for (let i = 0; i < small.size; i++) small.data[i] *= 1e-150;
  checkLu(small);
  const graded = randMat(40, 40, 7);
  for (let i = 0; i < 40; i++) for (let j = 0; j < 40; j++) graded.data[i * 40 + j] *= 10 ** -j;
  checkLu(graded);
});

Deno.test("lu: rejects non-finite, non-matrix and non-tensor input, naming the function", () => {
  throwsWith(() => lu(tensor([[1, NaN], [0, 1]])), RangeError, "lu: a has a non-finite");
  throwsWith(() => lu(tensor([1, 2, 3])), RangeError, "lu: a must be a matrix");
  throwsWith(() => lu([[1]] as unknown as Tensor), TypeError, "lu: a must be a Tensor");
});

Deno.test("lu: property — random shapes up to 9x9 and ranks reconstruct", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 9 }),
      fc.integer({ min: 1, max: 9 }),
      fc.integer({ min: 0, max: 9 }),
      fc.integer({ min: 0, max: 1e6 }),
      fc.boolean(),
      (m, n, r, seed, f32) => {
        const a = r >= Math.min(m, n) ? randMat(m, n, seed) : rankDeficient(m, n, r, seed);
        checkLu(f32 ? astype(a, "f32") : a);
      },
    ),
    { numRuns: 120, seed: 42 },
  );
});
