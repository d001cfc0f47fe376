/**
 * The two-thread WebAssembly GEMM path: the GotoBLAS/BLIS loops over NC columns, row chunks of
 * C and KC depths, with a row chunk of op(A) packed into MR-row micro-panels at once and its
 * MC-row pieces claimed by this thread and the helper thread (`gemm_pool.ts`) running the
 * packed macro-kernel (`gemm_kernel.ts`). Both threads run the same kernel over the same depth
 * blocks as the one-thread path, so the result is bit-identical to it.
 *
 * Goto & van de Geijn, "Anatomy of High-Performance Matrix Multiplication", ACM TOMS 34(3), 2008;
 * Van Zee & van de Geijn, "BLIS", ACM TOMS 41(3), 2015 (§3, Fig. 2); Smith et al., "Anatomy of
 * High-Performance Many-Threaded Matrix Multiplication", IPDPS 2014 (parallelizing loop 3).
 *
 * @module
 */
import type { GemmArgs } from "./gemm_types.ts";
import { lanes } from "./gemm_kernel.ts";
import { type Kernels, memoryView } from "./gemm_memory.ts";
import { loadC, type Operand, packA, packB, storeC } from "./gemm_pack.ts";
import { ALPHA_AT, kernelId, runOnPool, type SplitCall } from "./gemm_pool.ts";
import { scratchBase } from "./gemm_pin.ts";
import { gemmMemory } from "./gemm_memory.ts";

/**
 * Blocking of the threaded path.
 *
 * @example
 * ```ts
 * import type { ThreadedBlocks } from "./gemm_threaded.ts";
 * const b: ThreadedBlocks = { mc: 96, kc: 256, nc: 4096, cElems: 1 << 22 };
 * console.log(b.mc); // 96
 * ```
 */
export interface ThreadedBlocks {
  /** Rows per claimed piece (rounded up to MR). */
  mc: number;
  /** Depth per packed block. */
  kc: number;
  /** Columns per packed block. */
  nc: number;
  /** Most elements of C, and of packed A, held in wasm memory at once. */
  cElems: number;
}

const roundUp = (x: number, q: number): number => Math.ceil(x / q) * q;

/**
 * `C = alpha·op(A)·op(B) + beta·C` split over this thread and the helper (k > 0, alpha ≠ 0,
 * m, n > 0; the caller checked). Runs on this thread alone when the helper is not ready, or
 * when `helper` is false (the packed path as a one-thread baseline for benches).
 *
 * @example
 * ```ts
 * import { gemmThreaded } from "./gemm_threaded.ts";
 * import { kernelsFor } from "./gemm_memory.ts";
 * const kern = kernelsFor({ dtype: "f64", mr: 6, nv: 2, unroll: 4, fma: false });
 * const a = new Float64Array([1, 2, 3, 4]), c = new Float64Array(4);
 * const blocks = { mc: 96, kc: 256, nc: 4096, cElems: 1 << 22 };
 * gemmThreaded({ m: 2, n: 2, k: 2, a, lda: 2, b: a, ldb: 2, c, ldc: 2 }, kern, blocks);
 * console.log(c); // Float64Array [7, 10, 15, 22]
 * ```
 */
export function gemmThreaded(
  g: GemmArgs,
  kern: Kernels,
  blocks: ThreadedBlocks,
  helper = true,
): void {
  const { m, n, k, c, ldc } = g;
  const dtype = kern.cfg.dtype, es = dtype === "f64" ? 8 : 4;
  const { mr, unroll } = kern.cfg, nr = kern.cfg.nv * lanes(dtype);
  const mc = roundUp(blocks.mc, mr), { kc, nc } = blocks;
  const kcMax = roundUp(Math.min(kc, k), unroll), ncMax = roundUp(Math.min(nc, n), nr);
  // Rows of C held at once (whole MC blocks); the packed A of those rows is bounded too.
  const width = Math.max(ncMax, kcMax);
  const chunk = Math.min(m, Math.max(mc, Math.floor(blocks.cElems / width / mc) * mc));
  const cAt = roundUp(scratchBase(), 64), aAt = cAt + roundUp(roundUp(chunk, mr) * ncMax * es, 64);
  const bAt = aAt + roundUp(roundUp(chunk, mr) * kcMax * es, 64);
  gemmMemory(bAt + kcMax * ncMax * es);
  const w = memoryView(dtype);
  w[ALPHA_AT / es] = g.alpha ?? 1;
  const beta = g.beta ?? 0, cOff = g.cOffset ?? 0;
  const A: Operand = { data: g.a, off: g.aOffset ?? 0, ld: g.lda, trans: g.transA ?? false };
  const B: Operand = { data: g.b, off: g.bOffset ?? 0, ld: g.ldb, trans: g.transB ?? false };
  for (let jc = 0; jc < n; jc += nc) {
    const ncb = Math.min(nc, n - jc), ncPad = roundUp(ncb, nr);
    for (let rc = 0; rc < m; rc += chunk) {
      const rows = Math.min(chunk, m - rc), cEl = cOff + rc * ldc + jc;
      loadC(w, cAt / es, ncPad, c, cEl, ldc, rows, ncb, beta);
      for (let pc = 0; pc < k; pc += kc) {
        const kcb = Math.min(kc, k - pc), kPad = roundUp(kcb, unroll);
        packB(w, bAt / es, B, pc, jc, kcb, ncb, nr, kPad);
        packA(w, aAt / es, A, rc, pc, rows, kcb, mr, kPad);
        // At least 16 pieces so that two threads balance; at most 2^16 (the claim word's field).
        const panels = Math.ceil(rows / mr);
        const mcp = Math.max(Math.min(mc / mr, Math.ceil(panels / 16)), Math.ceil(panels / 0xffff));
        const args = [aAt, bAt, cAt, panels, ncPad / nr, kPad / unroll, ncPad * es, ALPHA_AT];
        const call: SplitCall = {
          kernel: kernelId(dtype, kern.cfg.fma),
          fn: 0,
          calls: [args],
          count: 3,
          advance: [[0, mr * kPad * es], [2, mr * ncPad * es]],
          per: mcp,
        };
        if (helper) runOnPool(call, kern.macro);
        else kern.macro(...args);
      }
      storeC(c, cEl, ldc, w, cAt / es, ncPad, rows, ncb);
    }
  }
}
