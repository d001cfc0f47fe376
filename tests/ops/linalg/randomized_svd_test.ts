import assert, { deepEqual as assertEquals } from "node:assert/strict";
import fc from "fast-check";
import { randomizedSvd } from "../../../ops/linalg/randomized_svd.ts";
import { svdvals } from "../../../ops/linalg/svd.ts";
import { Rng } from "../../../ops/random.ts";
import { astype, Tensor } from "../../../ops/tensor.ts";
import {
  frob,
  naiveMul,
  naiveT,
  randMat,
  rankDeficient,
  throwsWith,
  uOf,
  withSpectrum,
} from "./_factor_helpers.ts";

/** ‖a − u·diag(s)·vt‖₂ by the SVD of the residual (an independent algorithm's σ₁). */
function spectralError(a: Tensor, u: Tensor, s: Tensor, vt: Tensor): number {
  const [m, n] = a.shape, k = s.shape[0];
  const us = new Float64Array(m * k);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < k; j++) us[i * k + j] = u.data[i * k + j] * s.data[j];
  }
  const rec = naiveMul(us, vt.data, m, k, n);
  const res = new Float64Array(m * n);
  for (let i = 0; i < res.length; i++) res[i] = a.data[i] - rec[i];
  return svdvals(new Tensor(res, [m, n])).data[0];
}

function orthoError(q: ArrayLike<number>, m: number, k: number): number {
  const g = naiveMul(naiveT(q, m, k), q, k, m, k);
  for (let i = 0; i < k; i++) g[i * k + i] -= 1;
  return frob(g);
}

const decay = (count: number, rate: number): number[] =>
  Array.from({ length: count }, (_, i) => rate ** i);

Deno.test("randomizedSvd: error within 10% of the optimal σ_{k+1} on decaying spectra", () => {
  for (const [m, n, k] of [[200, 120, 10], [90, 160, 8]]) {
    const spectrum = decay(Math.min(m, n), 0.8);
    const a = withSpectrum(m, n, spectrum, m + n);
    const { u, s, vt } = randomizedSvd(a, k, { seed: 1 });
    assertEquals(u.shape, [m, k]);
    assertEquals(vt.shape, [k, n]);
    const err = spectralError(a, u, s, vt);
    assert(err <= 1.1 * spectrum[k], `${m}x${n} k=${k}: error ${err} vs σ_{k+1} ${spectrum[k]}`);
    assert(orthoError(u.data, m, k) <= 100 * m * uOf("f64"));
    assert(orthoError(naiveT(vt.data, k, n), n, k) <= 100 * n * uOf("f64"));
    for (let i = 0; i < k; i++) {
      assert(Math.abs(s.data[i] - spectrum[i]) <= 1e-6 * spectrum[0], `σ_${i}`);
      if (i > 0) assert(s.data[i] <= s.data[i - 1]);
    }
  }
});

Deno.test("randomizedSvd: every normalizer and explicit power iterations reach the bound", () => {
  const spectrum = decay(60, 0.7);
  const a = withSpectrum(100, 60, spectrum, 5);
  for (const normalizer of ["qr", "lu", "none", "auto"] as const) {
    for (const powerIters of [2, 4]) {
      const r = randomizedSvd(a, 6, { normalizer, powerIters, seed: 3 });
      const err = spectralError(a, r.u, r.s, r.vt);
      assert(err <= 1.1 * spectrum[6], `${normalizer}/${powerIters}: ${err}`);
    }
  }
});

Deno.test("randomizedSvd: exact for exactly rank-k input; deterministic by seed and by rng", () => {
  const a = withSpectrum(50, 40, [5, 4, 3], 9);
  const r = randomizedSvd(a, 3, { seed: 4, oversamples: 2 });
  assert(spectralError(a, r.u, r.s, r.vt) <= 200 * 50 * uOf("f64") * 5);
  const again = randomizedSvd(a, 3, { seed: 4, oversamples: 2 });
  assertEquals(Array.from(again.u.data), Array.from(r.u.data));
  const viaRng = randomizedSvd(a, 3, { rng: new Rng(4), oversamples: 2 });
  assertEquals(Array.from(viaRng.s.data), Array.from(r.s.data));
  // svd_flip: the largest-magnitude entry of each u column is positive, also for wide input
  // (which runs on aᵀ internally).
  const wide = withSpectrum(30, 50, [5, 4, 3], 10);
  const rw = randomizedSvd(wide, 3, { seed: 4 });
  for (let j = 0; j < 3; j++) {
    let best = 0;
    for (let i = 0; i < 30; i++) {
      if (Math.abs(rw.u.data[i * 3 + j]) > Math.abs(best)) best = rw.u.data[i * 3 + j];
    }
    assert(best > 0, `wide column ${j}`);
  }
  for (let j = 0; j < 3; j++) {
    let best = 0;
    for (let i = 0; i < 50; i++) {
      if (Math.abs(r.u.data[i * 3 + j]) > Math.abs(best)) best = r.u.data[i * 3 + j];
    }
    assert(best > 0);
  }
});

Deno.test("randomizedSvd: f32, k = min(m, n), 1×n and n×1 inputs", () => {
  const a = astype(withSpectrum(60, 30, decay(30, 0.6), 2), "f32");
  const r = randomizedSvd(a, 4);
  assertEquals(r.u.dtype, "f32");
  const err = spectralError(
    astype(a, "f64"),
    astype(r.u, "f64"),
    astype(r.s, "f64"),
    astype(r.vt, "f64"),
  );
  assert(err <= 1.1 * 0.6 ** 4 + 100 * 60 * uOf("f32"));
  const full = randomizedSvd(randMat(12, 7, 1), 7);
  assert(spectralError(randMat(12, 7, 1), full.u, full.s, full.vt) <= 1e3 * 12 * uOf("f64") * 10);
  const row = randMat(1, 9, 3);
  const rr = randomizedSvd(row, 1);
  assert(Math.abs(rr.s.data[0] - frob(row.data)) <= 16 * uOf("f64") * frob(row.data));
  const col = randMat(9, 1, 4);
  assert(
    Math.abs(randomizedSvd(col, 1).s.data[0] - frob(col.data)) <= 16 * uOf("f64") * frob(col.data),
  );
});

Deno.test("randomizedSvd: bad k, options and non-finite input are errors naming the argument", () => {
  const a = randMat(10, 8, 1);
  throwsWith(() => randomizedSvd(a, 0), RangeError, "randomizedSvd: k must be an integer in 1..8");
  throwsWith(() => randomizedSvd(a, 9), RangeError, "got 9");
  throwsWith(() => randomizedSvd(a, 2, { oversamples: -1 }), RangeError, "oversamples");
  throwsWith(() => randomizedSvd(a, 2, { powerIters: 1.5 }), RangeError, "powerIters");
  throwsWith(
    () => randomizedSvd(a, 2, { normalizer: "svd" as "qr" }),
    RangeError,
    "normalizer",
  );
  a.data[3] = Infinity;
  throwsWith(() => randomizedSvd(a, 2), RangeError, "randomizedSvd: a has a non-finite");
});

Deno.test("randomizedSvd: property — k = min(m, n) reproduces a and its singular values", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 10 }),
      fc.integer({ min: 1, max: 10 }),
      fc.integer({ min: 0, max: 1e6 }),
      (m, n, seed) => {
        const a = randMat(m, n, seed), k = Math.min(m, n);
        const r = randomizedSvd(a, k, { seed });
        const ref = svdvals(a).data;
        for (let i = 0; i < k; i++) {
          assert(Math.abs(r.s.data[i] - ref[i]) <= 1e3 * 10 * uOf("f64") * ref[0]);
        }
        assert(spectralError(a, r.u, r.s, r.vt) <= 1e3 * 10 * uOf("f64") * ref[0]);
      },
    ),
    { numRuns: 50, seed: 41 },
  );
});

/** Checks u (m × k) and vt (k × n) are finite with orthonormal columns / rows. */
function assertOrthonormalFactors(u: Tensor, vt: Tensor, what: string): void {
  const [m, k] = u.shape, n = vt.shape[1];
  assert(u.data.every(Number.isFinite) && vt.data.every(Number.isFinite), `${what}: NaN`);
  assert(orthoError(u.data, m, k) <= 100 * m * uOf("f64"), `${what}: u not orthonormal`);
  assert(orthoError(naiveT(vt.data, k, n), n, k) <= 100 * n * uOf("f64"), `${what}: vt`);
}

Deno.test("randomizedSvd: rank-deficient and zero input — exact, orthonormal, no NaN", () => {
  // Rank 4 < k = 6 < l = 16: the sample and B are exactly rank deficient; the shifted Cholesky
  // QR pass turns their null directions into orthonormal rounding noise (checked: this input
  // takes that path). The zero matrix takes the Householder QR / full SVD fallbacks.
  for (const [m, n] of [[70, 50], [50, 70]]) {
    const a = rankDeficient(m, n, 4, m);
    const r = randomizedSvd(a, 6, { seed: 2 });
    assertOrthonormalFactors(r.u, r.vt, `${m}x${n}`);
    const ref = svdvals(a).data, tol = 1e3 * Math.max(m, n) * uOf("f64") * ref[0];
    for (let i = 0; i < 6; i++) {
      assert(
        Math.abs(r.s.data[i] - ref[i]) <= tol,
        `${m}x${n}: σ_${i} ${r.s.data[i]} vs ${ref[i]}`,
      );
    }
    assert(spectralError(a, r.u, r.s, r.vt) <= tol, `${m}x${n}: reconstruction`);
  }
  const zero = randomizedSvd(new Tensor(new Float64Array(20 * 30), [20, 30]), 3, { seed: 1 });
  assertOrthonormalFactors(zero.u, zero.vt, "zero");
  assertEquals(Array.from(zero.s.data), [0, 0, 0]);
});

Deno.test("randomizedSvd: k = min(m, n) with a graded spectrum (κ = 1e12) keeps the top values", () => {
  // l = k + 10 is capped at min(m, n); the κ = 1e12 sample and B need the shifted pass.
  for (const [m, n] of [[60, 24], [24, 60]]) {
    const spectrum = decay(24, 10 ** (-12 / 23));
    const a = withSpectrum(m, n, spectrum, 3);
    const r = randomizedSvd(a, 24, { seed: 5 });
    assertOrthonormalFactors(r.u, r.vt, `${m}x${n}`);
    for (let i = 0; i < 24; i++) {
      const d = Math.abs(r.s.data[i] - spectrum[i]);
      assert(d <= 1e3 * 60 * uOf("f64") * spectrum[0], `${m}x${n}: σ_${i} off by ${d}`);
    }
  }
});

Deno.test("randomizedSvd: badly scaled input (1e±150, 1e-300, 1e300) scales the result, no NaN", () => {
  const spectrum = decay(40, 0.7), base = withSpectrum(70, 40, spectrum, 11);
  const ref = randomizedSvd(base, 5, { seed: 6 });
  for (const scale of [1e150, 1e-150, 1e-300, 1e300]) {
    for (const a of [base, new Tensor(naiveT(base.data, 70, 40), [40, 70])]) {
      const r = randomizedSvd(new Tensor(a.data.map((v) => v * scale), a.shape), 5, { seed: 6 });
      assertOrthonormalFactors(r.u, r.vt, `scale ${scale} ${a.shape}`);
      for (let i = 0; i < 5; i++) {
        const d = Math.abs(r.s.data[i] / scale - ref.s.data[i]);
        assert(d <= 1e3 * 70 * uOf("f64"), `scale ${scale}: σ_${i} off by ${d}`);
      }
    }
  }
});

Deno.test("randomizedSvd: wide input (transposed GEMMs) agrees with its transpose", () => {
  const a = withSpectrum(45, 80, decay(45, 0.8), 13),
    at = new Tensor(naiveT(a.data, 45, 80), [80, 45]);
  const r = randomizedSvd(a, 7, { seed: 3 }), rt = randomizedSvd(at, 7, { seed: 3 });
  for (let j = 0; j < 7; j++) {
    assert(Math.abs(r.s.data[j] - rt.s.data[j]) <= 1e3 * 80 * uOf("f64"), `σ_${j}`);
    // u of a is v of aᵀ (up to the sign each run's svd_flip chooses).
    let dot = 0;
    for (let i = 0; i < 45; i++) dot += r.u.data[i * 7 + j] * rt.vt.data[j * 45 + i];
    assert(Math.abs(Math.abs(dot) - 1) <= 1e-8, `u_${j}·v_${j} = ${dot}`);
  }
});

Deno.test("randomizedSvd: σ₁ near the top of the f64 range (sums would overflow) scales, no NaN", () => {
  // The products sum max(m, n) terms: with σ₁ near 1e308 they overflowed (NaN, then a qr error,
  // or σ₁ wrong in the 6th digit) although every singular value is representable.
  for (const [m, n] of [[40, 30], [300, 200], [200, 300]]) {
    const spectrum = decay(Math.min(m, n), 0.8), base = withSpectrum(m, n, spectrum, 17);
    const ref = randomizedSvd(base, 5, { seed: 4 });
    for (const scale of [2 ** 1023, 1.7e308]) { // σ₁ = spectrum[0]·scale = scale
      const r = randomizedSvd(new Tensor(base.data.map((v) => v * scale), [m, n]), 5, { seed: 4 });
      const what = `${m}x${n} σ₁ = ${scale}`;
      assertOrthonormalFactors(r.u, r.vt, what);
      for (let i = 0; i < 5; i++) {
        const d = Math.abs(r.s.data[i] / scale - ref.s.data[i]);
        assert(d <= 1e3 * Math.max(m, n) * uOf("f64"), `${what}: σ_${i} off by ${d}`);
      }
    }
  }
});
