/**
 * The WebAssembly SIMD GEMM front end: picks the kernel flavour (relaxed-SIMD FMA or plain
 * SIMD) and whether the direct kernels (`gemm_direct.ts`: op(A) read in place, shape-aware
 * blocks) share their large kernel calls with a helper thread (`gemm_pool.ts`).
 *
 * Goto & van de Geijn, "Anatomy of High-Performance Matrix Multiplication", ACM TOMS 34(3), 2008;
 * Van Zee & van de Geijn, "BLIS", ACM TOMS 41(3), 2015 (§3, Fig. 2).
 *
 * @module
 */
import type { GemmArgs } from "./gemm_types.ts";
import { defaultConfig, type KernelConfig } from "./gemm_kernel.ts";
import { gemmDirect } from "./gemm_direct.ts";
import { gemmMemory, gemmMemoryShared, kernelsFor } from "./gemm_memory.ts";
import { poolReady, startPool, whenPoolReady } from "./gemm_pool.ts";
import { scaleC } from "./gemm_ts.ts";
import { checkOptions, type OptionKind } from "../options.ts";
import { wasmFeatures } from "./wasm_features.ts";

/**
 * Internal knobs of {@link gemmWasm}, for tests and tuning. Defaults are the tuned ones.
 *
 * @example
 * ```ts
 * import { gemmWasm, type WasmGemmOptions } from "./gemm_wasm.ts";
 * const opts: WasmGemmOptions = { fma: false, mc: 12, kc: 8 }; // plain SIMD, tiny blocks
 * const c = new Float64Array(1);
 * gemmWasm({ m: 1, n: 1, k: 2, a: new Float64Array([1, 2]), lda: 2, b: new Float64Array([3, 4]), ldb: 1, c, ldc: 1 }, opts);
 * console.log(c[0]); // 11
 * ```
 */
export interface WasmGemmOptions {
  /** Use the relaxed-SIMD FMA kernel (default: where the engine validates it). */
  fma?: boolean;
  /** Rows of op(A) per packed block (rounded up to the register tile). */
  mc?: number;
  /** Depth per packed block. */
  kc?: number;
  /** Columns of op(B) per packed block. */
  nc?: number;
  /** Most elements of the C buffer when it holds a band of rows (default 2^18). */
  cElems?: number;
  /** Most elements of packed op(B) (default 2^20 for f64, 2^21 for f32). */
  packElems?: number;
  /** Most elements of op(A) copied into wasm memory at once (default 2^19). */
  stageElems?: number;
  /** Compute Cᵀ = op(B)ᵀ·op(A)ᵀ (default: as the cost model prefers). */
  swap?: boolean;
  /** The macro-kernel's outer loop, over A (`ir`) or B (`jr`) micro-panels. */
  order?: "ir" | "jr";
  /**
   * Share the direct path's large kernel calls with the helper thread: `true` whenever it is
   * ready, `false` never; default: as set by {@link setGemmThreads}, from
   * {@link THREADS_MIN_FLOPS} on.
   */
  threads?: boolean;
  /** Register tile and unrolling of the micro-kernel (custom tiles run on one thread). */
  kernel?: Partial<Omit<KernelConfig, "dtype" | "fma">>;
}

/** The keys of {@link WasmGemmOptions} and their kinds, for the runtime check. */
const OPTION_KINDS: Readonly<Record<keyof WasmGemmOptions, OptionKind>> = {
  fma: "boolean",
  mc: "integer",
  kc: "integer",
  nc: "integer",
  cElems: "integer",
  packElems: "integer",
  stageElems: "integer",
  swap: "boolean",
  order: ["ir", "jr"],
  threads: "boolean",
  kernel: "object",
};

/**
 * Products from this many multiply-adds (m·n·k) on are split with the helper thread (where
 * threads are on, see {@link setGemmThreads}); below it the hand-offs cost about what the second
 * core saves. At n = 256 f64 with the other core busy, two threads / one measured 0.86–1.12×
 * (2026-11-30 sittings 1–2 of benches/RESULTS.md, in git at 709ac18) and 0.96–1.18× median (its
 * review note of 05:04); no run with a free core is recorded.
 *
 * @example
 * ```ts
 * import { THREADS_MIN_FLOPS } from "./gemm_wasm.ts";
 * console.log(THREADS_MIN_FLOPS === 256 ** 3); // true
 * ```
 */
export const THREADS_MIN_FLOPS = 256 ** 3;

/** On by default where the engine reports two or more logical cores. */
let threadsOn = (globalThis.navigator?.hardwareConcurrency ?? 1) >= 2;

/**
 * Switches the two-thread split of large products on or off. It is on by default where the
 * engine reports two or more cores; switch it off on a machine whose cores are busy with other
 * work (a descheduled helper stalls the product it shares). Results are bit-identical either
 * way: each C micro-tile is computed by the same kernel over the same depths. The helper thread
 * starts in the background on the first large product.
 *
 * @example
 * ```ts
 * import { setGemmThreads } from "./gemm_wasm.ts";
 * setGemmThreads(false);
 * setGemmThreads(true);
 * ```
 */
export function setGemmThreads(on: boolean): void {
  if (typeof on !== "boolean") {
    throw new TypeError(`setGemmThreads: on must be a boolean, got ${String(on)}`);
  }
  threadsOn = on;
}

/**
 * Starts the helper thread now (instead of at the first large product) and resolves to whether
 * it became ready within `timeoutMs`. For benches and tests that want two threads from the
 * first call; `gemm` never waits for it.
 *
 * @example
 * ```ts
 * import { startGemmThreads } from "./gemm_wasm.ts";
 * console.log(typeof await startGemmThreads(1)); // "boolean"
 * ```
 */
export function startGemmThreads(timeoutMs = 60_000): Promise<boolean> {
  const shared = gemmMemoryShared();
  if (shared) startPool(gemmMemory(65536));
  return whenPoolReady(shared ? timeoutMs : 0);
}

const NO_OPTIONS: WasmGemmOptions = Object.freeze({});

/** Whether this call splits with the helper thread (and start the helper when it should). */
function useThreads(g: GemmArgs, opts: WasmGemmOptions): boolean {
  if (opts.kernel !== undefined || !gemmMemoryShared()) return false;
  const want = opts.threads ?? (threadsOn && g.m * g.n * g.k >= THREADS_MIN_FLOPS);
  if (want) startPool(gemmMemory(65536));
  return want && poolReady();
}

/**
 * `C = alpha·op(A)·op(B) + beta·C` with the WebAssembly SIMD micro-kernel. The GEMM arguments
 * are not validated here ({@link gemm} validates and dispatches); `opts`, when given, is: an
 * unknown key or a value of the wrong kind is a TypeError naming it. Throws where the engine
 * lacks SIMD.
 *
 * @example
 * ```ts
 * import { gemmWasm } from "./gemm_wasm.ts";
 * const a = new Float64Array([1, 2, 3, 4]), b = new Float64Array([5, 6, 7, 8]);
 * const c = new Float64Array(4);
 * gemmWasm({ m: 2, n: 2, k: 2, a, lda: 2, b, ldb: 2, c, ldc: 2 });
 * console.log(c); // Float64Array [19, 22, 43, 50]
 * ```
 */
export function gemmWasm(g: GemmArgs, options?: WasmGemmOptions): void {
  // gemm() passes no options: small products skip the check.
  if (options !== undefined) checkOptions("gemmWasm", options, OPTION_KINDS);
  const opts = options ?? NO_OPTIONS;
  const { m, n, k } = g;
  const alpha = g.alpha ?? 1, beta = g.beta ?? 0;
  if (m === 0 || n === 0) return;
  if (k === 0 || alpha === 0) return scaleC(g.c, g.cOffset ?? 0, g.ldc, m, n, beta);
  const dtype: "f32" | "f64" = g.c instanceof Float64Array ? "f64" : "f32";
  const feats = wasmFeatures();
  if (!feats.simd) throw new TypeError("gemmWasm: this engine has no WebAssembly SIMD");
  const fma = opts.fma ?? feats.relaxed;
  if (fma && !feats.relaxed) throw new TypeError("gemmWasm: this engine has no relaxed SIMD");
  const cfg: KernelConfig = opts.kernel
    ? { ...defaultConfig(dtype, fma), ...opts.kernel, dtype, fma }
    : defaultConfig(dtype, fma);
  const kern = kernelsFor(cfg);
  gemmDirect(g, kern, opts, useThreads(g, opts));
}
