import assert from "node:assert/strict";
import { Rng } from "../../../ops/random.ts";
import { auc, logLoss } from "../../../methods/ctr/mod.ts";

/** AUC by counting all positive–negative pairs (ties count ½): the definition. */
function pairAuc(y: number[], s: number[]): number {
  let num = 0, den = 0;
  for (let i = 0; i < y.length; i++) {
    if (y[i] !== 1) continue;
    for (let j = 0; j < y.length; j++) {
      if (y[j] !== 0) continue;
      den++;
      num += s[i] > s[j] ? 1 : s[i] === s[j] ? 0.5 : 0;
    }
  }
  return num / den;
}

Deno.test("auc equals the pairwise definition, with many ties", () => {
  const rng = new Rng(0);
  for (let trial = 0; trial < 20; trial++) {
    const n = 1 + rng.int(300);
    const y = Array.from({ length: n + 2 }, (_, i) => (i < 2 ? i : rng.int(2)));
    const s = y.map(() => rng.int(trial % 2 ? 5 : 1000) / 7);
    assert.ok(Math.abs(auc(y, s) - pairAuc(y, s)) <= 1e-12, `trial ${trial}`);
  }
  assert.equal(auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 0.75);
  assert.equal(auc([1, 1, 0], [3, 3, 3]), 0.5);
  assert.equal(auc(Uint8Array.of(1, 0), Float64Array.of(-Infinity, Infinity)), 0);
});

Deno.test("auc errors: one class, NaN score, bad label, length mismatch", () => {
  assert.throws(() => auc([1, 1], [0, 1]), /needs both classes, got 2 positives and 0 negatives/);
  assert.throws(() => auc([1, 0], [NaN, 1]), /scores\[0\] is NaN/);
  assert.throws(() => auc([1, 2], [0, 1]), /labels\[1\] = 2 is not 0 or 1/);
  assert.throws(() => auc([1, 0], [0]), /labels has 2 entries but scores has 1/);
});

Deno.test("logLoss equals −mean(y log p + (1−y) log(1−p)) and stays finite at extreme logits", () => {
  const y = [1, 0, 1, 0], z = [2, -1, -0.5, 3];
  const want = -y.reduce((s, yi, i) => {
    const p = 1 / (1 + Math.exp(-z[i]));
    return s + yi * Math.log(p) + (1 - yi) * Math.log(1 - p);
  }, 0) / 4;
  assert.ok(Math.abs(logLoss(y, z) - want) <= 1e-15 * 4);
  assert.equal(logLoss([1, 0], [800, -800]), 0);
  assert.equal(logLoss([0], [800]), 800);
  assert.throws(() => logLoss([], []), /no entries/);
});
