/**
 * Shared constants of the safetensors reader and writer: dtype names, element sizes and byte
 * order handling.
 *
 * @module
 */

/** Element types lowrank reads and writes in safetensors files. */
export type SafetensorsDType = "F64" | "F32" | "F16" | "BF16" | "I64" | "I32";

/** Float element types a `Tensor` can be stored as. */
export type FloatStorage = "F64" | "F32" | "F16" | "BF16";

/** Bytes per element of each supported dtype. */
export const ELEMENT_BYTES: Record<SafetensorsDType, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
};

/** The dtype names that decode to a float `Tensor`. */
export const FLOAT_STORAGE: ReadonlySet<string> = new Set<string>(["F64", "F32", "F16", "BF16"]);

/** Other dtype names of the format, recognized so the error can say "unsupported". */
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

/** True on little-endian hosts (all current ones); the format is little-endian. */
export const LITTLE_ENDIAN: boolean = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reverses the byte order of every `width`-byte element of `b` (big-endian hosts only). */
export function swapBytes(b: Uint8Array, width: number): Uint8Array {
  const out = new Uint8Array(b.length);
  for (let i = 0; i < b.length; i += width) {
    for (let j = 0; j < width; j++) out[i + j] = b[i + width - 1 - j];
  }
  return out;
}
