/**
 * A transformers `config.json` of a Llama model as a {@link LlamaConfig}, so that `loadLlama`
 * needs no hand-typed configuration. Fields that change the architecture in a way this model
 * does not implement (RoPE scaling, attention or MLP biases, another activation, a head size
 * other than hidden/heads) are errors naming the field, not silently ignored; fields that do not
 * change the forward pass (token ids, dtype, `architectures`, …) are ignored.
 *
 * @module
 */
import type { LlamaConfig } from "./llama.ts";

type Json = Record<string, unknown>;

function positiveInt(json: Json, key: string, fn: string): number {
  const v = json[key];
  if (!Number.isInteger(v) || (v as number) < 1) {
    throw new RangeError(`${fn}: "${key}" must be a positive integer, got ${JSON.stringify(v)}`);
  }
  return v as number;
}

function optionalPositive(json: Json, key: string, fn: string): number | undefined {
  const v = json[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !(v > 0) || !Number.isFinite(v)) {
    throw new RangeError(`${fn}: "${key}" must be a positive number, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** Rejects the architecture variants this Llama does not implement, naming the field. */
function rejectUnsupported(json: Json, fn: string): void {
  const type = json.model_type;
  if (type !== undefined && type !== "llama") {
    throw new RangeError(`${fn}: "model_type" is ${JSON.stringify(type)}, not "llama"`);
  }
  const act = json.hidden_act;
  if (act !== undefined && act !== "silu") {
    throw new RangeError(`${fn}: "hidden_act" ${JSON.stringify(act)} is not supported (silu)`);
  }
  for (const key of ["attention_bias", "mlp_bias"]) {
    if (json[key] !== undefined && json[key] !== false) {
      throw new RangeError(`${fn}: "${key}" ${JSON.stringify(json[key])} is not supported`);
    }
  }
  if (json.rope_scaling !== undefined && json.rope_scaling !== null) {
    throw new RangeError(
      `${fn}: "rope_scaling" ${JSON.stringify(json.rope_scaling)} is not supported`,
    );
  }
  const tie = json.tie_word_embeddings;
  if (tie !== undefined && typeof tie !== "boolean") {
    throw new TypeError(`${fn}: "tie_word_embeddings" must be a boolean, got ${String(tie)}`);
  }
}

/**
 * The {@link LlamaConfig} of a transformers Llama `config.json` object: `vocab_size`,
 * `hidden_size`, `intermediate_size`, `num_hidden_layers`, `num_attention_heads` (required),
 * `num_key_value_heads`, `rms_norm_eps`, `rope_theta`, `tie_word_embeddings` (optional).
 *
 * @example
 * ```ts
 * import { llamaConfigFromJson } from "./llama_config.ts";
 * const cfg = llamaConfigFromJson({
 *   model_type: "llama", vocab_size: 96, hidden_size: 48, intermediate_size: 96,
 *   num_hidden_layers: 2, num_attention_heads: 4, rms_norm_eps: 1e-6,
 * });
 * console.log(cfg.numLayers, cfg.numKvHeads, cfg.rmsNormEps); // 2 4 0.000001
 * ```
 */
export function llamaConfigFromJson(json: unknown): LlamaConfig {
  const fn = "llamaConfigFromJson";
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new TypeError(`${fn}: config must be a JSON object, got ${JSON.stringify(json)}`);
  }
  const j = json as Json;
  rejectUnsupported(j, fn);
  const hiddenSize = positiveInt(j, "hidden_size", fn);
  const numHeads = positiveInt(j, "num_attention_heads", fn);
  const numKvHeads = j.num_key_value_heads === undefined || j.num_key_value_heads === null
    ? numHeads
    : positiveInt(j, "num_key_value_heads", fn);
  if (hiddenSize % numHeads !== 0 || numHeads % numKvHeads !== 0) {
    throw new RangeError(
      `${fn}: hidden_size ${hiddenSize}, num_attention_heads ${numHeads} and ` +
        `num_key_value_heads ${numKvHeads} do not divide`,
    );
  }
  if (j.head_dim !== undefined && j.head_dim !== null && j.head_dim !== hiddenSize / numHeads) {
    throw new RangeError(
      `${fn}: "head_dim" ${JSON.stringify(j.head_dim)} is not hidden_size / num_attention_heads ` +
        `(${hiddenSize / numHeads}), which this model assumes`,
    );
  }
  return {
    vocabSize: positiveInt(j, "vocab_size", fn),
    hiddenSize,
    intermediateSize: positiveInt(j, "intermediate_size", fn),
    numLayers: positiveInt(j, "num_hidden_layers", fn),
    numHeads,
    numKvHeads,
    rmsNormEps: optionalPositive(j, "rms_norm_eps", fn) ?? 1e-6,
    ropeTheta: optionalPositive(j, "rope_theta", fn) ?? 10000,
    tieWordEmbeddings: (j.tie_word_embeddings as boolean | undefined) ?? false,
  };
}

/**
 * Reads a transformers `config.json` file as a {@link LlamaConfig} (see
 * {@link llamaConfigFromJson}); a malformed file is an error naming it.
 *
 * @example
 * ```ts
 * import { readLlamaConfig } from "./llama_config.ts";
 * const path = await Deno.makeTempFile({ suffix: ".json" });
 * await Deno.writeTextFile(path, JSON.stringify({
 *   vocab_size: 8, hidden_size: 4, intermediate_size: 8, num_hidden_layers: 1,
 *   num_attention_heads: 2,
 * }));
 * console.log(readLlamaConfig(path).hiddenSize); // 4
 * ```
 */
export function readLlamaConfig(path: string): LlamaConfig {
  const text = Deno.readTextFileSync(path);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new SyntaxError(`readLlamaConfig: ${path} is not JSON: ${(e as Error).message}`);
  }
  try {
    return llamaConfigFromJson(json);
  } catch (e) {
    const err = e as Error;
    throw new (err.constructor as ErrorConstructor)(`${path}: ${err.message}`);
  }
}
