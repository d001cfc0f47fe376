import assert from "node:assert/strict";
import { parseCriteo } from "../../../ops/io/criteo.ts";
import {
  buildEncoder,
  compressCtr,
  countParams,
  type CtrBatchData,
  type CtrModel,
  encodeRows,
  fitCtr,
  initCtrModel,
  isFactored,
  predictLogits,
  syntheticCriteo,
} from "../../../methods/ctr/mod.ts";

// One small trained model per kind, shared by the tests (training is the slow part).
const data = parseCriteo(syntheticCriteo({ rows: 3000, seed: 1, maxCardinality: 200 }).text);
const enc = buildEncoder(data, { rows: Array.from({ length: 2400 }, (_, i) => i) });
const train = encodeRows(data, enc, Array.from({ length: 2400 }, (_, i) => i));
const val = encodeRows(data, enc, Array.from({ length: 600 }, (_, i) => 2400 + i));
function trained(kind: "deepfm" | "mlp"): CtrModel {
  const m = initCtrModel({
    kind,
    vocabSize: enc.offsets[26],
    embDim: 8,
    hidden: [48, 32],
    seed: 2,
  });
  fitCtr(m, train, val, { epochs: 1, batchSize: 128, lr: 3e-3 });
  return m;
}
const models = { deepfm: trained("deepfm"), mlp: trained("mlp") };

function maxDiff(a: Float64Array, b: Float64Array): number {
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
}

Deno.test("compressCtr: ratio met counting every parameter; AFM error ≤ SVD error per layer", () => {
  for (const kind of ["deepfm", "mlp"] as const) {
    const m = models[kind];
    for (const ratio of [3, 5]) {
      const s = compressCtr(m, { method: "svd", ratio, calibration: train });
      const a = compressCtr(m, { method: "afm", ratio, calibration: train });
      for (const r of [s, a]) {
        assert.equal(r.params, countParams(r.model));
        assert.equal(r.plan.originalParams, countParams(m));
        assert.ok(r.params * ratio <= countParams(m), `${kind} ${ratio}: ${r.params}`);
      }
      for (const name of Object.keys(s.layerErrors)) {
        assert.ok(a.layerErrors[name] <= s.layerErrors[name] * (1 + 1e-9), `${kind} ${name}`);
      }
      assert.ok(a.reconError < s.reconError);
    }
    assert.ok(!isFactored(m.params.dnn[0]), "the original is untouched");
  }
});

Deno.test("compressCtr ratio 1 changes nothing; fold gives the unfolded logits (mlp)", () => {
  const m = models.mlp, base = predictLogits(m, val);
  const same = compressCtr(m, { method: "afm", ratio: 1, calibration: train });
  assert.ok(maxDiff(predictLogits(same.model, val), base) <= 1e-12);
  assert.equal(same.reconError, 0);
  const unfolded = compressCtr(m, { method: "afm", ratio: 3, calibration: train, fold: false });
  const folded = compressCtr(m, { method: "afm", ratio: 3, calibration: train });
  assert.ok(unfolded.model.params.proj && !folded.model.params.proj);
  assert.ok(folded.params < unfolded.params);
  assert.ok(maxDiff(predictLogits(folded.model, val), predictLogits(unfolded.model, val)) <= 1e-10);
  assert.equal(folded.reconError, unfolded.reconError);
});

Deno.test("compressCtr AFM's between-factor activation (Ada_Act) is used and is not exact", () => {
  const m = models.deepfm;
  const plain = compressCtr(m, { method: "afm", ratio: 3, calibration: train });
  const act = compressCtr(m, { method: "afm", ratio: 3, calibration: train, between: "relu" });
  assert.equal(act.model.between, "relu");
  assert.ok(act.reconError > plain.reconError);
  assert.ok(maxDiff(predictLogits(act.model, val), predictLogits(plain.model, val)) > 1e-6);
});

Deno.test("compressCtr errors: fold with DeepFM, between with SVD, unknown option, bad method, out of reach", () => {
  const m = models.deepfm, calibration: CtrBatchData = train;
  assert.throws(
    () => compressCtr(m, { method: "afm", ratio: 3, calibration, fold: true }),
    /fold is not allowed for DeepFM/,
  );
  assert.throws(
    () => compressCtr(m, { method: "svd", ratio: 3, calibration, between: "relu" }),
    /between is AFM's variant/,
  );
  assert.throws(
    () =>
      compressCtr(
        m,
        { method: "afm", ratio: 3, calibration, rank: 2 } as {
          method: "afm";
          ratio: number;
          calibration: CtrBatchData;
        },
      ),
    /unknown option rank/,
  );
  assert.throws(
    () => compressCtr(m, { method: "pca" as "afm", ratio: 3, calibration }),
    /method must be "svd" or "afm", got pca/,
  );
  assert.throws(() => compressCtr(m, { method: "afm", ratio: 1e4, calibration }), /out of reach/);
  const c = compressCtr(m, { method: "svd", ratio: 2, calibration });
  assert.throws(
    () => compressCtr(c.model, { method: "svd", ratio: 2, calibration }),
    /already compressed/,
  );
});
