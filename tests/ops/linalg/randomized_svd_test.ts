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
