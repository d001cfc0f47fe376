import assert from "node:assert/strict";
import { type Tensor, tensor } from "../../../ops/mod.ts";
import { gradcheck } from "../../../ops/autograd/gradcheck.ts";
import * as ad from "../../../ops/autograd/ops.ts";
import {
  initLlama,
  type LlamaConfig,
  llamaForward,
  llamaGenerate,
  llamaLoss,
  llamaShapes,
  loadLlama,
  train,
} from "../../../ops/nn/mod.ts";
import { adam } from "../../../ops/optim/mod.ts";
import { Rng } from "../../../ops/random.ts";

const TINY: LlamaConfig = {
  vocabSize: 5,
  hiddenSize: 4,
  intermediateSize: 6,
  numLayers: 1,
  numHeads: 2,
  numKvHeads: 1,
  ropeTheta: 100,
};

Deno.test("parameter names and shapes are transformers' Llama names", () => {
  const s = llamaShapes({ ...TINY, numLayers: 2 });
  assert.deepEqual(
    Object.keys(s).sort(),
    [
      "lm_head.weight",
      "model.embed_tokens.weight",
      ...[0, 1].flatMap((i) =>
        [
          "input_layernorm",
          "mlp.down_proj",
          "mlp.gate_proj",
          "mlp.up_proj",
          "post_attention_layernorm",
          "self_attn.k_proj",
          "self_attn.o_proj",
          "self_attn.q_proj",
          "self_attn.v_proj",
        ].map((n) => `model.layers.${i}.${n}.weight`)
      ),
      "model.norm.weight",
    ].sort(),
  );
  assert.deepEqual(s["model.layers.0.self_attn.k_proj.weight"], [2, 4]); // 1 kv head of dim 2
  assert.equal(llamaShapes({ ...TINY, tieWordEmbeddings: true })["lm_head.weight"], undefined);
  // -2 divides numHeads 2, so only the positivity check catches it (negative k/v shapes)
  assert.throws(() => llamaShapes({ ...TINY, numKvHeads: -2 }), /size kv must be a positive/);
  assert.throws(() => llamaShapes({ ...TINY, numKvHeads: 0 }), /size kv must be a positive/);
});

for (const tie of [false, true]) {
  Deno.test(`gradcheck of the Llama loss over every parameter (tied head: ${tie})`, () => {
    const cfg = { ...TINY, tieWordEmbeddings: tie };
    const p = initLlama(cfg, { seed: 3, std: 0.5 });
    const names = Object.keys(p);
    // perturb the norm weights away from 1 so their gradients are generic
    for (const n of names) {
      if (p[n].ndim === 1) p[n].data.forEach((_, i, d) => (d[i] = 0.7 + 0.2 * i));
    }
    const f = (...ts: Tensor[]): Tensor =>
      llamaLoss(Object.fromEntries(names.map((n, i) => [n, ts[i]])), [1, 4, 0], [4, 0, 2], cfg);
    const res = gradcheck(f, names.map((n) => p[n]));
    assert.ok(
      res.ok,
      `max error ${res.maxError} at ${names[res.worst.arg]} ${JSON.stringify(res.worst)}`,
    );
  });
}

Deno.test("a batch of sequences gives the logits of each sequence", () => {
  const p = initLlama(TINY, { seed: 1, std: 0.3 });
  const ids = tensor([[0, 1, 2], [4, 3, 3]]);
  const both = llamaForward(p, ids, TINY);
  assert.deepEqual(both.shape, [2, 3, 5]);
  const one = llamaForward(p, [4, 3, 3], TINY);
  for (let i = 0; i < one.size; i++) assert.ok(Math.abs(both.data[15 + i] - one.data[i]) < 1e-14);
});

Deno.test("the tiny decoder overfits a token sequence", () => {
  const cfg: LlamaConfig = {
    vocabSize: 12,
    hiddenSize: 32,
    intermediateSize: 64,
    numLayers: 2,
    numHeads: 4,
    numKvHeads: 2,
  };
  const rng = new Rng(5);
  const seq = Array.from({ length: 17 }, () => rng.int(12));
  const ids = seq.slice(0, -1), targets = seq.slice(1);
  const params = initLlama(cfg, { seed: 2 });
  const r = train({
    params,
    loss: (p) => llamaLoss(p, ids, targets, cfg),
    optimizer: adam({ lr: 1e-2 }),
    steps: 150,
    progress: false,
    onStep: (s) => s.loss > 0.02,
  });
  const final = llamaLoss(params, ids, targets, cfg).data[0];
  assert.ok(Math.abs(r.losses[0] - Math.log(12)) < 0.1, `initial loss ${r.losses[0]}`);
  assert.ok(final < 0.05, `loss ${r.losses[0]} -> ${final} in ${r.losses.length} steps`);
  assert.deepEqual(llamaGenerate(params, [seq[0]], cfg, { maxNewTokens: 16 }), seq.slice(1));
  assert.deepEqual(
    llamaGenerate(params, [seq[0]], cfg, { maxNewTokens: 16, stopToken: seq[2] }),
    seq.slice(1, 3),
  );
  const logits = llamaForward(params, ids, cfg);
  targets.forEach((t, i) => {
    const row = Array.from(logits.data.slice(i * 12, (i + 1) * 12));
    assert.equal(row.indexOf(Math.max(...row)), t, `position ${i}`);
  });
});

Deno.test("llamaGenerate: NaN logits and impossible stop tokens are errors, not token 0 / ignored", () => {
  const params = initLlama(TINY, { seed: 1 });
  // The head's output gets one NaN logit (token 3) when the sequence has 3 tokens: from a
  // 1-token prompt that is step 3.
  const linear = (name: string, x: Tensor, w: Tensor): Tensor => {
    const y = ad.linear(x, w);
    if (name !== "lm_head" || x.shape[1] !== 3) return y;
    const data = y.data.slice();
    data[data.length - TINY.vocabSize + 3] = NaN;
    return tensor(data, { shape: y.shape });
  };
  assert.equal(llamaGenerate(params, [1], TINY, { maxNewTokens: 2, linear }).length, 2);
  assert.throws(
    () => llamaGenerate(params, [1], TINY, { maxNewTokens: 4, linear }),
    (e: unknown) =>
      e instanceof RangeError && /llamaGenerate: step 3 of 4: the logit of token 3 is NaN/.test(
        e.message,
      ),
  );
  // A stop token that cannot be generated would be ignored silently.
  for (const stopToken of [TINY.vocabSize, -1, 1.5, NaN]) {
    assert.throws(
      () => llamaGenerate(params, [1], TINY, { maxNewTokens: 2, stopToken }),
      new RegExp(`llamaGenerate: stopToken must be a token id in 0..4, got ${stopToken}`),
    );
  }
  // A NaN parameter poisons every logit from the first step on.
  const bad = {
    ...params,
    "model.norm.weight": tensor(new Float64Array(TINY.hiddenSize).fill(NaN)),
  };
  assert.throws(
    () => llamaGenerate(bad, [1], TINY, { maxNewTokens: 2 }),
    /llamaGenerate: step 1 of 2: the logit of token 0 is NaN/,
  );
});

Deno.test("loadLlama reports missing, misshapen and unexpected tensors by name", () => {
  const p = initLlama(TINY);
  const m = new Map(Object.entries(p));
  assert.equal(Object.keys(loadLlama(m, TINY)).length, m.size);
  const missing = new Map(m);
  missing.delete("model.norm.weight");
  assert.throws(() => loadLlama(missing, TINY), /no tensor "model.norm.weight"/);
  const bad = new Map(m);
  bad.set("lm_head.weight", tensor([[1]]));
  assert.throws(() => loadLlama(bad, TINY), /"lm_head.weight" has shape 1x1, the config needs 5x4/);
  const extra = new Map(m);
  extra.set("model.rotary_emb.inv_freq", tensor([1]));
  assert.throws(() => loadLlama(extra, TINY), /does not use: model.rotary_emb.inv_freq/);
  assert.equal(Object.keys(loadLlama(extra, TINY, { strict: false })).length, m.size);
  assert.throws(() => llamaForward(p, [5], TINY), /indices\[0\] = 5/);
});

Deno.test("loadLlama: the parameters are copies, not views of the checkpoint's tensors", () => {
  const m = new Map(Object.entries(initLlama(TINY, { seed: 6 })));
  const saved = new Map([...m].map(([k, t]) => [k, Array.from(t.data)]));
  const p = loadLlama(m, TINY);
  for (const [k, t] of Object.entries(p)) {
    assert.deepEqual(Array.from(t.data), saved.get(k), k);
    assert.equal(t.dtype, m.get(k)!.dtype, `${k}: stored dtype kept`);
    t.data.fill(3); // in-place training of the model
    assert.deepEqual(Array.from(m.get(k)!.data), saved.get(k), `${k}: checkpoint unchanged`);
    m.get(k)!.data.fill(0);
    assert.ok(t.data.every((v) => v === 3), `${k}: model unchanged by the checkpoint`);
  }
});

Deno.test("the linear hook sees every module by its PEFT name and can carry trainable adapters", () => {
  const p = initLlama(TINY, { seed: 4, std: 0.4 });
  const names: string[] = [];
  const base = llamaForward(p, [1, 2], TINY, {
    linear: (name, x, w) => {
      names.push(name);
      return ad.linear(x, w);
    },
  });
  assert.deepEqual(
    names,
    [
      ...["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj"],
      ...["mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"],
    ].map((n) => `model.layers.0.${n}`).concat(["lm_head"]),
  );
  assert.deepEqual(Array.from(base.data), Array.from(llamaForward(p, [1, 2], TINY).data));
  // a LoRA-style update on q_proj: W + B·A, with only A and B differentiated
  const lora = (a: Tensor, b: Tensor) => (name: string, x: Tensor, w: Tensor): Tensor =>
    name.endsWith("q_proj")
      ? ad.add(ad.linear(x, w), ad.linear(ad.linear(x, a), b))
      : ad.linear(x, w);
  const a0 = tensor([[0.3, -0.2, 0.5, 0.1]]), b0 = tensor([[0.2], [-0.4], [0.1], [0.3]]);
  const res = gradcheck(
    (a, b) => llamaLoss(p, [1, 2, 3], [2, 3, -100], TINY, { linear: lora(a, b) }),
    [a0, b0],
  );
  assert.ok(res.ok, `max error ${res.maxError}`);
});
