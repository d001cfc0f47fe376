/**
 * The LoRA family of parameter-efficient adapters (`specs/adapters.md`) and Hugging Face PEFT
 * adapter files: read, write, merge into a base checkpoint, inspect.
 *
 * Every method is an {@link AdapterMethod} (`init`, `delta`, `trainable`, `paramCount`;
 * `merge`/`unmerge` are generic): `lora` (+ rsLoRA), `pissa`, `randLora`, `nola`, `loldu`,
 * `dyLora`, `slora` / `nlora` / `intTune`, `flora`, `triAdapt`. BA-LoRA is PiSSA plus the
 * regularizers of `ba_lora.ts`; DP-LoRA (`dpFedLora`, `rdpEpsilon`), MoLE (`moleForward`),
 * CoLoRA (`faig`, `allocateRanks`) and Flexora (`unrolledHypergradient`, `selectLayers`) act
 * across clients, experts or layers. Exports to PEFT LoRA: `peftLoraFromStates` with the
 * per-method `…ToLora` converters, `pissaToPeft`; RandLoRA files: `writePeftRandLora`.
 * Instruction tuning (BioInstruct recipe): Alpaca prompts, tokenizer and prompt-masked batches
 * (`instruct.ts`), synthetic biomedical data sets (`instruct_data.ts`; `instruct_tasks.ts`,
 * whose held-out answers never occur in training data) and LoRA on a Llama decoder through its
 * linear hook (`llamaLoraHook`).
 * PEFT's workflow: `getPeftModel` with a `LoraConfig` over any `ops/nn` parameter tree,
 * named adapters, `addWeightedAdapter` (cat / linear / svd), DoRA (`dora.ts`), PEFT files;
 * checkpoints of every other method (`saveAdapterCheckpoint`, `LOWRANK_<METHOD>` types);
 * TriAdaptLoRA's growth loop with optimizer-state surgery (`triAdaptGrowStep`,
 * `growOptimizerState_`); RandLoRA's memory-saving `Â` (`randLoraScaledA`).
 *
 * @example
 * ```ts
 * import { Rng, randn } from "../../ops/random.ts";
 * import { lora, merge } from "./mod.ts";
 * const w = randn([8, 6], { seed: 0 });
 * const st = lora.init(w, { r: 2, alpha: 4 }, new Rng(0));
 * console.log(merge(w, lora, st).shape, lora.paramCount(st)); // [8, 6] 28
 * ```
 *
 * @module
 */
export * from "./adapter.ts";
export * from "./lora.ts";
export * from "./randlora.ts";
export * from "./randlora_scaled.ts";
export * from "./spectrum.ts";
export * from "./peft_config.ts";
export * from "./peft.ts";
export * from "./peft_randlora.ts";
export * from "./peft_adapter.ts";
export * from "./peft_inspect.ts";
export * from "./peft_export.ts";
export * from "./peft_convert.ts";
export * from "./checkpoint.ts";
export * from "./dora.ts";
export * from "./lora_config.ts";
export * from "./peft_model.ts";
export * from "./peft_model_parts.ts";
export * from "./peft_weighted.ts";
export * from "./peft_merge_utils.ts";
export * from "./lora_conv.ts";
export * from "./pissa.ts";
export * from "./nola.ts";
export * from "./loldu.ts";
export * from "./dylora.ts";
export * from "./nlora.ts";
export * from "./flora.ts";
export * from "./ba_lora.ts";
export * from "./dp_accountant.ts";
export * from "./dp_lora.ts";
export * from "./mole.ts";
export * from "./flexora.ts";
export * from "./triadapt.ts";
export * from "./triadapt_growth.ts";
export * from "./colora.ts";
export * from "./instruct.ts";
export * from "./instruct_data.ts";
export * from "./instruct_tasks.ts";
export * from "./instruct_lora.ts";

// Types that the exports above use in their signatures, re-exported so that this entry
// point documents them (deno doc --lint: no reference to a type the entry does not export).
export type { DType, Tensor, TensorData } from "../../ops/tensor.ts";
export type { Rng } from "../../ops/random.ts";
export type { TensorTree, TreeLike } from "../../ops/autograd/tree.ts";
export type { LinearHook, LlamaConfig } from "../../ops/nn/llama.ts";
