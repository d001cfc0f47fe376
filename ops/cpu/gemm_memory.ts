/**
 * The one `WebAssembly.Memory` that every CPU GEMM kernel works in, its typed views, and the
 * instantiated kernel modules (one per configuration, compiled on first use). Shared so that
 * the helper thread of `gemm_pool.ts` can work in the same memory where the engine allows it.
 *
 * @module
 */
import type { KernelConfig } from "./gemm_kernel.ts";
import { emitDirectKernels } from "./gemm_kernel_direct.ts";

/**
 * A kernel export (see `emitDirectKernels`): every argument is an i32.
 *
 * @example
 * ```ts
 * import { kernelsFor, type Macro } from "./gemm_memory.ts";
 * const tile: Macro = kernelsFor({ dtype: "f64", mr: 6, nv: 2, unroll: 4, fma: false }).tileR;
 * console.log(tile.length); // 13
 * ```
 */
export type Macro = (...args: number[]) => void;

/**
 * The compiled kernels for one configuration: the four direct macro-kernels and the two B
 * packers (see `gemm_kernel_direct.ts`).
 *
 * @example
 * ```ts
 * import { kernelsFor } from "./gemm_memory.ts";
 * const k = kernelsFor({ dtype: "f64", mr: 6, nv: 2, unroll: 4, fma: false });
 * console.log(typeof k.tileR); // "function"
 * ```
 */
export interface Kernels {
  /** The configuration they were emitted for. */
  cfg: KernelConfig;
  /** Direct macro-kernel, row-major A. */
  tileR: Macro;
  /** Direct macro-kernel, depth-major A. */
  tileD: Macro;
  /** Direct macro-kernel, row-major A, loop over A micro-panels outer. */
  tileRi: Macro;
  /** Direct macro-kernel, depth-major A, loop over A micro-panels outer. */
  tileDi: Macro;
  /** Packs B stored k×n (see `gemm_pack_emit.ts`). */
  packN: Macro;
  /** Packs B stored n×k (see `gemm_pack_emit.ts`). */
  packT: Macro;
}

let memory: WebAssembly.Memory | null = null;
let shared = false;
const compiled = new Map<string, Kernels>();
let views: { buffer: ArrayBufferLike; f64: Float64Array; f32: Float32Array } | null = null;

/**
 * The GEMM memory, grown to at least `bytes` (created on first use; shared where the engine
 * supports shared memories, whose 4 GiB maximum is the wasm32 limit).
 *
 * @example
 * ```ts
 * import { gemmMemory } from "./gemm_memory.ts";
 * console.log(gemmMemory(1 << 20).buffer.byteLength >= 1 << 20); // true
 * ```
 */
export function gemmMemory(bytes: number): WebAssembly.Memory {
  if (!memory) {
    try {
      memory = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
      shared = true;
    } catch {
      memory = new WebAssembly.Memory({ initial: 1 });
    }
  }
  const have = memory.buffer.byteLength;
  if (bytes > have) memory.grow(Math.ceil((bytes - have) / 65536));
  return memory;
}

/**
 * Whether the GEMM memory is a shared memory (so a helper thread can use it).
 *
 * @example
 * ```ts
 * import { gemmMemoryShared } from "./gemm_memory.ts";
 * console.log(typeof gemmMemoryShared()); // "boolean"
 * ```
 */
export function gemmMemoryShared(): boolean {
  gemmMemory(65536);
  return shared;
}

/**
 * A typed view of the whole GEMM memory, remade only when growth gave it a new buffer.
 *
 * @example
 * ```ts
 * import { gemmMemory, memoryView } from "./gemm_memory.ts";
 * gemmMemory(65536);
 * console.log(memoryView("f32").length >= 16384); // true
 * ```
 */
export function memoryView(dtype: "f32" | "f64"): Float32Array | Float64Array {
  const buffer = gemmMemory(65536).buffer;
  if (views?.buffer !== buffer) {
    views = { buffer, f64: new Float64Array(buffer), f32: new Float32Array(buffer) };
  }
  return views[dtype];
}

/**
 * The compiled kernels of a configuration, instantiated on the GEMM memory once.
 *
 * @example
 * ```ts
 * import { kernelsFor } from "./gemm_memory.ts";
 * const k = kernelsFor({ dtype: "f32", mr: 6, nv: 2, unroll: 4, fma: false });
 * console.log(k.cfg.dtype); // "f32"
 * ```
 */
export function kernelsFor(cfg: KernelConfig): Kernels {
  // A plain string key: this runs on every call, and small products feel every microsecond.
  const key = `${cfg.dtype} ${cfg.mr} ${cfg.nv} ${cfg.unroll} ${cfg.fma}`;
  let k = compiled.get(key);
  if (!k) {
    const mem = gemmMemory(65536);
    const direct = new WebAssembly.Instance(
      new WebAssembly.Module(emitDirectKernels(cfg, shared)),
      { env: { mem } },
    );
    k = {
      cfg,
      tileR: direct.exports.tileR as Macro,
      tileD: direct.exports.tileD as Macro,
      tileRi: direct.exports.tileRi as Macro,
      tileDi: direct.exports.tileDi as Macro,
      packN: direct.exports.packN as Macro,
      packT: direct.exports.packT as Macro,
    };
    compiled.set(key, k);
  }
  return k;
}
