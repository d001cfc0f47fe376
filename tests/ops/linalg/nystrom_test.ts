import assert, { deepEqual as assertEquals } from "node:assert/strict";
import fc from "fast-check";
import { nystrom } from "../../../ops/linalg/nystrom.ts";
import { Rng } from "../../../ops/random.ts";
import { astype, Tensor } from "../../../ops/tensor.ts";
import {
  frob,
  naiveMul,
  naiveT,
  orthonormalCols,
  randMat,
  throwsWith,
  uOf,
} from "./_factor_helpers.ts";

/** Q·diag(λ)·Qᵀ with orthonormal Q (n × λ.length). */
function psd(n: number, lambda: number[], seed: number): Tensor {
  const k = lambda.length;
  const q = orthonormalCols(n, k, seed);
  const ql = q.map((v, i) => v * lambda[i % k]);
  return new Tensor(naiveMul(ql, naiveT(q, n, k), n, k, n), [n, n]);
}

function reconError(a: Tensor, u: Tensor, s: Tensor): number {
  const n = a.shape[0], k = s.shape[0];
  const us = u.data.map((v, i) => v * s.data[i % k]);
  return frob(a.data, naiveMul(us, naiveT(u.data, n, k), n, k, n));
}

Deno.test("nystrom: exact on PSD matrices of rank ≤ k, orthonormal u, descending s ≥ 0", () => {
  const n = 80, lambda = [9, 4, 2, 1, 0.5];
  const a = psd(n, lambda, 3);
  const { u, s } = nystrom(a, 5, { seed: 1 });
  assertEquals(u.shape, [n, 5]);
  for (let i = 0; i < 5; i++) assert(Math.abs(s.data[i] - lambda[i]) <= 1e3 * n * uOf("f64") * 9);
  assert(reconError(a, u, s) <= 1e3 * n * uOf("f64") * frob(a.data));
  const g = naiveMul(naiveT(u.data, n, 5), u.data, 5, n, 5);
  for (let i = 0; i < 5; i++) g[i * 5 + i] -= 1;
  assert(frob(g) <= 100 * n * uOf("f64"));
  // k larger than the rank: the extra eigenvalues are ~0 and still non-negative.
  const more = nystrom(a, 8, { seed: 2 });
  for (let i = 5; i < 8; i++) assert(more.s.data[i] >= 0 && more.s.data[i] <= 1e-12 * 9);
});

Deno.test("nystrom: near-optimal on a decaying PSD spectrum (Tropp et al. 2017)", () => {
  const n = 120, lambda = Array.from({ length: n }, (_, i) => 0.6 ** i);
  const a = psd(n, lambda, 5);
  const { u, s } = nystrom(a, 10, { seed: 0 });
  // Optimal Frobenius error of a rank-10 approximation is ‖λ_{11..}‖₂; allow 10 % over it.
  let tail = 0;
  for (let i = 10; i < n; i++) tail += lambda[i] ** 2;
  const err = reconError(a, u, s);
  assert(err <= 1.1 * Math.sqrt(tail), `error ${err} vs optimal ${Math.sqrt(tail)}`);
});

Deno.test("nystrom: the zero matrix, f32 input and determinism", () => {
  const z = nystrom(new Tensor(new Float64Array(25), [5, 5]), 2);
  assert(z.s.data.every((v) => v === 0) && z.u.data.every(Number.isFinite));
  const a = psd(30, [3, 2, 1], 7);
  const f = nystrom(astype(a, "f32"), 3, { seed: 5 });
  assertEquals(f.u.dtype, "f32");
  assert(Math.abs(f.s.data[0] - 3) <= 100 * 30 * uOf("f32") * 3);
  const r1 = nystrom(a, 3, { seed: 9 }), r2 = nystrom(a, 3, { seed: 9 });
  assertEquals(Array.from(r1.u.data), Array.from(r2.u.data));
});

Deno.test("nystrom: indefinite input and bad arguments are RangeErrors", () => {
  const neg = psd(20, [5, 4, 3], 1).data.map((v) => -v);
  throwsWith(() => nystrom(new Tensor(neg, [20, 20]), 3), RangeError, "not positive semidefinite");
  throwsWith(() => nystrom(randMat(4, 5, 1), 2), RangeError, "must be square");
  throwsWith(() => nystrom(psd(6, [1], 1), 7), RangeError, "k must be an integer in 1..6");
  throwsWith(() => nystrom(psd(6, [1], 1), 2, { oversamples: -2 }), RangeError, "oversamples");
});

Deno.test("nystrom: property — GGᵀ of rank r ≤ k is recovered for random sizes", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 0, max: 1e6 }),
      (n, r0, seed) => {
        const r = Math.min(r0, n);
        const g = randMat(n, r, seed).data;
        const a = new Tensor(naiveMul(g, naiveT(g, n, r), n, r, n), [n, n]);
        const k = Math.min(n, r + 1);
        const { u, s } = nystrom(a, k, { seed });
        assert(s.data.every((v, i) => v >= 0 && (i === 0 || v <= s.data[i - 1])));
        assert(reconError(a, u, s) <= 1e4 * n * uOf("f64") * frob(a.data));
      },
    ),
    { numRuns: 50, seed: 43 },
  );
});

Deno.test("nystrom: badly scaled PSD input (1e±150, 1e-300, 1e300) scales s, keeps u; no NaN", () => {
  const n = 40, lambda = Array.from({ length: n }, (_, i) => 0.7 ** i);
  const a = psd(n, lambda, 11), ref = nystrom(a, 6, { seed: 2 });
  for (const scale of [1e150, 1e-150, 1e-300, 1e300]) {
    const r = nystrom(new Tensor(a.data.map((v) => v * scale), [n, n]), 6, { seed: 2 });
    assert(r.u.data.every(Number.isFinite) && r.s.data.every(Number.isFinite), `scale ${scale}`);
    for (let i = 0; i < 6; i++) {
      const d = Math.abs(r.s.data[i] / scale - ref.s.data[i]);
      assert(d <= 1e3 * n * uOf("f64"), `scale ${scale}: s_${i} off by ${d}`);
    }
    // The top eigenvectors (gaps ≥ 30 %) agree up to sign.
    for (let j = 0; j < 6; j++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += r.u.data[i * 6 + j] * ref.u.data[i * 6 + j];
      assert(Math.abs(Math.abs(dot) - 1) <= 1e-8, `scale ${scale}: u_${j}·ref = ${dot}`);
    }
  }
});

Deno.test("nystrom: well-conditioned full rank (the CholeskyQR2 path): exact when l = n, dominated by A when l < n", () => {
  const n = 30, lambda = Array.from({ length: n }, (_, i) => 2 - i / n);
  const a = psd(n, lambda, 4);
  for (const k of [n, 25, 8]) {
    const { u, s } = nystrom(a, k, { seed: 1 });
    const g = naiveMul(naiveT(u.data, n, k), u.data, k, n, k);
    for (let i = 0; i < k; i++) g[i * k + i] -= 1;
    assert(frob(g) <= 100 * n * uOf("f64"), `k=${k}: u not orthonormal`);
    const tol = 1e3 * n * uOf("f64");
    if (k + 10 >= n) {
      // l = min(k + 10, n) = n: the sample is the whole space, so the eigenvalues are exact.
      for (let i = 0; i < k; i++) assert(Math.abs(s.data[i] - lambda[i]) <= tol, `k=${k}: s_${i}`);
    } else {
      // l = 18 < n: Â = A^½·P·A^½ ≼ A, so each estimate is at most the true eigenvalue (Weyl),
      // and on this flat spectrum strictly below it for some i (the sample misses directions).
      for (let i = 0; i < k; i++) assert(s.data[i] <= lambda[i] + tol, `k=${k}: s_${i} > λ_${i}`);
      assert(s.data[k - 1] < lambda[k - 1] - 0.01, `k=${k}: s_${k - 1} = ${s.data[k - 1]}`);
    }
  }
});

Deno.test("nystrom: non-symmetric input is a RangeError; symmetryTol sets the accepted asymmetry", () => {
  // A random square matrix used to give σ ≈ 1e15 (only A·Ω is read).
  throwsWith(() => nystrom(randMat(50, 50, 3), 5), RangeError, "nystrom: a is not symmetric");
  const a = psd(20, Array.from({ length: 20 }, (_, i) => 5 * 0.8 ** i), 1);
  const exact = nystrom(a, 3, { seed: 2 });
  a.data[1] += 1e-6; // asymmetry 1e-6 / max|a|, far above 32·n·u
  throwsWith(() => nystrom(a, 3), RangeError, "a[0,1] - a[1,0]");
  const loose = nystrom(a, 3, { symmetryTol: 1e-5, seed: 2 });
  assert(Math.abs(loose.s.data[0] - exact.s.data[0]) <= 1e-5);
  a.data[1] -= 1e-6;
  a.data[2] += 1e-15; // rounding-level asymmetry is accepted by default
  assertEquals(nystrom(a, 3).s.shape, [3]);
  throwsWith(() => nystrom(a, 3, { symmetryTol: -1 }), RangeError, "symmetryTol");
});

Deno.test("nystrom: oversamples and rng are honoured", () => {
  const n = 60, lambda = Array.from({ length: n }, (_, i) => 0.8 ** i);
  const a = psd(n, lambda, 6);
  // More sampled directions give a better rank-5 approximation (Tropp et al. 2017, Thm. 4.1).
  const e0 = reconError(
    a,
    ...Object.values(nystrom(a, 5, { oversamples: 0, seed: 3 })) as [
      Tensor,
      Tensor,
    ],
  );
  const e30 = reconError(
    a,
    ...Object.values(nystrom(a, 5, { oversamples: 30, seed: 3 })) as [
      Tensor,
      Tensor,
    ],
  );
  assert(e30 < 0.7 * e0, `oversamples 30: ${e30} vs 0: ${e0}`);
  // rng: the same stream as the seed, and the generator advances (a second call differs).
  const rng = new Rng(4);
  const r1 = nystrom(a, 5, { rng }), r2 = nystrom(a, 5, { rng });
  assertEquals(Array.from(r1.u.data), Array.from(nystrom(a, 5, { seed: 4 }).u.data));
  assert(Array.from(r1.u.data).some((v, i) => v !== r2.u.data[i]));
  throwsWith(() => nystrom(a, 5, { rng: 4 as unknown as Rng }), TypeError, "rng must be an Rng");
});
