import assert from "node:assert/strict";
import fc from "fast-check";
import { eigs } from "mathjs";
import { jacobiSvd } from "../../../ops/linalg/jacobi_svd.ts";
import { svd, svdFlip, svdvals } from "../../../ops/linalg/svd.ts";
import { type Tensor, tensor } from "../../../ops/tensor.ts";
import {
  fro,
  gaussian,
  graded,
  hasNonFinite,
  kahan,
  lowRank,
  mm,
  orthDefect,
  rowOrthDefect,
  scaled,
  svdResidual,
  unitRoundoff,
} from "./_decomp_helpers.ts";

const C = 10; // the constant c of the c·n·u bounds

/** Checks every claimed property of an SVD of `a`; returns the singular values. */
function checkSvd(a: Tensor, full = false): Float64Array {
  const [m, n] = a.shape;
  const k = Math.min(m, n), nmax = Math.max(m, n, 1);
  const u64 = unitRoundoff(a.dtype);
  const { u, s, vt } = svd(a, { full });
  assert.deepEqual(u.shape, [m, full ? m : k]);
  assert.deepEqual(s.shape, [k]);
  assert.deepEqual(vt.shape, [full ? n : k, n]);
  assert.equal(u.dtype, a.dtype);
  assert.ok(!hasNonFinite(u, s, vt), "no NaN or Inf");
  for (let i = 0; i < k; i++) assert.ok(s.data[i] >= 0, `s[${i}] >= 0`);
  for (let i = 1; i < k; i++) assert.ok(s.data[i] <= s.data[i - 1], "s descending");
  const anorm = fro(a.data);
  const res = svdResidual(a, u, s, vt);
  assert.ok(res <= C * nmax * u64 * anorm, `‖A − UΣVᵀ‖ = ${res} vs ‖A‖ = ${anorm}`);
  assert.ok(orthDefect(u) <= C * nmax * u64, `‖UᵀU − I‖ = ${orthDefect(u)}`);
  assert.ok(rowOrthDefect(vt) <= C * nmax * u64, `‖VᵀV − I‖ = ${rowOrthDefect(vt)}`);
  // svd_flip: the largest-|entry| of each u column is positive.
  const uc = u.shape[1];
  for (let j = 0; j < uc; j++) {
    let best = 0, arg = 0;
    for (let i = 0; i < m; i++) {
      if (Math.abs(u.data[i * uc + j]) > best) best = Math.abs(u.data[i * uc + j]), arg = i;
    }
    assert.ok(u.data[arg * uc + j] >= 0, `u column ${j} sign`);
  }
  return Float64Array.from(s.data);
}

/** Singular values agree with the one-sided Jacobi SVD to c·n·u·σ₁. */
function checkAgainstJacobi(a: Tensor): void {
  const s = svdvals(a).data, sj = jacobiSvd(a).s.data;
  const n = Math.max(...a.shape), u64 = unitRoundoff(a.dtype);
  const tol = C * n * u64 * (sj[0] ?? 0);
  for (let i = 0; i < s.length; i++) {
    assert.ok(Math.abs(s[i] - sj[i]) <= tol, `σ${i}: ${s[i]} vs Jacobi ${sj[i]} (tol ${tol})`);
  }
}

Deno.test("svd: random square, tall (QR first), nearly square and wide matrices", () => {
  const shapes = [[6, 6], [40, 40], [90, 30], [35, 30], [30, 35], [20, 70], [64, 64]];
  for (const [m, n] of shapes) {
    const a = gaussian(m, n, m * 100 + n);
    checkSvd(a);
    checkSvd(a, true);
    checkAgainstJacobi(a);
  }
});

Deno.test("svd: vectors (1×n, n×1), 1×1, zero and 0-size inputs", () => {
  for (const [m, n] of [[1, 7], [7, 1], [1, 1]]) checkSvd(gaussian(m, n, 3), true);
  const s = checkSvd(gaussian(1, 5, 4));
  assert.ok(Math.abs(s[0] - fro(gaussian(1, 5, 4).data)) <= 4 * 2 ** -53 * s[0]);
  const z = svd(tensor(new Float64Array(12), { shape: [3, 4] }));
  assert.deepEqual(Array.from(z.s.data), [0, 0, 0]);
  checkSvd(tensor(new Float64Array(12), { shape: [3, 4] }), true);
  const e = svd(tensor(new Float64Array(0), { shape: [0, 3] }));
  assert.deepEqual([e.u.shape, e.s.shape, e.vt.shape], [[0, 0], [0], [0, 3]]);
  const ef = svd(tensor(new Float64Array(0), { shape: [4, 0] }), { full: true });
  assert.deepEqual([ef.u.shape, ef.vt.shape], [[4, 4], [0, 0]]);
  assert.equal(orthDefect(ef.u), 0);
});

Deno.test("svd: exactly rank-deficient products have tiny trailing singular values", () => {
  for (const [m, n, r] of [[50, 40, 5], [30, 60, 1], [45, 45, 20]]) {
    const a = lowRank(m, n, r, m + n + r);
    const s = checkSvd(a);
    const tol = C * Math.max(m, n) * 2 ** -53 * s[0];
    assert.ok(s[r - 1] > 1e3 * tol, "the rank is visible");
    for (let i = r; i < s.length; i++) assert.ok(s[i] <= tol, `σ${i} = ${s[i]} should vanish`);
    checkAgainstJacobi(a);
  }
});

Deno.test("svd: Kahan and graded matrices agree with Jacobi", () => {
  for (const a of [kahan(30), kahan(60, 0.5), graded(40, 1), graded(25, 2, 2)]) {
    checkSvd(a);
    checkAgainstJacobi(a);
  }
});

Deno.test("svd: entries near 1e±150 neither overflow nor underflow", () => {
  const a = gaussian(30, 20, 9);
  const s = svdvals(a).data;
  for (const f of [1e150, 1e-150, 1e300, 1e-300]) {
    const sf = checkSvd(scaled(a, f));
    for (let i = 0; i < s.length; i++) {
      assert.ok(Math.abs(sf[i] / f - s[i]) <= 100 * 2 ** -53 * s[0], `scale ${f}, σ${i}`);
    }
  }
});

Deno.test("svd: f32 input is returned in f32 with f32 accuracy", () => {
  const a = gaussian(40, 25, 11, "f32");
  checkSvd(a);
  checkSvd(a, true);
  checkAgainstJacobi(a);
  assert.equal(svdvals(a).dtype, "f32");
});

Deno.test("svd: singular values squared match mathjs eigs of AᵀA (well conditioned)", () => {
  const a = gaussian(8, 5, 21);
  const ata = mm(a.data, a.data, 5, 8, 5, true);
  const rows = Array.from({ length: 5 }, (_, i) => Array.from(ata.subarray(i * 5, i * 5 + 5)));
  const ev = (eigs(rows).values as number[]).slice().sort((x, y) => y - x);
  const s = svdvals(a).data;
  for (let i = 0; i < 5; i++) assert.ok(Math.abs(s[i] ** 2 - ev[i]) <= 1e-12 * ev[0]);
});

Deno.test("svd: computeUV false returns only values; full adds a complement", () => {
  const a = gaussian(12, 5, 5);
  const r = svd(a, { computeUV: false });
  assert.deepEqual([r.u.shape, r.vt.shape], [[12, 0], [0, 5]]);
  assert.deepEqual(Array.from(r.s.data), Array.from(svdvals(a).data));
  const f = svd(a, { full: true });
  assert.ok(orthDefect(f.u) <= C * 12 * 2 ** -53);
});

Deno.test("svd: signs are deterministic and unchanged by a sign flip of A", () => {
  const a = gaussian(15, 9, 8);
  const r1 = svd(a), r2 = svd(a);
  assert.deepEqual(Array.from(r1.u.data), Array.from(r2.u.data));
  const neg = scaled(a, -1);
  const r3 = svd(neg);
  // −A = U·Σ·(−Vᵀ): with u-based flips U is the same, Vᵀ changes sign.
  for (let i = 0; i < r1.u.size; i++) assert.ok(Math.abs(r1.u.data[i] - r3.u.data[i]) < 1e-12);
  for (let i = 0; i < r1.vt.size; i++) assert.ok(Math.abs(r1.vt.data[i] + r3.vt.data[i]) < 1e-12);
});

Deno.test("svdFlip: makes the largest entry of each u column positive, in place on both", () => {
  const u = tensor([[-3, 1], [1, 2]]), vt = tensor([[1, 2], [3, 4]]);
  svdFlip(u, vt);
  assert.deepEqual(Array.from(u.data), [3, 1, -1, 2]);
  assert.deepEqual(Array.from(vt.data), [-1, -2, 3, 4]);
  assert.throws(() => svdFlip(tensor([1, 2]), vt), RangeError);
  assert.throws(() => svdFlip([] as unknown as Tensor, vt), TypeError);
});

Deno.test("svd: errors name the function and the problem", () => {
  assert.throws(() => svd(tensor([[1, NaN]])), /svd: a has a non-finite entry NaN/);
  assert.throws(() => svd(tensor([[Infinity]])), RangeError);
  assert.throws(() => svd(tensor([1, 2, 3])), /svd: a must be a matrix/);
  assert.throws(() => svdvals("x" as unknown as Tensor), TypeError);
});

Deno.test("svd: property — residual and orthogonality bounds over random shapes", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 24 }),
      fc.integer({ min: 1, max: 24 }),
      fc.integer({ min: 0, max: 1000 }),
      fc.boolean(),
      (m, n, seed, full) => {
        checkSvd(gaussian(m, n, seed), full);
      },
    ),
    { numRuns: 40, seed: 7 },
  );
});
