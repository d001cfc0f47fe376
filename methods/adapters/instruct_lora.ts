/**
 * LoRA on a Llama decoder through its per-linear hook, as PEFT wraps the target modules for
 * instruction tuning (BioInstruct recipe, spec `specs/compression_optim_attention.md` §11;
 * LoRA, Hu et al. 2021, spec `specs/adapters.md` §1): `y = W₀x + s·B(A·dropout(x))` on the
 * adapted modules, `W₀x` elsewhere. Module names are transformers' (PEFT's target names).
 *
 * @module
 */
import { add, linear, mul } from "../../ops/autograd/ops.ts";
import type { LinearHook, LlamaConfig } from "../../ops/nn/llama.ts";
import type { Rng } from "../../ops/random.ts";
import { Tensor } from "../../ops/tensor.ts";
import { loraApply, type LoraState } from "./lora.ts";

const ATTENTION = ["q_proj", "k_proj", "v_proj", "o_proj"];
const MLP = ["gate_proj", "up_proj", "down_proj"];

/**
 * Dotted module paths of every layer's `targets` (PEFT's default for Llama is
 * `["q_proj", "v_proj"]`; any of q/k/v/o_proj, gate/up/down_proj). An unknown name is a
 * RangeError.
 *
 * @example
 * ```ts
 * import { llamaTargetModules } from "./instruct_lora.ts";
 * const cfg = { vocabSize: 8, hiddenSize: 4, intermediateSize: 8, numLayers: 1, numHeads: 2 };
 * console.log(llamaTargetModules(cfg, ["v_proj", "up_proj"]));
 * // ["model.layers.0.self_attn.v_proj", "model.layers.0.mlp.up_proj"]
 * ```
 */
export function llamaTargetModules(
  config: LlamaConfig,
  targets: readonly string[] = ["q_proj", "v_proj"],
): string[] {
  const out: string[] = [];
  for (let i = 0; i < config.numLayers; i++) {
    for (const t of targets) {
      const group = ATTENTION.includes(t) ? "self_attn" : MLP.includes(t) ? "mlp" : null;
      if (group === null) {
        throw new RangeError(
          `llamaTargetModules: target "${t}" is not one of ${[...ATTENTION, ...MLP].join(", ")}`,
        );
      }
      out.push(`model.layers.${i}.${group}.${t}`);
    }
  }
  return out;
}

/** Options of {@link llamaLoraHook}. */
export interface LoraHookOptions {
  /** Dropout probability on the adapter's input (PEFT `lora_dropout`; default 0). */
  dropout?: number;
  /** Draws the dropout masks; dropout acts only when given (training), not at inference. */
  rng?: Rng;
}

/**
 * A `LinearHook` for `llamaForward`/`llamaLoss`/`llamaGenerate` that adds the LoRA branch of
 * `states[name]` to the frozen linear map: `W₀x + s·B(A·dropout(x))` (inverted dropout, mask
 * scaled by `1/(1−p)`). Differentiable in the states' factors, so `valueAndGrad` over them
 * trains the adapter with the base frozen.
 *
 * @example
 * ```ts
 * import { Rng } from "../../ops/random.ts";
 * import { initLlama, llamaForward } from "../../ops/nn/llama.ts";
 * import { lora } from "./lora.ts";
 * import { llamaLoraHook } from "./instruct_lora.ts";
 * const cfg = { vocabSize: 8, hiddenSize: 4, intermediateSize: 8, numLayers: 1, numHeads: 2 };
 * const p = initLlama(cfg);
 * const q = "model.layers.0.self_attn.q_proj";
 * const hook = llamaLoraHook({ [q]: lora.init(p[`${q}.weight`], { r: 2 }, new Rng(0)) });
 * console.log(llamaForward(p, [1, 2], cfg, { linear: hook }).shape); // [2, 8]
 * ```
 */
export function llamaLoraHook(
  states: Readonly<Record<string, LoraState>>,
  opts: LoraHookOptions = {},
): LinearHook {
  const p = opts.dropout ?? 0;
  if (!(p >= 0 && p < 1)) {
    throw new RangeError(`llamaLoraHook: dropout must be in [0, 1), got ${p}`);
  }
  const rng = opts.rng;
  return (name, x, w) => {
    const base = linear(x, w);
    const st = states[name];
    if (st === undefined) return base;
    let xin = x;
    if (rng !== undefined && p > 0) {
      const keep = x.dtype === "f32" ? new Float32Array(x.size) : new Float64Array(x.size);
      for (let i = 0; i < keep.length; i++) keep[i] = rng.uniform() < p ? 0 : 1 / (1 - p);
      xin = mul(x, new Tensor(keep, x.shape));
    }
    return add(base, loraApply(st, xin));
  };
}
