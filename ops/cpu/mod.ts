/**
 * CPU kernels: the strided GEMM (`C = alpha·op(A)·op(B) + beta·C`) with its WebAssembly SIMD
 * micro-kernel, and what it runs on this engine.
 *
 * @example
 * ```ts
 * import { gemm, gemmBackend } from "./mod.ts";
 * const a = new Float64Array([1, 2, 3, 4]), c = new Float64Array(4);
 * gemm({ m: 2, n: 2, k: 2, a, lda: 2, b: a, ldb: 2, c, ldc: 2 });
 * console.log(c, typeof gemmBackend()); // Float64Array [7, 10, 15, 22] "string"
 * ```
 *
 * @module
 */
export {
  gemm,
  type GemmArgs,
  type GemmBackend,
  gemmBackend,
  setGemmThreads,
  THREADS_MIN_FLOPS,
  WASM_MIN_FLOPS,
} from "./gemm.ts";
