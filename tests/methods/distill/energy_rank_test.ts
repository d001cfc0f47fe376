/** energyRank: spec §10 property 2, against the definition written out independently. */
import assert from "node:assert/strict";
import fc from "fast-check";
import { tensor } from "../../../mod.ts";
import { energyRank } from "../../../methods/distill/mod.ts";

/** Smallest r with Σ_{i≤r} σᵢ² ≥ energy·Σσ² (a second formulation: no ratios, no count). */
function definition(s: number[], energy: number): number {
  const total = s.reduce((a, v) => a + v * v, 0);
  for (let r = 1; r <= s.length; r++) {
    if (s.slice(0, r).reduce((a, v) => a + v * v, 0) >= energy * total) return r;
  }
  return s.length;
}

Deno.test("energyRank: the spec's example σ² ∝ [90, 5, 4, 1] gives r = 3 (cumulative .90, .95, .99)", () => {
  const s = [90, 5, 4, 1].map(Math.sqrt);
  assert.equal(energyRank(s), 3);
  assert.equal(energyRank(tensor(s)), 3);
  // Scale does not matter: only ratios of energy.
  assert.equal(energyRank(s.map((v) => v * 1e-7)), 3);
});

Deno.test("energyRank: the energy option moves r (0.9 → 1, 0.95 → 2, 0.995 → 4)", () => {
  const s = [90, 5, 4, 1].map(Math.sqrt);
  assert.equal(energyRank(s, 0.89), 1);
  assert.equal(energyRank(s, 0.94), 2);
  assert.equal(energyRank(s, 0.995), 4);
  assert.equal(energyRank(s, 1), 4);
});

Deno.test("energyRank: agrees with the definition on random descending spectra", () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: 0.01, max: 100, noNaN: true }), { minLength: 1, maxLength: 12 }),
      fc.double({ min: 0.05, max: 0.999, noNaN: true }),
      (raw, energy) => {
        const s = [...raw].sort((a, b) => b - a);
        // Stay clear of ties with the threshold, where rounding decides (spec §10).
        const total = s.reduce((a, v) => a + v * v, 0);
        let cum = 0;
        for (const v of s) {
          cum += v * v;
          if (Math.abs(cum / total - energy) < 1e-9) return;
        }
        assert.equal(energyRank(s, energy), definition(s, energy));
      },
    ),
    { seed: 21, numRuns: 300 },
  );
});

Deno.test("energyRank: a rank-deficient spectrum stops at the last non-zero value", () => {
  assert.equal(energyRank([3, 2, 0, 0], 0.999999), 2);
});

Deno.test("energyRank: bad input is a RangeError naming it", () => {
  assert.throws(() => energyRank([0, 0]), /no energy/);
  assert.throws(() => energyRank([]), /no energy/);
  assert.throws(() => energyRank([1, 2]), /descending.*s\[1\] = 2/);
  assert.throws(() => energyRank([1, -1]), /s\[1\].*-1/);
  assert.throws(() => energyRank([1, NaN]), /s\[1\]/);
  assert.throws(() => energyRank([1], 0), /energy.*0/);
  assert.throws(() => energyRank([1], 1.5), /energy.*1.5/);
});
