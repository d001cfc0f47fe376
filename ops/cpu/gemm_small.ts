/**
 * The small-product path of the CPU GEMM (all of m·n·k up to {@link SMALL_MAX_FLOPS}, depth up to
 * one KC block): one copy of op(A), one packing of op(B), one call of the direct macro-kernel
 * over the whole depth, one copy out. At n ≤ 64 the arithmetic takes 0.4–20 µs, so the
 * blocked driver's planning (`gemm_direct.ts`: cost model, block sizes, call lists, spread
 * calls) cost as much as the copies; here the few addresses are computed inline and the kernels
 * of the engine's configuration are compiled once.
 *
 * The path works in its own, unshared WebAssembly memory: V8's `TypedArray.set` to and from a
 * shared memory is ~5× slower (a 32 KB copy measured 0.87 µs against 0.16 µs unshared), and a small
 * product copies A and B in and C out. Pinned operands (`gemm_pin.ts`) live in the shared GEMM
 * memory and are not used here; their copies cost little at these sizes.
 *
 * The kernels and the order of the sums over the depth are those of the blocked driver for the
 * same product (a single depth block: one call per C tile, `accumulate` only for beta ≠ 0). Each
 * C entry is one chain of multiply-adds over p = 0 … k−1 in every tile shape, so the last
 * m mod MR rows, computed here by a tile of exactly that height instead of a padded MR-row one,
 * get the same bits too; no helper thread is involved.
 *
 * Goto & van de Geijn, "Anatomy of High-Performance Matrix Multiplication", ACM TOMS 34(3), 2008
 * (§6); Van Zee & van de Geijn, "BLIS", ACM TOMS 41(3), 2015 (§3, Fig. 2).
 *
 * @module
 */
import type { GemmArgs } from "./gemm_types.ts";
import { defaultConfig, type KernelConfig, lanes } from "./gemm_kernel.ts";
import { emitDirectKernels } from "./gemm_kernel_direct.ts";
import type { Macro } from "./gemm_memory.ts";
import { packOpB, stageA } from "./gemm_operands.ts";
import { type Data, loadC, STAGE_GAP, storeC } from "./gemm_pack.ts";
import { wasmFeatures } from "./wasm_features.ts";

/**
 * Products of at most this many multiply-adds (m·n·k) whose depth fits one KC block
 * ({@link SMALL_MAX_DEPTH}) take the small path; 64³, the largest size at which the blocked
 * driver's planning measurably costs (benches/RESULTS.md, "CPU GEMM", small products).
 *
 * @example
 * ```ts
 * import { SMALL_MAX_FLOPS } from "./gemm_small.ts";
 * console.log(SMALL_MAX_FLOPS === 64 ** 3); // true
 * ```
 */
export const SMALL_MAX_FLOPS: number = 64 ** 3;

/**
 * Largest depth k of the small path per dtype: the blocked driver's KC, so that both sum each
 * entry in one kernel call and agree bit for bit.
 *
 * @example
 * ```ts
 * import { SMALL_MAX_DEPTH } from "./gemm_small.ts";
 * console.log(SMALL_MAX_DEPTH.f64, SMALL_MAX_DEPTH.f32); // 256 512
 * ```
 */
export const SMALL_MAX_DEPTH: { readonly f64: number; readonly f32: number } = Object.freeze({
  f64: 256,
  f32: 512,
});

/** The direct kernels of one configuration, instantiated on this path's own memory. */
interface Small {
  cfg: KernelConfig;
  mem: WebAssembly.Memory;
  view: Data;
  tileRi: Macro;
  tileDi: Macro;
  packN: Macro;
  packT: Macro;
  /** Edge kernels `[tileRi, tileDi]` with mr = 1 … cfg.mr − 1 rows, compiled on first use. */
  edges: ([Macro, Macro] | undefined)[];
}

let s64: Small | null = null, s32: Small | null = null;

function instantiate(dtype: "f32" | "f64"): Small {
  const cfg = defaultConfig(dtype, wasmFeatures().relaxed);
  const mem = new WebAssembly.Memory({ initial: 1 });
  const mod = new WebAssembly.Module(emitDirectKernels(cfg, false));
  const e = new WebAssembly.Instance(mod, { env: { mem } }).exports;
  const view = dtype === "f64" ? new Float64Array(mem.buffer) : new Float32Array(mem.buffer);
  const fn = (name: string): Macro => e[name] as Macro;
  const [tileRi, tileDi, packN, packT] = ["tileRi", "tileDi", "packN", "packT"].map(fn);
  return { cfg, mem, view, tileRi, tileDi, packN, packT, edges: [] };
}

/** The `[tileRi, tileDi]` kernels of `rows`-row tiles on the same memory (the last m mod mr rows). */
function edgeKernels(k: Small, rows: number): [Macro, Macro] {
  let e = k.edges[rows];
  if (!e) {
    const mod = new WebAssembly.Module(emitDirectKernels({ ...k.cfg, mr: rows }, false));
    const x = new WebAssembly.Instance(mod, { env: { mem: k.mem } }).exports;
    e = k.edges[rows] = [x.tileRi as Macro, x.tileDi as Macro];
  }
  return e;
}

/** Grows the path's memory to at least `bytes` and returns a current view of it. */
function viewOf(k: Small, bytes: number): Data {
  const have = k.mem.buffer.byteLength;
  if (bytes > have) {
    k.mem.grow(Math.ceil((bytes - have) / 65536));
    k.view = k.cfg.dtype === "f64"
      ? new Float64Array(k.mem.buffer)
      : new Float32Array(k.mem.buffer);
  }
  return k.view;
}

/** Byte address of alpha in the path's memory; scratch starts a cache line later. */
const ALPHA_AT = 0, SCRATCH_AT = 64;

/**
 * Whether {@link gemmSmall} takes this product (sizes only; `gemm` checked the arguments).
 *
 * @example
 * ```ts
 * import { isSmallGemm } from "./gemm_small.ts";
 * console.log(isSmallGemm(32, 32, 32, true), isSmallGemm(16, 16, 300, true)); // true false
 * ```
 */
export function isSmallGemm(m: number, n: number, k: number, f64: boolean): boolean {
  return m * n * k <= SMALL_MAX_FLOPS && k <= (f64 ? SMALL_MAX_DEPTH.f64 : SMALL_MAX_DEPTH.f32);
}

const roundUp = (x: number, q: number): number => Math.ceil(x / q) * q;

/**
 * `C = alpha·op(A)·op(B) + beta·C` for a small product (see {@link isSmallGemm}; m, n, k > 0
 * and alpha ≠ 0: `gemm` handles the rest) with the engine's WebAssembly SIMD kernel. Arguments
 * are not validated here; `gemm` validates and dispatches. Throws where the engine lacks SIMD.
 *
 * @example
 * ```ts
 * import { gemmSmall } from "./gemm_small.ts";
 * const a = new Float64Array([1, 2, 3, 4]), b = new Float64Array([5, 6, 7, 8]);
 * const c = new Float64Array(4);
 * gemmSmall({ m: 2, n: 2, k: 2, a, lda: 2, b, ldb: 2, c, ldc: 2 });
 * console.log(c); // Float64Array [19, 22, 43, 50]
 * ```
 */
export function gemmSmall(g: GemmArgs): void {
  if (!wasmFeatures().simd) throw new TypeError("gemmSmall: this engine has no WebAssembly SIMD");
  const { m, n, k } = g, f64 = g.c instanceof Float64Array;
  const kern = f64 ? (s64 ??= instantiate("f64")) : (s32 ??= instantiate("f32"));
  const es = f64 ? 8 : 4, { mr, unroll } = kern.cfg, nr = kern.cfg.nv * lanes(kern.cfg.dtype);
  const transA = g.transA === true, transB = g.transB === true, beta = g.beta ?? 0;
  const nPad = roundUp(n, nr), mPad = roundUp(m, mr);
  // Scratch: C block, packed op(B), copy of op(A), plain copy of op(B). Each copy's row stride
  // is at most its width + STAGE_GAP plus a cache line (see `stage`).
  const cAt = SCRATCH_AT, bAt = cAt + roundUp(mPad * nPad * es, 64);
  const aAt = bAt + roundUp(k * nPad * es, 64);
  const aElems = transA ? k * (m + STAGE_GAP) + mr : mPad * (k + STAGE_GAP + 64 / es);
  const rawAt = aAt + roundUp(aElems * es, 64);
  const rawElems = transB ? nPad * (k + STAGE_GAP + 64 / es) : k * (nPad + STAGE_GAP + 64 / es);
  const w = viewOf(kern, rawAt + rawElems * es);
  w[ALPHA_AT / es] = g.alpha ?? 1;
  const B = { data: g.b, off: g.bOffset ?? 0, ld: g.ldb, trans: transB };
  packOpB(w, kern, { es, nr, rawAt, bAt }, B, 0, k, n);
  const A = { data: g.a, off: g.aOffset ?? 0, ld: g.lda, rowMajor: !transA };
  const ld = stageA(w, aAt, es, A, 0, m, 0, k, mr);
  const cOff = g.cOffset ?? 0;
  if (beta !== 0) loadC(w, cAt / es, nPad, g.c, cOff, g.ldc, m, n, beta);
  // The kernel's A: rows `ld` apart (row-major) or depths `ld` apart (stored transposed).
  const aPanel = transA ? mr * es : mr * ld * es;
  const kMain = Math.floor(k / unroll), kRem = k % unroll, acc = beta !== 0 ? 1 : 0;
  // Whole MR-row panels, then the last m mod MR rows with a tile of exactly that height: a
  // padded panel would compute up to MR − 1 rows for nothing (4 of 36 at m = 32).
  const full = Math.floor(m / mr), rest = m - full * mr, nPanels = nPad / nr;
  const bPanel = k * nr * es, ldc = nPad * es;
  if (full > 0) {
    const tile = transA ? kern.tileDi : kern.tileRi;
    tile(aAt, ld * es, aPanel, bAt, bPanel, cAt, ldc, full, nPanels, kMain, kRem, ALPHA_AT, acc);
  }
  if (rest > 0) {
    const edge = edgeKernels(kern, rest)[transA ? 1 : 0], a0 = aAt + full * aPanel;
    edge(
      a0,
      ld * es,
      aPanel,
      bAt,
      bPanel,
      cAt + full * mr * ldc,
      ldc,
      1,
      nPanels,
      kMain,
      kRem,
      ALPHA_AT,
      acc,
    );
  }
  storeC(g.c, cOff, g.ldc, w, cAt / es, nPad, m, n);
}
