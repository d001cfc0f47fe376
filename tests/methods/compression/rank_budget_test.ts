import assert from "node:assert/strict";
import { factoredParams, type RankLayer, ranksForRatio } from "../../../methods/compression/mod.ts";

const layers: RankLayer[] = [
  { kind: "embedding", rows: 5000, cols: 16 },
  { kind: "linear", rows: 400, cols: 442 },
  { kind: "linear", rows: 400, cols: 400 },
];

Deno.test("factoredParams counts every weight and bias (spec §2 complexity)", () => {
  assert.equal(factoredParams(layers[1], null), 400 * 442 + 400);
  assert.equal(factoredParams(layers[1], 10), 10 * 442 + 10 + 400 * 10 + 400);
  assert.equal(factoredParams(layers[0], null), 5000 * 16);
  assert.equal(factoredParams(layers[0], 2), 5000 * 2 + 16 * 2 + 16);
});

Deno.test("ranksForRatio: meets the ratio with the largest common rank fraction", () => {
  for (const [ratio, fixed] of [[3, 0], [5, 1234], [1.5, 401]]) {
    const plan = ranksForRatio(layers, ratio, fixed);
    assert.ok(plan.params * ratio <= plan.originalParams, `${ratio}: ${plan.params}`);
    const recount = layers.reduce((s, l, i) => s + factoredParams(l, plan.ranks[i]), fixed);
    assert.equal(plan.params, recount);
    assert.equal(plan.originalParams, layers.reduce((s, l) => s + factoredParams(l, null), fixed));
    // Each rank is ⌈α·min(rows, cols)⌉ of the one common fraction α.
    for (const [i, l] of layers.entries()) {
      const k = plan.ranks[i];
      assert.ok(k !== null);
      assert.equal(k, Math.max(1, Math.ceil(plan.alpha * Math.min(l.rows, l.cols))));
    }
    // The next larger fraction (the smallest k/p above α) is over the budget: α is the largest.
    let next = Infinity;
    for (const l of layers) {
      const p = Math.min(l.rows, l.cols);
      for (let k = 1; k <= p; k++) if (k / p > plan.alpha) next = Math.min(next, k / p);
    }
    const over = layers.reduce((s, l) => {
      const k = Math.max(1, Math.ceil(next * Math.min(l.rows, l.cols)));
      return s + Math.min(factoredParams(l, k), factoredParams(l, null));
    }, fixed);
    assert.ok(over * ratio > plan.originalParams, `${ratio}: α could grow to ${next}`);
    const up = ranksForRatio(layers, ratio * 0.9, fixed);
    assert.ok(up.params > plan.params, "a looser target keeps more");
  }
});

Deno.test("ranksForRatio: a layer whose factors are not smaller stays whole; ratio 1 keeps all", () => {
  const plan = ranksForRatio([{ kind: "linear", rows: 2, cols: 2 }, ...layers.slice(1)], 2);
  assert.equal(plan.ranks[0], null); // 1·(2 + 2) + 1 + 2 = 7 > 2·2 + 2 = 6
  const none = ranksForRatio(layers, 1);
  assert.deepEqual(none.ranks, [null, null, null]);
  assert.equal(none.params, none.originalParams);
});

Deno.test("ranksForRatio errors: ratio below 1, unreachable ratio, bad layers", () => {
  assert.throws(() => ranksForRatio(layers, 0.5), /ratio must be a finite number ≥ 1, got 0.5/);
  assert.throws(
    () => ranksForRatio(layers, 3, 1e6),
    /ratio 3 is out of reach: the smallest model has/,
  );
  assert.throws(
    () => ranksForRatio([{ kind: "linear", rows: 0, cols: 3 }], 2),
    /layers\[0\] is not a valid layer/,
  );
  assert.throws(
    () => ranksForRatio(layers, 2, -1),
    /fixedParams must be a non-negative integer, got -1/,
  );
});
