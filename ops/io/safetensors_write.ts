/**
 * The safetensors writer (format: see `safetensors.ts`).
 *
 * @module
 */
import { Tensor } from "../tensor.ts";
import { encodeBF16, encodeF16 } from "./half.ts";
import { IntTensor } from "./int_tensor.ts";
import {
  ELEMENT_BYTES,
  FLOAT_STORAGE,
  type FloatStorage,
  LITTLE_ENDIAN,
  type SafetensorsDType,
  swapBytes,
} from "./safetensors_format.ts";

/**
 * Options of {@link writeSafetensors}.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { readSafetensors } from "./safetensors.ts";
 * import { writeSafetensors, type WriteSafetensorsOptions } from "./safetensors_write.ts";
 * const opts: WriteSafetensorsOptions = { dtype: { emb: "BF16" } };
 * const back = readSafetensors(writeSafetensors({ emb: tensor([1.5]), w: tensor([2]) }, {}, opts));
 * console.log(back.dtypes.get("emb"), back.dtypes.get("w")); // BF16 F64
 * ```
 */
export interface WriteSafetensorsOptions {
  /**
   * Storage type of float tensors: one for all, or per tensor name (a record may name only
   * the float tensors being written). Default: F32 for f32 tensors, F64 for f64. F16/BF16
   * round to nearest, ties to even; a finite value beyond the storage type's range is an
   * error, not an infinity.
   */
  dtype?: FloatStorage | Record<string, FloatStorage>;
}

/**
 * Serializes tensors (and optional `__metadata__`) to safetensors bytes. Tensors are laid out
 * by decreasing element size, then in the given order, so every tensor is aligned; the header
 * is padded with spaces to a multiple of 8 bytes as the reference writer does. Values are
 * stored as they are: ±Infinity and NaN pass through, but a finite value that the storage type
 * cannot hold (|x| beyond 65504 in F16, about 3.4e38 in F32 and BF16) is an error rather than
 * a silent infinity.
 *
 * @throws {TypeError} if a value is not a Tensor/IntTensor, metadata is not a record of
 * strings, or `dtype` is neither a storage type nor a record of them.
 * @throws {RangeError} for an invalid tensor name or storage type, a `dtype` record naming a
 * tensor that is not written or is an integer tensor, or a finite value that would overflow
 * its storage type (the message names the tensor, the element and the value).
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { IntTensor } from "./int_tensor.ts";
 * import { readSafetensors } from "./safetensors.ts";
 * import { writeSafetensors } from "./safetensors_write.ts";
 * const bytes = writeSafetensors(
 *   { w: tensor([0.1, 0.2], { dtype: "f32" }), ids: new IntTensor(new Int32Array([7]), [1]) },
 *   {},
 *   { dtype: "BF16" },
 * );
 * const back = readSafetensors(bytes);
 * console.log(back.dtypes.get("w"), back.ints.get("ids")?.data[0]); // BF16 7
 * ```
 */
export function writeSafetensors(
  tensors: Map<string, Tensor | IntTensor> | Record<string, Tensor | IntTensor>,
  metadata: Record<string, string> = {},
  opts: WriteSafetensorsOptions = {},
): Uint8Array {
  const items = tensors instanceof Map ? [...tensors] : Object.entries(tensors);
  checkWriteArgs(items, metadata);
  checkStorageOption(items, opts.dtype);
  const planned = items.map(([name, t]) => ({ name, t, dtype: storageOf(name, t, opts) }));
  // Stable sort: larger elements first keeps every tensor aligned to its element size.
  planned.sort((a, b) => ELEMENT_BYTES[b.dtype] - ELEMENT_BYTES[a.dtype]);
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let pos = 0;
  for (const p of planned) {
    const len = p.t.size * ELEMENT_BYTES[p.dtype];
    header[p.name] = { dtype: p.dtype, shape: [...p.t.shape], data_offsets: [pos, pos + len] };
    pos += len;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const withPad = new Uint8Array(padded).fill(0x20);
    withPad.set(json);
    json = withPad;
  }
  const out = new Uint8Array(8 + json.length + pos);
  const view = new DataView(out.buffer);
  view.setUint32(0, json.length, true);
  view.setUint32(4, 0, true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const p of planned) {
    const enc = encodeTensor(p.name, p.t, p.dtype);
    out.set(LITTLE_ENDIAN ? enc : swapBytes(enc, ELEMENT_BYTES[p.dtype]), at);
    at += enc.length;
  }
  return out;
}

function checkWriteArgs(
  items: [string, Tensor | IntTensor][],
  metadata: Record<string, string>,
): void {
  for (const [name, t] of items) {
    if (name === "__metadata__" || name.length === 0) {
      throw new RangeError(`writeSafetensors: invalid tensor name ${JSON.stringify(name)}`);
    }
    if (!(t instanceof Tensor) && !(t instanceof IntTensor)) {
      throw new TypeError(`writeSafetensors: "${name}" is not a Tensor or IntTensor`);
    }
  }
  if (metadata === null || typeof metadata !== "object") {
    throw new TypeError("writeSafetensors: metadata must be a record of strings");
  }
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== "string") {
      throw new TypeError(`writeSafetensors: metadata "${k}" must be a string, got ${typeof v}`);
    }
  }
}

/**
 * `dtype` must be one storage type or a record of them keyed by float tensors being written:
 * an entry for any other name would be ignored, which hides a misspelt or stale name.
 */
function checkStorageOption(
  items: [string, Tensor | IntTensor][],
  dtype: WriteSafetensorsOptions["dtype"],
): void {
  if (dtype === undefined) return;
  if (typeof dtype === "string") {
    if (!FLOAT_STORAGE.has(dtype)) {
      throw new RangeError(`writeSafetensors: invalid float storage ${JSON.stringify(dtype)}`);
    }
    return;
  }
  if (dtype === null || typeof dtype !== "object" || Array.isArray(dtype)) {
    throw new TypeError(
      `writeSafetensors: dtype must be a storage type or a record of them by tensor name, got ${
        String(dtype)
      }`,
    );
  }
  const written = new Map(items);
  const absent = Object.keys(dtype).filter((k) => !written.has(k));
  if (absent.length > 0) {
    throw new RangeError(
      `writeSafetensors: dtype names tensors that are not written: ${listNames(absent)}`,
    );
  }
  const ints = Object.keys(dtype).filter((k) => written.get(k) instanceof IntTensor);
  if (ints.length > 0) {
    throw new RangeError(
      `writeSafetensors: dtype names integer tensors (float storage is for float tensors): ${
        listNames(ints)
      }`,
    );
  }
}

function listNames(names: string[]): string {
  const shown = names.slice(0, 5).map((n) => JSON.stringify(n)).join(", ");
  return names.length > 5 ? `${shown}, … (${names.length} in all)` : shown;
}

function storageOf(
  name: string,
  t: Tensor | IntTensor,
  opts: WriteSafetensorsOptions,
): SafetensorsDType {
  if (t instanceof IntTensor) return t.dtype === "i32" ? "I32" : "I64";
  const want = typeof opts.dtype === "string" ? opts.dtype : opts.dtype?.[name];
  if (want === undefined) return t.dtype === "f32" ? "F32" : "F64";
  if (!FLOAT_STORAGE.has(want)) {
    throw new RangeError(`writeSafetensors: invalid float storage ${want} for "${name}"`);
  }
  return want;
}

/** Largest finite value of each narrowing storage type (for the overflow message). */
const LARGEST: Record<"F32" | "F16" | "BF16", number> = {
  F32: (2 - 2 ** -23) * 2 ** 127,
  F16: 65504,
  BF16: (2 - 2 ** -7) * 2 ** 127,
};

function overflow(name: string, dtype: "F32" | "F16" | "BF16", i: number, x: number): never {
  throw new RangeError(
    `writeSafetensors: "${name}" element ${i} is ${x}, beyond the ${dtype} range ` +
      `(largest finite ${LARGEST[dtype]}); it would be stored as ${x < 0 ? "-" : ""}Infinity`,
  );
}

function encodeTensor(name: string, t: Tensor | IntTensor, dtype: SafetensorsDType): Uint8Array {
  if (t instanceof IntTensor) {
    return new Uint8Array(
      t.data.buffer.slice(t.data.byteOffset, t.data.byteOffset + t.data.byteLength),
    );
  }
  const x = t.data;
  // The typed-array constructor copies and converts natively (`from` iterates in JS).
  if (dtype === "F64") return new Uint8Array(new Float64Array(x).buffer);
  if (dtype === "F32") {
    const f = new Float32Array(x);
    // Only an f64 source can overflow; an infinity that was already there passes through.
    // `v - v` is NaN exactly when v is ±Infinity or NaN (a cheaper test than isFinite here).
    if (t.dtype === "f64") {
      for (let i = 0; i < f.length; i++) {
        const v = f[i];
        if (v - v !== 0 && Number.isFinite(x[i])) overflow(name, dtype, i, x[i]);
      }
    }
    return new Uint8Array(f.buffer);
  }
  const half = dtype === "F16" ? "F16" : "BF16";
  const enc = half === "F16" ? encodeF16 : encodeBF16;
  // Bits of ±Infinity without the sign: all-ones exponent, zero mantissa.
  const inf = half === "F16" ? 0x7c00 : 0x7f80;
  const h = new Uint16Array(t.size);
  for (let i = 0; i < h.length; i++) {
    h[i] = enc(x[i]);
    if ((h[i] & 0x7fff) === inf && Number.isFinite(x[i])) overflow(name, half, i, x[i]);
  }
  return new Uint8Array(h.buffer);
}
