/**
 * A tiny Llama-style decoder (Touvron et al. 2023): token embedding, pre-norm blocks of
 * RMSNorm → causal RoPE self-attention and RMSNorm → SwiGLU MLP (Shazeer 2020), final RMSNorm and
 * an LM head that is untied or tied to the embedding. No biases. The parameters are a flat
 * record keyed exactly as transformers' `LlamaForCausalLM` state dict, so safetensors
 * checkpoints load by name.
 *
 * @module
 */
import { type DType, shapeStr, type Tensor } from "../tensor.ts";
import { Rng } from "../random.ts";
import * as ad from "../autograd/ops.ts";
import { attentionCore } from "./attention.ts";
import { normalInit } from "./init.ts";

/**
 * Shape and numerics of a Llama model.
 *
 * @example
 * ```ts
 * import { initLlama, type LlamaConfig } from "./llama.ts";
 * const cfg: LlamaConfig = {
 *   vocabSize: 16,
 *   hiddenSize: 8,
 *   intermediateSize: 16,
 *   numLayers: 2,
 *   numHeads: 4,
 *   numKvHeads: 2,
 * };
 * console.log(initLlama(cfg)["model.layers.1.self_attn.k_proj.weight"].shape); // [4, 8]
 * ```
 */
export interface LlamaConfig {
  /** Vocabulary size. */
  vocabSize: number;
  /** Model width. */
  hiddenSize: number;
  /** Width of the SwiGLU MLP. */
  intermediateSize: number;
  /** Number of decoder blocks. */
  numLayers: number;
  /** Query heads. */
  numHeads: number;
  /** Key/value heads (default `numHeads`). */
  numKvHeads?: number;
  /** RMSNorm epsilon (default 1e-6). */
  rmsNormEps?: number;
  /** RoPE base (default 10000). */
  ropeTheta?: number;
  /** Use the embedding as the LM head (default false: `lm_head.weight` is a parameter). */
  tieWordEmbeddings?: boolean;
}

/**
 * A Llama model's parameters, keyed by transformers' names.
 *
 * @example
 * ```ts
 * import { initLlama, type LlamaParams } from "./llama.ts";
 * const cfg = { vocabSize: 10, hiddenSize: 8, intermediateSize: 16, numLayers: 1, numHeads: 2 };
 * const p: LlamaParams = initLlama(cfg);
 * console.log(p["model.embed_tokens.weight"].shape); // [10, 8]
 * ```
 */
export type LlamaParams = Record<string, Tensor>;

/**
 * The parameter names and shapes of a Llama model with `config`.
 *
 * @example
 * ```ts
 * import { llamaShapes } from "./llama.ts";
 * const s = llamaShapes({ vocabSize: 10, hiddenSize: 4, intermediateSize: 8, numLayers: 1, numHeads: 2 });
 * console.log(s["model.layers.0.mlp.up_proj.weight"]); // [8, 4]
 * ```
 */
export function llamaShapes(config: LlamaConfig): Record<string, number[]> {
  const { vocabSize: v, hiddenSize: d, intermediateSize: f, numLayers: n, numHeads: h } = config;
  const kv = config.numKvHeads ?? h;
  for (const [k, x] of Object.entries({ v, d, f, n, h, kv })) {
    if (!Number.isInteger(x) || x < 1) {
      throw new RangeError(`llamaShapes: config size ${k} must be a positive integer, got ${x}`);
    }
  }
  if (d % h !== 0 || h % kv !== 0) {
    throw new RangeError(
      `llamaShapes: need hiddenSize % numHeads == 0 and numHeads % numKvHeads == 0, got ${d}, ${h}, ${kv}`,
    );
  }
  const hd = d / h;
  const s: Record<string, number[]> = { "model.embed_tokens.weight": [v, d] };
  for (let i = 0; i < n; i++) {
    const p = `model.layers.${i}`;
    s[`${p}.self_attn.q_proj.weight`] = [h * hd, d];
    s[`${p}.self_attn.k_proj.weight`] = [kv * hd, d];
    s[`${p}.self_attn.v_proj.weight`] = [kv * hd, d];
    s[`${p}.self_attn.o_proj.weight`] = [d, h * hd];
    s[`${p}.mlp.gate_proj.weight`] = [f, d];
    s[`${p}.mlp.up_proj.weight`] = [f, d];
    s[`${p}.mlp.down_proj.weight`] = [d, f];
    s[`${p}.input_layernorm.weight`] = [d];
    s[`${p}.post_attention_layernorm.weight`] = [d];
  }
  s["model.norm.weight"] = [d];
  if (!config.tieWordEmbeddings) s["lm_head.weight"] = [v, d];
  return s;
}

/**
 * Fresh parameters: matrices `N(0, std²)` (default std 0.02, transformers'
 * `initializer_range`), norm weights 1.
 *
 * @example
 * ```ts
 * import { initLlama } from "./llama.ts";
 * const p = initLlama({ vocabSize: 10, hiddenSize: 4, intermediateSize: 8, numLayers: 1, numHeads: 2 }, { seed: 0 });
 * console.log(p["model.norm.weight"].data); // Float64Array [1, 1, 1, 1]
 * ```
 */
export function initLlama(
  config: LlamaConfig,
  opts: { seed?: number; dtype?: DType; std?: number } = {},
): LlamaParams {
  const rng = new Rng(opts.seed ?? 0);
  const out: LlamaParams = {};
  for (const [name, shape] of Object.entries(llamaShapes(config))) {
    const t = normalInit(shape, opts.std ?? 0.02, { rng, dtype: opts.dtype });
    if (shape.length === 1) t.data.fill(1);
    out[name] = t;
  }
  return out;
}

/**
 * Picks and checks a Llama's parameters from a checkpoint's tensors (for example
 * `readSafetensors(bytes).tensors`). Every expected name must be present with its shape; a
 * name the model does not use is an error unless `strict: false`. The parameters are copies
 * (in the stored dtype), so training them in place leaves `tensors` as loaded.
 *
 * @example
 * ```ts
 * import { initLlama, loadLlama } from "./llama.ts";
 * const cfg = { vocabSize: 6, hiddenSize: 4, intermediateSize: 8, numLayers: 1, numHeads: 2 };
 * const p = loadLlama(new Map(Object.entries(initLlama(cfg))), cfg);
 * console.log(Object.keys(p).length); // 12
 * ```
 */
export function loadLlama(
  tensors: ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>,
  config: LlamaConfig,
  opts: { strict?: boolean } = {},
): LlamaParams {
  const get = (k: string): Tensor | undefined =>
    tensors instanceof Map ? tensors.get(k) : (tensors as Record<string, Tensor>)[k];
  const shapes = llamaShapes(config);
  const out: LlamaParams = {};
  for (const [name, shape] of Object.entries(shapes)) {
    const t = get(name);
    if (t === undefined) throw new RangeError(`loadLlama: checkpoint has no tensor "${name}"`);
    if (t.ndim !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new RangeError(
        `loadLlama: "${name}" has shape ${shapeStr(t.shape)}, the config needs ${shapeStr(shape)}`,
      );
    }
    out[name] = t.clone();
  }
  if (opts.strict ?? true) {
    const keys = tensors instanceof Map ? [...tensors.keys()] : Object.keys(tensors);
    const extra = keys.filter((k) => !(k in shapes));
    if (extra.length) {
      throw new RangeError(
        `loadLlama: checkpoint has tensors the model does not use: ${extra.join(", ")}`,
      );
    }
  }
  return out;
}

function param(p: LlamaParams, name: string): Tensor {
  const t = p[name];
  if (t === undefined) throw new RangeError(`llamaForward: params have no "${name}"`);
  return t;
}

/**
 * Computes one linear module of the model: `name` is its transformers path (for example
 * `"model.layers.0.self_attn.q_proj"`, as PEFT's target modules), `weight` its stored weight.
 * The default is `linear(x, weight)`; an adapter substitutes its own map for chosen modules.
 *
 * @example
 * ```ts
 * import { linear } from "../autograd/ops.ts";
 * import { initLlama, type LinearHook, llamaForward } from "./llama.ts";
 * const cfg = { vocabSize: 10, hiddenSize: 8, intermediateSize: 16, numLayers: 1, numHeads: 2 };
 * const seen: string[] = [];
 * const hook: LinearHook = (name, x, w) => (seen.push(name), linear(x, w));
 * llamaForward(initLlama(cfg), [1, 2], cfg, { linear: hook });
 * console.log(seen[0], seen.length); // model.layers.0.self_attn.q_proj 8
 * ```
 */
export type LinearHook = (name: string, x: Tensor, weight: Tensor) => Tensor;

/**
 * Options of {@link llamaForward}, {@link llamaLoss} and {@link llamaGenerate}.
 *
 * @example
 * ```ts
 * import { linear } from "../autograd/ops.ts";
 * import { initLlama, llamaForward, type LlamaForwardOptions } from "./llama.ts";
 * const cfg = { vocabSize: 10, hiddenSize: 8, intermediateSize: 16, numLayers: 1, numHeads: 2 };
 * let calls = 0;
 * const opts: LlamaForwardOptions = { linear: (_name, x, w) => (calls++, linear(x, w)) };
 * llamaForward(initLlama(cfg), [1, 2, 3], cfg, opts);
 * console.log(calls); // 8
 * ```
 */
export interface LlamaForwardOptions {
  /** Replaces the linear modules' computation (default `linear(x, weight)`). */
  linear?: LinearHook;
}

/**
 * Logits `[T, vocab]` (or `[B, T, vocab]`) for integer token `ids` of shape `[T]` (or `[B, T]`),
 * computed as transformers' `LlamaForCausalLM` does. Differentiable in the parameters (and in
 * whatever the `linear` hook closes over).
 *
 * @example
 * ```ts
 * import { initLlama, llamaForward } from "./llama.ts";
 * const cfg = { vocabSize: 10, hiddenSize: 8, intermediateSize: 16, numLayers: 1, numHeads: 2 };
 * console.log(llamaForward(initLlama(cfg), [1, 2, 3], cfg).shape); // [3, 10]
 * ```
 */
export function llamaForward(
  p: LlamaParams,
  ids: ad.Indices,
  config: LlamaConfig,
  opts: LlamaForwardOptions = {},
): Tensor {
  const eps = config.rmsNormEps ?? 1e-6;
  const attn = {
    nHeads: config.numHeads,
    nKvHeads: config.numKvHeads,
    ropeTheta: config.ropeTheta ?? 10000,
  };
  const hook = opts.linear ?? ((_: string, x: Tensor, w: Tensor): Tensor => ad.linear(x, w));
  const embed = param(p, "model.embed_tokens.weight");
  let h = ad.gather(embed, ids);
  const batched = h.ndim === 3;
  if (!batched) h = ad.reshape(h, [1, ...h.shape]);
  for (let i = 0; i < config.numLayers; i++) {
    const pre = `model.layers.${i}`;
    const lin = (n: string, x: Tensor): Tensor =>
      hook(`${pre}.${n}`, x, param(p, `${pre}.${n}.weight`));
    const x = ad.rmsNorm(h, param(p, `${pre}.input_layernorm.weight`), { eps });
    const merged = attentionCore(
      lin("self_attn.q_proj", x),
      lin("self_attn.k_proj", x),
      lin("self_attn.v_proj", x),
      attn,
    );
    h = ad.add(h, lin("self_attn.o_proj", merged));
    const y = ad.rmsNorm(h, param(p, `${pre}.post_attention_layernorm.weight`), { eps });
    const gated = ad.mul(ad.silu(lin("mlp.gate_proj", y)), lin("mlp.up_proj", y));
    h = ad.add(h, lin("mlp.down_proj", gated));
  }
  h = ad.rmsNorm(h, param(p, "model.norm.weight"), { eps });
  const logits = config.tieWordEmbeddings
    ? ad.linear(h, embed)
    : hook("lm_head", h, param(p, "lm_head.weight"));
  return batched ? logits : ad.reshape(logits, logits.shape.slice(1));
}

/**
 * Mean next-token cross-entropy: position t of `ids` predicts `targets[t]` (for language
 * modelling, `targets` is `ids` shifted by one). Targets equal to `ignoreIndex` (default
 * -100, as PyTorch) do not count, e.g. the prompt of an instruction example.
 *
 * @example
 * ```ts
 * import { initLlama, llamaLoss } from "./llama.ts";
 * const cfg = { vocabSize: 10, hiddenSize: 8, intermediateSize: 16, numLayers: 1, numHeads: 2 };
 * const loss = llamaLoss(initLlama(cfg), [1, 2, 3], [-100, 3, 4], cfg);
 * console.log(Math.abs(loss.data[0] - Math.log(10)) < 0.1); // true
 * ```
 */
export function llamaLoss(
  p: LlamaParams,
  ids: ad.Indices,
  targets: ad.Indices,
  config: LlamaConfig,
  opts: LlamaForwardOptions & { ignoreIndex?: number } = {},
): Tensor {
  return ad.crossEntropy(llamaForward(p, ids, config, opts), targets, {
    ignoreIndex: opts.ignoreIndex ?? -100,
  });
}

/**
 * Index of the largest of the `v` logits from `at` (first on ties). A NaN logit has no rank,
 * so picking around it would return a made-up token: it is an error naming the step.
 */
function argmaxLogits(
  logits: ArrayLike<number>,
  at: number,
  v: number,
  step: number,
  steps: number,
): number {
  let best = 0;
  for (let j = 0; j < v; j++) {
    const z = logits[at + j];
    if (Number.isNaN(z)) {
      throw new RangeError(
        `llamaGenerate: step ${step} of ${steps}: the logit of token ${j} is NaN ` +
          `(the model's output is not a number; check the parameters and the inputs)`,
      );
    }
    if (z > logits[at + best]) best = j;
  }
  return best;
}

/**
 * Greedy decoding: appends the most likely next token `maxNewTokens` times (recomputing the
 * whole prefix each step; the models here are tiny) and returns the new tokens. Stops early
 * at `stopToken` (which is included).
 *
 * @throws {RangeError} if `maxNewTokens` is not an integer ≥ 0, the prompt is empty,
 * `stopToken` is not a token id of the vocabulary, or a step's logits contain NaN (the message
 * names the step and the token).
 *
 * @example
 * ```ts
 * import { initLlama, llamaGenerate } from "./llama.ts";
 * const cfg = { vocabSize: 10, hiddenSize: 8, intermediateSize: 16, numLayers: 1, numHeads: 2 };
 * console.log(llamaGenerate(initLlama(cfg), [1, 2], cfg, { maxNewTokens: 3 }).length); // 3
 * ```
 */
export function llamaGenerate(
  p: LlamaParams,
  prompt: readonly number[],
  config: LlamaConfig,
  opts: LlamaForwardOptions & { maxNewTokens: number; stopToken?: number },
): number[] {
  if (!Number.isInteger(opts.maxNewTokens) || opts.maxNewTokens < 0) {
    throw new RangeError(
      `llamaGenerate: maxNewTokens must be an integer >= 0, got ${opts.maxNewTokens}`,
    );
  }
  if (prompt.length === 0) throw new RangeError("llamaGenerate: prompt is empty");
  const v = config.vocabSize;
  const stop = opts.stopToken;
  // A stop token outside the vocabulary could never be generated: decoding would silently
  // run to maxNewTokens.
  if (stop !== undefined && !(Number.isInteger(stop) && stop >= 0 && stop < v)) {
    throw new RangeError(
      `llamaGenerate: stopToken must be a token id in 0..${v - 1}, got ${String(stop)}`,
    );
  }
  const seq = [...prompt], out: number[] = [];
  for (let s = 0; s < opts.maxNewTokens; s++) {
    const logits = llamaForward(p, seq, config, opts).data;
    const best = argmaxLogits(logits, (seq.length - 1) * v, v, s + 1, opts.maxNewTokens);
    seq.push(best);
    out.push(best);
    if (best === stop) break;
  }
  return out;
}
