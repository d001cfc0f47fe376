import assert from "node:assert/strict";
import { gradcheck } from "../../../ops/autograd/gradcheck.ts";
import { Rng } from "../../../ops/random.ts";
import { Tensor } from "../../../ops/tensor.ts";
import { sum } from "../../../ops/autograd/ops.ts";
import {
  applyCtrLayer,
  countParams,
  ctrForward,
  type CtrInput,
  DENSE_DIM,
  initCtrModel,
  type LinearParams,
  N_SPARSE,
} from "../../../methods/ctr/mod.ts";

function randomBatch(rows: number, vocab: number, seed: number): CtrInput {
  const rng = new Rng(seed);
  return {
    ids: Int32Array.from({ length: rows * N_SPARSE }, () => rng.int(vocab)),
    dense: Float64Array.from({ length: rows * DENSE_DIM }, () => rng.normal()),
  };
}

Deno.test("DeepFM logit = MLP + first order + dense linear + Σ_{f<g}⟨e_f, e_g⟩ (brute force)", () => {
  const vocab = 40, d = 3, rows = 4;
  const m = initCtrModel({ vocabSize: vocab, embDim: d, hidden: [5], seed: 1, embStd: 0.5 });
  const rng = new Rng(9);
  m.params.first!.data.forEach((_, i, a) => (a[i] = rng.normal()));
  m.params.denseLinear!.weight.data.forEach((_, i, a) => (a[i] = rng.normal()));
  const b = randomBatch(rows, vocab, 2);
  const full = ctrForward(m, b);
  const mlpOnly = ctrForward({ ...m, kind: "mlp" }, b);
  const t = m.params.table.data;
  for (let r = 0; r < rows; r++) {
    let want = mlpOnly.data[r] + m.params.denseLinear!.bias!.data[0];
    for (let f = 0; f < N_SPARSE; f++) {
      const id = b.ids[r * N_SPARSE + f];
      want += m.params.first!.data[id];
      for (let g = f + 1; g < N_SPARSE; g++) {
        const jd = b.ids[r * N_SPARSE + g];
        for (let c = 0; c < d; c++) want += t[id * d + c] * t[jd * d + c];
      }
    }
    for (let j = 0; j < DENSE_DIM; j++) {
      want += m.params.denseLinear!.weight.data[j] * b.dense[r * DENSE_DIM + j];
    }
    assert.ok(Math.abs(full.data[r] - want) <= 1e-12 * (1 + Math.abs(want)), `row ${r}`);
  }
});

Deno.test("ctrForward gradients pass gradcheck for table, first order, MLP weight (DeepFM)", () => {
  const m = initCtrModel({ vocabSize: 30, embDim: 2, hidden: [3], seed: 0, embStd: 0.3 });
  const b = randomBatch(3, 30, 5);
  const p = m.params, [l0, l1] = p.dnn as LinearParams[];
  const f = (table: Tensor, first: Tensor, w0: Tensor): Tensor =>
    sum(ctrForward({ ...m, params: { ...p, table, first, dnn: [{ ...l0, weight: w0 }, l1] } }, b));
  const r = gradcheck(f, [p.table, p.first!, l0.weight]);
  assert.ok(r.ok, `max error ${r.maxError}`);
});

Deno.test("hook sees the embedding and each layer; kinds, shapes and parameter counts", () => {
  const m = initCtrModel({ kind: "mlp", vocabSize: 50, embDim: 4, hidden: [6, 5] });
  const seen: [string, number[] | null, number[]][] = [];
  ctrForward(
    m,
    randomBatch(2, 50, 0),
    (n, x, y) => seen.push([n, x ? [...x.shape] : null, [...y.shape]]),
  );
  assert.deepEqual(seen, [
    ["embedding", null, [2, 26, 4]],
    ["dnn0", [2, 26 * 4 + 26], [2, 6]],
    ["dnn1", [2, 6], [2, 5]],
    ["dnn2", [2, 5], [2, 1]],
  ]);
  assert.equal(countParams(m), 50 * 4 + (130 * 6 + 6) + (6 * 5 + 5) + (5 + 1));
  const fm = initCtrModel({ vocabSize: 50, embDim: 4, hidden: [6, 5] });
  assert.equal(countParams(fm), countParams(m) + 50 + DENSE_DIM + 1);
  assert.throws(
    () => initCtrModel({ vocabSize: 0 }),
    /vocabSize must be a positive integer, got 0/,
  );
  assert.throws(
    () => initCtrModel({ vocabSize: 5, hidden: [3, 0] }),
    /hidden\[1\] must be a positive integer, got 0/,
  );
  assert.throws(
    () => initCtrModel({ vocabSize: 5, kind: "dcn" as unknown as "mlp" }),
    /kind must be "deepfm" or "mlp", got dcn/,
  );
  // @ts-expect-error unknown option
  assert.throws(() => initCtrModel({ vocabSize: 5, emb: 3 }), /unknown option emb/);
  assert.throws(
    () => ctrForward(m, { ids: new Int32Array(26), dense: new Float64Array(3) }),
    /need rows×26 and rows×26/,
  );
});

Deno.test("applyCtrLayer: factored layers, with and without an activation between the factors", () => {
  const f = {
    a: {
      weight: new Tensor(Float64Array.of(1, -1), [1, 2]),
      bias: new Tensor(Float64Array.of(0), [1]),
    },
    b: { weight: new Tensor(Float64Array.of(2, 3), [2, 1]) },
  };
  const x = new Tensor(Float64Array.of(1, 3), [1, 2]); // A x = −2
  assert.deepEqual(Array.from(applyCtrLayer(f, x).data), [-4, -6]);
  assert.deepEqual(Array.from(applyCtrLayer(f, x, "relu").data), [0, 0]);
});
