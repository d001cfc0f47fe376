/**
 * Export of LoRA-form adapters (LoRA, and every method with an exact LoRA export: PiSSA as a
 * rank-2r LoRA on the original W, NOLA, LoLDU, NLoRA, linear FLoRA, DyLoRA at a rank) to a PEFT
 * LoRA adapter. Spec: `specs/adapters.md` §3 (per-module `rank_pattern` / `alpha_pattern`).
 *
 * @module
 */
import { moduleScale, parsePeftConfig } from "./peft_config.ts";
import type { PeftLoraAdapter, PeftLoraModule } from "./peft.ts";
import { loraFromFactors, type LoraState } from "./lora.ts";
import { type PissaState, pissaToLora } from "./pissa.ts";

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * A PEFT LoRA adapter from LoRA states keyed by dotted module path. The first module's rank and
 * alpha become `r` and `lora_alpha`; modules that differ get exact-name entries in
 * `rank_pattern` / `alpha_pattern`. `config` adds or overrides fields (kept on write).
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { loraFromFactors } from "./lora.ts";
 * import { peftLoraFromStates } from "./peft_export.ts";
 * const s1 = loraFromFactors(tensor([[1, 2]]), tensor([[1]]), { alpha: 2 });
 * const s2 = loraFromFactors(tensor([[1, 2], [3, 4]]), tensor([[1, 0]]), { alpha: 2 });
 * const ad = peftLoraFromStates({ "m.q": s1, "m.v": s2 });
 * console.log(ad.config.r, ad.config.rank_pattern); // 1 { "m\\.v": 2 }
 * ```
 */
export function peftLoraFromStates(
  states: Record<string, LoraState>,
  config: Record<string, unknown> = {},
): PeftLoraAdapter {
  const entries = Object.entries(states);
  if (entries.length === 0) throw new RangeError("peftLoraFromStates: no modules");
  const first = entries[0][1];
  const rankPattern: Record<string, number> = {}, alphaPattern: Record<string, number> = {};
  const modules = new Map<string, PeftLoraModule>();
  for (const [module, st] of entries) {
    if (st.useRslora !== first.useRslora) {
      throw new RangeError(`peftLoraFromStates: "${module}" differs in use_rslora from the first`);
    }
    if (st.r !== first.r) rankPattern[escapeRegex(module)] = st.r;
    if (st.alpha !== first.alpha) alphaPattern[escapeRegex(module)] = st.alpha;
    modules.set(module, { kind: "linear", a: st.params.a, b: st.params.b });
  }
  const cfg = parsePeftConfig({
    peft_type: "LORA",
    task_type: null,
    r: first.r,
    lora_alpha: first.alpha,
    use_rslora: first.useRslora,
    lora_dropout: 0,
    bias: "none",
    fan_in_fan_out: false,
    init_lora_weights: true,
    target_modules: entries.map(([m]) => m),
    rank_pattern: rankPattern,
    alpha_pattern: alphaPattern,
    ...config,
  });
  return { config: cfg, modules, replacements: new Map(), metadata: { format: "pt" } };
}

/**
 * PiSSA adapters exported as a PEFT LoRA on the original weights (rank 2r, alpha 2α per
 * module, patterns doubled with them), PEFT's `path_initial_model_for_weight_conversion`.
 *
 * @example
 * ```ts
 * import { Rng, randn } from "../../ops/random.ts";
 * import { pissa } from "./pissa.ts";
 * import { pissaToPeft } from "./peft_export.ts";
 * const st = pissa.init(randn([6, 5], { seed: 0 }), { r: 2, alpha: 4 }, new Rng(0));
 * const ad = pissaToPeft({ "m.q": st });
 * console.log(ad.config.r, ad.config.lora_alpha); // 4 8
 * ```
 */
export function pissaToPeft(
  states: Record<string, PissaState>,
  config: Record<string, unknown> = {},
): PeftLoraAdapter {
  const converted: Record<string, LoraState> = {};
  for (const [m, st] of Object.entries(states)) converted[m] = pissaToLora(st);
  return peftLoraFromStates(converted, config);
}

/**
 * LoRA states from a PEFT LoRA adapter (`fromPeft`): per module, the factors with the module's
 * rank and alpha from the config patterns and `use_rslora`. Embedding and `fan_in_fan_out`
 * modules are rejected: their ΔW is transposed relative to a linear `[out, in]` LoRA state.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { loraFromFactors } from "./lora.ts";
 * import { loraStatesFromPeft, peftLoraFromStates } from "./peft_export.ts";
 * const ad = peftLoraFromStates({ q: loraFromFactors(tensor([[1, 2]]), tensor([[3]]), { alpha: 4 }) });
 * console.log(loraStatesFromPeft(ad).q.scale); // 4
 * ```
 */
export function loraStatesFromPeft(adapter: PeftLoraAdapter): Record<string, LoraState> {
  if (adapter.config.fan_in_fan_out === true) {
    throw new RangeError("loraStatesFromPeft: fan_in_fan_out adapters are stored transposed");
  }
  const out: Record<string, LoraState> = {};
  for (const [module, m] of adapter.modules) {
    if (m.kind !== "linear") {
      throw new RangeError(
        `loraStatesFromPeft: "${module}" is an embedding LoRA, not a linear one`,
      );
    }
    const { alpha } = moduleScale(adapter.config, module);
    out[module] = loraFromFactors(m.a, m.b, {
      alpha,
      useRslora: adapter.config.use_rslora === true,
    });
  }
  return out;
}
