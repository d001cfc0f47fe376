/**
 * A tiny WebAssembly binary emitter: just enough of the binary format (one imported memory,
 * functions with numeric params and locals, structured control, scalar i32 arithmetic and the
 * 128-bit SIMD / relaxed-SIMD instructions) to write the GEMM kernels as TypeScript loops that
 * unroll into straight-line wasm. We emit bytes ourselves instead of assembling WAT so that the
 * kernel variants (dtype, register tile, FMA flavour) are ordinary parameters and nothing
 * generated has to be kept in sync with a source file.
 *
 * Reference: WebAssembly Core Specification 2.0, §5 (binary format), and the relaxed-SIMD
 * proposal (phase 5, opcodes 0xfd 0x105–0x108).
 *
 * @module
 */

/**
 * Binary code of the value type i32 (spec §5.3.1).
 *
 * @example
 * ```ts
 * import { I32 } from "./wasm_emit.ts";
 * console.log(I32); // 127
 * ```
 */
export const I32 = 0x7f;

/**
 * Binary code of the value type v128 (spec §5.3.1).
 *
 * @example
 * ```ts
 * import { V128 } from "./wasm_emit.ts";
 * console.log(V128); // 123
 * ```
 */
export const V128 = 0x7b;

/**
 * Unsigned LEB128 (spec §5.2.2).
 *
 * @example
 * ```ts
 * import { uleb } from "./wasm_emit.ts";
 * console.log(uleb(624485)); // [229, 142, 38]
 * ```
 */
export function uleb(n: number): number[] {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`uleb: not a u32: ${n}`);
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n = Math.floor(n / 128);
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/**
 * Signed LEB128 of a 32-bit integer (spec §5.2.2).
 *
 * @example
 * ```ts
 * import { sleb } from "./wasm_emit.ts";
 * console.log(sleb(-123456)); // [192, 187, 120]
 * ```
 */
export function sleb(n: number): number[] {
  if (!Number.isInteger(n) || n < -(2 ** 31) || n >= 2 ** 32) {
    throw new RangeError(`sleb: not an i32: ${n}`);
  }
  n = n | 0;
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    const done = (n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function str(s: string): number[] {
  const b = [...new TextEncoder().encode(s)];
  return [...uleb(b.length), ...b];
}

/** Locals as (count, type) runs of equal consecutive types, as wabt and binaryen write them. */
function runs(types: number[]): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < types.length;) {
    let j = i;
    while (j < types.length && types[j] === types[i]) j++;
    out.push([...uleb(j - i), types[i]]);
    i = j;
  }
  return out;
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

/**
 * SIMD opcodes (after the 0xfd prefix) that the kernels use.
 *
 * @example
 * ```ts
 * import { Simd } from "./wasm_emit.ts";
 * console.log(Simd.f64x2RelaxedMadd.toString(16)); // "107"
 * ```
 */
export const Simd = {
  load: 0x00,
  load32Splat: 0x09,
  load64Splat: 0x0a,
  store: 0x0b,
  f32x4Splat: 0x13,
  f64x2Splat: 0x14,
  f32x4Add: 0xe4,
  f32x4Mul: 0xe6,
  f64x2Add: 0xf0,
  f64x2Mul: 0xf2,
  f32x4RelaxedMadd: 0x105,
  f64x2RelaxedMadd: 0x107,
} as const;

/**
 * A function body under construction. Methods append one instruction each and return `this`
 * so that kernels read as instruction sequences.
 *
 * @example
 * ```ts
 * import { Code } from "./wasm_emit.ts";
 * console.log(new Code().get(0).i32(1).add().set(0).bytes); // [32, 0, 65, 1, 106, 33, 0]
 * ```
 */
export class Code {
  /** The encoded instructions so far (without the final `end`). */
  readonly bytes: number[] = [];

  /** Appends raw bytes. */
  raw(...b: number[]): this {
    this.bytes.push(...b);
    return this;
  }
  /** `local.get i`. */
  get(i: number): this {
    return this.raw(0x20, ...uleb(i));
  }
  /** `local.set i`. */
  set(i: number): this {
    return this.raw(0x21, ...uleb(i));
  }
  /** `i32.const v`. */
  i32(v: number): this {
    return this.raw(0x41, ...sleb(v));
  }
  /** `i32.add`. */
  add(): this {
    return this.raw(0x6a);
  }
  /** `i32.sub`. */
  sub(): this {
    return this.raw(0x6b);
  }
  /** `i32.mul`. */
  mul(): this {
    return this.raw(0x6c);
  }
  /** `local[i] += delta` for an i32 local. */
  inc(i: number, delta: number): this {
    return this.get(i).i32(delta).add().set(i);
  }
  /** `local[i] += local[j]` for i32 locals. */
  incBy(i: number, j: number): this {
    return this.get(i).get(j).add().set(i);
  }
  /** `loop` with no results; close with {@link end}. */
  loop(): this {
    return this.raw(0x03, 0x40);
  }
  /** `block` with no results (a forward branch target); close with {@link end}. */
  block(): this {
    return this.raw(0x02, 0x40);
  }
  /** `if` with no results on the i32 on the stack; close with {@link end}. */
  if(): this {
    return this.raw(0x04, 0x40);
  }
  /** `else` of an {@link if}. */
  else(): this {
    return this.raw(0x05);
  }
  /** `i32.eqz`. */
  eqz(): this {
    return this.raw(0x45);
  }
  /** `br depth`. */
  br(depth: number): this {
    return this.raw(0x0c, ...uleb(depth));
  }
  /** `end` of a block, loop or function. */
  end(): this {
    return this.raw(0x0b);
  }
  /** `br_if depth`. */
  brIf(depth: number): this {
    return this.raw(0x0d, ...uleb(depth));
  }
  /** A SIMD instruction without immediates. */
  simd(op: number): this {
    return this.raw(0xfd, ...uleb(op));
  }
  /** A SIMD memory instruction with its memarg (log2 alignment, byte offset). */
  simdMem(op: number, alignLog2: number, offset: number): this {
    return this.raw(0xfd, ...uleb(op), ...uleb(alignLog2), ...uleb(offset));
  }
  /** `i8x16.shuffle` of the two vectors on the stack: byte i of the result is byte `lanes[i]`
   * of their 32-byte concatenation. */
  shuffle(lanes: number[]): this {
    if (lanes.length !== 16 || lanes.some((l) => !Number.isInteger(l) || l < 0 || l > 31)) {
      throw new RangeError(`Code.shuffle: need 16 lane indices in [0, 31], got ${lanes}`);
    }
    return this.raw(0xfd, 0x0d, ...lanes);
  }
  /** `v128.const 0`. */
  zero(): this {
    return this.raw(0xfd, 0x0c, ...new Array(16).fill(0));
  }
}

/**
 * One function of a module.
 *
 * @example
 * ```ts
 * import { Code, type FuncSpec } from "./wasm_emit.ts";
 * const f: FuncSpec = { name: "nop", params: [], locals: [], body: new Code() };
 * console.log(f.name); // "nop"
 * ```
 */
export interface FuncSpec {
  /** Export name. */
  name: string;
  /** Parameter types. */
  params: number[];
  /** Types of the extra locals, numbered after the params. */
  locals: number[];
  /** The body (without the final `end`). */
  body: Code;
}

/**
 * Module layout: one memory imported as `env.mem`, functions exported by name.
 *
 * @example
 * ```ts
 * import { encodeModule, type ModuleSpec } from "./wasm_emit.ts";
 * const spec: ModuleSpec = { minPages: 1, funcs: [] };
 * console.log(WebAssembly.validate(encodeModule(spec))); // true
 * ```
 */
export interface ModuleSpec {
  /** Initial pages (64 KiB) the imported memory must have. */
  minPages: number;
  /** Maximum pages; required when `shared`. */
  maxPages?: number;
  /** Import a shared memory (threads proposal). */
  shared?: boolean;
  /** The functions, all `(params) -> ()`. */
  funcs: FuncSpec[];
}

/**
 * Encodes a module to bytes (spec §5.5): type, import, function, export and code sections.
 *
 * @example
 * ```ts
 * import { Code, encodeModule, I32 } from "./wasm_emit.ts";
 * const body = new Code().get(0).i32(1).add().set(0);
 * const bytes = encodeModule({ minPages: 1, funcs: [{ name: "f", params: [I32], locals: [], body }] });
 * console.log(WebAssembly.validate(bytes)); // true
 * ```
 */
export function encodeModule(spec: ModuleSpec): Uint8Array<ArrayBuffer> {
  const types = spec.funcs.map((f) => [0x60, ...vec(f.params.map((t) => [t])), 0x00]);
  const limits = spec.maxPages === undefined
    ? [0x00, ...uleb(spec.minPages)]
    : [spec.shared ? 0x03 : 0x01, ...uleb(spec.minPages), ...uleb(spec.maxPages)];
  const imports = [[...str("env"), ...str("mem"), 0x02, ...limits]];
  const funcs = spec.funcs.map((_, i) => uleb(i));
  const exports = spec.funcs.map((f, i) => [...str(f.name), 0x00, ...uleb(i)]);
  const codes = spec.funcs.map((f) => {
    const body = [...vec(runs(f.locals)), ...f.body.bytes, 0x0b];
    return [...uleb(body.length), ...body];
  });
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vec(types)),
    ...section(2, vec(imports)),
    ...section(3, vec(funcs)),
    ...section(7, vec(exports)),
    ...section(10, vec(codes)),
  ]);
}
