import assert from "node:assert/strict";
import { parseCriteo } from "../../../ops/io/criteo.ts";
import { auc, N_SPARSE, syntheticCriteo } from "../../../methods/ctr/mod.ts";

Deno.test("syntheticCriteo: reader-valid, seeded, click rate, Zipf skew, missing values, informative", () => {
  const g = syntheticCriteo({ rows: 4000, seed: 3 });
  assert.equal(g.text, syntheticCriteo({ rows: 4000, seed: 3 }).text);
  assert.notEqual(g.text, syntheticCriteo({ rows: 4000, seed: 4 }).text);
  const d = parseCriteo(g.text);
  assert.equal(d.rows, 4000);
  const rate = d.labels.reduce((s, v) => s + v, 0) / d.rows;
  assert.ok(Math.abs(rate - 0.25) < 0.03, `click rate ${rate}`);
  // Zipf: in the largest field the most frequent value is far above uniform frequency.
  const f = g.cardinalities.indexOf(Math.max(...g.cardinalities));
  const counts = new Map<string, number>();
  for (let r = 0; r < d.rows; r++) {
    const v = d.cats[r * N_SPARSE + f];
    if (v !== "") counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  const seen = [...counts.values()].reduce((s, v) => s + v, 0);
  assert.ok(Math.max(...counts.values()) / seen > 10 / g.cardinalities[f]);
  assert.ok(d.cats.some((v) => v === "") && d.ints.some(Number.isNaN));
  const oracle = auc(d.labels, g.logits);
  assert.ok(oracle > 0.7, `oracle AUC ${oracle}`);
});

Deno.test("syntheticCriteo options: clickRate, maxCardinality, zipf and rank each change the data", () => {
  const rate = (t: string): number => {
    const d = parseCriteo(t);
    return d.labels.reduce((s, v) => s + v, 0) / d.rows;
  };
  assert.ok(Math.abs(rate(syntheticCriteo({ rows: 3000, clickRate: 0.6 }).text) - 0.6) < 0.04);
  assert.ok(Math.max(...syntheticCriteo({ rows: 10, maxCardinality: 5 }).cardinalities) <= 5);
  const base = syntheticCriteo({ rows: 200 }).text;
  assert.notEqual(syntheticCriteo({ rows: 200, zipf: 2 }).text, base);
  assert.notEqual(syntheticCriteo({ rows: 200, rank: 2 }).text, base);
  // @ts-expect-error unknown option
  assert.throws(() => syntheticCriteo({ rows: 5, rnk: 2 }), /unknown option rnk/);
  assert.throws(() => syntheticCriteo({ rows: 0 }), /rows must be a positive integer, got 0/);
  assert.throws(
    () => syntheticCriteo({ rows: 5, clickRate: 1 }),
    /clickRate must be in \(0, 1\), got 1/,
  );
});
