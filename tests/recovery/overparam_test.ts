import assert from "node:assert/strict";
import { generateProblem } from "../../recovery/problem.ts";
import { subgm } from "../../recovery/subgm.ts";

const outliers = { kind: "outlier", p: 0.2 } as const;
const last = (a: number[]): number => a[a.length - 1];

Deno.test("CP14 large init: harmless at r' = r*, stalls with r' = 20 > r*", () => {
  const p = generateProblem({ d: 20, rstar: 2, m: 800, noise: outliers, seed: 21 });
  const opts = { alpha: 1, eta0: 0.3, rho: 0.99, iters: 2000, seed: 21 };
  const exact = subgm(p, { ...opts, rank: 2 });
  assert.ok(last(exact.errors) < 1e-8, `r' = 2, alpha = 1: ${last(exact.errors)}`);
  const over = subgm(p, { ...opts, rank: 20 });
  assert.ok(last(over.errors) > 2e-3, `r' = 20, alpha = 1 should stall: ${last(over.errors)}`);
  // the stall is a plateau, not slow progress: the last 500 iterations gain less than 2x
  assert.ok(over.errors[1500] / last(over.errors) < 2);
});

Deno.test("asymmetric SubGM (spec §1.5): L Rᵀ recovered with 20% outliers", () => {
  const p = generateProblem({
    d: 20,
    rstar: 2,
    m: 800,
    asymmetric: true,
    noise: outliers,
    seed: 22,
  });
  const s = subgm(p, { rank: 2, alpha: 1e-8, eta0: 0.6, rho: 0.99, iters: 2000, seed: 22 });
  assert.ok(s.v !== undefined && s.v.shape[0] === 20);
  assert.ok(last(s.errors) < 1e-7, `error ${last(s.errors)}`);
});

Deno.test("rank-one design (spec §9, E8 scaled down) converges with outliers", () => {
  const p = generateProblem({
    d: 15,
    rstar: 2,
    m: 500,
    design: "rank-one",
    noise: outliers,
    seed: 23,
  });
  const s = subgm(p, { rank: 2, alpha: 1e-6, eta0: 0.2, rho: 0.99, iters: 1500, seed: 23 });
  assert.ok(last(s.errors) < 1e-6, `error ${last(s.errors)}`);
});
