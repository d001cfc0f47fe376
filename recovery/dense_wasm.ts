/**
 * The fused SubGM pass (spec §2.3) as a WebAssembly SIMD kernel over a design that lives in its
 * own `WebAssembly.Memory`: per measurement, a 2-lane f64 dot product with the packed iterate,
 * the residual, its weight, and a 2-lane f64 axpy into the accumulator while the row is hot.
 * f32 rows are widened to f64 as they are loaded (`f64x2.promote_low_f32x4`), so arithmetic is
 * f64 for both storage types (spec §9). The summation order is the one of the TypeScript kernels
 * in `dense_kernels.ts` (eight partial sums combined pairwise, no FMA), so both
 * give bitwise-identical results. Ma & Fattahi, JMLR 24(96), 2023.
 *
 * @module
 */
import { Code, encodeModule, I32, Simd, V128 } from "../ops/cpu/wasm_emit.ts";
import { wasmFeatures } from "../ops/cpu/wasm_features.ts";
import type { DType, TensorData } from "../ops/tensor.ts";
import type { ResidualWeight } from "./operator.ts";

const F64 = 0x7c;
const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  if: [0x04, 0x40],
  end: [0x0b],
  br: 0x0c,
  brIf: 0x0d,
  select: 0x1b,
  tee: 0x22,
  f32Load: 0x2a,
  f64Load: 0x2b,
  f64Store: 0x39,
  i32And: 0x71,
  i32Shl: 0x74,
  i32GeU: 0x4f,
  f64Eq: 0x61,
  f64Ne: 0x62,
  f64Lt: 0x63,
  f64Gt: 0x64,
  f64Add: 0xa0,
  f64Sub: 0xa1,
  f64Mul: 0xa2,
  f64Promote: 0xbb,
  load64Zero: 0x5d,
  promoteLow: 0x5f,
  extractLane: 0x21,
} as const;

function f64Const(c: Code, v: number): Code {
  const b = new Uint8Array(new Float64Array([v]).buffer);
  return c.raw(0x44, ...b);
}

// Parameters: 0 a, 1 len, 2 m, 3 x, 4 y, 5 res, 6 s, 7 sign (pointers are byte offsets).
const [A, LEN, M, X, Y, RES, S, SIGN] = [0, 1, 2, 3, 4, 5, 6, 7];
// Locals: 8 i, 9 jx (f64 byte offset), 10 ja (row byte offset), 11 row, 12 vecX (bytes of the
// 8-wide part in f64 units), 13 lenX (len·8), 14 acc0, 15 acc1, 16 r, 17 w, 18 wv, 19 t,
// 20 acc2, 21 acc3
const [ACC2, ACC3] = [20, 21];
const [I, JX, JA, ROW, VECX, LENX, ACC0, ACC1, R, W, WV, T] = [
  8,
  9,
  10,
  11,
  12,
  13,
  14,
  15,
  16,
  17,
  18,
  19,
];

/** Two f64 lanes of row `a` at byte offset `ja` (+`extra`), widened from f32 if needed. */
function loadA(c: Code, f32: boolean, extra: number): Code {
  c.get(ROW).get(JA).add();
  if (!f32) return c.simdMem(Simd.load, 3, extra);
  return c.simdMem(op.load64Zero, 3, extra).simd(op.promoteLow);
}

// Eight partial sums in four 2-lane accumulators: enough independent adds to hide the add
// latency. dense_kernels.ts sums in exactly this order.
function emitDot(c: Code, f32: boolean): void {
  const accs = [ACC0, ACC1, ACC2, ACC3];
  for (const acc of accs) c.zero().set(acc);
  c.i32(0).set(JX).i32(0).set(JA);
  c.raw(...op.block, ...op.loop).get(JX).get(VECX).raw(op.i32GeU, op.brIf, 1);
  accs.forEach((acc, k) => {
    c.get(acc);
    loadA(c, f32, k * (f32 ? 8 : 16));
    c.get(X).get(JX).add().simdMem(Simd.load, 3, 16 * k).simd(Simd.f64x2Mul).simd(Simd.f64x2Add)
      .set(acc);
  });
  c.inc(JX, 64).inc(JA, f32 ? 32 : 64).raw(op.br, 0, ...op.end, ...op.end);
  // tail into the first partial sum
  c.get(ACC0).raw(0xfd, op.extractLane, 0).set(T);
  c.raw(...op.block, ...op.loop).get(JX).get(LENX).raw(op.i32GeU, op.brIf, 1);
  c.get(T).get(ROW).get(JA).add();
  if (f32) c.raw(op.f32Load, 2, 0, op.f64Promote);
  else c.raw(op.f64Load, 3, 0);
  c.get(X).get(JX).add().raw(op.f64Load, 3, 0, op.f64Mul, op.f64Add).set(T);
  c.inc(JX, 8).inc(JA, f32 ? 4 : 8).raw(op.br, 0, ...op.end, ...op.end);
  // ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
  const pair = (acc: number): Code =>
    c.get(acc).raw(0xfd, op.extractLane, 0).get(acc).raw(0xfd, op.extractLane, 1, op.f64Add);
  c.get(T).get(ACC0).raw(0xfd, op.extractLane, 1, op.f64Add);
  pair(ACC1).raw(op.f64Add);
  pair(ACC2);
  pair(ACC3).raw(op.f64Add, op.f64Add);
}

function emitWeight(c: Code): void {
  // r = dot − y_i; res_i = r
  c.get(Y).get(I).i32(3).raw(op.i32Shl).add().raw(op.f64Load, 3, 0, op.f64Sub).set(R);
  c.get(RES).get(I).i32(3).raw(op.i32Shl).add().get(R).raw(op.f64Store, 3, 0);
  // w = sign ? (r > 0 ? 1 : r < 0 ? −1 : r == 0 ? 0 : NaN) : r
  f64Const(c, 1);
  f64Const(c, -1);
  f64Const(c, 0);
  f64Const(c, NaN);
  c.get(R);
  f64Const(c, 0);
  c.raw(op.f64Eq, op.select).get(R);
  f64Const(c, 0);
  c.raw(op.f64Lt, op.select).get(R);
  f64Const(c, 0);
  c.raw(op.f64Gt, op.select).get(R).get(SIGN).raw(op.select).set(W);
}

function emitAxpy(c: Code, f32: boolean): void {
  c.get(W);
  f64Const(c, 0);
  c.raw(op.f64Ne, ...op.if);
  c.get(W).simd(Simd.f64x2Splat).set(WV).i32(0).set(JX).i32(0).set(JA);
  c.raw(...op.block, ...op.loop).get(JX).get(VECX).raw(op.i32GeU, op.brIf, 1);
  for (const k of [0, 1, 2, 3]) {
    c.get(S).get(JX).add();
    c.get(S).get(JX).add().simdMem(Simd.load, 3, 16 * k).get(WV);
    loadA(c, f32, k * (f32 ? 8 : 16));
    c.simd(Simd.f64x2Mul).simd(Simd.f64x2Add).simdMem(Simd.store, 3, 16 * k);
  }
  c.inc(JX, 64).inc(JA, f32 ? 32 : 64).raw(op.br, 0, ...op.end, ...op.end);
  c.raw(...op.block, ...op.loop).get(JX).get(LENX).raw(op.i32GeU, op.brIf, 1);
  c.get(S).get(JX).add().get(S).get(JX).add().raw(op.f64Load, 3, 0).get(W);
  c.get(ROW).get(JA).add();
  if (f32) c.raw(op.f32Load, 2, 0, op.f64Promote);
  else c.raw(op.f64Load, 3, 0);
  c.raw(op.f64Mul, op.f64Add, op.f64Store, 3, 0);
  c.inc(JX, 8).inc(JA, f32 ? 4 : 8).raw(op.br, 0, ...op.end, ...op.end);
  c.raw(...op.end);
}

/**
 * Emits the fused-pass module for f64 or f32 rows: one exported function
 * `fused(a, len, m, x, y, res, s, sign)` over the imported memory `env.mem`.
 *
 * @example
 * ```ts
 * import { emitFusedKernel } from "./dense_wasm.ts";
 * console.log(WebAssembly.validate(emitFusedKernel("f32"))); // true
 * ```
 */
export function emitFusedKernel(dtype: DType): Uint8Array<ArrayBuffer> {
  const f32 = dtype === "f32", c = new Code();
  c.get(LEN).i32(3).raw(op.i32Shl).set(LENX);
  c.get(LEN).i32(-8).raw(op.i32And).i32(3).raw(op.i32Shl).set(VECX);
  c.get(A).set(ROW).i32(0).set(I);
  c.raw(...op.block, ...op.loop).get(I).get(M).raw(op.i32GeU, op.brIf, 1);
  emitDot(c, f32);
  emitWeight(c);
  emitAxpy(c, f32);
  c.get(ROW).get(LEN).i32(f32 ? 2 : 3).raw(op.i32Shl).add().set(ROW).inc(I, 1);
  c.raw(op.br, 0, ...op.end, ...op.end);
  const locals = [I32, I32, I32, I32, I32, I32, V128, V128, F64, F64, V128, F64, V128, V128];
  return encodeModule({
    minPages: 1,
    funcs: [{ name: "fused", params: [I32, I32, I32, I32, I32, I32, I32, I32], locals, body: c }],
  });
}

type Fused = (...args: number[]) => void;
const modules = new Map<DType, WebAssembly.Module>();

/**
 * A design's rows plus the per-iteration buffers (`x`, `y`, `res`, `s`) in one private
 * `WebAssembly.Memory`, with the fused kernel instantiated on it.
 *
 * @example
 * ```ts
 * import { WasmDesignStore } from "./dense_wasm.ts";
 * const store = WasmDesignStore.create("f64", 2, 3);
 * console.log(store?.data.length ?? 6); // 6
 * ```
 */
export class WasmDesignStore {
  /** The stored rows, `m × len`, a view into wasm memory. */
  readonly data: TensorData;
  /** Packed or full iterate `x` (length `len`). */
  readonly x: Float64Array;
  /** Measurements copied in before each pass (length `m`). */
  readonly y: Float64Array;
  /** Residuals written by the pass (length `m`). */
  readonly res: Float64Array;
  /** Accumulator written by the pass (length `len`). */
  readonly s: Float64Array;
  #fused: Fused;
  #ptr: number[];
  #m: number;
  #len: number;

  private constructor(dtype: DType, m: number, len: number, mem: WebAssembly.Memory) {
    const es = dtype === "f32" ? 4 : 8, buf = mem.buffer;
    const at = [64];
    for (const bytes of [m * len * es, len * 8, m * 8, m * 8]) {
      at.push(at[at.length - 1] + Math.ceil(bytes / 64) * 64);
    }
    this.data = dtype === "f32"
      ? new Float32Array(buf, at[0], m * len)
      : new Float64Array(buf, at[0], m * len);
    this.x = new Float64Array(buf, at[1], len);
    this.y = new Float64Array(buf, at[2], m);
    this.res = new Float64Array(buf, at[3], m);
    this.s = new Float64Array(buf, at[4], len);
    let mod = modules.get(dtype);
    if (!mod) modules.set(dtype, mod = new WebAssembly.Module(emitFusedKernel(dtype)));
    const inst = new WebAssembly.Instance(mod, { env: { mem } });
    this.#fused = inst.exports.fused as Fused;
    this.#ptr = at;
    this.#m = m;
    this.#len = len;
  }

  /**
   * Allocates a store for `m` rows of `len` entries, or returns null where WebAssembly SIMD is
   * missing or the store would not fit in a 32-bit memory (callers then use plain arrays).
   */
  static create(dtype: DType, m: number, len: number): WasmDesignStore | null {
    if (!wasmFeatures().simd) return null;
    const es = dtype === "f32" ? 4 : 8;
    const bytes = 64 + 64 * 5 + m * len * es + 8 * (2 * len + 2 * m);
    const pages = Math.ceil(bytes / 65536);
    if (pages > 32768) return null; // stay within 2 GiB: engines differ above that
    let mem: WebAssembly.Memory;
    try {
      mem = new WebAssembly.Memory({ initial: pages, maximum: pages });
    } catch {
      return null; // the engine refused the allocation; plain arrays may still fit
    }
    return new WasmDesignStore(dtype, m, len, mem);
  }

  /** Runs the fused pass on `this.x` and `y`; results land in `this.res` and `this.s`. */
  fused(y: Float64Array, weight: ResidualWeight): void {
    this.y.set(y);
    this.s.fill(0);
    const p = this.#ptr;
    this.#fused(p[0], this.#len, this.#m, p[1], p[2], p[3], p[4], weight === "sign" ? 1 : 0);
  }
}
