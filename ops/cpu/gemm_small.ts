/**
 * The small-product path of the CPU GEMM (all of m·n·k up to {@link SMALL_MAX_FLOPS}, depth up to
 * one KC block): one copy of op(A), one packing of op(B), one call of the direct macro-kernel
 * over the whole depth, one copy out. At n ≤ 64 the arithmetic takes 0.4–20 µs, so the
 * blocked driver's planning (`gemm_direct.ts`: cost model, block sizes, call lists, spread
 * calls) cost as much as the copies; here the few addresses are computed inline and the kernels
 * of the engine's configuration are looked up once.
 *
 * The kernel, its register tile and the order of the sums over the depth are those of the
 * blocked driver for the same product (a single depth block: one call per C tile, `accumulate`
 * only for beta ≠ 0), so both give bit-identical results; no helper thread is involved.
 *
 * Goto & van de Geijn, "Anatomy of High-Performance Matrix Multiplication", ACM TOMS 34(3), 2008
 * (§6); Van Zee & van de Geijn, "BLIS", ACM TOMS 41(3), 2015 (§3, Fig. 2).
 *
 * @module
 */
import type { GemmArgs } from "./gemm_types.ts";
import { defaultConfig, lanes } from "./gemm_kernel.ts";
import { gemmMemory, type Kernels, kernelsFor, memoryView } from "./gemm_memory.ts";
import { packOpB, stageA } from "./gemm_operands.ts";
import { loadC, STAGE_GAP, storeC } from "./gemm_pack.ts";
import { scratchBase } from "./gemm_pin.ts";
import { ALPHA_AT } from "./gemm_pool.ts";
import { wasmFeatures } from "./wasm_features.ts";

/**
 * Products of at most this many multiply-adds (m·n·k) whose depth fits one KC block
 * ({@link SMALL_MAX_DEPTH}) take the small path; 64³, the largest size at which the blocked
 * driver's planning measurably costs (benches/RESULTS.md, "CPU GEMM, small products").
 *
 * @example
 * ```ts
 * import { SMALL_MAX_FLOPS } from "./gemm_small.ts";
 * console.log(SMALL_MAX_FLOPS === 64 ** 3); // true
 * ```
 */
export const SMALL_MAX_FLOPS = 64 ** 3;

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

/** Kernels of the engine's default configuration, per dtype (looked up once). */
let k64: Kernels | null = null, k32: Kernels | null = null;

function kernels(f64: boolean): Kernels {
  if (f64) return k64 ??= kernelsFor(defaultConfig("f64", wasmFeatures().relaxed));
  return k32 ??= kernelsFor(defaultConfig("f32", wasmFeatures().relaxed));
}

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
  const kern = kernels(f64), { mr, unroll } = kern.cfg;
  const es = f64 ? 8 : 4, nr = kern.cfg.nv * lanes(kern.cfg.dtype);
  const transA = g.transA === true, transB = g.transB === true, beta = g.beta ?? 0;
  const nPad = roundUp(n, nr), mPad = roundUp(m, mr);
  // Scratch above any pinned operand: C block, packed op(B), copy of op(A), plain copy of op(B).
  // Each copy's row stride is at most its width + STAGE_GAP plus a cache line (see `stage`).
  const cAt = roundUp(scratchBase(), 64), bAt = cAt + roundUp(mPad * nPad * es, 64);
  const aAt = bAt + roundUp(k * nPad * es, 64);
  const aElems = transA ? k * (m + STAGE_GAP) + mr : mPad * (k + STAGE_GAP + 64 / es);
  const rawAt = aAt + roundUp(aElems * es, 64);
  const rawElems = transB ? nPad * (k + STAGE_GAP + 64 / es) : k * (nPad + STAGE_GAP + 64 / es);
  gemmMemory(rawAt + rawElems * es);
  const w = memoryView(kern.cfg.dtype);
  w[ALPHA_AT / es] = g.alpha ?? 1;
  const B = { data: g.b, off: g.bOffset ?? 0, ld: g.ldb, trans: transB };
  packOpB(w, kern, { es, nr, rawAt, bAt }, B, 0, k, n);
  const A = { data: g.a, off: g.aOffset ?? 0, ld: g.lda, rowMajor: !transA };
  const ld = stageA(w, aAt, es, A, 0, m, 0, k, mr);
  const cOff = g.cOffset ?? 0;
  if (beta !== 0) loadC(w, cAt / es, nPad, g.c, cOff, g.ldc, m, n, beta);
  // The kernel's A: rows `ld` apart (row-major) or depths `ld` apart (stored transposed).
  const [aStride, aPanel] = transA ? [ld * es, mr * es] : [ld * es, mr * ld * es];
  const tile = transA ? kern.tileDi : kern.tileRi;
  const kMain = Math.floor(k / unroll), kRem = k % unroll, acc = beta !== 0 ? 1 : 0;
  tile(
    aAt,
    aStride,
    aPanel,
    bAt,
    k * nr * es,
    cAt,
    nPad * es,
    mPad / mr,
    nPad / nr,
    kMain,
    kRem,
    ALPHA_AT,
    acc,
  );
  storeC(g.c, cOff, g.ldc, w, cAt / es, nPad, m, n);
}
