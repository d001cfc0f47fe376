/**
 * File formats: safetensors checkpoints (read, write, load into a parameter tree) and the
 * 16-bit float codecs they use; readers for the shared data sets (numeric CSV, character
 * corpora, JSON Lines, Criteo click logs) and seeded mini-batches.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { readSafetensors, writeSafetensors } from "./mod.ts";
 * const bytes = writeSafetensors({ w: tensor([1, 2, 3], { dtype: "f32" }) });
 * console.log(readSafetensors(bytes).tensors.get("w")?.shape); // [3]
 * ```
 *
 * @module
 */
export * from "./safetensors.ts";
export * from "./checkpoint.ts";
export * from "./half.ts";
export * from "./int_tensor.ts";
export * from "./csv.ts";
export * from "./text_corpus.ts";
export * from "./jsonl.ts";
export * from "./criteo.ts";
export * from "./batches.ts";

// Types that the exports above use in their signatures, re-exported so that this entry
// point documents them (deno doc --lint: no reference to a type the entry does not export).
export type { DType, Tensor, TensorData } from "../tensor.ts";
export type { Rng, Seed } from "../random.ts";
