import assert from "node:assert/strict";
import { randn } from "../../../ops/random.ts";
import { svd } from "../../../ops/linalg/svd.ts";
import type { Tensor } from "../../../ops/tensor.ts";
import { valueAndGrad } from "../../../ops/autograd/grad.ts";
import { gradcheck } from "../../../ops/autograd/gradcheck.ts";
import {
  crossEntropy,
  gather,
  mean,
  reshape,
  rmsNorm,
  softmax,
} from "../../../ops/autograd/ops.ts";
import { initLlama, llamaForward, type LlamaParams } from "../../../ops/nn/llama.ts";
import {
  BIPFT_LINEARS,
  bipftBits,
  bipftForward,
  bipftOps,
  distillLoss,
  initBipft,
  residualScores,
} from "../../../methods/compression/mod.ts";

const cfg = { vocabSize: 7, hiddenSize: 8, intermediateSize: 12, numLayers: 2, numHeads: 2 };
const ids = { shape: [2, 5], data: new Int32Array([1, 2, 3, 4, 5, 6, 0, 1, 2, 3]) };

function maxDiff(a: Tensor, b: Tensor): number {
  let m = 0;
  for (let i = 0; i < a.size; i++) m = Math.max(m, Math.abs(a.data[i] - b.data[i]));
  return m;
}

Deno.test("bipftForward: 32-bit with zero estimators is the standard Llama decoder (§4 property 5)", () => {
  const base = initLlama(cfg, { seed: 0, std: 0.3 });
  const want = llamaForward(base, ids, cfg);
  const noEst = bipftForward(initBipft(base, cfg, { estimators: false }), ids, cfg, {
    quantize: false,
    estimators: false,
  });
  assert.ok(maxDiff(noEst.logits, want) <= 1e-12);
  const p = initBipft(base, cfg, { estimators: true, seed: 1 });
  for (let i = 0; i < cfg.numLayers; i++) {
    p[`model.layers.${i}.self_attn.estimator.weight`].data.fill(0);
  }
  const zeroEst = bipftForward(p, ids, cfg, { quantize: false, estimators: true });
  assert.ok(maxDiff(zeroEst.logits, want) <= 1e-12);
  // Non-zero estimators change the output: the terms reach the scores and the context.
  const live = bipftForward(initBipft(base, cfg, { estimators: true, std: 0.5 }), ids, cfg, {
    quantize: false,
    estimators: true,
  });
  assert.ok(maxDiff(live.logits, want) > 1e-4);
  assert.equal(noEst.hidden.length, cfg.numLayers);
});

Deno.test("residualScores: each term rank ≤ 1 and their sum rank ≤ 2 (§4 property 6)", () => {
  const est = randn([1, 9, 5], { seed: 2 });
  const s = residualScores(est);
  const sv = svd(reshape(s, [9, 9])).s.data;
  assert.ok(sv[2] <= 1e-12 * sv[0], `σ3/σ1 = ${sv[2] / sv[0]}`);
  assert.ok(sv[1] > 1e-6 * sv[0]);
  // Term by term: q_m k_pᵀ + q_p k_mᵀ + q_p k_pᵀ.
  const e = est.data;
  for (let i = 0; i < 9; i++) {
    for (let j = 0; j < 9; j++) {
      const [qp, qm] = [e[i * 5], e[i * 5 + 2]], [kp, km] = [e[j * 5 + 1], e[j * 5 + 3]];
      assert.ok(Math.abs(s.data[i * 9 + j] - (qm * kp + qp * km + qp * kp)) <= 1e-12);
    }
  }
});

Deno.test("bipftForward: the estimator maps' gradient is exact (finite differences, 32-bit)", () => {
  const p = initBipft(initLlama(cfg, { seed: 3, std: 0.3 }), cfg, { estimators: true, std: 0.3 });
  const name = "model.layers.1.self_attn.estimator.weight";
  const r = gradcheck((w) => {
    const q = { ...p, [name]: w };
    return mean(bipftForward(q, ids, cfg, { quantize: false, estimators: true }).logits);
  }, [p[name]]);
  assert.ok(r.ok, `max error ${r.maxError}`);
});

Deno.test("bipftForward: quantised, every parameter gets a gradient (none unused); calibrate sets every α", () => {
  const p = initBipft(initLlama(cfg, { seed: 4, std: 0.3 }), cfg, { estimators: true });
  const cal = bipftForward(p, ids, cfg, { quantize: true, estimators: true, calibrate: true });
  const alphas = Object.keys(p).filter((k) => /alpha/.test(k));
  assert.equal(alphas.length, cfg.numLayers * (BIPFT_LINEARS.length + 4));
  assert.ok(alphas.every((k) => /log_alpha/.test(k) && p[k].data[0] !== 0));
  // Stored as log α: the q_proj input's α is 2·mean|x + move| of the block's normed input.
  const x0 = rmsNorm(
    gather(p["model.embed_tokens.weight"], ids),
    p["model.layers.0.input_layernorm.weight"],
    { eps: 1e-6 },
  );
  const want = 2 * Array.from(x0.data).reduce((s, v) => s + Math.abs(v), 0) / x0.size;
  const got = Math.exp(p["model.layers.0.self_attn.q_proj.act_log_alpha"].data[0]);
  assert.ok(Math.abs(got - want) <= 1e-12 * want, `${got} vs ${want}`);
  // The activation α of q_proj is 2·mean|x| of its moved input; values are {−α, 0, α}·W_b sums.
  const vg = valueAndGrad((q: LlamaParams) =>
    crossEntropy(bipftForward(q, ids, cfg, { quantize: true, estimators: true }).logits, ids)
  );
  const { value, grad } = vg(p);
  assert.ok(Number.isFinite(value.data[0]));
  for (const k of Object.keys(p)) assert.ok((grad as LlamaParams)[k], k);
  // Binary and 32-bit outputs differ, calibration does not change the shapes.
  const fp = bipftForward(p, ids, cfg, { quantize: false, estimators: true });
  assert.ok(maxDiff(cal.logits, fp.logits) > 1e-3);
});

Deno.test("distillLoss: soft CE against the teacher plus the mean hidden-state MSE", () => {
  const t = { logits: randn([2, 3, 4], { seed: 5 }), hidden: [randn([2, 3, 2], { seed: 6 })] };
  const s = { logits: randn([2, 3, 4], { seed: 7 }), hidden: [randn([2, 3, 2], { seed: 8 })] };
  const pt = softmax(t.logits), ls = s.logits;
  let ce = 0;
  for (let r = 0; r < 6; r++) {
    let z = 0;
    for (let v = 0; v < 4; v++) z += Math.exp(ls.data[r * 4 + v]);
    for (let v = 0; v < 4; v++) ce -= pt.data[r * 4 + v] * (ls.data[r * 4 + v] - Math.log(z));
  }
  let mse = 0;
  for (let i = 0; i < 12; i++) mse += (s.hidden[0].data[i] - t.hidden[0].data[i]) ** 2;
  const got = distillLoss(s, t).data[0];
  assert.ok(Math.abs(got - (ce / 6 + mse / 12)) <= 1e-12, `${got}`);
  // Two layers average their MSEs.
  const two = distillLoss({ ...s, hidden: [s.hidden[0], t.hidden[0]] }, {
    ...t,
    hidden: [t.hidden[0], t.hidden[0]],
  }).data[0];
  assert.ok(Math.abs(two - (ce / 6 + mse / 24)) <= 1e-12);
  assert.throws(
    () => distillLoss(s, { ...t, hidden: [] }),
    /student has 1 hidden states, teacher 0/,
  );
});

Deno.test("bipftBits / bipftOps: storage and §4 operation counts by formula; estimators add their share", () => {
  const c = { vocabSize: 65, hiddenSize: 16, intermediateSize: 32, numLayers: 2, numHeads: 4 };
  const d = 16, f = 32, L = 10, n = 2, h = 4, V = 65;
  const plain = bipftBits(c, { estimators: false }), est = bipftBits(c, { estimators: true });
  const lin = 4 * d * d + 3 * d * f;
  assert.equal(plain.binaryWeights, n * lin);
  assert.equal(est.bits - plain.bits, 32 * n * (5 * d + 5));
  const fpParams = 2 * V * d + (2 * n + 1) * d; // embedding, head, norms
  const sideValues = n * (7 * 2 + 6 * d + f + 4); // scales + α per linear, moves, attention α
  assert.equal(plain.fpValues, fpParams + sideValues);
  assert.equal(plain.fpModelBits, 32 * (n * lin + fpParams));
  const o = bipftOps(c, L, { estimators: true }), o0 = bipftOps(c, L, { estimators: false });
  assert.equal(o.binaryMacs, n * (L * lin + 2 * L * L * d));
  assert.equal(o.estimatorMacs, n * (5 * L * d + 3 * L * L + h * L * L));
  assert.equal(o0.estimatorMacs, 0);
  assert.equal(o.ops, o.binaryMacs / 64 + L * d * V + o.estimatorMacs);
  assert.throws(() => bipftOps(c, 0, { estimators: true }), /seqLen must be an integer ≥ 1, got 0/);
});

Deno.test("bipft: unknown option keys and missing mode flags are TypeErrors naming them", () => {
  const base = initLlama(cfg, { seed: 0 });
  assert.throws(() => initBipft(base, cfg, { estimators: true, sed: 1 } as never), /sed/);
  assert.throws(() => initBipft(base, cfg, {} as never), /estimators must be a boolean/);
  const p = initBipft(base, cfg, { estimators: false });
  assert.throws(
    () => bipftForward(p, ids, cfg, { quantize: true, estimators: false, calibrat: true } as never),
    /calibrat/,
  );
  assert.throws(
    () => bipftForward(p, ids, cfg, { quantize: true } as never),
    /mode needs quantize/,
  );
  assert.throws(
    () => bipftForward(p, ids, { ...cfg, numKvHeads: 1 }, { quantize: false, estimators: false }),
    /grouped-query attention is not supported/,
  );
});
