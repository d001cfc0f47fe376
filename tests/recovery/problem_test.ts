import assert from "node:assert/strict";
import { Rng } from "../../ops/random.ts";
import { drawNoise } from "../../recovery/noise.ts";
import { generateProblem, relativeError } from "../../recovery/problem.ts";
import { schedules } from "./schedule_cases.ts";
import { stepLength } from "../../recovery/schedule.ts";
import { asymmetricGroundTruth, psdGroundTruth } from "../../recovery/truth.ts";
import { defaultAlpha } from "../../recovery/subgm.ts";
import { maxDiff, naiveMatmul, naiveTranspose } from "./helpers.ts";

Deno.test("psdGroundTruth: orthogonal eigenvectors, eigenvalues 1 … 1/kappa, X* = U*U*ᵀ", () => {
  const d = 12, r = 4, t = psdGroundTruth(d, r, { seed: 1, kappa: 10 });
  assert.deepEqual(t.sigma.map((s) => +s.toFixed(12)), [1, 0.7, 0.4, 0.1]);
  const u = t.u.data;
  const gram = naiveMatmul(naiveTranspose(u, d, r), u, r, d, r); // = diag(σ)
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < r; j++) {
      assert.ok(Math.abs(gram[i * r + j] - (i === j ? t.sigma[i] : 0)) < 1e-14 * d);
    }
  }
  assert.ok(maxDiff(t.x.data, naiveMatmul(u, naiveTranspose(u, d, r), d, r, d)) < 1e-15 * d);
  const a = asymmetricGroundTruth(7, 5, 2, { seed: 2 });
  const ll = naiveMatmul(naiveTranspose(a.l.data, 7, 2), a.l.data, 2, 7, 2);
  assert.ok(maxDiff(ll, [1, 0, 0, 1]) < 1e-14);
  assert.throws(() => psdGroundTruth(3, 4), /rank r = 4 exceeds d = 3/);
  assert.throws(
    () => psdGroundTruth(3, 2, { kappa: 0.5 }),
    /kappa must be a finite number >= 1, got 0.5/,
  );
});

Deno.test("noise models: corruption rate, outlier magnitudes, Gaussian spread", () => {
  const m = 20000, clean = new Float64Array(m).map((_, i) => Math.sin(i));
  const big = Math.max(...clean.map(Math.abs));
  const rate = (c: Uint8Array): number => c.reduce((a, x) => a + x, 0) / m;
  const sd = Math.sqrt(0.3 * 0.7 / m); // binomial standard error of the rate
  const o = drawNoise(clean, { kind: "outlier", p: 0.3 }, new Rng(1));
  assert.ok(Math.abs(rate(o.corrupted) - 0.3) < 6 * sd);
  assert.ok(o.s.every((s, i) => (o.corrupted[i] ? Math.abs(s) <= 10 * big : s === 0)));
  const b = drawNoise(clean, { kind: "outlier-bounded", p: 0.3 }, new Rng(2));
  assert.ok(
    b.s.every((
      s,
      i,
    ) => (b.corrupted[i] ? Math.abs(s) >= 10 * big && Math.abs(s) <= 20 * big : s === 0)),
  );
  const g = drawNoise(clean, { kind: "gaussian", p: 1, nu: 2 }, new Rng(3));
  assert.equal(rate(g.corrupted), 1);
  const variance = g.s.reduce((a, x) => a + x * x, 0) / m;
  assert.ok(Math.abs(variance / 4 - 1) < 6 * Math.sqrt(2 / m));
  assert.throws(
    () => drawNoise(clean, { kind: "outlier", p: 1.5 }, new Rng(1)),
    /model.p must be a probability in \[0, 1\], got 1.5/,
  );
  assert.throws(
    () => drawNoise(clean, { kind: "gaussian", p: 0.1, nu: -1 }, new Rng(1)),
    /model.nu must be a positive/,
  );
  assert.throws(() => drawNoise(clean, { kind: "laplace" } as never, new Rng(1)), TypeError);
});

Deno.test("generateProblem is reproducible by seed and y = A(X*) + s", () => {
  const o = { d: 6, rstar: 2, m: 50, noise: { kind: "outlier", p: 0.2 }, seed: 9 } as const;
  const a = generateProblem(o), b = generateProblem(o), c = generateProblem({ ...o, seed: 10 });
  assert.deepEqual(a.y, b.y);
  assert.notDeepEqual(a.y, c.y);
  const clean = a.op.apply(a.xStar!).data;
  assert.ok(maxDiff(a.y.map((y, i) => y - a.noise![i]), clean) < 1e-13 * 6);
  assert.throws(
    () => generateProblem({ d: 4, rstar: 1, m: 10, cols: 3 }),
    /cols = 3 needs asymmetric: true/,
  );
  assert.throws(
    () => generateProblem({ d: 4, rstar: 1, m: 10, design: "sparse" as "gaussian" }),
    /design must be/,
  );
  assert.throws(
    () => generateProblem({ d: 4, rstar: 0, m: 10 }),
    /rstar must be a positive integer, got 0/,
  );
});

Deno.test("relativeError and defaultAlpha", () => {
  const p = generateProblem({ d: 10, rstar: 2, m: 4000, seed: 3 });
  assert.equal(relativeError(p.xStar!, p.xStar!), 0);
  // median |y|/0.6745 estimates ‖X*‖_F = √2 (clean y_i ~ N(0, ‖X*‖_F²)); 4000 samples: ~3% error
  const est = (defaultAlpha(p) / 1e-8) ** 2;
  assert.ok(Math.abs(est / Math.SQRT2 - 1) < 0.1, `estimate ${est}`);
  assert.throws(() => relativeError(p.xStar!, p.uStar!), /shapes differ/);
});

Deno.test("step rules", () => {
  for (const { s, t, f, g2, want } of schedules) {
    assert.ok(Math.abs(stepLength(s, t, f, g2) - want) <= 1e-15 * want, `${s.kind}`);
  }
});
