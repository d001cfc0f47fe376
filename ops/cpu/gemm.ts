/**
 * The CPU GEMM entry point: validates the strided arguments, then runs the fastest kernel this
 * engine has: the WebAssembly relaxed-SIMD (FMA) kernel, else plain WebAssembly SIMD, else the
 * TypeScript one; tiny products always run in TypeScript, and small ones (up to 64³
 * multiply-adds, `gemm_small.ts`) skip the blocked driver's planning, with the same kernel and
 * bits. Large products are split over a second thread where the engine reports two cores
 * ({@link setGemmThreads}, `THREADS_MIN_FLOPS`); the split does not change a bit of the result.
 *
 * @module
 */
import type { GemmArgs } from "./gemm_types.ts";
import { gemmTs } from "./gemm_ts.ts";
import { gemmSmall, isSmallGemm } from "./gemm_small.ts";
import { gemmWasm } from "./gemm_wasm.ts";
import { type GemmBackend, selectBackend, wasmFeatures } from "./wasm_features.ts";

export { setGemmThreads, THREADS_MIN_FLOPS } from "./gemm_wasm.ts";
export type { GemmArgs } from "./gemm_types.ts";
export type { GemmBackend } from "./wasm_features.ts";

/**
 * Below this many multiply-adds (m·n·k) the TypeScript kernel runs: the call into wasm and the
 * copies cost about as much as they save. Since the small-product path (`gemm_small.ts`) the
 * WebAssembly kernel wins from 3³ on in both dtypes (8³: 0.25 µs against 0.96 µs in TypeScript,
 * 1×32·32×32: 0.92 against 3.1 µs f64; benches/RESULTS.md, "CPU GEMM", small products); the two
 * tie at 1³–2³.
 *
 * @example
 * ```ts
 * import { WASM_MIN_FLOPS } from "./gemm.ts";
 * console.log(WASM_MIN_FLOPS); // 27
 * ```
 */
export const WASM_MIN_FLOPS: number = 27;

/**
 * The kernel that {@link gemm} runs for products above the small-size threshold on this engine:
 * `"wasm-relaxed-simd"` (FMA), `"wasm-simd"` or `"ts"`.
 *
 * @example
 * ```ts
 * import { gemmBackend } from "./gemm.ts";
 * console.log(["wasm-relaxed-simd", "wasm-simd", "ts"].includes(gemmBackend())); // true
 * ```
 */
export function gemmBackend(): GemmBackend {
  return selectBackend(wasmFeatures());
}

/**
 * `C = alpha·op(A)·op(B) + beta·C` on strided row-major storage (BLAS semantics).
 *
 * @example
 * ```ts
 * import { gemm } from "./gemm.ts";
 * const a = new Float64Array([1, 2, 3, 4]), b = new Float64Array([1, 0, 0, 1]);
 * const c = new Float64Array(4);
 * gemm({ m: 2, n: 2, k: 2, a, lda: 2, b, ldb: 2, c, ldc: 2, transA: true });
 * console.log(c); // Float64Array [1, 3, 2, 4]
 * ```
 */
export function gemm(g: GemmArgs): void {
  checkGemm(g);
  const { m, n, k } = g;
  if (m === 0 || n === 0) return;
  if (m * n * k < WASM_MIN_FLOPS || gemmBackend() === "ts") gemmTs(g);
  else if ((g.alpha ?? 1) !== 0 && isSmallGemm(m, n, k, g.c instanceof Float64Array)) gemmSmall(g);
  else gemmWasm(g);
}

// Runs on every product, small ones included: no arrays or closures, only when an error is thrown.
function checkGemm(g: GemmArgs): void {
  const { m, n, k, lda, ldb, ldc } = g;
  checkDim("m", m);
  checkDim("n", n);
  checkDim("k", k);
  const ctor = g.c.constructor;
  if (g.a.constructor !== ctor || g.b.constructor !== ctor) {
    const kind = (x: unknown): string => (x as object)?.constructor?.name ?? String(x);
    throw new TypeError(
      `gemm: a, b and c must have the same element type, got ${kind(g.a)}, ${kind(g.b)}, ${
        kind(g.c)
      }`,
    );
  }
  // A string alpha would be coerced and a truthy non-boolean trans flag silently obeyed.
  checkType("alpha", g.alpha, "number");
  checkType("beta", g.beta, "number");
  checkType("transA", g.transA, "boolean");
  checkType("transB", g.transB, "boolean");
  const tA = g.transA === true, tB = g.transB === true;
  checkExtent("a", g.a.length, g.aOffset ?? 0, tA ? k : m, tA ? m : k, lda);
  checkExtent("b", g.b.length, g.bOffset ?? 0, tB ? n : k, tB ? k : n, ldb);
  checkExtent("c", g.c.length, g.cOffset ?? 0, m, n, ldc);
}

function checkDim(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0) {
    throw new RangeError(`gemm: ${name} must be a non-negative integer, got ${v}`);
  }
}

function checkType(name: string, v: unknown, type: "number" | "boolean"): void {
  if (v !== undefined && typeof v !== type) {
    throw new TypeError(`gemm: ${name} must be a ${type}, got ${typeof v} ${String(v)}`);
  }
}

function checkExtent(
  name: string,
  len: number,
  off: number,
  rows: number,
  cols: number,
  ld: number,
): void {
  if (!Number.isInteger(ld) || ld < cols || ld < 0) {
    throw new RangeError(`gemm: ld${name} = ${ld} is smaller than the ${cols} columns of ${name}`);
  }
  if (rows === 0 || cols === 0) return;
  const last = off + (rows - 1) * ld + cols;
  if (!Number.isInteger(off) || off < 0 || last > len) {
    throw new RangeError(
      `gemm: ${name} (${rows}x${cols}, ld ${ld}, offset ${off}) runs past its ${len} elements`,
    );
  }
}
