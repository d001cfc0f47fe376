/**
 * The safetensors checkpoint format (Hugging Face, https://github.com/huggingface/safetensors):
 * `[u64 little-endian N][N bytes of JSON header][raw little-endian row-major tensor bytes]`.
 * The header maps each tensor name to `{dtype, shape, data_offsets: [begin, end]}` (offsets
 * relative to the end of the header) plus an optional `__metadata__` string map. Spec:
 * `specs/adapters.md` §3.
 *
 * Reading validates every length and offset before touching tensor bytes, so a truncated or
 * hostile file is rejected with an error naming the file, the tensor and the byte position,
 * never read out of bounds. F32/F64 become `Tensor`s of the same width, F16/BF16 are decoded
 * exactly to f32 `Tensor`s, and I32/I64 are kept exactly as {@link IntTensor}s (in `ints`).
 *
 * @module
 */
import { shapeStr, Tensor } from "../tensor.ts";
import { decodeF16 } from "./half.ts";
import { IntTensor } from "./int_tensor.ts";
import {
  ELEMENT_BYTES,
  type FloatStorage,
  LITTLE_ENDIAN,
  OTHER_DTYPES,
  type SafetensorsDType,
  swapBytes,
} from "./safetensors_format.ts";

export type { FloatStorage, SafetensorsDType } from "./safetensors_format.ts";
export { writeSafetensors, type WriteSafetensorsOptions } from "./safetensors_write.ts";

/**
 * Default cap on the JSON header length (the reference implementation's limit).
 *
 * @example
 * ```ts
 * import { MAX_HEADER_BYTES } from "./safetensors.ts";
 * console.log(MAX_HEADER_BYTES); // 100000000
 * ```
 */
export const MAX_HEADER_BYTES = 100_000_000;

/**
 * One validated header entry; `begin`/`end` are relative to the start of the data region.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { readSafetensorsHeader, type SafetensorsEntry, writeSafetensors } from "./safetensors.ts";
 * const bytes = writeSafetensors({ w: tensor([[1, 2, 3]], { dtype: "f32" }) });
 * const e: SafetensorsEntry = readSafetensorsHeader(bytes).entries[0];
 * console.log(e.name, e.dtype, e.shape, e.end - e.begin); // w F32 [1, 3] 12
 * ```
 */
export interface SafetensorsEntry {
  /** Tensor name (header key). */
  name: string;
  /** Stored element type. */
  dtype: SafetensorsDType;
  /** Shape. */
  shape: number[];
  /** First byte of the tensor in the data region. */
  begin: number;
  /** One past the last byte of the tensor in the data region. */
  end: number;
}

/**
 * A validated safetensors header.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { readSafetensorsHeader, type SafetensorsHeader, writeSafetensors } from "./safetensors.ts";
 * const bytes = writeSafetensors({ w: tensor([1]) }, { format: "pt" });
 * const h: SafetensorsHeader = readSafetensorsHeader(bytes);
 * console.log(h.metadata.format, h.dataStart % 8); // pt 0
 * ```
 */
export interface SafetensorsHeader {
  /** Entries in header order. */
  entries: SafetensorsEntry[];
  /** The `__metadata__` map (empty when absent). */
  metadata: Record<string, string>;
  /** Byte position of the data region in the file (`8 + N`). */
  dataStart: number;
}

/**
 * Options of {@link readSafetensors} and {@link readSafetensorsHeader}.
 *
 * @example
 * ```ts
 * import { readSafetensors, type ReadSafetensorsOptions } from "./safetensors.ts";
 * const opts: ReadSafetensorsOptions = { name: "model.safetensors", maxHeaderBytes: 1 << 20 };
 * try {
 *   readSafetensors(new Uint8Array(3), opts);
 * } catch (e) {
 *   console.log((e as Error).message.startsWith("readSafetensors: model.safetensors:")); // true
 * }
 * ```
 */
export interface ReadSafetensorsOptions {
  /** File name used in error messages (default `"<bytes>"`). */
  name?: string;
  /** Largest accepted JSON header in bytes (default {@link MAX_HEADER_BYTES}). */
  maxHeaderBytes?: number;
}

/**
 * The contents of a safetensors file.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { readSafetensors, type SafetensorsFile, writeSafetensors } from "./safetensors.ts";
 * const f: SafetensorsFile = readSafetensors(writeSafetensors({ w: tensor([1, 2]) }, {}, { dtype: "F16" }));
 * console.log(f.dtypes.get("w"), f.tensors.get("w")?.dtype); // F16 f32
 * ```
 */
export interface SafetensorsFile {
  /** Float tensors by name, in header order (F16/BF16 decoded to f32). */
  tensors: Map<string, Tensor>;
  /** Integer tensors (I32/I64) by name, kept exactly. */
  ints: Map<string, IntTensor>;
  /** The `__metadata__` string map (empty when absent). */
  metadata: Record<string, string>;
  /** The stored dtype of every tensor, so a rewrite can keep it. */
  dtypes: Map<string, SafetensorsDType>;
}

function fail(file: string, msg: string): never {
  throw new RangeError(`readSafetensors: ${file}: ${msg}`);
}

/**
 * Parses and validates the header of a safetensors file without decoding any tensor: the
 * 8-byte length (within the file and below the cap), UTF-8 JSON object, known dtypes, shapes,
 * `shape × element size = byte length`, offsets in range, and tensors that tile the data region
 * exactly (no overlap, no gap, nothing after the last tensor).
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { readSafetensorsHeader, writeSafetensors } from "./safetensors.ts";
 * const bytes = writeSafetensors({ w: tensor([[1, 2]], { dtype: "f32" }) });
 * const h = readSafetensorsHeader(bytes);
 * console.log(h.entries[0].name, h.entries[0].dtype, h.entries[0].shape); // w F32 [1, 2]
 * ```
 */
export function readSafetensorsHeader(
  bytes: Uint8Array,
  opts: ReadSafetensorsOptions = {},
): SafetensorsHeader {
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError("readSafetensors: bytes must be a Uint8Array");
  }
  const file = opts.name ?? "<bytes>";
  const cap = opts.maxHeaderBytes ?? MAX_HEADER_BYTES;
  if (bytes.length < 8) fail(file, `file is ${bytes.length} bytes, shorter than the 8-byte length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = view.getUint32(0, true), hi = view.getUint32(4, true);
  const n = hi * 2 ** 32 + lo;
  if (hi !== 0 || n > cap) fail(file, `header length ${n} at byte 0 exceeds the cap of ${cap}`);
  if (n > bytes.length - 8) {
    fail(file, `header length ${n} at byte 0 runs past the end of the ${bytes.length}-byte file`);
  }
  const header = parseJson(file, bytes.subarray(8, 8 + n));
  const dataStart = 8 + n;
  const dataLen = bytes.length - dataStart;
  const entries: SafetensorsEntry[] = [];
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header)) {
    if (name === "__metadata__") metadata = parseMetadata(file, raw);
    else entries.push(parseEntry(file, name, raw, dataLen, dataStart));
  }
  checkTiling(file, entries, dataLen, dataStart);
  return { entries, metadata, dataStart };
}

function parseJson(file: string, text: Uint8Array): Record<string, unknown> {
  let str: string;
  try {
    str = new TextDecoder("utf-8", { fatal: true }).decode(text);
  } catch {
    fail(file, "header (bytes 8..) is not valid UTF-8");
  }
  let value: unknown;
  try {
    value = JSON.parse(str);
  } catch (e) {
    fail(file, `header (bytes 8..${8 + text.length}) is not valid JSON: ${(e as Error).message}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    fail(file, "header JSON must be an object mapping tensor names to entries");
  }
  return value as Record<string, unknown>;
}

function parseMetadata(file: string, raw: unknown): Record<string, string> {
  if (raw === null) return {};
  if (typeof raw !== "object" || Array.isArray(raw)) {
    fail(file, "__metadata__ must be an object of strings");
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof v !== "string") fail(file, `__metadata__ value of "${k}" is not a string`);
    out[k] = v;
  }
  return out;
}

function parseEntry(
  file: string,
  name: string,
  raw: unknown,
  dataLen: number,
  dataStart: number,
): SafetensorsEntry {
  const where = `tensor "${name}"`;
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    fail(file, `${where}: header entry must be an object`);
  }
  const e = raw as Record<string, unknown>;
  for (const key of Object.keys(e)) {
    if (key !== "dtype" && key !== "shape" && key !== "data_offsets") {
      fail(file, `${where}: unexpected field "${key}" in header entry`);
    }
  }
  const dtype = parseDType(file, where, e.dtype);
  const shape = e.shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    fail(file, `${where}: shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
  }
  const off = e.data_offsets;
  if (
    !Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d) && d >= 0)
  ) {
    fail(file, `${where}: data_offsets ${JSON.stringify(off)} is not [begin, end]`);
  }
  const [begin, end] = off as number[];
  if (begin > end || end > dataLen) {
    fail(
      file,
      `${where}: data_offsets [${begin}, ${end}] (file bytes ${dataStart + begin}..${
        dataStart + end
      }) outside the ${dataLen}-byte data region`,
    );
  }
  // Count elements with an early exit so a huge shape cannot overflow past the file length.
  let count = shape.includes(0) ? 0 : 1;
  for (const d of shape as number[]) {
    count *= d;
    if (count * ELEMENT_BYTES[dtype] > dataLen) break;
  }
  if (count * ELEMENT_BYTES[dtype] !== end - begin) {
    fail(
      file,
      `${where}: shape ${shapeStr(shape)} of ${dtype} needs ${
        count * ELEMENT_BYTES[dtype]
      } bytes, data_offsets [${begin}, ${end}] hold ${end - begin}`,
    );
  }
  return { name, dtype, shape: [...shape], begin, end };
}

function parseDType(file: string, where: string, d: unknown): SafetensorsDType {
  if (typeof d === "string" && d in ELEMENT_BYTES) return d as SafetensorsDType;
  if (typeof d === "string" && OTHER_DTYPES.has(d)) {
    fail(file, `${where}: dtype ${d} is not supported (supported: F64, F32, F16, BF16, I64, I32)`);
  }
  fail(file, `${where}: unknown dtype ${JSON.stringify(d)}`);
}

function checkTiling(
  file: string,
  entries: SafetensorsEntry[],
  dataLen: number,
  dataStart: number,
): void {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  let prev = "";
  for (const e of sorted) {
    if (e.begin < pos) {
      fail(
        file,
        `tensor "${e.name}": data_offsets [${e.begin}, ${e.end}] overlap tensor "${prev}" ` +
          `(file byte ${dataStart + e.begin})`,
      );
    }
    if (e.begin > pos) {
      fail(
        file,
        `gap of ${e.begin - pos} bytes at file byte ${dataStart + pos} before tensor "${e.name}"`,
      );
    }
    pos = e.end;
    prev = e.name;
  }
  if (pos !== dataLen) {
    fail(
      file,
      `${dataLen - pos} bytes at file byte ${dataStart + pos} after the last tensor belong to none`,
    );
  }
}

/**
 * Reads a safetensors file (bytes in memory) after validating its header completely.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { readSafetensors, writeSafetensors } from "./safetensors.ts";
 * const bytes = writeSafetensors({ w: tensor([[1, 2], [3, 4]]) }, { format: "pt" });
 * const { tensors, metadata } = readSafetensors(bytes);
 * console.log(tensors.get("w")?.data, metadata.format); // Float64Array [1, 2, 3, 4] pt
 * ```
 */
export function readSafetensors(
  bytes: Uint8Array,
  opts: ReadSafetensorsOptions = {},
): SafetensorsFile {
  const { entries, metadata, dataStart } = readSafetensorsHeader(bytes, opts);
  const tensors = new Map<string, Tensor>();
  const ints = new Map<string, IntTensor>();
  const dtypes = new Map<string, SafetensorsDType>();
  for (const e of entries) {
    const raw = alignedCopy(bytes, dataStart + e.begin, dataStart + e.end, ELEMENT_BYTES[e.dtype]);
    dtypes.set(e.name, e.dtype);
    if (e.dtype === "I64") ints.set(e.name, new IntTensor(new BigInt64Array(raw), e.shape));
    else if (e.dtype === "I32") ints.set(e.name, new IntTensor(new Int32Array(raw), e.shape));
    else tensors.set(e.name, new Tensor(decodeFloats(e.dtype, raw), e.shape));
  }
  return { tensors, ints, metadata, dtypes };
}

/** Copies `bytes[begin, end)` into a fresh buffer in host byte order (hosts are little-endian). */
function alignedCopy(bytes: Uint8Array, begin: number, end: number, width: number): ArrayBuffer {
  const copy = bytes.slice(begin, end);
  if (!LITTLE_ENDIAN) copy.set(swapBytes(copy, width));
  return copy.buffer;
}

let f16Table: Float32Array | null = null;

function decodeFloats(dtype: FloatStorage, raw: ArrayBuffer): Float32Array | Float64Array {
  if (dtype === "F64") return new Float64Array(raw);
  if (dtype === "F32") return new Float32Array(raw);
  const h = new Uint16Array(raw);
  const out = new Float32Array(h.length);
  if (dtype === "BF16") {
    // bfloat16 is the high half of a float32: shifting the bits up is exact.
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < h.length; i++) bits[i] = h[i] << 16;
    return out;
  }
  if (f16Table === null) {
    f16Table = new Float32Array(65536);
    for (let i = 0; i < 65536; i++) f16Table[i] = decodeF16(i);
  }
  for (let i = 0; i < h.length; i++) out[i] = f16Table[h[i]];
  return out;
}
