/**
 * The register-tile configuration shared by the WebAssembly GEMM kernels (`KernelConfig`, its
 * defaults, the vector width per dtype) and the one-instruction probes that tell whether the
 * engine implements 128-bit SIMD and relaxed SIMD. The kernels themselves are emitted by
 * `gemm_kernel_direct.ts` (macro-kernels) and `gemm_pack_emit.ts` (B packers).
 *
 * Goto & van de Geijn, "Anatomy of High-Performance Matrix Multiplication", ACM TOMS 34(3), 2008;
 * Van Zee & van de Geijn, "BLIS: A Framework for Rapidly Instantiating BLAS Functionality",
 * ACM TOMS 41(3), 2015 (§3: the register tile of the micro-kernel).
 *
 * @module
 */
import { Code, encodeModule, Simd } from "./wasm_emit.ts";

/**
 * Shape and flavour of one emitted kernel.
 *
 * @example
 * ```ts
 * import type { KernelConfig } from "./gemm_kernel.ts";
 * const cfg: KernelConfig = { dtype: "f64", mr: 6, nv: 2, unroll: 4, fma: true }; // 6×4 tile
 * console.log(cfg.mr * cfg.nv * 2); // 24
 * ```
 */
export interface KernelConfig {
  /** Element type. */
  dtype: "f32" | "f64";
  /** Rows of the register tile (broadcast elements of A per depth step). */
  mr: number;
  /** Vectors per row of the register tile; the tile is `mr × (nv · lanes)`. */
  nv: number;
  /** Depth steps per iteration of the inner loop (a remainder loop runs the rest). */
  unroll: number;
  /** Use `relaxed_madd` (fused where the hardware has FMA) instead of `mul` + `add`. */
  fma: boolean;
}

/**
 * Lanes of a 128-bit vector for a dtype.
 *
 * @example
 * ```ts
 * import { lanes } from "./gemm_kernel.ts";
 * console.log(lanes("f64"), lanes("f32")); // 2 4
 * ```
 */
export function lanes(dtype: "f32" | "f64"): number {
  return dtype === "f64" ? 2 : 4;
}

/**
 * The default register tiles, chosen by measurement on x86-64 (V8 allocates 15 of the 16 xmm
 * registers: 12 accumulators, NV vectors of B and one broadcast of A fit without spills).
 *
 * @example
 * ```ts
 * import { defaultConfig } from "./gemm_kernel.ts";
 * console.log(defaultConfig("f32", true)); // { dtype: "f32", mr: 6, nv: 2, unroll: 4, fma: true }
 * ```
 */
export function defaultConfig(dtype: "f32" | "f64", fma: boolean): KernelConfig {
  return { dtype, mr: 6, nv: 2, unroll: 4, fma };
}

/**
 * A one-instruction module that validates only where relaxed-SIMD is implemented.
 *
 * @example
 * ```ts
 * import { relaxedProbe } from "./gemm_kernel.ts";
 * console.log(typeof WebAssembly.validate(relaxedProbe())); // "boolean"
 * ```
 */
export function relaxedProbe(): Uint8Array<ArrayBuffer> {
  const c = new Code().zero().zero().zero().simd(Simd.f64x2RelaxedMadd).raw(0x1a);
  return encodeModule({ minPages: 0, funcs: [{ name: "p", params: [], locals: [], body: c }] });
}

/**
 * A one-instruction module that validates only where 128-bit SIMD is implemented.
 *
 * @example
 * ```ts
 * import { simdProbe } from "./gemm_kernel.ts";
 * console.log(typeof WebAssembly.validate(simdProbe())); // "boolean"
 * ```
 */
export function simdProbe(): Uint8Array<ArrayBuffer> {
  const c = new Code().i32(0).simdMem(Simd.load64Splat, 3, 0).raw(0x1a);
  return encodeModule({ minPages: 1, funcs: [{ name: "p", params: [], locals: [], body: c }] });
}
