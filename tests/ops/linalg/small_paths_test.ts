/**
 * The small-matrix paths of qr, svd and eigh (issue 12 §4): reflectors applied one by one
 * (`householder_unblocked.ts`) below 48·32 entries, rotations straight into the columns of small
 * SVD factors, reused scratch vectors (`_scratch.ts`) and the direct root in `givensTo`. Each is
 * checked against the blocked (compact WY) path or an independent algorithm to rounding, at
 * the sizes on both sides of its threshold.
 */
import assert from "node:assert/strict";
import { givens, givensTo } from "../../../ops/linalg/dense.ts";
import { eigh } from "../../../ops/linalg/eigh.ts";
import { applyQFromRows_, formQFromRows } from "../../../ops/linalg/householder.ts";
import { jacobiSvd } from "../../../ops/linalg/jacobi_svd.ts";
import { qr } from "../../../ops/linalg/qr.ts";
import { svd } from "../../../ops/linalg/svd.ts";
import { tridiagonalEigen_, tridiagonalize_ } from "../../../ops/linalg/tridiag.ts";
import { Scratch } from "../../../ops/linalg/_scratch.ts";
import { Tensor } from "../../../ops/tensor.ts";
import {
  fro,
  gaussian,
  hasNonFinite,
  lowRank,
  mm,
  orthDefect,
  rowOrthDefect,
  svdResidual,
  symmetric,
  unitRoundoff,
} from "./_decomp_helpers.ts";

const U = unitRoundoff("f64");
const C = 10;

/** Shapes on both sides of the small/blocked thresholds, and the degenerate ones. */
const SHAPES: [number, number][] = [
  [1, 1],
  [1, 8],
  [8, 1],
  [2, 2],
  [8, 8],
  [15, 15],
  [16, 16],
  [17, 17],
  [32, 32],
  [39, 39],
  [40, 40],
  [8, 24],
  [24, 8],
  [48, 32],
  [49, 32],
];

/** `a` with `extra` zero rows below: its factorization takes the blocked path. */
function padRows(a: Tensor, extra: number): Tensor {
  const [m, n] = a.shape;
  const d = new Float64Array((m + extra) * n);
  d.set(a.data);
  return new Tensor(d, [m + extra, n]);
}

/** `a` with `extra` zero columns on the right. */
function padCols(a: Tensor, extra: number): Tensor {
  const [m, n] = a.shape;
  const d = new Float64Array(m * (n + extra));
  for (let i = 0; i < m; i++) d.set(a.data.subarray(i * n, (i + 1) * n), i * (n + extra));
  return new Tensor(d, [m, n + extra]);
}

function maxDiff(x: ArrayLike<number>, y: ArrayLike<number>): number {
  assert.equal(x.length, y.length);
  let d = 0;
  for (let i = 0; i < x.length; i++) d = Math.max(d, Math.abs(x[i] - y[i]));
  return d;
}

function checkQr(a: Tensor, mode: "reduced" | "complete"): void {
  const [m, n] = a.shape;
  const { q, r } = qr(a, { mode });
  const qc = q.shape[1], nmax = Math.max(m, n);
  assert.ok(!hasNonFinite(q, r), `${m}x${n} ${mode}: NaN`);
  const res = mm(q.data, r.data, m, qc, n);
  for (let i = 0; i < m * n; i++) res[i] -= a.data[i];
  assert.ok(fro(res) <= C * nmax * U * Math.max(fro(a.data), 1e-300) || fro(res) === 0);
  assert.ok(orthDefect(q) <= C * nmax * U, `${m}x${n} ${mode}: ‖QᵀQ − I‖ = ${orthDefect(q)}`);
  for (let i = 0; i < r.shape[0]; i++) {
    for (let j = 0; j < Math.min(i, n); j++) assert.equal(r.data[i * n + j], 0);
  }
}

Deno.test("qr small path: residual, orthogonality, exact zeros below R on both sides of the threshold", () => {
  for (const [m, n] of SHAPES) {
    for (const mode of ["reduced", "complete"] as const) {
      checkQr(gaussian(m, n, 3 * m + n), mode);
      checkQr(lowRank(m, n, Math.min(2, m, n), m + 5 * n), mode); // rank-deficient
      checkQr(new Tensor(new Float64Array(m * n), [m, n]), mode); // zero
    }
  }
});

Deno.test("qr small path equals the blocked path to rounding (same reflectors, zeros appended)", () => {
  for (const [m, n] of [[8, 8], [16, 16], [32, 32], [8, 24], [24, 8]]) {
    const a = gaussian(m, n, 11 * m + n), k = Math.min(m, n);
    const small = qr(a);
    // 200 zero rows (tall, square) or columns (wide): past 48·32 entries the GEMM-based compact
    // WY code factors the same matrix, and the zeros change none of the reflectors.
    const tall = m >= n;
    const big = qr(tall ? padRows(a, 200) : padCols(a, 200));
    const nb = big.r.shape[1];
    const rTop = new Float64Array(k * n);
    for (let i = 0; i < k; i++) rTop.set(big.r.data.subarray(i * nb, i * nb + n), i * n);
    assert.ok(maxDiff(small.r.data, rTop) <= C * k * U * fro(a.data), `${m}x${n}: R`);
    const qTop = big.q.data.subarray(0, m * k);
    assert.ok(maxDiff(small.q.data, qTop) <= C * k * U, `${m}x${n}: Q`);
    if (tall) assert.equal(fro(big.q.data.subarray(m * k)), 0, "zero rows stay zero in Q");
  }
});

Deno.test("svd small path: residual, orthogonality, descending σ, svd_flip signs, vectors as Jacobi's", () => {
  for (const [m, n] of SHAPES) {
    const a = gaussian(m, n, 7 * m + n);
    const { u, s, vt } = svd(a);
    const k = Math.min(m, n), nmax = Math.max(m, n);
    assert.ok(!hasNonFinite(u, s, vt));
    assert.ok(svdResidual(a, u, s, vt) <= C * nmax * U * fro(a.data), `${m}x${n}: residual`);
    assert.ok(orthDefect(u) <= C * nmax * U && rowOrthDefect(vt) <= C * nmax * U);
    for (let i = 1; i < k; i++) assert.ok(s.data[i - 1] >= s.data[i], `${m}x${n}: order`);
    // svd_flip: the largest |entry| of every u column is positive.
    for (let j = 0; j < k; j++) {
      let best = 0, val = 0;
      for (let i = 0; i < m; i++) {
        const x = u.data[i * k + j];
        if (Math.abs(x) > best) best = Math.abs(x), val = x;
      }
      assert.ok(val > 0, `${m}x${n}: sign of u column ${j}`);
    }
    // Jacobi is an independent algorithm with the same contract; Gaussian σ are distinct, so
    // the vectors agree to rounding over the gap (loose 1e-9 keeps the gap factor out of it).
    const ref = jacobiSvd(a);
    assert.ok(maxDiff(s.data, ref.s.data) <= C * nmax * U * s.data[0], `${m}x${n}: σ`);
    assert.ok(maxDiff(u.data, ref.u.data) <= 1e-9, `${m}x${n}: u vs Jacobi`);
    assert.ok(maxDiff(vt.data, ref.vt.data) <= 1e-9, `${m}x${n}: vt vs Jacobi`);
  }
});

Deno.test("svd small path: rank-deficient, zero, 1×n and n×1 inputs give no NaN and exact shapes", () => {
  for (const [m, n] of [[8, 8], [16, 16], [1, 8], [8, 1], [6, 9]]) {
    for (const a of [lowRank(m, n, 1, m * n), new Tensor(new Float64Array(m * n), [m, n])]) {
      const { u, s, vt } = svd(a);
      const k = Math.min(m, n);
      assert.deepEqual([u.shape, s.shape, vt.shape], [[m, k], [k], [k, n]]);
      assert.ok(!hasNonFinite(u, s, vt));
      assert.ok(svdResidual(a, u, s, vt) <= C * Math.max(m, n) * U * Math.max(fro(a.data), 1));
      assert.ok(orthDefect(u) <= C * m * U && rowOrthDefect(vt) <= C * n * U);
    }
  }
});

Deno.test("eigh small path: Q from reflectors one by one equals the compact WY product", () => {
  for (const n of [3, 8, 16, 32, 39]) {
    const w = Float64Array.from(symmetric(n, n).data);
    const { tau } = tridiagonalize_(w, n);
    const small = formQFromRows(w, n, n - 2, tau); // n² ≤ 48·32: unblocked
    const blocked = new Float64Array(n * n); // applyQFromRows_ is always compact WY
    for (let i = 0; i < n; i++) blocked[i * n + i] = 1;
    applyQFromRows_(w, n, n - 2, tau, blocked);
    assert.ok(maxDiff(small, blocked) <= C * n * U, `n = ${n}: ${maxDiff(small, blocked)}`);
  }
});

Deno.test("eigh small path: residual, orthogonality, ascending values, signs; n = 1…40, τ = 0 cases", () => {
  for (const n of [1, 2, 3, 8, 16, 32, 33, 39, 40]) {
    // Diagonal and tridiagonal inputs give τ = 0 reflectors (the upper-triangle reduction, used
    // up to n = 32, skips their updates).
    const diag = new Float64Array(n * n), tri = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      diag[i * n + i] = tri[i * n + i] = i - n / 3;
      if (i + 1 < n) tri[i * n + i + 1] = tri[(i + 1) * n + i] = 1 + i / n;
    }
    const zero = new Float64Array(n * n);
    for (const data of [symmetric(n, 5 * n).data, zero, diag, tri]) {
      const a = new Tensor(data, [n, n]);
      const { values, vectors } = eigh(a);
      assert.ok(!hasNonFinite(values, vectors));
      const v = vectors.data, lam = values.data;
      const av = mm(a.data, v, n, n, n);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) av[i * n + j] -= v[i * n + j] * lam[j];
      }
      assert.ok(fro(av) <= C * n * U * Math.max(fro(a.data), 1), `n = ${n}: ‖AV − VΛ‖`);
      assert.ok(orthDefect(vectors) <= C * n * U, `n = ${n}: ‖VᵀV − I‖`);
      for (let j = 1; j < n; j++) assert.ok(lam[j - 1] <= lam[j]);
      for (let j = 0; j < n; j++) {
        let best = 0, val = 0;
        for (let i = 0; i < n; i++) {
          if (Math.abs(v[i * n + j]) > best) best = Math.abs(v[i * n + j]), val = v[i * n + j];
        }
        assert.ok(val > 0, `n = ${n}: sign of vector ${j}`);
      }
    }
  }
});

Deno.test("tridiagonalEigen_: rotations fused into the sweep (n ≤ 64) and applied after it agree", () => {
  for (const n of [2, 8, 63, 64, 65, 80]) {
    const rng = Float64Array.from(gaussian(2, n, n).data);
    const d0 = rng.slice(0, n), e0 = rng.slice(n, 2 * n);
    e0[n - 1] = 0;
    const d = d0.slice(), e = e0.slice(), z = new Float64Array(n * n);
    for (let i = 0; i < n; i++) z[i * n + i] = 1;
    tridiagonalEigen_(d, e, n, z);
    // ‖T·Z − Z·Λ‖ and ‖ZᵀZ − I‖ against the unscaled T.
    const tz = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let x = d0[i] * z[i * n + j] - z[i * n + j] * d[j];
        if (i > 0) x += e0[i - 1] * z[(i - 1) * n + j];
        if (i < n - 1) x += e0[i] * z[(i + 1) * n + j];
        tz[i * n + j] = x;
      }
    }
    const tnorm = fro(d0) + 2 * fro(e0);
    assert.ok(fro(tz) <= C * n * U * tnorm, `n = ${n}: ‖TZ − ZΛ‖ = ${fro(tz)}`);
    assert.ok(orthDefect(new Tensor(z, [n, n])) <= C * n * U, `n = ${n}: ‖ZᵀZ − I‖`);
    const vals = d0.slice();
    const e1 = e0.slice();
    tridiagonalEigen_(vals, e1, n, null); // values alone: the same sweeps
    assert.ok(maxDiff(vals, d) === 0, `n = ${n}: values with and without vectors`);
  }
});

Deno.test("reused scratch: results of earlier calls are not overwritten, large calls in between", () => {
  const a = gaussian(8, 8, 1), b = gaussian(8, 8, 2), s1 = symmetric(8, 3), s2 = symmetric(8, 4);
  const ra = svd(a), ea = eigh(s1), qa = qr(a);
  const copies = [ra.u, ra.s, ra.vt, ea.values, ea.vectors, qa.q, qa.r].map((t) => t.data.slice());
  svd(b), eigh(s2), qr(b);
  svd(gaussian(80, 70, 5)), eigh(symmetric(70, 6)), qr(gaussian(90, 80, 7)); // past the kept size
  [ra.u, ra.s, ra.vt, ea.values, ea.vectors, qa.q, qa.r].forEach((t, i) => {
    assert.deepEqual(t.data, copies[i]);
  });
  // and a small call after a large one is still right
  const again = svd(a);
  assert.ok(maxDiff(again.s.data, ra.s.data) === 0 && maxDiff(again.u.data, ra.u.data) === 0);
});

Deno.test("Scratch: reuses one buffer up to 4096 entries, allocates beyond", () => {
  const s = new Scratch();
  const x = s.get(10);
  assert.ok(x.length >= 10);
  assert.equal(s.get(5), x);
  const y = s.get(100);
  assert.ok(y.length >= 100 && s.get(100) === y);
  const big = s.get(5000);
  assert.ok(big.length === 5000 && s.get(5000) !== big);
});

Deno.test("givensTo: rotates (f, g) onto (r, 0) in and outside the direct range, as givens", () => {
  const out = new Float64Array(3);
  for (
    const [f, g] of [[3, 4], [-3, 4], [1e-200, 3e-201], [1e300, -2e300], [5e-324, 5e-324], [2, 0], [
      0,
      -2,
    ], [1e-170, 1]]
  ) {
    givensTo(f, g, out);
    const [c, s, r] = out;
    assert.deepEqual(givens(f, g), [c, s, r]);
    assert.ok(Math.abs(c * c + s * s - 1) <= 4 * U, `${f}, ${g}: c² + s²`);
    assert.ok(Math.abs(-s * f + c * g) <= 4 * U * Math.abs(r), `${f}, ${g}: zeroed`);
    // r itself is rounded to a subnormal for the tiniest pair: one unit of 2^-1074 more.
    assert.ok(Math.abs(c * f + s * g - r) <= 4 * U * Math.abs(r) + 5e-324, `${f}, ${g}: r`);
    assert.ok(c >= 0 && Number.isFinite(r));
  }
});
