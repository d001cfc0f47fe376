/**
 * Shared constants of the safetensors reader and writer: dtype names, element sizes and byte
 * order handling.
 *
 * @module
 */

/**
 * Element types lowrank reads and writes in safetensors files.
 *
 * @example
 * ```ts
 * import { ELEMENT_BYTES, type SafetensorsDType } from "./safetensors_format.ts";
 * const dtype: SafetensorsDType = "BF16";
 * console.log(ELEMENT_BYTES[dtype]); // 2
 * ```
 */
export type SafetensorsDType = "F64" | "F32" | "F16" | "BF16" | "I64" | "I32";

/**
 * Float element types a `Tensor` can be stored as.
 *
 * @example
 * ```ts
 * import { FLOAT_STORAGE, type FloatStorage } from "./safetensors_format.ts";
 * const storage: FloatStorage = "F16";
 * console.log(FLOAT_STORAGE.has(storage)); // true
 * ```
 */
export type FloatStorage = "F64" | "F32" | "F16" | "BF16";

/**
 * Bytes per element of each supported dtype.
 *
 * @example
 * ```ts
 * import { ELEMENT_BYTES } from "./safetensors_format.ts";
 * console.log(3 * 4 * ELEMENT_BYTES.F32); // 48 (bytes of a 3x4 F32 tensor)
 * ```
 */
export const ELEMENT_BYTES: Record<SafetensorsDType, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
};

/**
 * The dtype names that decode to a float `Tensor`.
 *
 * @example
 * ```ts
 * import { FLOAT_STORAGE } from "./safetensors_format.ts";
 * console.log(FLOAT_STORAGE.has("BF16"), FLOAT_STORAGE.has("I32")); // true false
 * ```
 */
export const FLOAT_STORAGE: ReadonlySet<string> = new Set<string>(["F64", "F32", "F16", "BF16"]);

/**
 * Other dtype names of the format, recognized so the error can say "unsupported".
 *
 * @example
 * ```ts
 * import { OTHER_DTYPES } from "./safetensors_format.ts";
 * console.log(OTHER_DTYPES.has("U8"), OTHER_DTYPES.has("F32")); // true false
 * ```
 */
export const OTHER_DTYPES: ReadonlySet<string> = new Set([
  "BOOL",
  "U8",
  "I8",
  "U16",
  "I16",
  "U32",
  "U64",
  "F8_E4M3",
  "F8_E5M2",
  "F8_E8M0",
  "F4",
  "F6_E2M3",
  "F6_E3M2",
  "C64",
]);

/**
 * True on little-endian hosts (all current ones); the format is little-endian.
 *
 * @example
 * ```ts
 * import { LITTLE_ENDIAN } from "./safetensors_format.ts";
 * console.log(typeof LITTLE_ENDIAN); // boolean (true on x86-64 and ARM hosts)
 * ```
 */
export const LITTLE_ENDIAN: boolean = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Reverses the byte order of every `width`-byte element of `b` (big-endian hosts only).
 *
 * @example
 * ```ts
 * import { swapBytes } from "./safetensors_format.ts";
 * console.log(swapBytes(new Uint8Array([1, 2, 3, 4]), 2)); // Uint8Array [2, 1, 4, 3]
 * ```
 */
export function swapBytes(b: Uint8Array, width: number): Uint8Array {
  const out = new Uint8Array(b.length);
  for (let i = 0; i < b.length; i += width) {
    for (let j = 0; j < width; j++) out[i + j] = b[i + width - 1 - j];
  }
  return out;
}
