/**
 * WebAssembly SIMD (f64x2) kernels for the two memory-bound loops of the decompositions that
 * are not matrix products: a sequence of plane rotations of adjacent rows (the vector updates
 * of the bidiagonal QR iteration) and row-by-row dot products (the matrix-vector product of
 * tridiagonalization). Emitted with the GEMM's binary emitter (`ops/cpu/wasm_emit.ts`). The
 * operands live in one WebAssembly memory; {@link simdWorkspace} hands out f64 views of it.
 * Where SIMD is unavailable the callers keep their TypeScript loops.
 *
 * @module
 */
import { Code, encodeModule, I32, Simd, V128 } from "../cpu/wasm_emit.ts";

const F64 = 0x7c;
const OP = {
  block: [0x02, 0x40],
  br: 0x0c,
  i32GeU: 0x4f,
  i32LtU: 0x49,
  i32And: 0x71,
  f64Load: 0x2b,
  f64Store: 0x39,
  f64Add: 0xa0,
  f64Sub: 0xa1,
  f64Mul: 0xa2,
  f64x2Sub: 0xf1,
  f64x2ExtractLane: 0x21,
} as const;

/** rotRows(base, ld, len, lo, hi, cs, sn): rows j, j+1 ← rotation j, for j = lo … hi−1. */
function rotRows(): Code {
  const [base, ld, len, lo, hi, cs, sn, j, p, q, end, c, s, x, y] = [
    0,
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    9,
    10,
    11,
    12,
    13,
    14,
  ];
  const b = new Code();
  b.get(lo).set(j);
  b.raw(...OP.block).loop();
  b.get(j).get(hi).raw(OP.i32GeU).brIf(1);
  b.get(cs).get(j).i32(8).mul().add().simdMem(Simd.load64Splat, 3, 0).set(c);
  b.get(sn).get(j).i32(8).mul().add().simdMem(Simd.load64Splat, 3, 0).set(s);
  b.get(base).get(j).get(ld).mul().add().set(p);
  b.get(p).get(ld).add().set(q);
  b.get(p).get(len).i32(8).mul().add().set(end);
  b.loop();
  b.get(p).simdMem(Simd.load, 3, 0).set(x);
  b.get(q).simdMem(Simd.load, 3, 0).set(y);
  b.get(p).get(c).get(x).simd(Simd.f64x2Mul).get(s).get(y).simd(Simd.f64x2Mul).simd(Simd.f64x2Add);
  b.simdMem(Simd.store, 3, 0);
  b.get(q).get(c).get(y).simd(Simd.f64x2Mul).get(s).get(x).simd(Simd.f64x2Mul).simd(OP.f64x2Sub);
  b.simdMem(Simd.store, 3, 0);
  b.inc(p, 16).inc(q, 16);
  b.get(p).get(end).raw(OP.i32LtU).brIf(0);
  b.end();
  b.inc(j, 1).raw(OP.br, 0);
  b.end().end();
  return b;
}

/** dotRows(a, ld, rows, len, v, out): out[i] = Σ_k a[i·ld + k]·v[k] (byte addresses). */
function dotRows(): Code {
  const [a, ld, rows, len, v, out, i, p, q, endQuad, endAll, acc0, acc1, s] = [
    0,
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    9,
    10,
    11,
    12,
    13,
  ];
  const b = new Code();
  b.i32(0).set(i);
  b.raw(...OP.block).loop();
  b.get(i).get(rows).raw(OP.i32GeU).brIf(1);
  b.get(a).get(i).get(ld).mul().add().set(p);
  b.get(v).set(q);
  b.zero().set(acc0).zero().set(acc1);
  b.get(p).get(len).i32(-4).raw(OP.i32And).i32(8).mul().add().set(endQuad);
  b.get(p).get(len).i32(8).mul().add().set(endAll);
  // four entries per step into two accumulators
  b.raw(...OP.block);
  b.get(p).get(endQuad).raw(OP.i32GeU).brIf(0);
  b.loop();
  b.get(acc0).get(p).simdMem(Simd.load, 3, 0).get(q).simdMem(Simd.load, 3, 0).simd(Simd.f64x2Mul)
    .simd(Simd.f64x2Add).set(acc0);
  b.get(acc1).get(p).simdMem(Simd.load, 3, 16).get(q).simdMem(Simd.load, 3, 16).simd(
    Simd.f64x2Mul,
  ).simd(Simd.f64x2Add).set(acc1);
  b.inc(p, 32).inc(q, 32);
  b.get(p).get(endQuad).raw(OP.i32LtU).brIf(0);
  b.end().end();
  b.get(acc0).get(acc1).simd(Simd.f64x2Add).set(acc0);
  b.get(acc0).simd(OP.f64x2ExtractLane).raw(0).get(acc0).simd(OP.f64x2ExtractLane).raw(1);
  b.raw(OP.f64Add).set(s);
  // scalar tail
  b.raw(...OP.block);
  b.get(p).get(endAll).raw(OP.i32GeU).brIf(0);
  b.loop();
  b.get(s).get(p).raw(OP.f64Load, 3, 0).get(q).raw(OP.f64Load, 3, 0).raw(OP.f64Mul).raw(OP.f64Add)
    .set(s);
  b.inc(p, 8).inc(q, 8);
  b.get(p).get(endAll).raw(OP.i32LtU).brIf(0);
  b.end().end();
  b.get(out).get(i).i32(8).mul().add().get(s).raw(OP.f64Store, 3, 0);
  b.inc(i, 1).raw(OP.br, 0);
  b.end().end();
  return b;
}

/** rowsAxpyDot(a, ld, rows, len, wv, v, f, out): row_i ← row_i − f_i·wv; out_i = row_i·v. */
function rowsAxpyDot(): Code {
  const [a, ld, rows, len, wv, v, f, out] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [i, p, qw, qv, endPair, endAll, fv, acc, x, fs, s] = [
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
  ];
  const b = new Code();
  b.i32(0).set(i);
  b.raw(...OP.block).loop();
  b.get(i).get(rows).raw(OP.i32GeU).brIf(1);
  b.get(a).get(i).get(ld).mul().add().set(p);
  b.get(wv).set(qw).get(v).set(qv);
  b.get(f).get(i).i32(8).mul().add().raw(OP.f64Load, 3, 0).set(fs);
  b.get(fs).simd(Simd.f64x2Splat).set(fv);
  b.zero().set(acc);
  b.get(p).get(len).i32(-2).raw(OP.i32And).i32(8).mul().add().set(endPair);
  b.get(p).get(len).i32(8).mul().add().set(endAll);
  b.raw(...OP.block);
  b.get(p).get(endPair).raw(OP.i32GeU).brIf(0);
  b.loop();
  b.get(p).simdMem(Simd.load, 3, 0).get(fv).get(qw).simdMem(Simd.load, 3, 0).simd(Simd.f64x2Mul)
    .simd(OP.f64x2Sub).set(x);
  b.get(p).get(x).simdMem(Simd.store, 3, 0);
  b.get(acc).get(x).get(qv).simdMem(Simd.load, 3, 0).simd(Simd.f64x2Mul).simd(Simd.f64x2Add)
    .set(acc);
  b.inc(p, 16).inc(qw, 16).inc(qv, 16);
  b.get(p).get(endPair).raw(OP.i32LtU).brIf(0);
  b.end().end();
  b.get(acc).simd(OP.f64x2ExtractLane).raw(0).get(acc).simd(OP.f64x2ExtractLane).raw(1);
  b.raw(OP.f64Add).set(s);
  b.raw(...OP.block);
  b.get(p).get(endAll).raw(OP.i32GeU).brIf(0);
  b.get(p).raw(OP.f64Load, 3, 0).get(fs).get(qw).raw(OP.f64Load, 3, 0).raw(OP.f64Mul).raw(OP.f64Sub)
    .set(fs);
  b.get(p).get(fs).raw(OP.f64Store, 3, 0);
  b.get(s).get(fs).get(qv).raw(OP.f64Load, 3, 0).raw(OP.f64Mul).raw(OP.f64Add).set(s);
  b.end();
  b.get(out).get(i).i32(8).mul().add().get(s).raw(OP.f64Store, 3, 0);
  b.inc(i, 1).raw(OP.br, 0);
  b.end().end();
  return b;
}

/** rowsAxpyAxpy(a, ld, rows, len, v, z, u, wv): row_i ← row_i − z_i·v; wv += u_i·row_i. */
function rowsAxpyAxpy(): Code {
  const [a, ld, rows, len, v, z, u, wv] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [i, p, qv, qw, endPair, endAll, zv, uv, x, zs, us] = [
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
  ];
  const b = new Code();
  b.i32(0).set(i);
  b.raw(...OP.block).loop();
  b.get(i).get(rows).raw(OP.i32GeU).brIf(1);
  b.get(a).get(i).get(ld).mul().add().set(p);
  b.get(v).set(qv).get(wv).set(qw);
  b.get(z).get(i).i32(8).mul().add().raw(OP.f64Load, 3, 0).set(zs);
  b.get(u).get(i).i32(8).mul().add().raw(OP.f64Load, 3, 0).set(us);
  b.get(zs).simd(Simd.f64x2Splat).set(zv).get(us).simd(Simd.f64x2Splat).set(uv);
  b.get(p).get(len).i32(-2).raw(OP.i32And).i32(8).mul().add().set(endPair);
  b.get(p).get(len).i32(8).mul().add().set(endAll);
  b.raw(...OP.block);
  b.get(p).get(endPair).raw(OP.i32GeU).brIf(0);
  b.loop();
  b.get(p).simdMem(Simd.load, 3, 0).get(zv).get(qv).simdMem(Simd.load, 3, 0).simd(Simd.f64x2Mul)
    .simd(OP.f64x2Sub).set(x);
  b.get(p).get(x).simdMem(Simd.store, 3, 0);
  b.get(qw).get(qw).simdMem(Simd.load, 3, 0).get(uv).get(x).simd(Simd.f64x2Mul).simd(Simd.f64x2Add)
    .simdMem(Simd.store, 3, 0);
  b.inc(p, 16).inc(qv, 16).inc(qw, 16);
  b.get(p).get(endPair).raw(OP.i32LtU).brIf(0);
  b.end().end();
  b.raw(...OP.block);
  b.get(p).get(endAll).raw(OP.i32GeU).brIf(0);
  b.get(p).raw(OP.f64Load, 3, 0).get(zs).get(qv).raw(OP.f64Load, 3, 0).raw(OP.f64Mul).raw(OP.f64Sub)
    .set(zs);
  b.get(p).get(zs).raw(OP.f64Store, 3, 0);
  b.get(qw).get(qw).raw(OP.f64Load, 3, 0).get(us).get(zs).raw(OP.f64Mul).raw(OP.f64Add)
    .raw(OP.f64Store, 3, 0);
  b.end();
  b.inc(i, 1).raw(OP.br, 0);
  b.end().end();
  return b;
}

const I = I32;
const BYTES = encodeModule({
  minPages: 1,
  funcs: [
    {
      name: "rotRows",
      params: [I, I, I, I, I, I, I],
      locals: [I, I, I, I, V128, V128, V128, V128],
      body: rotRows(),
    },
    {
      name: "dotRows",
      params: [I, I, I, I, I, I],
      locals: [I, I, I, I, I, V128, V128, F64],
      body: dotRows(),
    },
    {
      name: "rowsAxpyDot",
      params: [I, I, I, I, I, I, I, I],
      locals: [I, I, I, I, I, I, V128, V128, V128, F64, F64],
      body: rowsAxpyDot(),
    },
    {
      name: "rowsAxpyAxpy",
      params: [I, I, I, I, I, I, I, I],
      locals: [I, I, I, I, I, I, V128, V128, V128, F64, F64],
      body: rowsAxpyAxpy(),
    },
  ],
});

interface Kernels {
  rotRows: (...args: number[]) => void;
  dotRows: (...args: number[]) => void;
  rowsAxpyDot: (...args: number[]) => void;
  rowsAxpyAxpy: (...args: number[]) => void;
}

let state: { mem: WebAssembly.Memory; k: Kernels } | null | undefined;

function load(): { mem: WebAssembly.Memory; k: Kernels } | null {
  if (state !== undefined) return state;
  try {
    if (!WebAssembly.validate(BYTES)) return state = null;
    const mem = new WebAssembly.Memory({ initial: 16 });
    const inst = new WebAssembly.Instance(new WebAssembly.Module(BYTES), { env: { mem } });
    state = { mem, k: inst.exports as unknown as Kernels };
  } catch {
    state = null;
  }
  return state;
}

/** A set of f64 arrays inside the kernels' memory, valid until the next workspace is made. */
export interface SimdWorkspace {
  /** The arrays, in the order of the requested lengths. */
  arrays: Float64Array[];
  /** `x[lo … hi−1]` rows rotated in sequence: row j, j+1 by `(cs[j], sn[j])` (see rotateRows). */
  rotateRows: (
    x: Float64Array,
    ld: number,
    len: number,
    lo: number,
    hi: number,
    cs: Float64Array,
    sn: Float64Array,
  ) => void;
  /** `out[i] = Σ_k x[off + i·ld + k]·v[vOff + k]` for `rows` rows of `len` entries. */
  dotRows: (
    x: Float64Array,
    off: number,
    ld: number,
    rows: number,
    len: number,
    v: Float64Array,
    vOff: number,
    out: Float64Array,
    outOff: number,
  ) => void;
  /**
   * For `rows` rows of `len` entries of `x` from `off`: `row_i ← row_i − f_i·g` and
   * `out_i = row_i·v` (the arrays are indexed from the given offsets; `f` and `out` by row).
   */
  rowsAxpyDot: (
    x: Float64Array,
    off: number,
    ld: number,
    rows: number,
    len: number,
    g: Float64Array,
    gOff: number,
    v: Float64Array,
    vOff: number,
    f: Float64Array,
    fOff: number,
    out: Float64Array,
    outOff: number,
  ) => void;
  /** For each row: `row_i ← row_i − z_i·v`, then `acc += u_i·row_i`. */
  rowsAxpyAxpy: (
    x: Float64Array,
    off: number,
    ld: number,
    rows: number,
    len: number,
    v: Float64Array,
    vOff: number,
    z: Float64Array,
    zOff: number,
    u: Float64Array,
    uOff: number,
    acc: Float64Array,
    accOff: number,
  ) => void;
}

/**
 * Zeroed f64 arrays of the given lengths placed in the SIMD kernels' memory (which grows as
 * needed, invalidating earlier workspaces), with the kernels bound to them; null where
 * WebAssembly SIMD is unavailable or the memory cannot grow to the size. Every array starts on
 * a 16-byte boundary.
 *
 * @example
 * ```ts
 * import { simdWorkspace } from "./simd.ts";
 * const ws = simdWorkspace([4, 2]);
 * if (ws) {
 *   const [x, out] = ws.arrays;
 *   x.set([1, 2, 3, 4]);
 *   ws.dotRows(x, 0, 2, 2, 2, x, 0, out, 0);
 *   console.log(out); // Float64Array [5, 11]
 * }
 * ```
 */
export function simdWorkspace(lengths: number[]): SimdWorkspace | null {
  const st = load();
  if (!st) return null;
  const offsets: number[] = [];
  let bytes = 0;
  for (const n of lengths) {
    offsets.push(bytes);
    bytes += Math.ceil((n * 8) / 16) * 16;
  }
  const need = Math.ceil(bytes / 65536) - st.mem.buffer.byteLength / 65536;
  try {
    if (need > 0) st.mem.grow(need);
  } catch {
    return null;
  }
  const buf = st.mem.buffer;
  const arrays = lengths.map((n, i) => new Float64Array(buf, offsets[i], n));
  for (const a of arrays) a.fill(0);
  const addr = (a: Float64Array, off: number): number => a.byteOffset + 8 * off;
  return {
    arrays,
    rotateRows: (x, ld, len, lo, hi, cs, sn) => {
      if (hi > lo && len > 0) {
        st.k.rotRows(x.byteOffset, 8 * ld, len, lo, hi, cs.byteOffset, sn.byteOffset);
      }
    },
    rowsAxpyDot: (x, off, ld, rows, len, g, gOff, v, vOff, f, fOff, out, outOff) => {
      if (rows > 0 && len > 0) {
        st.k.rowsAxpyDot(
          addr(x, off),
          8 * ld,
          rows,
          len,
          addr(g, gOff),
          addr(v, vOff),
          addr(f, fOff),
          addr(out, outOff),
        );
      }
    },
    rowsAxpyAxpy: (x, off, ld, rows, len, v, vOff, z, zOff, u, uOff, acc, accOff) => {
      if (rows > 0 && len > 0) {
        st.k.rowsAxpyAxpy(
          addr(x, off),
          8 * ld,
          rows,
          len,
          addr(v, vOff),
          addr(z, zOff),
          addr(u, uOff),
          addr(acc, accOff),
        );
      }
    },
    dotRows: (x, off, ld, rows, len, v, vOff, out, outOff) => {
      if (rows > 0) st.k.dotRows(addr(x, off), 8 * ld, rows, len, addr(v, vOff), addr(out, outOff));
    },
  };
}
