/**
 * Engine feature detection for the GEMM kernels: does this engine validate 128-bit SIMD, and
 * relaxed SIMD (`f64x2.relaxed_madd`)? Decided once by validating two tiny probe modules, so a
 * missing feature selects the next kernel instead of failing at compile time.
 *
 * @module
 */
import { relaxedProbe, simdProbe } from "./gemm_kernel.ts";

/**
 * What the WebAssembly engine can run.
 *
 * @example
 * ```ts
 * import type { WasmFeatures } from "./wasm_features.ts";
 * const f: WasmFeatures = { simd: true, relaxed: false };
 * console.log(f.simd); // true
 * ```
 */
export interface WasmFeatures {
  /** 128-bit SIMD (`v128`, f64x2/f32x4 arithmetic). */
  simd: boolean;
  /** Relaxed SIMD (`relaxed_madd`), which lowers to a hardware FMA where there is one. */
  relaxed: boolean;
}

/**
 * The CPU GEMM kernels, fastest first.
 *
 * @example
 * ```ts
 * import type { GemmBackend } from "./wasm_features.ts";
 * const b: GemmBackend = "wasm-simd";
 * console.log(b); // "wasm-simd"
 * ```
 */
export type GemmBackend = "wasm-relaxed-simd" | "wasm-simd" | "ts";

/**
 * Probes an engine through its `validate` function (default: this engine's
 * `WebAssembly.validate`; `null` where there is no `WebAssembly` at all). A validator that throws
 * counts as "unsupported".
 *
 * @example
 * ```ts
 * import { detectWasmFeatures } from "./wasm_features.ts";
 * console.log(detectWasmFeatures(() => false)); // { simd: false, relaxed: false }
 * ```
 */
export function detectWasmFeatures(
  validate: ((bytes: Uint8Array<ArrayBuffer>) => boolean) | null =
    globalThis.WebAssembly?.validate ?? null,
): WasmFeatures {
  const ok = (bytes: Uint8Array<ArrayBuffer>): boolean => {
    try {
      return validate?.(bytes) === true;
    } catch {
      return false;
    }
  };
  const simd = ok(simdProbe());
  return { simd, relaxed: simd && ok(relaxedProbe()) };
}

/**
 * The kernel that a set of features selects: relaxed-SIMD FMA, else plain SIMD, else TypeScript.
 *
 * @example
 * ```ts
 * import { selectBackend } from "./wasm_features.ts";
 * console.log(selectBackend({ simd: true, relaxed: false })); // "wasm-simd"
 * ```
 */
export function selectBackend(f: WasmFeatures): GemmBackend {
  return f.relaxed ? "wasm-relaxed-simd" : f.simd ? "wasm-simd" : "ts";
}

let cached: WasmFeatures | null = null;

/**
 * This engine's features, probed once.
 *
 * @example
 * ```ts
 * import { wasmFeatures } from "./wasm_features.ts";
 * console.log(typeof wasmFeatures().simd); // "boolean"
 * ```
 */
export function wasmFeatures(): WasmFeatures {
  cached ??= detectWasmFeatures();
  return cached;
}
