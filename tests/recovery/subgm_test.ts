import assert from "node:assert/strict";
import { Tensor } from "../../ops/tensor.ts";
import { l2gd } from "../../recovery/l2gd.ts";
import { generateProblem, makeProblem } from "../../recovery/problem.ts";
import { defaultAlpha, subgm } from "../../recovery/subgm.ts";

const outliers = { kind: "outlier", p: 0.2 } as const;
const last = (a: number[]): number => a[a.length - 1];

Deno.test("CP8 headline: r' = 20 > r* = 2, 20% outliers, alpha = 1e-8 → error < 1e-6; l2-GD fails", () => {
  const p = generateProblem({ d: 20, rstar: 2, m: 800, noise: outliers, seed: 1 });
  const s = subgm(p, { rank: 20, alpha: 1e-8, eta0: 0.3, rho: 0.99, iters: 2000, seed: 1 });
  assert.equal(s.stopReason, "iters");
  assert.equal(s.errors.length, 2001);
  assert.ok(last(s.errors) < 1e-6, `SubGM error ${last(s.errors)}`);
  // CP9: GD on the l2 loss with the same data; a diverged (non-finite) run also counts as failure
  const g = l2gd(p, { rank: 20, alpha: 1e-3, eta: 0.1, iters: 1000, seed: 1 });
  assert.ok(!(last(g.errors) <= 0.5), `GD error ${last(g.errors)}`);
});

Deno.test("CP6 exact rank noiseless and CP16 the error tracks the step", () => {
  const p = generateProblem({ d: 20, rstar: 2, m: 400, seed: 2 });
  const s = subgm(p, { rank: 2, alpha: 1e-3, eta0: 0.2, rho: 0.98, iters: 1000, seed: 2 });
  const e = last(s.errors), etaT = 0.2 * 0.98 ** 1000;
  assert.ok(e < 1e-7, `error ${e}`);
  assert.ok(e > etaT / 10 && e < 10 * etaT, `e_T = ${e}, eta_T = ${etaT}`);
  // l2 sanity (CP9): GD succeeds without noise at r' = r*
  assert.ok(last(l2gd(p, { rank: 2, iters: 1000, seed: 2 }).errors) < 1e-6);
});

Deno.test("CP7 exact rank with 20% outliers (f32 packed storage)", () => {
  const p = generateProblem({ d: 20, rstar: 2, m: 400, noise: outliers, dtype: "f32", seed: 3 });
  const s = subgm(p, { rank: 2, alpha: 1e-3, eta0: 0.3, rho: 0.99, iters: 1500, seed: 3 });
  assert.ok(last(s.errors) < 1e-6, `error ${last(s.errors)}`);
  // the loss at the end approaches f(U*) = mean|s| from above
  const fStar = p.noise!.reduce((a, x) => a + Math.abs(x), 0) / p.op.m;
  assert.ok(last(s.losses) >= fStar * (1 - 1e-9) && last(s.losses) < fStar * 1.001);
});

Deno.test("CP13 iterates are bitwise identical when every outlier is scaled by 100", () => {
  const noise = { kind: "outlier-bounded", p: 0.2 } as const;
  const p = generateProblem({ d: 20, rstar: 2, m: 400, noise, seed: 4 });
  const y100 = p.y.map((y, i) => y + 99 * p.noise![i]); // clean + 100·s
  const q = makeProblem(p.op, new Tensor(y100, [p.op.m]), { xStar: p.xStar });
  const opts = { rank: 2, alpha: 1e-3, eta0: 0.3, rho: 0.99, iters: 1500, seed: 4 };
  const a = subgm(p, opts), b = subgm(q, opts);
  assert.deepEqual(b.u.data, a.u.data);
  assert.ok(last(a.errors) < 1e-6);
  assert.ok(last(b.losses) > 50 * last(a.losses)); // the losses do see the magnitudes
});

/** Sample variance of the entries (mean known to be 0). */
function meanSquare(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return s / a.length;
}

Deno.test("U₀ = α·B with B ~ N(0, 1/d) (spec §3): entry variance α²/d per factor; seed and default α", () => {
  // n entries of N(0, σ²): the mean square has relative standard deviation √(2/n); 6 of them.
  const within = (got: number, want: number, n: number, what: string): void =>
    assert.ok(Math.abs(got / want - 1) <= 6 * Math.sqrt(2 / n), `${what}: ${got} vs ${want}`);
  const sym = generateProblem({ d: 300, rstar: 1, m: 5, seed: 6 });
  const u0 = subgm(sym, { rank: 8, alpha: 2, iters: 0, seed: 7 }).u;
  within(meanSquare(u0.data), 4 / 300, u0.size, "PSD U₀");
  const asym = generateProblem({ d: 300, cols: 40, rstar: 1, m: 5, asymmetric: true, seed: 6 });
  const r = subgm(asym, { rank: 8, alpha: 2, iters: 0, seed: 7 });
  within(meanSquare(r.u.data), 4 / 300, r.u.size, "L₀ (300 rows)");
  within(meanSquare(r.v!.data), 4 / 40, r.v!.size, "R₀ (40 rows)");
  // seed: the same seed draws the same B, another seed another one.
  assert.deepEqual(subgm(sym, { rank: 8, alpha: 2, iters: 0, seed: 7 }).u.data, u0.data);
  assert.notDeepEqual(subgm(sym, { rank: 8, alpha: 2, iters: 0, seed: 8 }).u.data, u0.data);
  // Without alpha the scale is defaultAlpha(problem) (spec §4.2): U₀ = defaultAlpha·B.
  const dflt = subgm(sym, { rank: 8, iters: 0, seed: 7 }).u, a = defaultAlpha(sym);
  dflt.data.forEach((v, i) => assert.ok(Math.abs(v - (a / 2) * u0.data[i]) <= 1e-15 * a));
});

Deno.test("subgm/l2gd validate input: rank, alpha, iters, schedule, non-finite y, init shape", () => {
  const p = generateProblem({ d: 5, rstar: 1, m: 20, seed: 5 });
  assert.throws(() => subgm(p, { rank: 0 }), /subgm: rank must be a positive integer, got 0/);
  assert.throws(() => subgm(p, { rank: 1.5 }), /rank must be a positive integer, got 1.5/);
  assert.throws(
    () => subgm(p, { rank: 2, alpha: -1 }),
    /alpha must be a positive finite number, got -1/,
  );
  assert.throws(
    () => subgm(p, { rank: 2, iters: -3 }),
    /iters must be a non-negative integer, got -3/,
  );
  assert.throws(() => subgm(p, { rank: 2, rho: 1.5 }), /schedule.rho must be in \(0, 1\], got 1.5/);
  assert.throws(() => subgm(p, { rank: 2, eta0: 0 }), /schedule.eta0 must be a positive/);
  assert.throws(() => l2gd(p, { rank: 2, eta: NaN }), /l2gd: schedule.eta must be a positive/);
  assert.throws(
    () => subgm(p, { rank: 2, init: new Tensor(new Float64Array(8), [4, 2]) }),
    /init must be 5xk/,
  );
  assert.throws(
    () => subgm(p, { rank: 3, init: new Tensor(new Float64Array(10), [5, 2]) }),
    /init has 2 columns, rank is 3/,
  );
  const bad = { ...p, y: p.y.map((v, i) => (i === 7 ? NaN : v)) };
  assert.throws(() => subgm(bad, { rank: 1 }), /non-finite measurement NaN at index 7/);
  assert.throws(
    () => makeProblem(p.op, new Tensor(new Float64Array(19), [19])),
    /y must be a vector of length m = 20, got shape 19/,
  );
  assert.throws(
    () => makeProblem(p.op, new Tensor(p.y.map((v, i) => (i ? v : Infinity)), [20])),
    /non-finite measurement Infinity at index 0/,
  );
  assert.throws(
    () =>
      makeProblem(p.op, new Tensor(p.y, [20]), { xStar: new Tensor(new Float64Array(16), [4, 4]) }),
    /xStar must be 5x5, got 4x4/,
  );
});

Deno.test("subgm, l2gd and generateProblem reject misspelled option keys and wrong types", () => {
  const p = generateProblem({ d: 5, rstar: 1, m: 20, seed: 5 });
  const bad: [() => unknown, RegExp][] = [
    [
      () => subgm(p, { rank: 1, eta_0: 0.1 } as object as { rank: number }),
      /subgm: unknown option "eta_0"/,
    ],
    [
      () => subgm(p, { rank: 1, iters: "10" } as object as { rank: number }),
      /subgm: option iters must be a number/,
    ],
    [
      () => l2gd(p, { rank: 1, lr: 0.1 } as object as { rank: number }),
      /l2gd: unknown option "lr"/,
    ],
    [
      () =>
        generateProblem({ d: 5, rstar: 1, m: 20, sed: 1 } as object as { d: 5; rstar: 1; m: 20 }),
      /generateProblem: unknown option "sed"/,
    ],
    [
      () =>
        generateProblem(
          { d: 5, rstar: 1, m: 20, asymmetric: "yes" } as object as { d: 5; rstar: 1; m: 20 },
        ),
      /generateProblem: option asymmetric must be a boolean/,
    ],
  ];
  for (const [f, re] of bad) {
    assert.throws(f, (e: Error) => e instanceof TypeError && re.test(e.message));
  }
});

Deno.test("a diverging run stops with stopReason nonfinite; onIter can stop a run", () => {
  const p = generateProblem({ d: 6, rstar: 1, m: 40, seed: 6 });
  const g = l2gd(p, { rank: 2, alpha: 1, eta: 50, iters: 500 });
  assert.equal(g.stopReason, "nonfinite");
  assert.ok(g.iters < 500);
  const seen: number[] = [];
  const s = subgm(p, {
    rank: 2,
    alpha: 1e-3,
    iters: 100,
    onIter: ({ t }) => (seen.push(t), t < 9),
  });
  assert.equal(s.stopReason, "callback");
  assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(s.iters, 9);
});
