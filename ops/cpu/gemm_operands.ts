/**
 * Getting the operands of a WebAssembly GEMM into the GEMM memory: op(B) packed into the
 * micro-kernel's NR-column panels, and a band of the kernel's A copied as stored (never packed;
 * the direct kernels of `gemm_kernel_direct.ts` read it in place). Shared by the blocked driver
 * (`gemm_direct.ts`) and the small-product path (`gemm_small.ts`).
 *
 * Goto & van de Geijn, "Anatomy of High-Performance Matrix Multiplication", ACM TOMS 34(3), 2008,
 * §6 (packing B into micro-panels).
 *
 * @module
 */
import { lanes } from "./gemm_kernel.ts";
import type { Kernels } from "./gemm_memory.ts";
import { type Data, type Operand, packB, stage } from "./gemm_pack.ts";

const roundUp = (x: number, q: number): number => Math.ceil(x / q) * q;

/**
 * Where {@link packOpB} works: element size in bytes, panel width NR, and the byte addresses of
 * the plain copy of B (`rawAt`) and of the packed panels (`bAt`).
 *
 * @example
 * ```ts
 * import type { PackPlace } from "./gemm_operands.ts";
 * const at: PackPlace = { es: 8, nr: 4, rawAt: 4096, bAt: 2048 };
 * console.log(at.nr); // 4
 * ```
 */
export interface PackPlace {
  /** Bytes per element. */
  es: number;
  /** Columns per packed micro-panel. */
  nr: number;
  /** Byte address of the plain copy of op(B) that the wasm packers read. */
  rawAt: number;
  /** Byte address of the packed panels. */
  bAt: number;
}

/**
 * An operand in the kernel's A role: element (r, p) at `off + r·ld + p` of `data` when
 * `rowMajor`, else at `off + p·ld + r`.
 *
 * @example
 * ```ts
 * import type { RowOperand } from "./gemm_operands.ts";
 * const a: RowOperand = { data: new Float64Array(6), off: 0, ld: 3, rowMajor: true }; // 2x3
 * console.log(a.ld); // 3
 * ```
 */
export interface RowOperand {
  /** Storage. */
  data: Data;
  /** Element offset of element (0, 0). */
  off: number;
  /** Stride between stored rows. */
  ld: number;
  /** Rows of the operand are stored rows (else stored columns). */
  rowMajor: boolean;
}

/**
 * Packs columns `j0 … j0+cols-1` of op(B), all k depths, into NR-column panels at `p.bAt`
 * (panel s holds `k × nr` elements, element (p, j) at `p·nr + j`): full panels by the wasm SIMD
 * packers from a plain copy of B in wasm memory, the last partial panel (and, for B stored n×k,
 * the depths past the last whole L-step) in TypeScript. The memory must already hold both areas.
 *
 * @example
 * ```ts
 * import { packOpB } from "./gemm_operands.ts";
 * import { gemmMemory, kernelsFor, memoryView } from "./gemm_memory.ts";
 * const kern = kernelsFor({ dtype: "f64", mr: 6, nv: 2, unroll: 4, fma: false });
 * gemmMemory(1 << 16);
 * const w = memoryView("f64"), b = new Float64Array([1, 2, 3, 4, 5, 6, 7, 8]); // 2x4
 * packOpB(w, kern, { es: 8, nr: 4, rawAt: 8192, bAt: 4096 }, { data: b, off: 0, ld: 4, trans: false }, 0, 2, 4);
 * console.log(w.slice(512, 520)); // Float64Array [1, 2, 3, 4, 5, 6, 7, 8]
 * ```
 */
export function packOpB(
  w: Data,
  kern: Pick<Kernels, "cfg" | "packN" | "packT">,
  p: PackPlace,
  B: Operand,
  j0: number,
  k: number,
  cols: number,
): void {
  const { es, nr } = p, full = Math.floor(cols / nr), L = lanes(kern.cfg.dtype);
  if (full > 0) {
    const raw = p.rawAt / es;
    if (!B.trans) {
      const ld = stage(w, raw, B.data, B.off, B.ld, 0, k, j0, full * nr);
      kern.packN(p.rawAt, ld * es, p.bAt, k, full);
    } else {
      const ld = stage(w, raw, B.data, B.off, B.ld, j0, full * nr, 0, k);
      const groups = Math.floor(k / L);
      kern.packT(p.rawAt, ld * es, p.bAt, groups, full, k * nr * es);
      // The last k mod L depths of each panel: element (p, j) = raw[j·ld + p].
      for (let s = 0; s < full; s++) {
        for (let d = groups * L; d < k; d++) {
          const dst = p.bAt / es + (s * k + d) * nr, src = raw + s * nr * ld + d;
          for (let j = 0; j < nr; j++) w[dst + j] = w[src + j * ld];
        }
      }
    }
  }
  if (cols > full * nr) {
    packB(w, p.bAt / es + full * nr * k, B, 0, j0 + full * nr, k, cols - full * nr, nr, k);
  }
}

/**
 * Copies rows `i0 … i0+rows-1`, depths `p0 … p0+depth-1` of the kernel's A into wasm memory at
 * byte `at`, zeroes the slack the edge micro-panel reads past it, and returns the row stride.
 * The memory must have room for `roundUp(rows, mr)` rows (row-major) or `depth` rows of
 * `rows + STAGE_GAP` elements plus `mr` (depth-major).
 *
 * @example
 * ```ts
 * import { stageA } from "./gemm_operands.ts";
 * import { gemmMemory, memoryView } from "./gemm_memory.ts";
 * gemmMemory(1 << 16);
 * const w = memoryView("f64"), a = new Float64Array([1, 2, 3, 4]); // 2x2
 * const ld = stageA(w, 4096, 8, { data: a, off: 0, ld: 2, rowMajor: true }, 0, 2, 0, 2, 6);
 * console.log(ld, w.slice(512, 516)); // 2 Float64Array [1, 2, 3, 4]
 * ```
 */
export function stageA(
  w: Float32Array | Float64Array,
  at: number,
  es: number,
  A: RowOperand,
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
