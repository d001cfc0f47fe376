import assert from "node:assert/strict";
import { eigs } from "mathjs";
import {
  fitBasis,
  project,
  reconstruct,
  type TrajectoryBasis,
  truncateBasis,
} from "../../../methods/trajectory/descriptor.ts";
import { matmul } from "../../../ops/matmul.ts";
import { randn } from "../../../ops/random.ts";
import { Tensor } from "../../../ops/tensor.ts";

const U = 2 ** -53;

function frob(t: Tensor): number {
  let s = 0;
  for (const v of t.data) s += v * v;
  return Math.sqrt(s);
}

function minus(a: Tensor, b: Tensor): Tensor {
  return new Tensor(a.data.map((v, i) => v - b.data[i]), a.shape);
}

/** ‖A − A·U_k·U_kᵀ‖_F for rows-as-trajectories A (the spec's ‖A − U_kU_kᵀA‖ transposed). */
function residual(basis: TrajectoryBasis, a: Tensor): number {
  return frob(minus(a, reconstruct(basis, project(basis, a))));
}

/** A random N × dim matrix of the given rank with widely spread singular values. */
function lowRank(n: number, dim: number, rank: number, seed: number): Tensor {
  const l = randn([n, rank], { seed });
  const r = randn([rank, dim], { seed: seed + 1 });
  for (let i = 0; i < rank; i++) for (let j = 0; j < dim; j++) r.data[i * dim + j] *= 4 ** -i;
  return matmul(l, r);
}

for (const method of ["gram", "svd"] as const) {
  Deno.test(`fitBasis(${method}): orthonormal, non-increasing, energy, Eckart–Young (§8.8–11)`, () => {
    const dim = 16, n = 500;
    const a = randn([n, dim], { seed: 11 });
    const b = fitBasis(a, dim, { method });
    const utu = matmul(b.u, b.u, { transA: true });
    for (let i = 0; i < dim; i++) {
      for (let j = 0; j < dim; j++) {
        assert.ok(
          Math.abs(utu.data[i * dim + j] - (i === j ? 1 : 0)) < 50 * dim * U,
          `UᵀU ${i},${j}`,
        );
      }
    }
    const s = b.singularValues;
    for (let i = 1; i < dim; i++) assert.ok(s[i] <= s[i - 1], "non-increasing");
    const fa = frob(a);
    const energy = s.reduce((acc, v) => acc + v * v, 0);
    assert.ok(Math.abs(energy - fa * fa) < 50 * dim * U * fa * fa, "Σσ² = ‖A‖²_F");
    let prev = Infinity;
    for (let k = 1; k <= dim; k++) {
      const err = residual(truncateBasis(b, k), a);
      let tail = 0;
      for (let i = k; i < dim; i++) tail += s[i] * s[i];
      // The Gram route knows σ² only to about u·σ₁²·dim, hence the square-root tolerance.
      const tol = method === "gram" ? Math.sqrt(50 * dim * U) * s[0] : 100 * dim * U * fa;
      assert.ok(Math.abs(err - Math.sqrt(tail)) < tol, `k=${k}: ${err} vs ${Math.sqrt(tail)}`);
      assert.ok(err <= prev + 100 * U * fa, "error non-increasing in k");
      prev = err;
    }
  });
}

Deno.test("fitBasis: error is 0 once k ≥ rank, and singular values match mathjs eigs", () => {
  const a = lowRank(300, 12, 4, 5);
  const b = fitBasis(a, 12);
  const fa = frob(a);
  for (let k = 4; k <= 12; k++) assert.ok(residual(truncateBasis(b, k), a) <= 1e-10 * fa, `k=${k}`);
  assert.ok(residual(truncateBasis(b, 3), a) > 1e-3 * fa, "k < rank leaves an error");
  const g = matmul(a, a, { transA: true });
  const rows = Array.from(
    { length: 12 },
    (_, i) => Array.from(g.data.subarray(i * 12, i * 12 + 12)),
  );
  const ref = (eigs(rows).values as number[]).map((v) => Math.sqrt(Math.max(v, 0)));
  ref.sort((x, y) => y - x);
  for (let i = 0; i < 4; i++) {
    assert.ok(Math.abs(b.singularValues[i] - ref[i]) < 1e-9 * ref[0], `σ${i + 1}`);
  }
});

Deno.test("projection is idempotent and the SVD sign is irrelevant to U_kU_kᵀ (§8.12, §8.13)", () => {
  const a = randn([400, 24], { seed: 3 });
  const g = fitBasis(a, 6, { method: "gram" }), s = fitBasis(a, 6, { method: "svd" });
  const c = project(g, a);
  const c2 = project(g, reconstruct(g, c));
  assert.ok(frob(minus(c, c2)) < 100 * U * frob(c));
  const pg = matmul(g.u, g.u, { transB: true }), ps = matmul(s.u, s.u, { transB: true });
  assert.ok(frob(minus(pg, ps)) < 1e-8, "same projector from both methods");
  // Deterministic signs: the largest-magnitude entry of every vector is positive.
  for (let j = 0; j < 6; j++) {
    const col = Array.from({ length: 24 }, (_, i) => g.u.data[i * 6 + j]);
    const big = col.reduce((m, v) => (Math.abs(v) > Math.abs(m) ? v : m), 0);
    assert.ok(big > 0);
  }
});

Deno.test("fitBasis/project/reconstruct reject bad input naming the argument", () => {
  const a = randn([5, 4], { seed: 1 });
  assert.throws(() => fitBasis(a, 0), /fitBasis: k must be/);
  assert.throws(() => fitBasis(a, 5), /fitBasis: k must be an integer in \[1, 4\], got 5/);
  assert.throws(() => fitBasis(new Tensor(new Float64Array([1, NaN]), [1, 2]), 1), /non-finite/);
  assert.throws(() => fitBasis(a, 2, { method: "eig" as "svd" }), /fitBasis: method/);
  const b = fitBasis(a, 2);
  assert.throws(() => project(b, randn([3, 5])), /project: trajectories has 5 columns/);
  assert.throws(() => reconstruct(b, randn([3, 3])), /reconstruct: coefficients has 3 columns/);
  assert.throws(() => truncateBasis(b, 3), /truncateBasis: k/);
});
