import assert from "node:assert/strict";
import { parseCriteo } from "../../../ops/io/criteo.ts";
import {
  buildEncoder,
  type CtrModel,
  encodeRows,
  evaluateCtr,
  fitCtr,
  initCtrModel,
  predictLogits,
  syntheticCriteo,
} from "../../../methods/ctr/mod.ts";

const data = parseCriteo(syntheticCriteo({ rows: 2500, seed: 5, maxCardinality: 100 }).text);
const trainRows = Array.from({ length: 2000 }, (_, i) => i);
const enc = buildEncoder(data, { rows: trainRows });
const train = encodeRows(data, enc, trainRows);
const val = encodeRows(data, enc, Array.from({ length: 500 }, (_, i) => 2000 + i));
const small = (): CtrModel =>
  initCtrModel({ kind: "mlp", vocabSize: enc.offsets[26], embDim: 4, hidden: [16], seed: 1 });

Deno.test("fitCtr learns (val AUC above chance) and keeps the best validation epoch's parameters", () => {
  const m = small();
  const untrained = evaluateCtr(m, val).auc;
  const seen: number[] = [];
  const r = fitCtr(m, train, val, {
    epochs: 3,
    batchSize: 100,
    lr: 5e-3,
    onEpoch: (e) => seen.push(e),
  });
  assert.deepEqual(seen, [0, 1, 2]);
  assert.equal(r.steps, 3 * 20);
  const best = Math.max(...r.history.map((h) => h.auc));
  assert.equal(r.history[r.bestEpoch].auc, best);
  assert.ok(best > 0.55 && best > untrained + 0.03, `val AUC ${best}, untrained ${untrained}`);
  assert.deepEqual(evaluateCtr(m, val), r.history[r.bestEpoch]);
});

Deno.test("fitCtr options: batchSize sets the step count, lr 0 changes nothing, seed and weightDecay matter", () => {
  const before = predictLogits(small(), val);
  const m0 = small();
  assert.equal(fitCtr(m0, train, val, { epochs: 1, batchSize: 300, lr: 0 }).steps, 7);
  assert.deepEqual(predictLogits(m0, val), before);
  const run = (o: object): Float64Array => {
    const m = small();
    fitCtr(m, train, val, { epochs: 1, batchSize: 250, lr: 1e-2, ...o });
    return predictLogits(m, val);
  };
  const base = run({});
  assert.notDeepEqual(run({ seed: 1 }), base);
  assert.notDeepEqual(run({ weightDecay: 0.5 }), base);
  // @ts-expect-error unknown option
  assert.throws(() => fitCtr(small(), train, val, { epoch: 1 }), /unknown option epoch/);
  assert.throws(
    () => fitCtr(small(), train, val, { batchSize: 0 }),
    /batchSize must be a positive integer, got 0/,
  );
});
