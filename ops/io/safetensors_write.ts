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

/** Options of {@link writeSafetensors}. */
export interface WriteSafetensorsOptions {
  /**
   * Storage type of float tensors: one for all, or per tensor name. Default: F32 for f32
   * tensors, F64 for f64. F16/BF16 round to nearest, ties to even.
   */
  dtype?: FloatStorage | Record<string, FloatStorage>;
}

/**
 * Serializes tensors (and optional `__metadata__`) to safetensors bytes. Tensors are laid out
 * by decreasing element size, then in the given order, so every tensor is aligned; the header
 * is padded with spaces to a multiple of 8 bytes as the reference writer does.
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
    const enc = encodeTensor(p.t, p.dtype);
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

function encodeTensor(t: Tensor | IntTensor, dtype: SafetensorsDType): Uint8Array {
  if (t instanceof IntTensor) {
    return new Uint8Array(
      t.data.buffer.slice(t.data.byteOffset, t.data.byteOffset + t.data.byteLength),
    );
  }
  if (dtype === "F64") return new Uint8Array(Float64Array.from(t.data).buffer);
  if (dtype === "F32") return new Uint8Array(Float32Array.from(t.data).buffer);
  const enc = dtype === "F16" ? encodeF16 : encodeBF16;
  const h = new Uint16Array(t.size);
  for (let i = 0; i < h.length; i++) h[i] = enc(t.data[i]);
  return new Uint8Array(h.buffer);
}
