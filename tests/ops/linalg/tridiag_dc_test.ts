import assert from "node:assert/strict";
import { tridiagonalEigen_ } from "../../../ops/linalg/tridiag.ts";
import { tridiagonalEigenDc } from "../../../ops/linalg/tridiag_dc.ts";
import { Rng } from "../../../ops/random.ts";
import { Tensor } from "../../../ops/tensor.ts";
import { fro, orthDefect } from "./_decomp_helpers.ts";

const U = 2 ** -53, C = 10;

/** Checks ‖T − QΛQᵀ‖ and ‖QᵀQ − I‖ of divide and conquer, and Λ against implicit QL. */
function checkTridiagonal(d: Float64Array, e: Float64Array, label: string): void {
  const n = d.length;
  const lam = d.slice(), q = tridiagonalEigenDc(lam, e.slice(), n);
  const ql = d.slice();
  tridiagonalEigen_(ql, e.slice(), n, null);
  let tnorm = 0;
  for (let i = 0; i < n; i++) tnorm = Math.max(tnorm, Math.abs(d[i]) + 2 * Math.abs(e[i]));
  for (let i = 0; i < n; i++) {
    assert.ok(
      Math.abs(lam[i] - ql[i]) <= C * n * U * tnorm,
      `${label}: λ${i} ${lam[i]} vs ${ql[i]}`,
    );
  }
  const res = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < n; p++) s += q[i * n + p] * lam[p] * q[j * n + p];
      const t = i === j ? d[i] : Math.abs(i - j) === 1 ? e[Math.min(i, j)] : 0;
      res[i * n + j] = s - t;
    }
  }
  assert.ok(fro(res) <= C * n * U * tnorm * Math.sqrt(n), `${label}: residual ${fro(res)}`);
  const od = orthDefect(new Tensor(q, [n, n]));
  assert.ok(od <= C * n * U, `${label}: ‖QᵀQ − I‖ = ${od}`);
}

Deno.test("tridiagonalEigenDc: random, Wilkinson, clustered and split tridiagonals", () => {
  const rng = new Rng(5);
  const rand = (n: number): Float64Array => Float64Array.from({ length: n }, () => rng.normal());
  checkTridiagonal(rand(150), rand(150), "random");
  // Wilkinson W⁺: pairs of eigenvalues agreeing to many digits (deflation by rotation).
  const m = 60, w = Float64Array.from({ length: 2 * m + 1 }, (_, i) => Math.abs(m - i));
  checkTridiagonal(w, new Float64Array(2 * m + 1).fill(1), "wilkinson");
  // The second-difference matrix and the identity with tiny couplings (heavy deflation).
  checkTridiagonal(new Float64Array(100).fill(2), new Float64Array(100).fill(-1), "laplacian");
  checkTridiagonal(new Float64Array(90).fill(1), new Float64Array(90).fill(1e-18), "identity");
  // Zero couplings split the problem; repeated eigenvalues across the halves.
  const rep = Float64Array.from({ length: 80 }, (_, i) => i % 3);
  checkTridiagonal(rep, new Float64Array(80), "split");
  const g = Float64Array.from({ length: 70 }, (_, i) => 10 ** (-i / 5));
  checkTridiagonal(g, g.map((x) => x / 2), "graded");
});

Deno.test("tridiagonalEigenDc: tiny and huge scales (the secular products stay in range)", () => {
  const rng = new Rng(9);
  const rand = (n: number, f: number): Float64Array =>
    Float64Array.from({ length: n }, () => f * rng.normal());
  for (const f of [1e-200, 1e-250, 1e200, 1e250]) {
    checkTridiagonal(rand(120, f), rand(120, f), `scale ${f}`);
  }
});

Deno.test("tridiagonalEigenDc: dirty scratch arrays give the same result; short ones are refused", () => {
  const rng = new Rng(13), n = 130;
  const d = Float64Array.from({ length: n }, () => rng.normal());
  const e = Float64Array.from({ length: n }, () => rng.normal());
  // A zero coupling and repeated values: deflation (rotations included) uses the scratch too.
  e[40] = 0;
  for (let i = 70; i < 90; i++) d[i] = 1;
  const d1 = d.slice(), q1 = tridiagonalEigenDc(d1, e.slice(), n);
  const s = (): Float64Array => new Float64Array(n * n + 7).fill(NaN);
  const d2 = d.slice(), q2 = tridiagonalEigenDc(d2, e.slice(), n, [s(), s()]);
  assert.deepEqual([d2, q2], [d1, q1]);
  assert.throws(
    () => tridiagonalEigenDc(d.slice(), e.slice(), n, [s(), new Float64Array(n * n - 1)]),
    /tridiagonalEigenDc: scratch\[1\] has 16899 entries, fewer than n² = 16900/,
  );
});

Deno.test("tridiagonalEigenDc and QL: a subnormal-scale tridiagonal converges, no NaN", () => {
  // Integers times 2^-1040 are exact subnormals. QL never converged there (EPS·|d| underflows
  // to 0, so no coupling counted as negligible) and the merge's unit scale 2^1040 was Infinity.
  const rng = new Rng(17), n = 120, up = (x: number): number => x * 2 ** 520 * 2 ** 520;
  const di = Float64Array.from({ length: n }, () => Math.round(1000 * rng.normal()));
  const ei = Float64Array.from({ length: n }, () => Math.round(1000 * rng.normal()));
  const tiny = (x: Float64Array): Float64Array => x.map((v) => v * 2 ** -1040);
  const unit = di.slice();
  tridiagonalEigenDc(unit, ei.slice(), n);
  const lam = tiny(di), q = tridiagonalEigenDc(lam, tiny(ei), n);
  const ql = tiny(di);
  tridiagonalEigen_(ql, tiny(ei), n, null);
  let tnorm = 0;
  for (let i = 0; i < n; i++) tnorm = Math.max(tnorm, Math.abs(di[i]) + 2 * Math.abs(ei[i]));
  // Rounding at unit scale, plus the subnormal spacing 2^-1074 (2^-34 at unit scale).
  const tol = C * n * U * tnorm + n * 2 ** -34;
  for (let i = 0; i < n; i++) {
    assert.ok(Math.abs(up(lam[i]) - unit[i]) <= tol, `D&C λ${i}: ${up(lam[i])} vs ${unit[i]}`);
    assert.ok(Math.abs(up(ql[i]) - unit[i]) <= tol, `QL λ${i}: ${up(ql[i])} vs ${unit[i]}`);
  }
  const od = orthDefect(new Tensor(q, [n, n]));
  assert.ok(od <= C * n * U, `‖QᵀQ − I‖ = ${od}`);
});
