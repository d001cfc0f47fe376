/**
 * A BiPFT-binarised Llama-style decoder (Xing et al., AAAI 2024; spec
 * `compression_optim_attention.md` §4): every linear layer of the blocks (Q, K, V, O, gate, up,
 * down) takes binarised inputs (learnable per-channel move β, signed α-quantiser) and BWN
 * weights; attention is {@link bipftAttentionCore} with optional rank-1 residual estimators
 * built from the block's input. The embedding, the norms and the LM head stay in full
 * precision (as BiBERT and BiPFT keep embeddings and the classifier). The parameters extend a
 * Llama's (`ops/nn/llama.ts`) under the same names, so a trained full-precision model is the
 * starting point and the distillation teacher.
 *
 * @module
 */
import { Rng } from "../../ops/random.ts";
import { checkOptions } from "../../ops/options.ts";
import type { Tensor } from "../../ops/tensor.ts";
import { ones, zeros } from "../../ops/tensor.ts";
import * as ad from "../../ops/autograd/ops.ts";
import { type LlamaConfig, type LlamaParams, llamaShapes } from "../../ops/nn/llama.ts";
import { normalInit } from "../../ops/nn/init.ts";
import { bipftAttentionCore } from "./bipft_attention.ts";
import { bwnWeight, initAlpha_, signQuant } from "./bipft_quant.ts";

/** The binarised linear modules of each block. */
export const BIPFT_LINEARS: readonly string[] = [
  "self_attn.q_proj",
  "self_attn.k_proj",
  "self_attn.v_proj",
  "self_attn.o_proj",
  "mlp.gate_proj",
  "mlp.up_proj",
  "mlp.down_proj",
];

/** What the forward pass quantises and adds. */
export interface BipftMode {
  /** Binarise weights, activations, Q/K/V and the attention probabilities (false: 32-bit). */
  quantize: boolean;
  /** Add the five rank-1 residual estimators (their parameters must exist). */
  estimators: boolean;
}

function checkConfig(fn: string, config: LlamaConfig): void {
  if ((config.numKvHeads ?? config.numHeads) !== config.numHeads) {
    throw new RangeError(
      `${fn}: grouped-query attention is not supported (numKvHeads ${config.numKvHeads} ≠ numHeads ${config.numHeads})`,
    );
  }
}

/**
 * BiPFT parameters starting from the Llama parameters `base` (copied): for every binarised
 * linear `<module>.move` (zeros, `[in]`) and `<module>.act_log_alpha` (`[1]`); per block
 * `self_attn.log_alpha_q/k/v/p` (`[1]`); with `estimators`, `self_attn.estimator.weight`
 * (`[5, d]`, N(0, std²), default std 0.02: a zero start would leave the rank-1 products at a
 * saddle with zero gradient) and `self_attn.estimator.bias` (`[5]`, zeros). The scales are
 * stored as log α (start 0, α = 1) and used as `exp(log α)`: an optimizer step cannot make α
 * negative (with AdamW's scale-free steps, a plain α_P ≈ 0.05 crossed 0 within 50 steps).
 * {@link bipftForward} with `calibrate` sets them from a first batch.
 *
 * @example
 * ```ts
 * import { initLlama } from "../../ops/nn/llama.ts";
 * import { initBipft } from "./bipft_llama.ts";
 * const cfg = { vocabSize: 8, hiddenSize: 8, intermediateSize: 16, numLayers: 1, numHeads: 2 };
 * const p = initBipft(initLlama(cfg), cfg, { estimators: true });
 * console.log(p["model.layers.0.self_attn.estimator.weight"].shape); // [5, 8]
 * ```
 */
export function initBipft(
  base: LlamaParams,
  config: LlamaConfig,
  opts: { estimators: boolean; seed?: number; std?: number },
): LlamaParams {
  checkOptions("initBipft", opts, { estimators: "boolean", seed: "integer", std: "number" });
  if (typeof opts?.estimators !== "boolean") {
    throw new TypeError(
      `initBipft: opts.estimators must be a boolean, got ${String(opts?.estimators)}`,
    );
  }
  checkConfig("initBipft", config);
  const shapes = llamaShapes(config);
  const out: LlamaParams = {};
  for (const name of Object.keys(shapes)) {
    if (!base[name]) throw new RangeError(`initBipft: base params have no "${name}"`);
    out[name] = base[name].clone();
  }
  const dtype = out["model.norm.weight"].dtype, d = config.hiddenSize;
  const rng = new Rng(opts.seed ?? 0);
  for (let i = 0; i < config.numLayers; i++) {
    const pre = `model.layers.${i}`;
    for (const m of BIPFT_LINEARS) {
      out[`${pre}.${m}.move`] = zeros([shapes[`${pre}.${m}.weight`][1]], { dtype });
      out[`${pre}.${m}.act_log_alpha`] = zeros([1], { dtype });
    }
    for (const a of ["q", "k", "v", "p"]) {
      out[`${pre}.self_attn.log_alpha_${a}`] = zeros([1], { dtype });
    }
    if (opts.estimators) {
      out[`${pre}.self_attn.estimator.weight`] = normalInit([5, d], opts.std ?? 0.02, {
        rng,
        dtype,
      });
      out[`${pre}.self_attn.estimator.bias`] = zeros([5], { dtype });
    }
  }
  return out;
}

function get(p: LlamaParams, name: string): Tensor {
  const t = p[name];
  if (t === undefined) throw new RangeError(`bipftForward: params have no "${name}"`);
  return t;
}

/** What {@link bipftForward} returns. */
export interface BipftOutput {
  /** `[B, T, vocab]`. */
  logits: Tensor;
  /** The residual stream after each block, `[B, T, d]` each (the distillation targets). */
  hidden: Tensor[];
}

/**
 * The forward pass on integer ids `[B, T]`. `mode.quantize` false and `mode.estimators` false
 * is exactly `llamaForward` (spec §4 property 5); `calibrate` first sets every α from this
 * batch (2·mean|x| for inputs and Q/K/V, 4·mean|P|), the first-batch initialisation.
 *
 * @example
 * ```ts
 * import { initLlama } from "../../ops/nn/llama.ts";
 * import { bipftForward, initBipft } from "./bipft_llama.ts";
 * const cfg = { vocabSize: 8, hiddenSize: 8, intermediateSize: 16, numLayers: 2, numHeads: 2 };
 * const p = initBipft(initLlama(cfg), cfg, { estimators: true });
 * const out = bipftForward(p, { shape: [1, 4], data: new Int32Array([1, 2, 3, 4]) }, cfg, {
 *   quantize: true, estimators: true, calibrate: true,
 * });
 * console.log(out.logits.shape, out.hidden.length); // [1, 4, 8] 2
 * ```
 */
export function bipftForward(
  p: LlamaParams,
  ids: ad.Indices,
  config: LlamaConfig,
  mode: BipftMode & { calibrate?: boolean },
): BipftOutput {
  checkOptions("bipftForward", mode, {
    quantize: "boolean",
    estimators: "boolean",
    calibrate: "boolean",
  });
  if (typeof mode?.quantize !== "boolean" || typeof mode?.estimators !== "boolean") {
    throw new TypeError("bipftForward: mode needs quantize and estimators, both booleans");
  }
  checkConfig("bipftForward", config);
  const eps = config.rmsNormEps ?? 1e-6, cal = mode.calibrate ?? false;
  const embed = get(p, "model.embed_tokens.weight");
  let h = ad.gather(embed, ids);
  if (h.ndim !== 3) throw new RangeError("bipftForward: ids must be [B, T]");
  const hidden: Tensor[] = [];
  // α = exp(log α); calibrating, a fresh α is set from the batch and its log stored.
  const alphaOf = (key: string): Tensor =>
    cal ? ones([1], { dtype: embed.dtype }) : ad.exp(get(p, key));
  const store = (key: string, alpha: Tensor): void => {
    if (cal) get(p, key).data[0] = Math.log(alpha.data[0]);
  };
  for (let i = 0; i < config.numLayers; i++) {
    const pre = `model.layers.${i}`;
    const lin = (m: string, x: Tensor): Tensor => {
      const w = get(p, `${pre}.${m}.weight`);
      if (!mode.quantize) return ad.linear(x, w);
      const moved = ad.add(x, get(p, `${pre}.${m}.move`));
      const key = `${pre}.${m}.act_log_alpha`, alpha = alphaOf(key);
      if (cal) initAlpha_(alpha, moved, 2);
      store(key, alpha);
      return ad.linear(signQuant(moved, alpha), bwnWeight(w));
    };
    const x = ad.rmsNorm(h, get(p, `${pre}.input_layernorm.weight`), { eps });
    const a = `${pre}.self_attn`;
    const alphas = mode.quantize
      ? {
        q: alphaOf(`${a}.log_alpha_q`),
        k: alphaOf(`${a}.log_alpha_k`),
        v: alphaOf(`${a}.log_alpha_v`),
        p: alphaOf(`${a}.log_alpha_p`),
      }
      : null;
    const merged = bipftAttentionCore(
      lin("self_attn.q_proj", x),
      lin("self_attn.k_proj", x),
      lin("self_attn.v_proj", x),
      {
        nHeads: config.numHeads,
        ropeTheta: config.ropeTheta ?? 10000,
        alphas,
        estimates: mode.estimators
          ? ad.linear(x, get(p, `${a}.estimator.weight`), get(p, `${a}.estimator.bias`))
          : null,
        calibrate: cal,
      },
    );
    if (alphas) { for (const [n, t] of Object.entries(alphas)) store(`${a}.log_alpha_${n}`, t); }
    h = ad.add(h, lin("self_attn.o_proj", merged));
    const y = ad.rmsNorm(h, get(p, `${pre}.post_attention_layernorm.weight`), { eps });
    const gated = ad.mul(ad.silu(lin("mlp.gate_proj", y)), lin("mlp.up_proj", y));
    h = ad.add(h, lin("mlp.down_proj", gated));
    hidden.push(h);
  }
  h = ad.rmsNorm(h, get(p, "model.norm.weight"), { eps });
  const logits = ad.linear(h, config.tieWordEmbeddings ? embed : get(p, "lm_head.weight"));
  return { logits, hidden };
}
