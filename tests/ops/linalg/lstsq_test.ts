import assert, { deepEqual as assertEquals } from "node:assert/strict";
import fc from "fast-check";
import { lusolve } from "mathjs";
import { lstsq } from "../../../ops/linalg/lstsq.ts";
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

function rows(a: ArrayLike<number>, m: number, n: number): number[][] {
  return Array.from({ length: m }, (_, i) => Array.from({ length: n }, (_, j) => a[i * n + j]));
}

Deno.test("lstsq: well-conditioned tall systems match the normal equations (mathjs)", () => {
  for (const [m, n, k] of [[30, 5, 1], [80, 12, 3], [7, 7, 2]]) {
    const a = randMat(m, n, m + n), b = randMat(m, k, m * n);
    const { x, residuals, rank, s } = lstsq(a, b);
    assertEquals(rank, n);
    assertEquals(s.shape, [n]);
    const ata = naiveMul(naiveT(a.data, m, n), a.data, n, m, n);
    const atb = naiveMul(naiveT(a.data, m, n), b.data, n, m, k);
    for (let j = 0; j < k; j++) {
      const col = Array.from({ length: n }, (_, i) => atb[i * k + j]);
      const ref = (lusolve(rows(ata, n, n), col) as number[][]).flat();
      const ours = Array.from({ length: n }, (_, i) => x.data[i * k + j]);
      // cond(AᵀA) = cond(A)² is small for Gaussian tall matrices: c·n·u·cond² relative error.
      assert(frob(ours, ref) <= 1e4 * n * uOf("f64") * frob(ref), `${m}x${n} column ${j}`);
    }
    const r = naiveMul(a.data, x.data, m, n, k);
    if (m > n) {
      assertEquals(residuals.shape, [k]);
      for (let j = 0; j < k; j++) {
        let ss = 0;
        for (let i = 0; i < m; i++) ss += (b.data[i * k + j] - r[i * k + j]) ** 2;
        assert(Math.abs(residuals.data[j] - ss) <= 1e-10 * ss);
      }
    } else assertEquals(residuals.shape, [0]);
  }
});

Deno.test("lstsq: rank-deficient systems give the minimum-norm solution (pinv·b) and the rank", () => {
  for (const [m, n, r] of [[40, 20, 6], [15, 30, 4], [25, 25, 1]]) {
    const a = rankDeficient(m, n, r, m + r), b = randMat(m, 2, 3);
    const { x, rank, residuals } = lstsq(a, b);
    assertEquals(rank, r);
    assertEquals(residuals.shape, [0]);
    const ref = naiveMul(pinv(a).data, b.data, n, m, 2);
    assert(frob(x.data, ref) <= 1e3 * Math.max(m, n) * uOf("f64") * frob(ref));
    // Normal equations hold: Aᵀ(b − Ax) = 0 (x minimizes the residual).
    const res = naiveMul(a.data, x.data, m, n, 2).map((v, i) => b.data[i] - v);
    const g = naiveMul(naiveT(a.data, m, n), res, n, m, 2);
    assert(frob(g) <= 1e3 * Math.max(m, n) * uOf("f64") * frob(a.data) ** 2 * frob(x.data));
  }
});

Deno.test("lstsq: the rank-deficient solution lies in the row space of A (no SVD in the check)", () => {
  // A = G·H with H (r × n) of full row rank: row space of A = range(Hᵀ). The minimum-norm
  // solution is the least-squares solution with no component in null(A) = range(Hᵀ)^⊥, so
  // x − Hᵀ(HHᵀ)⁻¹Hx = 0 (mathjs solve of the small r × r system).
  for (const [m, n, r] of [[30, 12, 4], [10, 20, 3], [16, 16, 1]]) {
    const g = randMat(m, r, m + n).data, h = randMat(r, n, r + 7).data;
    const a = new Tensor(naiveMul(g, h, m, r, n), [m, n]);
    const { x } = lstsq(a, randMat(m, 1, 5));
    const hhT = naiveMul(h, naiveT(h, r, n), r, n, r);
    const z = (lusolve(rows(hhT, r, r), Array.from(naiveMul(h, x.data, r, n, 1))) as number[][])
      .flat();
    const off = naiveMul(naiveT(h, r, n), z, n, r, 1).map((v, i) => x.data[i] - v);
    assert(frob(off) <= 1e3 * n * uOf("f64") * frob(x.data), `${m}x${n} r${r}: ${frob(off)}`);
  }
});

Deno.test("lstsq: singular values past the largest double: x, rank and s of the scaled problem", () => {
  // a = 2^1023·a0 has σ₁ ≈ 2^1024.1: not representable, but x = x0·2^-1023 is.
  const a0 = tensor([[1.5, 1], [1, -1.5], [1, 1]]), b = tensor([1, 2, 3]);
  const a = new Tensor(a0.data.map((v) => v * 2 ** 1023), [3, 2]);
  const big = lstsq(a, b), ref = lstsq(a0, b);
  assertEquals(big.rank, 2);
  // Reference from the normal equations of a0 (mathjs): a0ᵀa0·x0 = a0ᵀb.
  const ata = naiveMul(naiveT(a0.data, 3, 2), a0.data, 2, 3, 2);
  const atb = Array.from(naiveMul(naiveT(a0.data, 3, 2), b.data, 2, 3, 1));
  const x0 = (lusolve(rows(ata, 2, 2), atb) as number[][]).flat();
  for (let i = 0; i < 2; i++) {
    const xi = big.x.data[i] * 2 ** 1023;
    assert(Math.abs(xi - x0[i]) <= 64 * uOf("f64") * Math.abs(x0[i]), `x[${i}] ${xi} vs ${x0[i]}`);
  }
  // σ₁ overflows as it truly does; σ₂·2^-1023 is a0's.
  assertEquals(big.s.data[0], Infinity);
  const s1 = big.s.data[1] * 2 ** -1023;
  assert(Math.abs(s1 - ref.s.data[1]) <= 16 * uOf("f64") * ref.s.data[1]);
  assertEquals(big.residuals.shape, [1]);
});

Deno.test("lstsq: underdetermined full-rank systems are solved exactly with minimum norm", () => {
  const m = 6, n = 15;
  const a = randMat(m, n, 8), b = randMat(m, 1, 9);
  const { x } = lstsq(a, tensor(Array.from(b.data)));
  assertEquals(x.shape, [n]);
  // Minimum-norm solution Aᵀ(AAᵀ)⁻¹b.
  const aat = naiveMul(a.data, naiveT(a.data, m, n), m, n, m);
  const y = (lusolve(rows(aat, m, m), Array.from(b.data)) as number[][]).flat();
  const ref = naiveMul(naiveT(a.data, m, n), y, n, m, 1);
  assert(frob(x.data, ref) <= 1e3 * n * uOf("f64") * frob(ref));
});

Deno.test("lstsq: zero, 1×n, n×1, badly scaled and f32 inputs give finite, correct results", () => {
  const z = lstsq(new Tensor(new Float64Array(6), [3, 2]), tensor([1, 2, 3]));
  assertEquals(z.rank, 0);
  assertEquals(Array.from(z.x.data), [0, 0]);
  const col = lstsq(tensor([[1], [2], [2]]), tensor([3, 6, 6]));
  assert(Math.abs(col.x.data[0] - 3) <= 8 * uOf("f64"));
  const row = lstsq(tensor([[3, 4]]), tensor([5]));
  assert(frob(row.x.data, [0.6, 0.8]) <= 8 * uOf("f64"));
  const big = randMat(20, 4, 1);
  for (let i = 0; i < big.size; i++) big.data[i] *= 1e150;
  const bb = randMat(20, 1, 2);
  const sol = lstsq(big, bb);
  assert(sol.x.data.every(Number.isFinite) && sol.rank === 4);
  const small = lstsq(astype(randMat(30, 4, 3), "f32"), astype(randMat(30, 1, 4), "f32"));
  assertEquals(small.x.dtype, "f32");
  assertEquals(small.rank, 4);
});

Deno.test("lstsq: rcond controls the rank; bad arguments are errors", () => {
  const a = tensor([[1, 0], [0, 1e-8], [0, 0]]);
  assertEquals(lstsq(a, tensor([1, 1, 1])).rank, 2);
  assertEquals(lstsq(a, tensor([1, 1, 1]), { rcond: 1e-6 }).rank, 1);
  throwsWith(() => lstsq(a, tensor([1, 1])), RangeError, "b must be a vector of length 3");
  throwsWith(() => lstsq(a, tensor([1, 1, 1]), { rcond: -1 }), RangeError, "rcond");
  throwsWith(() => lstsq(tensor([[NaN]]), tensor([1])), RangeError, "lstsq: a has a non-finite");
});

Deno.test("lstsq: property — x = pinv(a)·b over random shapes and ranks", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 8 }),
      fc.integer({ min: 1, max: 8 }),
      fc.integer({ min: 1, max: 8 }),
      fc.integer({ min: 0, max: 1e6 }),
      (m, n, r, seed) => {
        const a = r >= Math.min(m, n) ? randMat(m, n, seed) : rankDeficient(m, n, r, seed);
        const b = randMat(m, 1, seed + 1);
        const { x } = lstsq(a, b);
        const ref = naiveMul(pinv(a).data, b.data, n, m, 1);
        assert(frob(x.data, ref) <= 1e5 * 8 * uOf("f64") * Math.max(frob(ref), 1));
      },
    ),
    { numRuns: 80, seed: 17 },
  );
});
