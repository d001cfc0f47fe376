/**
 * The one-thread WebAssembly GEMM driver, shaped for skinny (low-rank) products. Three loops
 * around the direct macro-kernels of `gemm_kernel_direct.ts`: NC columns of op(B), packed once
 * with their whole depth; bands of rows of op(A), copied into wasm memory as they are stored
 * (one contiguous copy where the gaps are small) and read in place by the kernel, never packed;
 * MC-row blocks of C, kept in a small buffer that stays in cache between the kernel and the copy
 * out, and overwritten by the first depth block instead of zeroed and accumulated.
 *
 * Roles are chosen by cost: the kernel reads its "A" operand in place but packs its "B", so
 * when op(B) is the larger operand the driver computes `Cᵀ = op(B)ᵀ·op(A)ᵀ` instead (the C block
 * is then transposed on its way out). A skinny product thus copies its big operand once and
 * packs only its thin one.
 *
 * Goto & van de Geijn, "Anatomy of High-Performance Matrix Multiplication", ACM TOMS 34(3), 2008
 * (§4–6: the loop nest and what packing buys); Van Zee & van de Geijn, "BLIS", ACM TOMS 41(3),
 * 2015 (§3, Fig. 2).
 *
 * @module
 */
import type { GemmArgs } from "./gemm_types.ts";
import { lanes } from "./gemm_kernel.ts";
import { gemmMemory, type Kernels, memoryView } from "./gemm_memory.ts";
import {
  loadC,
  loadCT,
  type Operand,
  packB,
  stage,
  STAGE_GAP,
  storeC,
  storeCT,
} from "./gemm_pack.ts";
import { ALPHA_AT, DATA } from "./gemm_pool.ts";

/**
 * Blocking knobs of {@link gemmDirect}; every field is optional (defaults are the tuned ones).
 *
 * @example
 * ```ts
 * import type { DirectBlocks } from "./gemm_direct.ts";
 * const b: DirectBlocks = { mc: 12, kc: 8, nc: 16, swap: true };
 * console.log(b.swap); // true
 * ```
 */
export interface DirectBlocks {
  /** Rows of C per block (rounded up to the register tile). */
  mc?: number;
  /** Depth per kernel call. */
  kc?: number;
  /** Columns of op(B) per packed block (default: as many as `packElems` allows). */
  nc?: number;
  /** Most elements of the C buffer (default 2^16, so it stays in L2). */
  cElems?: number;
  /** Most elements of packed op(B) (default 2^20 f64, 2^21 f32: L3-sized). */
  packElems?: number;
  /** Most elements of op(A) copied at once (default 2^19). */
  stageElems?: number;
  /** Compute Cᵀ = op(B)ᵀ·op(A)ᵀ (default: whichever the cost model prefers). */
  swap?: boolean;
}

/** Tuned on the reference machine (AMD Zen 5: 48 KiB L1d, 1 MiB L2). */
const DEFAULTS = {
  f64: { mc: 96, kc: 256, packElems: 1 << 20 },
  f32: { mc: 96, kc: 512, packElems: 1 << 21 },
};

/** An operand in one of the kernel's roles: element (r, p) at `off + r·rs + p·ps` of `data`. */
interface Role {
  data: Float32Array | Float64Array;
  off: number;
  ld: number;
  /** Rows of the role are stored rows (element (r, p) at r·ld + p); else stored columns. */
  rowMajor: boolean;
}

const roundUp = (x: number, q: number): number => Math.ceil(x / q) * q;

/** Estimated cost in ns per element of copying (A role), packing (B role) and storing C. */
const COST = { stage: 0.4, pack: 1.2, store: 0.3, storeT: 1.0 };

/** Whether computing Cᵀ is cheaper: the kernel copies its A operand but packs its B operand. */
function preferSwap(m: number, n: number, k: number): boolean {
  const plain = m * k * COST.stage + k * n * COST.pack + m * n * COST.store;
  const swapped = n * k * COST.stage + k * m * COST.pack + m * n * COST.storeT;
  return swapped < plain;
}

/**
 * `C = alpha·op(A)·op(B) + beta·C` on one thread with the direct kernels (k > 0, alpha ≠ 0,
 * m, n > 0: the caller checked).
 *
 * @example
 * ```ts
 * import { gemmDirect } from "./gemm_direct.ts";
 * import { kernelsFor } from "./gemm_memory.ts";
 * const kern = kernelsFor({ dtype: "f64", mr: 6, nv: 2, unroll: 4, fma: false });
 * const a = new Float64Array([1, 2, 3, 4]), c = new Float64Array(4);
 * gemmDirect({ m: 2, n: 2, k: 2, a, lda: 2, b: a, ldb: 2, c, ldc: 2, transA: true }, kern);
 * console.log(c); // Float64Array [10, 14, 14, 20]
 * ```
 */
export function gemmDirect(g: GemmArgs, kern: Kernels, blocks: DirectBlocks = {}): void {
  const transA = g.transA ?? false, transB = g.transB ?? false;
  const swap = blocks.swap ?? preferSwap(g.m, g.n, g.k);
  const aOp = { data: g.a, off: g.aOffset ?? 0, ld: g.lda };
  const bOp = { data: g.b, off: g.bOffset ?? 0, ld: g.ldb };
  // Swapped, the kernel's A is op(B)ᵀ and its B is op(A)ᵀ (trans: element (p, j) at j·ld + p).
  const A: Role = swap ? { ...bOp, rowMajor: transB } : { ...aOp, rowMajor: !transA };
  const B: Operand = swap ? { ...aOp, trans: !transA } : { ...bOp, trans: transB };
  const m = swap ? g.n : g.m, n = swap ? g.m : g.n;
  run(g, kern, blocks, { A, B, m, n, swap });
}

/** The product as the kernel sees it (rows m, columns n of the possibly transposed C). */
interface Oriented {
  A: Role;
  B: Operand;
  m: number;
  n: number;
  swap: boolean;
}

function run(g: GemmArgs, kern: Kernels, blocks: DirectBlocks, o: Oriented): void {
  const { A, B, m, n } = o, k = g.k;
  const dtype = kern.cfg.dtype, es = dtype === "f64" ? 8 : 4, def = DEFAULTS[dtype];
  const { mr, unroll } = kern.cfg, nr = kern.cfg.nv * lanes(dtype);
  const kc = blocks.kc ?? def.kc;
  const packElems = blocks.packElems ?? def.packElems;
  const nc = Math.min(n, blocks.nc ?? Math.max(nr, Math.floor(packElems / k / nr) * nr));
  const ncMax = roundUp(nc, nr);
  // Rows per C block: the tuned MC, fewer when a wide block would push C out of L2.
  const cElems = blocks.cElems ?? 1 << 16;
  const mcFit = Math.max(mr, Math.floor(cElems / ncMax / mr) * mr);
  const mc = roundUp(Math.min(blocks.mc ?? Math.min(def.mc, mcFit), roundUp(m, mr)), mr);
  // Copy op(A) in bands of whole depth when a band of MC rows fits, else per (block, KC depths).
  const stageElems = blocks.stageElems ?? 1 << 19;
  const ks = mc * k <= stageElems ? k : Math.min(k, kc);
  const band = ks === k
    ? Math.min(roundUp(m, mr), Math.max(mc, Math.floor(stageElems / k / mc) * mc))
    : mc;
  // Memory: C block, packed op(B) (all depths), copied band of op(A) and its slack.
  const cAt = DATA, bAt = cAt + roundUp(mc * ncMax * es, 64);
  const aAt = bAt + roundUp(k * ncMax * es, 64);
  // A copy's row stride is at most its width + STAGE_GAP (see `stage`).
  const aElems = A.rowMajor ? (band + mr) * (ks + STAGE_GAP) : ks * (band + STAGE_GAP) + mr;
  gemmMemory(aAt + aElems * es);
  const w = memoryView(dtype);
  w[ALPHA_AT / es] = g.alpha ?? 1;
  const beta = g.beta ?? 0, cOff = g.cOffset ?? 0;
  const args = { g, kern, o, w, es, mr, nr, unroll, kc, cAt, bAt, aAt, beta, cOff };
  for (let jc = 0; jc < n; jc += nc) {
    const ncb = Math.min(nc, n - jc), ncPad = roundUp(ncb, nr);
    packB(w, bAt / es, B, 0, jc, k, ncb, nr, k);
    for (let ib = 0; ib < m; ib += band) {
      const rows = Math.min(band, m - ib);
      const ld = ks === k ? stageA(w, aAt, es, A, ib, rows, 0, k, mr) : 0;
      for (let ic = ib; ic < ib + rows; ic += mc) {
        const mcb = Math.min(mc, ib + rows - ic);
        const blk = { jc, ncb, ncPad, ic, mcb, ib, ld, ks };
        cBlock(args, blk);
      }
    }
  }
}

/** Everything {@link cBlock} needs about the call. */
interface Ctx {
  g: GemmArgs;
  kern: Kernels;
  o: Oriented;
  w: Float32Array | Float64Array;
  es: number;
  mr: number;
  nr: number;
  unroll: number;
  kc: number;
  cAt: number;
  bAt: number;
  aAt: number;
  beta: number;
  cOff: number;
}

/** One MC×NC block of C: load or overwrite, all depths, copy out. */
function cBlock(
  x: Ctx,
  b: {
    jc: number;
    ncb: number;
    ncPad: number;
    ic: number;
    mcb: number;
    ib: number;
    ld: number;
    ks: number;
  },
): void {
  const { g, o, w, es, mr, nr, unroll, kc } = x, k = g.k;
  const cw = x.cAt / es, ldc = g.ldc;
  // Element (ic, jc) of the kernel's C is C[ic][jc], or C[jc][ic] when swapped.
  const cEl = x.cOff + (o.swap ? b.jc * ldc + b.ic : b.ic * ldc + b.jc);
  if (x.beta !== 0) {
    if (o.swap) loadCT(w, cw, b.ncPad, g.c, cEl, ldc, b.ncb, b.mcb, x.beta);
    else loadC(w, cw, b.ncPad, g.c, cEl, ldc, b.mcb, b.ncb, x.beta);
  }
  const tile = o.A.rowMajor ? x.kern.tileR : x.kern.tileD;
  for (let ps = 0; ps < k; ps += b.ks) {
    const kse = Math.min(b.ks, k - ps);
    // A band of whole depth was copied by the caller; otherwise copy this block's depths now.
    const i0 = b.ks === k ? b.ib : b.ic;
    const ld = b.ks === k ? b.ld : stageA(w, x.aAt, es, o.A, b.ic, b.mcb, ps, kse, mr);
    for (let pc = ps; pc < ps + kse; pc += kc) {
      const kcb = Math.min(kc, ps + kse - pc);
      const [ri, rp] = o.A.rowMajor ? [ld, 1] : [1, ld];
      const a = x.aAt + ((b.ic - i0) * ri + (pc - ps) * rp) * es;
      tile(
        a,
        ld * es,
        mr * ri * es,
        x.bAt + pc * nr * es,
        k * nr * es,
        x.cAt,
        b.ncPad * es,
        Math.ceil(b.mcb / mr),
        b.ncPad / nr,
        Math.floor(kcb / unroll),
        kcb % unroll,
        ALPHA_AT,
        x.beta !== 0 || pc > 0 ? 1 : 0,
      );
    }
  }
  if (o.swap) storeCT(g.c, cEl, ldc, w, cw, b.ncPad, b.ncb, b.mcb);
  else storeC(g.c, cEl, ldc, w, cw, b.ncPad, b.mcb, b.ncb);
}

/**
 * Copies rows `i0 … i0+rows-1`, depths `p0 … p0+depth-1` of the kernel's A into wasm memory at
 * byte `at`, zeroes the slack the edge micro-panel reads past it, and returns the row stride.
 */
function stageA(
  w: Float32Array | Float64Array,
  at: number,
  es: number,
  A: Role,
  i0: number,
  rows: number,
  p0: number,
  depth: number,
  mr: number,
): number {
  const e = at / es;
  if (A.rowMajor) {
    const ld = stage(w, e, A.data, A.off, A.ld, i0, rows, p0, depth);
    w.fill(0, e + (rows - 1) * ld + depth, e + roundUp(rows, mr) * ld);
    return ld;
  }
  const ld = stage(w, e, A.data, A.off, A.ld, p0, depth, i0, rows);
  w.fill(0, e + (depth - 1) * ld + rows, e + (depth - 1) * ld + roundUp(rows, mr));
  return ld;
}
