/**
 * File formats: safetensors checkpoints (read, write, load into a parameter tree) and the
 * 16-bit float codecs they use.
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
