// llamaConfigFromJson / readLlamaConfig: a transformers config.json becomes the LlamaConfig that
// loadLlama takes (checked on the shared base model when present), defaults as transformers',
// and unsupported architecture fields are errors naming the field.
import assert from "node:assert/strict";
import {
  llamaConfigFromJson,
  llamaForward,
  loadLlama,
  readLlamaConfig,
  readSafetensors,
} from "../../../mod.ts";
import { sharedData } from "../io/shared_data.ts";

const BASE = {
  architectures: ["LlamaForCausalLM"],
  model_type: "llama",
  vocab_size: 96,
  hidden_size: 48,
  intermediate_size: 96,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 4,
  rms_norm_eps: 1e-6,
  rope_theta: 10000,
  tie_word_embeddings: false,
  hidden_act: "silu",
  attention_bias: false,
  mlp_bias: false,
  rope_scaling: null,
  torch_dtype: "float32",
  bos_token_id: 1,
};

const { path: DATA, missing: NO_DATA } = sharedData("peft/base_model.safetensors");

Deno.test("llamaConfigFromJson maps every field, and defaults follow transformers", () => {
  assert.deepEqual(llamaConfigFromJson(BASE), {
    vocabSize: 96,
    hiddenSize: 48,
    intermediateSize: 96,
    numLayers: 2,
    numHeads: 4,
    numKvHeads: 4,
    rmsNormEps: 1e-6,
    ropeTheta: 10000,
    tieWordEmbeddings: false,
  });
  const gqa = llamaConfigFromJson({
    ...BASE,
    num_key_value_heads: 2,
    rms_norm_eps: 1e-5,
    rope_theta: 500000,
    tie_word_embeddings: true,
  });
  assert.deepEqual([gqa.numKvHeads, gqa.rmsNormEps, gqa.ropeTheta, gqa.tieWordEmbeddings], [
    2,
    1e-5,
    500000,
    true,
  ]);
  const { num_key_value_heads: _k, rms_norm_eps: _e, rope_theta: _r, ...bare } = BASE;
  const d = llamaConfigFromJson(bare);
  assert.deepEqual([d.numKvHeads, d.rmsNormEps, d.ropeTheta], [4, 1e-6, 10000]);
});

Deno.test("llamaConfigFromJson rejects what the model does not implement, naming the field", () => {
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ model_type: "mistral" }, /"model_type" is "mistral"/],
    [{ hidden_act: "gelu" }, /"hidden_act" "gelu"/],
    [{ attention_bias: true }, /"attention_bias" true/],
    [{ mlp_bias: true }, /"mlp_bias" true/],
    [{ rope_scaling: { type: "linear", factor: 2 } }, /"rope_scaling"/],
    [{ head_dim: 16 }, /"head_dim" 16/],
    [{ num_key_value_heads: 3 }, /do not divide/],
    [{ vocab_size: 0 }, /"vocab_size" must be a positive integer/],
    [{ hidden_size: 48.5 }, /"hidden_size" must be a positive integer/],
    [{ rms_norm_eps: -1 }, /"rms_norm_eps" must be a positive number/],
    [{ tie_word_embeddings: "yes" }, /"tie_word_embeddings" must be a boolean/],
  ];
  for (const [patch, re] of bad) {
    assert.throws(() => llamaConfigFromJson({ ...BASE, ...patch }), re, JSON.stringify(patch));
  }
  assert.throws(() => llamaConfigFromJson([1]), /config must be a JSON object/);
});

Deno.test("readLlamaConfig names the file on a malformed config", async () => {
  const path = await Deno.makeTempFile({ suffix: ".json" });
  try {
    await Deno.writeTextFile(path, "{ not json");
    assert.throws(() => readLlamaConfig(path), (e: unknown) => e instanceof SyntaxError);
    await Deno.writeTextFile(path, JSON.stringify({ ...BASE, mlp_bias: true }));
    assert.throws(() => readLlamaConfig(path), new RegExp(`${path}: .*"mlp_bias"`));
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("a config.json read from disk loads the shared base model and runs it", {
  ignore: NO_DATA,
}, async () => {
  const path = await Deno.makeTempFile({ suffix: ".json" });
  try {
    await Deno.writeTextFile(path, JSON.stringify(BASE));
    const cfg = readLlamaConfig(path);
    const p = loadLlama(readSafetensors(Deno.readFileSync(DATA)).tensors, cfg);
    const logits = llamaForward(p, [0, 1, 2, 3], cfg);
    assert.deepEqual(logits.shape, [4, 96]);
    assert.ok(logits.data.every(Number.isFinite));
  } finally {
    await Deno.remove(path);
  }
});
