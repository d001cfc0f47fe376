import assert from "node:assert/strict";
import fc from "fast-check";
import { eigs } from "mathjs";
import { eigh } from "../../../ops/linalg/eigh.ts";
import { svdvals } from "../../../ops/linalg/svd.ts";
import { Tensor, tensor } from "../../../ops/tensor.ts";
import {
  fro,
  gaussian,
  hasNonFinite,
  lowRank,
  mm,
  orthDefect,
  scaled,
  symmetric,
  unitRoundoff,
} from "./_decomp_helpers.ts";

const C = 10;

/** Checks ‖A − VΛVᵀ‖, ‖VᵀV − I‖, ascending order and the sign convention; returns Λ. */
function checkEigh(a: Tensor): Float64Array {
  const n = a.shape[0], u = unitRoundoff(a.dtype), nn = Math.max(n, 1);
  const { values, vectors } = eigh(a);
  assert.deepEqual([values.shape, vectors.shape], [[n], [n, n]]);
  assert.equal(values.dtype, a.dtype);
  assert.ok(!hasNonFinite(values, vectors));
  for (let i = 1; i < n; i++) assert.ok(values.data[i] >= values.data[i - 1], "ascending");
  const vl = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) vl[i * n + j] = vectors.data[i * n + j] * values.data[j];
  }
  const vt = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) vt[j * n + i] = vectors.data[i * n + j];
  const res = mm(vl, vt, n, n, n);
  for (let i = 0; i < n * n; i++) res[i] -= a.data[i];
  assert.ok(fro(res) <= C * nn * u * fro(a.data), `‖A − VΛVᵀ‖ = ${fro(res)}`);
  assert.ok(orthDefect(vectors) <= C * nn * u, `‖VᵀV − I‖ = ${orthDefect(vectors)}`);
  return Float64Array.from(values.data);
}

Deno.test("eigh: eigenvalues match mathjs eigs on small symmetric matrices", () => {
  for (const n of [2, 3, 5, 8, 12]) {
    const a = symmetric(n, n);
    const w = checkEigh(a);
    const rows = Array.from({ length: n }, (_, i) => Array.from(a.data.subarray(i * n, i * n + n)));
    const ref = (eigs(rows).values as number[]).slice().sort((x, y) => x - y);
    const tol = C * n * 2 ** -53 * Math.max(...ref.map(Math.abs));
    for (let i = 0; i < n; i++) assert.ok(Math.abs(w[i] - ref[i]) <= tol, `λ${i}`);
  }
});

Deno.test("eigh: the second-difference matrix has eigenvalues 2 − 2cos(kπ/(n+1))", () => {
  const n = 60;
  const d = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    d[i * n + i] = 2;
    if (i + 1 < n) d[i * n + i + 1] = d[(i + 1) * n + i] = -1;
  }
  const w = checkEigh(new Tensor(d, [n, n]));
  for (let k = 1; k <= n; k++) {
    assert.ok(
      Math.abs(w[k - 1] - (2 - 2 * Math.cos((k * Math.PI) / (n + 1)))) <= C * n * 2 ** -53 * 4,
    );
  }
});

Deno.test("eigh: random, clustered, diagonal, zero and 0×0 matrices", () => {
  for (const n of [1, 20, 64, 97]) checkEigh(symmetric(n, 3 * n));
  // Identity plus a tiny symmetric perturbation: a tight cluster.
  const p = scaled(symmetric(30, 5), 1e-10);
  for (let i = 0; i < 30; i++) p.data[i * 30 + i] += 1;
  checkEigh(p);
  const diag = new Float64Array(16);
  [3, -1, 2, 0].forEach((x, i) => diag[i * 4 + i] = x);
  assert.deepEqual(Array.from(checkEigh(new Tensor(diag, [4, 4]))), [-1, 0, 2, 3]);
  checkEigh(tensor(new Float64Array(9), { shape: [3, 3] }));
  const e = eigh(tensor(new Float64Array(0), { shape: [0, 0] }));
  assert.deepEqual([e.values.shape, e.vectors.shape], [[0], [0, 0]]);
});

Deno.test("eigh: |eigenvalues| of a symmetric matrix are its singular values (second algorithm)", () => {
  const a = symmetric(40, 17);
  const w = Array.from(eigh(a).values.data).map(Math.abs).sort((x, y) => y - x);
  const s = svdvals(a).data;
  for (let i = 0; i < 40; i++) assert.ok(Math.abs(w[i] - s[i]) <= C * 40 * 2 ** -53 * s[0]);
});

Deno.test("eigh: entries near 1e±150 and f32 input", () => {
  const a = symmetric(25, 2), w = eigh(a).values.data;
  for (const f of [1e150, 1e-150]) {
    const wf = checkEigh(scaled(a, f));
    for (let i = 0; i < 25; i++) assert.ok(Math.abs(wf[i] / f - w[i]) <= 100 * 2 ** -53 * 10);
  }
  const f32 = symmetric(30, 8, "f32");
  checkEigh(f32);
  assert.equal(eigh(f32).vectors.dtype, "f32");
});

Deno.test("eigh: asymmetric input is a RangeError with the measured asymmetry; tol loosens it", () => {
  const a = tensor([[1, 2], [2.5, 1]]);
  assert.throws(() => eigh(a), /eigh: a is not symmetric: \|a\[0,1\] - a\[1,0\]\| = 2\.000e-1/);
  const w = eigh(a, { tol: 0.5 }).values.data; // symmetrized to [[1, 2.25], [2.25, 1]]
  assert.ok(Math.abs(w[0] + 1.25) < 1e-15 && Math.abs(w[1] - 3.25) < 1e-15);
  const nearly = symmetric(10, 1);
  nearly.data[1] += 1e-16 * fro(nearly.data);
  checkEigh(nearly); // rounding-level asymmetry is accepted
  assert.throws(() => eigh(gaussian(2, 3, 1)), /eigh: a must be square/);
  assert.throws(() => eigh(tensor([[NaN]])), /eigh: a has a non-finite entry/);
  assert.throws(() => eigh(a, { tol: -1 }), /eigh: tol must be/);
});

Deno.test("eigh: property — bounds over random sizes", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 999 }), (n, seed) => {
      checkEigh(symmetric(n, seed));
    }),
    { numRuns: 30, seed: 11 },
  );
});

Deno.test("eigh: orders with several panels and merge levels — random, graded, rank-deficient, clustered", () => {
  // n = 260: eight blocked tridiagonalization panels, four divide-and-conquer levels, several
  // compact-WY blocks in the back-transformation (the paths that small orders skip).
  const n = 260;
  checkEigh(symmetric(n, 41));
  const g = symmetric(n, 42);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) g.data[i * n + j] *= 10 ** (-(i + j) / 60);
  }
  checkEigh(g);
  // G·Gᵀ of rank 30: 230 eigenvalues at rounding level (heavy deflation in every merge).
  const f = lowRank(n, 30, 30, 43), ff = mm(f.data, transposeOf(f.data, n, 30), n, 30, n);
  const w = checkEigh(new Tensor(ff, [n, n]));
  const zeros = w.filter((x) => Math.abs(x) <= C * n * 2 ** -53 * w[n - 1]).length;
  assert.equal(zeros, n - 30);
  const p = scaled(symmetric(n, 44), 1e-12);
  for (let i = 0; i < n; i++) p.data[i * n + i] += 1;
  checkEigh(p);
});

function transposeOf(x: ArrayLike<number>, m: number, n: number): Float64Array {
  const t = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) t[j * m + i] = x[i * n + j];
  return t;
}

Deno.test("eigh: a block of subnormal entries beside a unit one (the QL leaves at 1e-310)", () => {
  // The reduction splits off the 1e-310 block; its divide-and-conquer leaves and merges ran at
  // subnormal scale: QL did not converge (an Error) and the merge's scale factor was Infinity.
  for (const n of [60, 130]) {
    const g = symmetric(n, n + 7), a = new Float64Array(n * n);
    a[0] = 1;
    for (let i = 1; i < n; i++) {
      for (let j = 1; j < n; j++) a[i * n + j] = 1e-310 * g.data[i * n + j];
    }
    const { values, vectors } = eigh(new Tensor(a, [n, n]));
    assert.ok(!hasNonFinite(values, vectors));
    assert.equal(values.data[n - 1], 1);
    for (let i = 1; i < n; i++) assert.ok(values.data[i] >= values.data[i - 1], "ascending");
    const vl = new Float64Array(n * n), vt = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        vl[i * n + j] = vectors.data[i * n + j] * values.data[j];
        vt[j * n + i] = vectors.data[i * n + j];
      }
    }
    const res = mm(vl, vt, n, n, n);
    for (let i = 0; i < n * n; i++) res[i] -= a[i];
    assert.ok(fro(res) <= C * n * 2 ** -53 * fro(a), `‖A − VΛVᵀ‖ = ${fro(res)}`);
    // The block's entries carry ~44 significant bits (1e-310 / 2^-1074 ≈ 2^44), and so do the
    // reflectors built from them: orthogonality is judged at that precision.
    assert.ok(orthDefect(vectors) <= C * n * 2 ** -44, `‖VᵀV − I‖ = ${orthDefect(vectors)}`);
  }
});
