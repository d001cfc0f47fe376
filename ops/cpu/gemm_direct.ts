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
import { loadC, loadCT, type Operand, STAGE_GAP, storeC, storeCT } from "./gemm_pack.ts";
import { packOpB, stageA } from "./gemm_operands.ts";
import { type Pin, pinnedAt, pinnedOperand, scratchBase } from "./gemm_pin.ts";
import {
  ALPHA_AT,
  KERNEL_FNS,
  kernelId,
  MAX_CALLS,
  runOnPool,
  type SplitCall,
} from "./gemm_pool.ts";

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
  /** Most elements of the C buffer when it holds a band of rows (default 2^18). */
  cElems?: number;
  /** Most elements of packed op(B) (default 2^20 f64, 2^21 f32: L3-sized). */
  packElems?: number;
  /** Most elements of op(A) copied at once (default 2^19). */
  stageElems?: number;
  /** Compute Cᵀ = op(B)ᵀ·op(A)ᵀ (default: whichever the cost model prefers). */
  swap?: boolean;
  /** Loop of the macro-kernel that is outer (default: `ir` when the B block fits in L1). */
  order?: "ir" | "jr";
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
  /** Where the operand is pinned in the GEMM memory (read in place, never copied), if it is. */
  pin: Pin | null;
}

const roundUp = (x: number, q: number): number => Math.ceil(x / q) * q;

/** Estimated cost in ns per element of copying (A role), packing (B role) and storing C. */
const COST = { stage: 0.4, pack: 0.6, store: 0.3, storeT: 1.0 };

/**
 * Whether computing Cᵀ is cheaper: the kernel copies its A operand (unless it is pinned) but
 * packs its B operand.
 */
function preferSwap(m: number, n: number, k: number, pinA: boolean, pinB: boolean): boolean {
  const plain = (pinA ? 0 : m * k * COST.stage) + k * n * COST.pack + m * n * COST.store;
  const swapped = (pinB ? 0 : n * k * COST.stage) + k * m * COST.pack + m * n * COST.storeT;
  return swapped < plain;
}

/**
 * `C = alpha·op(A)·op(B) + beta·C` with the direct kernels (k > 0, alpha ≠ 0, m, n > 0: the
 * caller checked). With `split`, each large kernel call is shared with the helper thread
 * (`gemm_pool.ts`) along its outer micro-panel loop; the copies in and out stay on this thread.
 * Every C micro-tile is still computed by the same kernel over the same depths, so the result is
 * bit-identical with or without the split, whether or not the helper is running.
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
export function gemmDirect(
  g: GemmArgs,
  kern: Kernels,
  blocks: DirectBlocks = {},
  split = false,
): void {
  const transA = g.transA ?? false, transB = g.transB ?? false;
  const { m: gm, n: gn, k: gk } = g;
  const aOff = g.aOffset ?? 0, bOff = g.bOffset ?? 0;
  const pinA = pinnedOperand(g.a, aOff, g.lda, transA ? gk : gm, transA ? gm : gk);
  const pinB = pinnedOperand(g.b, bOff, g.ldb, transB ? gn : gk, transB ? gk : gn);
  const swap = blocks.swap ?? preferSwap(gm, gn, gk, pinA !== null, pinB !== null);
  const aOp = { data: g.a, off: aOff, ld: g.lda, pin: pinA };
  const bOp = { data: g.b, off: bOff, ld: g.ldb, pin: pinB };
  // Swapped, the kernel's A is op(B)ᵀ and its B is op(A)ᵀ (trans: element (p, j) at j·ld + p).
  const A: Role = swap ? { ...bOp, rowMajor: transB } : { ...aOp, rowMajor: !transA };
  const B: Operand = swap ? { ...aOp, trans: !transA } : { ...bOp, trans: transB };
  const m = swap ? g.n : g.m, n = swap ? g.m : g.n;
  run(g, kern, blocks, { A, B, m, n, swap, split });
}

/** The product as the kernel sees it (rows m, columns n of the possibly transposed C). */
interface Oriented {
  A: Role;
  B: Operand;
  m: number;
  n: number;
  swap: boolean;
  /** Share large kernel calls with the helper thread. */
  split: boolean;
}

/** Where one call's loops and buffers go (element counts; addresses in bytes). */
interface Plan {
  es: number;
  mr: number;
  nr: number;
  unroll: number;
  kc: number;
  nc: number;
  mc: number;
  /** Rows of the kernel's A copied at once, and depths per copy. */
  band: number;
  ks: number;
  /** The kernel walks B micro-panels inside A micro-panels (`ir`) or the other way (`jr`). */
  order: "ir" | "jr";
  cAt: number;
  bAt: number;
  aAt: number;
  /** Byte address of the plain copy of op(B) that the wasm packers read. */
  rawAt: number;
  /** The kernel's A is stored by rows (else by depths). */
  rowMajorA: boolean;
  /** Whole bands go to the two threads as one job per depth piece, split by row chunks. */
  bandSplit: boolean;
}

function plan(g: GemmArgs, kern: Kernels, blocks: DirectBlocks, o: Oriented): Plan {
  const { A, m, n } = o, k = g.k;
  const dtype = kern.cfg.dtype, es = dtype === "f64" ? 8 : 4, def = DEFAULTS[dtype];
  const { mr, unroll } = kern.cfg, nr = kern.cfg.nv * lanes(dtype);
  const kc = blocks.kc ?? def.kc, mPad = roundUp(m, mr);
  const packElems = blocks.packElems ?? def.packElems;
  const ncFit = Math.min(NC_MAX, Math.max(nr, Math.floor(packElems / k / nr) * nr));
  const nc = Math.min(n, blocks.nc ?? ncFit);
  const ncMax = roundUp(nc, nr), cElems = blocks.cElems ?? 1 << 18;
  // A single depth block stores each C block right after computing it: keep that one in L2.
  // Else every MC block streams the whole packed B from L3: taller blocks when B is big.
  const mcFit = k <= kc
    ? Math.min(def.mc, Math.max(mr, Math.floor(L2_C_BYTES / es / ncMax / mr) * mr))
    : k * ncMax * es >= BIG_B_BYTES
    ? def.mc * 1.5
    : def.mc;
  const mc = Math.min(roundUp(blocks.mc ?? mcFit, mr), mPad);
  const stageElems = blocks.stageElems ?? 1 << 19;
  let band: number, ks: number;
  if (A.rowMajor && k > kc && k * ncMax * es >= BIG_B_BYTES) {
    // A big packed B (large k and n): depth blocks outside row blocks, as in GotoBLAS, so each
    // KC×NC block of B is reused by every row of the band while it is in cache; C is held for
    // the band (up to C_BAND_ELEMS).
    ks = kc;
    band = Math.max(mc, Math.floor(C_BAND_ELEMS / ncMax / mc) * mc);
  } else if (A.rowMajor) {
    // Stored rows are rows of A: copy whole depths for as many MC blocks as fit.
    ks = mc * k <= stageElems
      ? k
      : Math.min(k, Math.max(kc, Math.floor(stageElems / mc / kc) * kc));
    band = ks === k ? Math.max(mc, Math.floor(stageElems / k / mc) * mc) : mc;
  } else {
    // Stored rows are depths: copy rows as wide as the C buffer allows (long, cheap copies).
    band = Math.max(mc, Math.floor(cElems / ncMax / mc) * mc);
    band = Math.min(band, mPad);
    ks = band * k <= stageElems
      ? k
      : Math.min(k, Math.max(kc, Math.floor(stageElems / band / kc) * kc));
  }
  band = Math.min(band, mPad);
  // Two threads share a band's kernel calls by row chunks: the C buffer then holds the band.
  const bandSplit = o.split && roundUp(band, mr) / mr >= 2 * MIN_BAND_CHUNK_PANELS;
  if (bandSplit && ks === k) {
    band = Math.min(band, Math.max(mc, Math.floor(C_BAND_ELEMS / ncMax / mc) * mc));
  }
  const cRows = ks === k && !bandSplit ? mc : roundUp(band, mr);
  const order = blocks.order ?? (Math.min(kc, k) * ncMax * es <= IR_B_BYTES ? "ir" : "jr");
  // Memory: C buffer, packed op(B) (all depths), the copy of A and the slack its edge reads.
  const cAt = roundUp(scratchBase(), 64), bAt = cAt + roundUp(cRows * ncMax * es, 64);
  const aAt = bAt + roundUp(k * ncMax * es, 64);
  // A copy's row stride is at most its width + STAGE_GAP (see `stage`).
  const aElems = A.rowMajor ? roundUp(band, mr) * (ks + STAGE_GAP) : ks * (band + STAGE_GAP) + mr;
  const rawAt = aAt + roundUp(aElems * es, 64);
  // The plain copy of op(B): stored rows × their stride, which `stage` keeps at `ld` (spans) or
  // at most the width plus one cache line (row by row).
  const [rawRows, rawWidth] = o.B.trans ? [ncMax, k] : [k, ncMax];
  const rawElems = rawRows * (Math.min(o.B.ld, rawWidth + STAGE_GAP) + 64 / es);
  gemmMemory(rawAt + rawElems * es);
  const rowMajorA = A.rowMajor;
  return {
    es,
    mr,
    nr,
    unroll,
    kc,
    nc,
    mc,
    band,
    ks,
    order,
    cAt,
    bAt,
    aAt,
    rawAt,
    bandSplit,
    rowMajorA,
  };
}

/** Most columns per block: bounds the C buffer (≥ MR rows of it) when k is tiny. */
const NC_MAX = 1 << 14;
/** Most elements of C held for a band of rows when depth blocks go outside row blocks. */
const C_BAND_ELEMS = 1 << 22;
/** Packed B from which MC grows by half (measured: square 1024, 3–4% faster; 512, no change). */
const BIG_B_BYTES = 1 << 22;
/** Bytes of a C block that should stay in L2 between the kernel and the copy out. */
const L2_C_BYTES = 1 << 19;
/** Fewest A micro-panels per chunk of a band job (two chunks per thread at least). */
const MIN_BAND_CHUNK_PANELS = 2;
/** Largest B block (depth block × columns) for which A micro-panels go outer. */
const IR_B_BYTES = 48 << 10;

function run(g: GemmArgs, kern: Kernels, blocks: DirectBlocks, o: Oriented): void {
  const p = plan(g, kern, blocks, o), { A, B, m, n } = o, k = g.k;
  const { es, nr, nc, band, ks } = p;
  const w = memoryView(kern.cfg.dtype);
  w[ALPHA_AT / es] = g.alpha ?? 1;
  for (let jc = 0; jc < n; jc += nc) {
    const ncb = Math.min(nc, n - jc), ncPad = roundUp(ncb, nr);
    packOpB(w, kern, p, B, jc, k, ncb);
    for (let ib = 0; ib < m; ib += band) {
      const rows = Math.min(band, m - ib);
      for (let ps = 0; ps < k; ps += ks) {
        const depth = Math.min(ks, k - ps);
        const [aBase, ld] = A.pin
          ? [pinnedAt(A.pin, A.off + (A.rowMajor ? ib * A.ld + ps : ps * A.ld + ib)), A.pin.ldPin]
          : [p.aAt, stageA(w, p.aAt, es, A, ib, rows, ps, depth, p.mr)];
        if (p.bandSplit) {
          const blk = { jc, ncb, ncPad, ic: ib, mcb: rows, ib, ld, ps, depth, aBase };
          if (ps === 0) loadBlock(g, p, o, w, blk, 0);
          bandJob(g, p, kern, o, blk);
          continue;
        }
        for (let ic = ib; ic < ib + rows; ic += p.mc) {
          const mcb = Math.min(p.mc, ib + rows - ic);
          const blk = { jc, ncb, ncPad, ic, mcb, ib, ld, ps, depth, aBase };
          // Depth in one piece: each C block is finished here; else when the band is.
          const cRow = ks === k ? 0 : ic - ib;
          if (ps === 0) loadBlock(g, p, o, w, blk, cRow);
          kernelCalls(g, p, kern, o, blk, cRow);
          if (ks === k) storeBlock(g, p, o, w, blk, 0);
        }
      }
      if (ks < k || p.bandSplit) storeBlock(g, p, o, w, { jc, ncb, ncPad, ic: ib, mcb: rows }, 0);
    }
  }
}

/** Where a C block sits: columns `jc …` (ncb of them, padded to ncPad), rows `ic …`. */
interface CBlock {
  jc: number;
  ncb: number;
  ncPad: number;
  ic: number;
  mcb: number;
}

/** A C block with the copy of A it reads: band from row `ib`, depths `ps …`, row stride `ld`. */
interface KBlock extends CBlock {
  ib: number;
  ld: number;
  ps: number;
  depth: number;
  /** Byte address of the band's element (ib, ps): in the copy of A, or in its pin. */
  aBase: number;
}

/** Element (ic, jc) of the kernel's C is C[ic][jc], or C[jc][ic] when swapped. */
function cElem(g: GemmArgs, o: Oriented, b: CBlock): number {
  return (g.cOffset ?? 0) + (o.swap ? b.jc * g.ldc + b.ic : b.ic * g.ldc + b.jc);
}

/** beta ≠ 0: brings beta·C into the buffer (beta = 0: the first kernel call overwrites it). */
function loadBlock(g: GemmArgs, p: Plan, o: Oriented, w: Data, b: CBlock, cRow: number): void {
  const beta = g.beta ?? 0;
  if (beta === 0) return;
  const at = (p.cAt / p.es) + cRow * b.ncPad, c = cElem(g, o, b);
  if (o.swap) loadCT(w, at, b.ncPad, g.c, c, g.ldc, b.ncb, b.mcb, beta);
  else loadC(w, at, b.ncPad, g.c, c, g.ldc, b.mcb, b.ncb, beta);
}

/** Copies a finished C block out (transposing it back when the roles were swapped). */
function storeBlock(g: GemmArgs, p: Plan, o: Oriented, w: Data, b: CBlock, cRow: number): void {
  const at = (p.cAt / p.es) + cRow * b.ncPad, c = cElem(g, o, b);
  if (o.swap) storeCT(g.c, c, g.ldc, w, at, b.ncPad, b.ncb, b.mcb);
  else storeC(g.c, c, g.ldc, w, at, b.ncPad, b.mcb, b.ncb);
}

/** The kernel over one C block and the depths of the current copy of A, KC at a time. */
function kernelCalls(
  g: GemmArgs,
  p: Plan,
  kern: Kernels,
  o: Oriented,
  b: KBlock,
  cRow: number,
): void {
  const name = tileName(p, o);
  const calls = callsOf(g, p, b, cRow);
  const split = o.split ? splitOf(kern, name, calls[0], b.mcb * b.ncPad * b.depth) : null;
  if (!split) {
    for (const args of calls) kern[name](...args);
    return;
  }
  // Each chunk runs its micro-panels through every depth block in order: the sums per C entry
  // are those of the unsplit loop.
  for (let c0 = 0; c0 < calls.length; c0 += MAX_CALLS) {
    runOnPool({ ...split, calls: calls.slice(c0, c0 + MAX_CALLS) }, kern[name]);
  }
}

/** The direct kernel for the layout of the kernel's A and the loop order. */
function tileName(p: Plan, o: Oriented): "tileR" | "tileD" | "tileRi" | "tileDi" {
  return o.A.rowMajor
    ? (p.order === "ir" ? "tileRi" : "tileR")
    : (p.order === "ir" ? "tileDi" : "tileD");
}

/** The arguments of the kernel calls over a C block, one call per KC depths of the A copy. */
function callsOf(g: GemmArgs, p: Plan, b: KBlock, cRow: number): number[][] {
  const { es, mr, nr, unroll, kc } = p, k = g.k, beta = g.beta ?? 0;
  const [ri, rp] = p.rowMajorA ? [b.ld, 1] : [1, b.ld];
  const cAt = p.cAt + cRow * b.ncPad * es;
  const calls: number[][] = [];
  for (let pc = b.ps; pc < b.ps + b.depth; pc += kc) {
    const kcb = Math.min(kc, b.ps + b.depth - pc);
    calls.push([
      b.aBase + ((b.ic - b.ib) * ri + (pc - b.ps) * rp) * es,
      b.ld * es,
      mr * ri * es,
      p.bAt + pc * nr * es,
      k * nr * es,
      cAt,
      b.ncPad * es,
      Math.ceil(b.mcb / mr),
      b.ncPad / nr,
      Math.floor(kcb / unroll),
      kcb % unroll,
      ALPHA_AT,
      beta !== 0 || pc > 0 ? 1 : 0,
    ]);
  }
  return calls;
}

/**
 * The kernel calls over a whole band and depth piece, shared with the helper thread in chunks of
 * A micro-panels (rows of C). Each chunk runs its rows through every KC depth block in order, so
 * each C entry gets the sums of the one-thread loop.
 */
function bandJob(g: GemmArgs, p: Plan, kern: Kernels, o: Oriented, b: KBlock): void {
  const name = tileName(p, o), calls = callsOf(g, p, b, 0), args = calls[0];
  const panels = args[7];
  // Chunks of at most an MC block (its A block stays in L2), at least ~50 µs of work, and about
  // eight per job so that a briefly descheduled thread does not hold up the other for long.
  const minPanels = Math.ceil(SPLIT_MIN_MACS / (p.mr * b.ncPad * b.depth));
  const per = Math.min(
    p.mc / p.mr,
    Math.max(MIN_BAND_CHUNK_PANELS, minPanels, Math.ceil(panels / SPLIT_CHUNKS)),
  );
  const kernel = kernelId(kern.cfg.dtype, kern.cfg.fma), fn = KERNEL_FNS.indexOf(name);
  const advance: [number, number][] = [[0, args[2]], [5, p.mr * args[6]]];
  for (let c0 = 0; c0 < calls.length; c0 += MAX_CALLS) {
    const job = { kernel, fn, count: 7, advance, per, calls: calls.slice(c0, c0 + MAX_CALLS) };
    runOnPool(job, kern[name]);
  }
}

/** Fewest multiply-adds per chunk worth a hand-off (~50 µs of work at one core's peak). */
const SPLIT_MIN_MACS = 1 << 19;
/** Most chunks per job: enough to balance two threads when one is briefly descheduled. */
const SPLIT_CHUNKS = 8;

/**
 * How the kernel calls over one C block split: over A micro-panels (A and C move by a
 * micro-panel's rows) when the block has more rows than columns, else over B micro-panels (B and
 * C move by a micro-panel's columns), so that each thread streams half of the larger operand and
 * all of the smaller; null when the block is too small to share.
 */
function splitOf(
  kern: Kernels,
  name: "tileR" | "tileD" | "tileRi" | "tileDi",
  args: number[],
  macs: number,
): Omit<SplitCall, "calls"> | null {
  const { mr, dtype } = kern.cfg, nr = kern.cfg.nv * lanes(dtype), es = dtype === "f64" ? 8 : 4;
  const overA = args[7] * mr > args[8] * nr, count = overA ? 7 : 8, units = args[count];
  const chunks = Math.min(units, SPLIT_CHUNKS, Math.floor(macs / SPLIT_MIN_MACS));
  if (chunks < 2) return null;
  const advance: [number, number][] = overA
    ? [[0, args[2]], [5, mr * args[6]]]
    : [[3, args[4]], [5, nr * es]];
  const kernel = kernelId(dtype, kern.cfg.fma), fn = KERNEL_FNS.indexOf(name);
  return { kernel, fn, count, advance, per: Math.ceil(units / chunks) };
}

type Data = Float32Array | Float64Array;
