/**
 * One entry point for PEFT adapter files of every supported type (LoRA, RandLoRA): read by
 * `peft_type`, merge into a base checkpoint. Spec: `specs/adapters.md` §3.
 *
 * @module
 */
import type { Tensor } from "../../ops/tensor.ts";
import { parsePeftConfig } from "./peft_config.ts";
import { applyPeftDeltas, mergePeftLora, type PeftLoraAdapter, readPeftLora } from "./peft.ts";
import { type PeftRandLoraAdapter, peftRandLoraDelta, readPeftRandLora } from "./peft_randlora.ts";

/**
 * A PEFT adapter of a supported type (discriminated by `config.peft_type`).
 *
 * @example
 * ```ts
 * import { writeSafetensors } from "../../ops/io/safetensors.ts";
 * import { randn } from "../../ops/random.ts";
 * import { type PeftAdapter, readPeftAdapter } from "./peft_adapter.ts";
 * const weights = writeSafetensors({
 *   "base_model.model.q.lora_A.weight": randn([2, 3], { seed: 0, dtype: "f32" }),
 *   "base_model.model.q.lora_B.weight": randn([4, 2], { seed: 1, dtype: "f32" }),
 * });
 * const config = { peft_type: "LORA", r: 2, lora_alpha: 4, target_modules: ["q"] };
 * const a: PeftAdapter = readPeftAdapter(config, weights);
 * console.log(a.config.peft_type, [...a.modules.keys()]); // LORA ["q"]
 * ```
 */
export type PeftAdapter = PeftLoraAdapter | PeftRandLoraAdapter;

/**
 * Reads a PEFT adapter of any supported type; an unknown `peft_type` is a RangeError naming it.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { writePeftLora } from "./peft.ts";
 * import { parsePeftConfig } from "./peft_config.ts";
 * import { readPeftAdapter } from "./peft_adapter.ts";
 * const config = parsePeftConfig({ peft_type: "LORA", r: 1, target_modules: ["q"] });
 * const m = { kind: "linear" as const, a: tensor([[1, 2]]), b: tensor([[3]]) };
 * const f = writePeftLora({ config, modules: new Map([["q", m]]), replacements: new Map(), metadata: {} });
 * console.log(readPeftAdapter(f.config, f.weights).config.peft_type); // LORA
 * ```
 */
export function readPeftAdapter(
  config: string | Record<string, unknown>,
  weights: Uint8Array,
  opts: { name?: string } = {},
): PeftAdapter {
  const cfg = parsePeftConfig(config);
  return cfg.peft_type === "LORA"
    ? readPeftLora(cfg, weights, opts)
    : readPeftRandLora(cfg, weights, opts);
}

/**
 * Merges (or unmerges) a PEFT adapter into a base checkpoint (`<module>.weight` keys); see
 * `mergePeftLora` for the rules (`initial`: the initial adapter of a residual-initialized
 * LoRA). Returns a new map of all base tensors.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { parsePeftConfig } from "./peft_config.ts";
 * import { mergePeftAdapter } from "./peft_adapter.ts";
 * const config = parsePeftConfig({ peft_type: "LORA", r: 1, lora_alpha: 1, target_modules: ["q"] });
 * const m = { kind: "linear" as const, a: tensor([[1, 0]]), b: tensor([[1], [0]]) };
 * const ad = { config, modules: new Map([["q", m]]), replacements: new Map(), metadata: {} };
 * console.log(mergePeftAdapter(new Map([["q.weight", tensor([[0, 0], [0, 0]])]]), ad).get("q.weight")?.data);
 * // Float64Array [1, 0, 0, 0]
 * ```
 */
export function mergePeftAdapter(
  base: Map<string, Tensor>,
  adapter: PeftAdapter,
  opts: { unmerge?: boolean; initial?: PeftLoraAdapter } = {},
): Map<string, Tensor> {
  if (adapter.config.peft_type === "LORA") {
    return mergePeftLora(base, adapter as PeftLoraAdapter, opts);
  }
  const ad = adapter as PeftRandLoraAdapter;
  const deltas = new Map<string, Tensor>();
  for (const module of ad.modules.keys()) {
    const key = `${module}.weight`;
    const w = base.get(key);
    if (w === undefined) throw new RangeError(`mergePeftAdapter: base has no tensor "${key}"`);
    if (w.ndim !== 2) {
      throw new RangeError(`mergePeftAdapter: "${key}" is not a matrix (${w.shape.join("x")})`);
    }
    deltas.set(key, peftRandLoraDelta(ad, module, w.shape));
  }
  return applyPeftDeltas("mergePeftAdapter", base, deltas, ad.replacements, opts.unmerge);
}
