import assert from "node:assert/strict";
import fc from "fast-check";
import { qr as mathjsQr } from "mathjs";
import { qr } from "../../../ops/linalg/qr.ts";
import { type Tensor, tensor } from "../../../ops/tensor.ts";
import {
  fro,
  gaussian,
  hasNonFinite,
  lowRank,
  mm,
  orthDefect,
  scaled,
  unitRoundoff,
} from "./_decomp_helpers.ts";

const C = 10;

/** Checks ‖A − QR‖, ‖QᵀQ − I‖, the shapes and the exact zeros below R's diagonal. */
function checkQr(a: Tensor, mode: "reduced" | "complete"): { q: Tensor; r: Tensor } {
  const [m, n] = a.shape;
  const k = Math.min(m, n), u = unitRoundoff(a.dtype), nmax = Math.max(m, n, 1);
  const { q, r } = qr(a, { mode });
  const qc = mode === "complete" ? m : k;
  assert.deepEqual([q.shape, r.shape], [[m, qc], [qc, n]]);
  assert.equal(q.dtype, a.dtype);
  assert.ok(!hasNonFinite(q, r));
  for (let i = 0; i < qc; i++) {
    for (let j = 0; j < Math.min(i, n); j++) assert.equal(r.data[i * n + j], 0, "R upper");
  }
  const res = mm(q.data, r.data, m, qc, n);
  for (let i = 0; i < m * n; i++) res[i] -= a.data[i];
  assert.ok(fro(res) <= C * nmax * u * fro(a.data), `‖A − QR‖ = ${fro(res)}`);
  assert.ok(orthDefect(q) <= C * nmax * u, `‖QᵀQ − I‖ = ${orthDefect(q)}`);
  return { q, r };
}

Deno.test("qr: reduced and complete modes over tall, square and wide shapes", () => {
  for (const [m, n] of [[7, 3], [3, 7], [10, 10], [130, 45], [45, 130], [97, 97], [1, 5], [5, 1]]) {
    for (const mode of ["reduced", "complete"] as const) checkQr(gaussian(m, n, m + 7 * n), mode);
  }
});

Deno.test("qr: RᵀR equals AᵀA and |R| matches mathjs", () => {
  const a = gaussian(9, 6, 3);
  const { r } = checkQr(a, "reduced");
  const rtr = mm(r.data, r.data, 6, 6, 6, true), ata = mm(a.data, a.data, 6, 9, 6, true);
  for (let i = 0; i < 36; i++) assert.ok(Math.abs(rtr[i] - ata[i]) <= 1e-13 * fro(ata));
  const rows = Array.from({ length: 9 }, (_, i) => Array.from(a.data.subarray(i * 6, i * 6 + 6)));
  const ref = mathjsQr(rows).R as unknown as number[][];
  for (let i = 0; i < 6; i++) {
    for (let j = i; j < 6; j++) {
      assert.ok(Math.abs(Math.abs(r.data[i * 6 + j]) - Math.abs(ref[i][j])) <= 1e-12 * fro(a.data));
    }
  }
});

Deno.test("qr: mode r gives R only; rank-deficient, zero and 0-size inputs", () => {
  const a = gaussian(8, 5, 2);
  const only = qr(a, { mode: "r" });
  assert.deepEqual([only.q.shape, only.r.shape], [[8, 0], [5, 5]]);
  assert.deepEqual(Array.from(only.r.data), Array.from(qr(a).r.data));
  const low = lowRank(30, 20, 4, 1);
  const { r } = checkQr(low, "reduced");
  const rn = fro(r.data);
  assert.ok(Math.abs(r.data[19 * 20 + 19]) <= C * 30 * 2 ** -53 * rn, "trailing R entry tiny");
  checkQr(tensor(new Float64Array(6), { shape: [2, 3] }), "complete");
  const e = qr(tensor(new Float64Array(0), { shape: [0, 4] }));
  assert.deepEqual([e.q.shape, e.r.shape], [[0, 0], [0, 4]]);
  const e2 = qr(tensor(new Float64Array(0), { shape: [3, 0] }), { mode: "complete" });
  assert.deepEqual([e2.q.shape, e2.r.shape], [[3, 3], [3, 0]]);
  assert.equal(orthDefect(e2.q), 0);
});

Deno.test("qr: entries near 1e±150 and f32 input", () => {
  for (const f of [1e150, 1e-150, 1e-300]) checkQr(scaled(gaussian(20, 12, 4), f), "reduced");
  const f32 = checkQr(gaussian(40, 30, 6, "f32"), "complete");
  assert.equal(f32.r.dtype, "f32");
});

Deno.test("qr: errors name the function and the argument", () => {
  assert.throws(() => qr(tensor([[1, NaN]])), /qr: a has a non-finite entry/);
  assert.throws(() => qr(tensor([1, 2])), /qr: a must be a matrix/);
  assert.throws(
    () => qr(tensor([[1]]), { mode: "full" as unknown as "reduced" }),
    /qr: mode must be/,
  );
});

Deno.test("qr: property — bounds hold across random shapes and both modes", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 70 }),
      fc.integer({ min: 1, max: 70 }),
      fc.integer({ min: 0, max: 1000 }),
      fc.constantFrom("reduced" as const, "complete" as const),
      (m, n, seed, mode) => {
        checkQr(gaussian(m, n, seed), mode);
      },
    ),
    { numRuns: 30, seed: 3 },
  );
});
