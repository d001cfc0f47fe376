// Spec compression_optim_attention.md §9, checkable properties 1 and 2 (Geman–McClure weight).
import assert from "node:assert/strict";
import {
  gemanMcClureValue,
  gemanMcClureWeight,
  median,
  medianMu,
  residualTerms,
  robustObjective,
  updateWeights,
} from "../../../methods/geometry/robust_weight.ts";

const U = 2 ** -52;

Deno.test("property 1: w* = (μ/(μ+a))² is the grid minimum of f(w) = wa + μ(√w−1)² on (0, 1]", () => {
  const n = 200_000, h = 1 / n;
  for (const [a, mu] of [[0, 1], [0.3, 1], [1, 1], [5, 0.7], [40, 2], [1e-3, 10], [123, 0.01]]) {
    const ws = gemanMcClureWeight(a, mu), fs = robustObjective(ws, a, mu);
    let best = Infinity, arg = 0;
    for (let i = 1; i <= n; i++) {
      const f = robustObjective(i * h, a, mu);
      if (f < best) best = f, arg = i * h;
    }
    // f is smooth at an interior minimum: the grid can only reach it from above, within O(h²·f'')
    assert.ok(
      fs <= best + 1e3 * U * Math.max(1, best),
      `a=${a} mu=${mu}: f(w*)=${fs} > grid ${best}`,
    );
    assert.ok(Math.abs(arg - ws) <= 2 * h + 1e-9, `a=${a} mu=${mu}: argmin ${arg} vs w* ${ws}`);
    // f(w*) is the Geman–McClure value μa/(μ+a)
    const gm = (mu * a) / (mu + a);
    assert.ok(Math.abs(fs - gm) <= 8 * U * Math.max(1, gm), `f(w*)=${fs}, μa/(μ+a)=${gm}`);
    assert.ok(Math.abs(gemanMcClureValue(a, mu) - gm) <= 4 * U * Math.max(1, gm));
  }
});

Deno.test("property 2: w*(0) = 1, strictly decreasing in a, → 0 as a → ∞", () => {
  for (const mu of [1e-3, 0.5, 1, 7, 1e4]) {
    assert.equal(gemanMcClureWeight(0, mu), 1);
    let prev = 1;
    for (let e = -6; e <= 12; e += 0.25) {
      const w = gemanMcClureWeight(10 ** e * mu, mu);
      assert.ok(w < prev, `mu=${mu}: w(${10 ** e * mu}) = ${w} not below ${prev}`);
      prev = w;
    }
    assert.ok(gemanMcClureWeight(1e12 * mu, mu) < 1e-23);
    assert.equal(gemanMcClureWeight(Infinity, mu), 0);
    assert.equal(gemanMcClureWeight(mu, mu), 0.25); // a median point (a = μ) gets 1/4
  }
});

Deno.test("μ → ∞ sends every weight to 1 and the value to a (the plain term)", () => {
  for (const a of [0, 0.1, 3, 1e4]) {
    assert.ok(1 - gemanMcClureWeight(a, 1e15) < 1e-10);
    assert.equal(gemanMcClureWeight(a, Infinity), 1);
    assert.equal(gemanMcClureValue(a, Infinity), a);
  }
});

Deno.test("residualTerms: a = C r² by default, C r with exponent 1", () => {
  assert.deepEqual(Array.from(residualTerms([2, 0.5], [3, 4])), [12, 1]);
  assert.deepEqual(Array.from(residualTerms([2, 0.5], [3, 4], 1)), [6, 2]);
  assert.throws(() => residualTerms([1], [1, 2]), RangeError);
  assert.throws(() => residualTerms([-1], [1]), /r\[0\] = -1/);
  assert.throws(() => residualTerms([1], [0]), /c\[0\] = 0/);
  assert.throws(() => residualTerms([1], [1], 3 as never), /exponent must be 1 or 2, got 3/);
});

Deno.test("medianMu, median and updateWeights", () => {
  assert.equal(medianMu([9, 1, 4]), 4);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.throws(() => medianMu([0, 0, 1]), /mu must be > 0/);
  assert.throws(() => median([]), /empty/);
  assert.throws(() => median([1, NaN]), /NaN/);
  const w = updateWeights([0, 1, 3], 1);
  assert.deepEqual(Array.from(w), [1, 0.25, 1 / 16]);
});

Deno.test("bad arguments name the argument and the value", () => {
  assert.throws(() => gemanMcClureWeight(-1, 1), /a must be a number >= 0, got -1/);
  assert.throws(
    () => gemanMcClureWeight(1, 0),
    /mu must be a number > 0 \(Infinity allowed\), got 0/,
  );
  assert.throws(() => gemanMcClureWeight(NaN, 1), /got NaN/);
  assert.throws(() => robustObjective(0, 1, 1), /w must be in \(0, 1\], got 0/);
  assert.throws(() => robustObjective(1.5, 1, 1), /got 1.5/);
  assert.throws(() => updateWeights([1], -2), /mu must be/);
});
