/**
 * Emits the WebAssembly SIMD routines that pack op(B) into the NR-column micro-panels the GEMM
 * kernels stream (panel s holds `depth × nr` elements, element (p, j) at `p·nr + j`), from a
 * copy of B already in wasm memory: `packN` for B stored k×n (each panel row is `nr`
 * contiguous elements: 128-bit loads and stores) and `packT` for B stored n×k (each L×L block is
 * transposed in registers with `i8x16.shuffle`, L = lanes). Packing in TypeScript cost about
 * 1.2 ns per element; these run at memory speed.
 *
 * Goto & van de Geijn, "Anatomy of High-Performance Matrix Multiplication", ACM TOMS 34(3), 2008,
 * §6 (packing); the 4×4 transpose by two rounds of interleaving shuffles is the classic
 * `_MM_TRANSPOSE4_PS` construction.
 *
 * @module
 */
import { type KernelConfig, lanes } from "./gemm_kernel.ts";
import { Code, type FuncSpec, I32, Simd, V128 } from "./wasm_emit.ts";

/**
 * The two pack functions for a kernel configuration (only `dtype` and `nv` matter):
 * `packN(src, ldBytes, dst, depth, panels)` and
 * `packT(src, ldBytes, dst, groups, panels, panelBytes)`, which packs `groups·L` depths of each
 * panel (the caller packs the remaining `depth mod L`) into panels `panelBytes` apart. Both need
 * `depth`/`groups` ≥ 0 and `panels` ≥ 1. Addresses are bytes.
 *
 * @example
 * ```ts
 * import { packFuncs } from "./gemm_pack_emit.ts";
 * import { encodeModule } from "./wasm_emit.ts";
 * const funcs = packFuncs({ dtype: "f64", mr: 6, nv: 2, unroll: 4, fma: false });
 * console.log(WebAssembly.validate(encodeModule({ minPages: 1, funcs }))); // true
 * ```
 */
export function packFuncs(cfg: KernelConfig): FuncSpec[] {
  return [
    { name: "packN", params: new Array(5).fill(I32), locals: [I32, I32, I32], body: packN(cfg) },
    {
      name: "packT",
      params: new Array(6).fill(I32),
      locals: [
        ...new Array(5 + cfg.nv * lanes(cfg.dtype)).fill(I32),
        ...new Array(2 * lanes(cfg.dtype)).fill(V128),
      ],
      body: packT(cfg),
    },
  ];
}

const countDown = (c: Code, i: number): void => {
  c.get(i).i32(1).sub().set(i).get(i).brIf(0);
};

function packN(cfg: KernelConfig): Code {
  const [SRC, LD, DST, DEPTH, PANELS, SP, P, S] = [0, 1, 2, 3, 4, 5, 6, 7];
  const es = cfg.dtype === "f64" ? 8 : 4, nr = cfg.nv * lanes(cfg.dtype);
  const c = new Code();
  c.block().get(DEPTH).eqz().brIf(0);
  c.get(PANELS).set(S);
  c.loop(); // panels
  c.get(SRC).set(SP).get(DEPTH).set(P);
  c.loop(); // depths: one panel row of nr contiguous elements
  for (let v = 0; v < cfg.nv; v++) {
    c.get(DST).get(SP).simdMem(Simd.load, 0, v * 16).simdMem(Simd.store, 0, v * 16);
  }
  c.incBy(SP, LD).inc(DST, nr * es);
  countDown(c, P);
  c.end();
  c.inc(SRC, nr * es);
  countDown(c, S);
  c.end();
  c.end();
  return c;
}

function packT(cfg: KernelConfig): Code {
  const [SRC, LD, DST, GROUPS, PANELS, PSTRIDE] = [0, 1, 2, 3, 4, 5];
  const [D, G, S, LDNR, DPANEL] = [6, 7, 8, 9, 10];
  const L = lanes(cfg.dtype), es = cfg.dtype === "f64" ? 8 : 4, nr = cfg.nv * L;
  const ROW = 11, V = ROW + nr, T = V + L; // row addresses, loaded vectors, temporaries
  // Byte lanes of element x (0 … 2L-1) of the concatenated pair of vectors.
  const bytes = (elems: number[]): number[] =>
    elems.flatMap((x) => Array.from({ length: es }, (_, b) => x * es + b));
  const c = new Code();
  c.block().get(GROUPS).eqz().brIf(0);
  c.get(LD).i32(nr).mul().set(LDNR).get(DST).set(DPANEL).get(PANELS).set(S);
  c.loop(); // panels
  c.get(SRC).set(ROW);
  for (let r = 1; r < nr; r++) c.get(ROW + r - 1).get(LD).add().set(ROW + r);
  c.get(DPANEL).set(D).get(GROUPS).set(G);
  c.loop(); // groups of L depths
  for (let q = 0; q < cfg.nv; q++) {
    // Rows q·L … q·L+L-1, depths p … p+L-1: transpose the L×L block in registers.
    for (let r = 0; r < L; r++) c.get(ROW + q * L + r).simdMem(Simd.load, 0, 0).set(V + r);
    const out = L === 2 ? transpose2(c, V, T, bytes) : transpose4(c, V, T, bytes);
    for (let d = 0; d < L; d++) {
      c.get(D).get(out[d]).simdMem(Simd.store, 0, (d * nr + q * L) * es);
    }
  }
  for (let r = 0; r < nr; r++) c.inc(ROW + r, L * es);
  c.inc(D, L * nr * es);
  countDown(c, G);
  c.end();
  c.get(SRC).get(LDNR).add().set(SRC).incBy(DPANEL, PSTRIDE);
  countDown(c, S);
  c.end();
  c.end();
  return c;
}

/** f64: out[d] = (v0[d], v1[d]). Returns the locals holding the output rows. */
function transpose2(c: Code, v: number, t: number, bytes: (e: number[]) => number[]): number[] {
  c.get(v).get(v + 1).shuffle(bytes([0, 2])).set(t);
  c.get(v).get(v + 1).shuffle(bytes([1, 3])).set(t + 1);
  return [t, t + 1];
}

/** f32: out[d] = (v0[d], v1[d], v2[d], v3[d]) by two rounds of interleaving. */
function transpose4(c: Code, v: number, t: number, bytes: (e: number[]) => number[]): number[] {
  c.get(v).get(v + 1).shuffle(bytes([0, 4, 1, 5])).set(t);
  c.get(v).get(v + 1).shuffle(bytes([2, 6, 3, 7])).set(t + 1);
  c.get(v + 2).get(v + 3).shuffle(bytes([0, 4, 1, 5])).set(t + 2);
  c.get(v + 2).get(v + 3).shuffle(bytes([2, 6, 3, 7])).set(t + 3);
  c.get(t).get(t + 2).shuffle(bytes([0, 1, 4, 5])).set(v);
  c.get(t).get(t + 2).shuffle(bytes([2, 3, 6, 7])).set(v + 1);
  c.get(t + 1).get(t + 3).shuffle(bytes([0, 1, 4, 5])).set(v + 2);
  c.get(t + 1).get(t + 3).shuffle(bytes([2, 3, 6, 7])).set(v + 3);
  return [v, v + 1, v + 2, v + 3];
}
