/**
 * The WebAssembly SIMD GEMM driver: the three outer loops of the GotoBLAS/BLIS blocking (NC
 * columns of C, KC depths, MC rows), packing in TypeScript into one growable
 * `WebAssembly.Memory`, and the emitted macro-kernel for the two inner loops.
 *
 * Goto & van de Geijn, "Anatomy of High-Performance Matrix Multiplication", ACM TOMS 34(3), 2008;
 * Van Zee & van de Geijn, "BLIS", ACM TOMS 41(3), 2015 (§3, Fig. 2).
 *
 * @module
 */
import type { GemmArgs } from "./gemm_types.ts";
import { defaultConfig, emitGemmKernel, type KernelConfig, lanes } from "./gemm_kernel.ts";
import { loadC, type Operand, packA, packB, storeC } from "./gemm_pack.ts";
import {
  ALPHA_AT,
  DATA,
  type Job,
  poolReady,
  runOnPool,
  startPool,
  whenPoolReady,
} from "./gemm_pool.ts";
import { scaleC } from "./gemm_ts.ts";
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
  /**
   * Most elements of C (and, when threaded, of packed A) held in wasm memory at once (default
   * 2^22); more rows go in row chunks.
   */
  cElems?: number;
  /**
   * Split the product with the helper thread: `true` whenever it is ready, `false` never;
   * default: as set by {@link setGemmThreads}, from {@link THREADS_MIN_FLOPS} on.
   */
  threads?: boolean;
  /** Register tile and unrolling of the micro-kernel (custom tiles run on one thread). */
  kernel?: Partial<Omit<KernelConfig, "dtype" | "fma">>;
}

/** Blocking measured on this project's reference machine (AMD Zen 5, 48 KiB L1d, 1 MiB L2). */
const BLOCKS = { f64: { mc: 96, kc: 256, nc: 4096 }, f32: { mc: 96, kc: 512, nc: 4096 } };

/**
 * With threads switched on ({@link setGemmThreads}), products from this many multiply-adds
 * (m·n·k) on are split with the helper thread; below it the hand-off and the serial packing eat
 * the gain. The helper is off by default: on the shared 2-core development machine (load ≈ 10)
 * two threads measured 0.7–1.1× one thread at n = 512–1024 and as low as 0.15× (median) at
 * n = 256, because a helper descheduled while it holds a chunk stalls the caller.
 *
 * @example
 * ```ts
 * import { THREADS_MIN_FLOPS } from "./gemm_wasm.ts";
 * console.log(THREADS_MIN_FLOPS === 256 ** 3); // true
 * ```
 */
export const THREADS_MIN_FLOPS = 256 ** 3;

let threadsOn = false;

/**
 * Switches the two-thread split of large products on or off (default off, see
 * {@link THREADS_MIN_FLOPS}). Worth it on an otherwise idle machine with two or more cores;
 * the helper thread starts in the background on the next large product.
 *
 * @example
 * ```ts
 * import { setGemmThreads } from "./gemm_wasm.ts";
 * setGemmThreads(false);
 * ```
 */
export function setGemmThreads(on: boolean): void {
  if (typeof on !== "boolean") {
    throw new TypeError(`setGemmThreads: on must be a boolean, got ${String(on)}`);
  }
  threadsOn = on;
}

type Macro = (...args: number[]) => void;
interface Kernel {
  macro: Macro;
  cfg: KernelConfig;
}

let memory: WebAssembly.Memory | null = null;
let shared = false;
const kernels = new Map<string, Kernel>();

function getMemory(bytes: number): WebAssembly.Memory {
  if (!memory) {
    try {
      // Shared so that the helper thread works in the same memory; 4 GiB is the wasm32 limit.
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

function getKernel(cfg: KernelConfig): Kernel {
  // A plain string key: this runs on every call, and small products feel every microsecond.
  const key = `${cfg.dtype} ${cfg.mr} ${cfg.nv} ${cfg.unroll} ${cfg.fma}`;
  let k = kernels.get(key);
  if (!k) {
    const mem = getMemory(65536);
    const mod = new WebAssembly.Module(emitGemmKernel(cfg, shared));
    const inst = new WebAssembly.Instance(mod, { env: { mem } });
    k = { macro: inst.exports.macro as Macro, cfg };
    kernels.set(key, k);
  }
  return k;
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
  const mem = getMemory(65536);
  if (shared) startPool(mem);
  return whenPoolReady(shared ? timeoutMs : 0);
}

let views: { buffer: ArrayBufferLike; f64: Float64Array; f32: Float32Array } | null = null;

/** Typed views of the memory, remade only when growth gave it a new buffer. */
function view(dtype: "f32" | "f64"): Float32Array | Float64Array {
  const buffer = memory!.buffer;
  if (views?.buffer !== buffer) {
    views = { buffer, f64: new Float64Array(buffer), f32: new Float32Array(buffer) };
  }
  return views[dtype];
}

/** Whether this call splits with the helper thread (and start the helper when it should). */
function useThreads(g: GemmArgs, opts: WasmGemmOptions): boolean {
  if (opts.kernel !== undefined || !shared) return false;
  const want = opts.threads ?? (threadsOn && g.m * g.n * g.k >= THREADS_MIN_FLOPS);
  if (want) startPool(memory!);
  return want && poolReady();
}

const roundUp = (x: number, q: number): number => Math.ceil(x / q) * q;

/** Everything about one call that the block loops need: kernel, blocking, memory layout. */
interface Plan {
  kern: Kernel;
  dtype: "f32" | "f64";
  /** Element size in bytes. */
  es: number;
  mr: number;
  nr: number;
  unroll: number;
  mc: number;
  kc: number;
  nc: number;
  /** Rows of C held in wasm memory at once. */
  chunk: number;
  /** Byte addresses of the C block, packed A and packed B. */
  cAt: number;
  aAt: number;
  bAt: number;
  /** Split with the helper thread. */
  par: boolean;
}

function plan(g: GemmArgs, opts: WasmGemmOptions): Plan {
  const { m, n, k } = g;
  const dtype = g.c instanceof Float64Array ? "f64" : "f32";
  const feats = wasmFeatures();
  if (!feats.simd) throw new TypeError("gemmWasm: this engine has no WebAssembly SIMD");
  const fma = opts.fma ?? feats.relaxed;
  if (fma && !feats.relaxed) throw new TypeError("gemmWasm: this engine has no relaxed SIMD");
  const kern = getKernel(
    opts.kernel
      ? { ...defaultConfig(dtype, fma), ...opts.kernel, dtype, fma }
      : defaultConfig(dtype, fma),
  );
  const par = useThreads(g, opts);
  const { mr, unroll } = kern.cfg, nr = kern.cfg.nv * lanes(dtype);
  const blk = BLOCKS[dtype], es = dtype === "f64" ? 8 : 4;
  const mc = roundUp(opts.mc ?? blk.mc, mr), kc = opts.kc ?? blk.kc, nc = opts.nc ?? blk.nc;
  const kcMax = roundUp(Math.min(kc, k), unroll), ncMax = roundUp(Math.min(nc, n), nr);
  // Rows of C held at once: all of them unless that exceeds the budget (then whole MC blocks).
  // The threaded path also packs that many rows of A, so a tall, thin product is bounded too.
  const width = par ? Math.max(ncMax, kcMax) : ncMax, budget = opts.cElems ?? 1 << 22;
  const chunk = Math.min(m, Math.max(mc, Math.floor(budget / width / mc) * mc));
  const cAt = DATA, aAt = cAt + roundUp(roundUp(chunk, mr) * ncMax * es, 64);
  // The threaded path packs all rows of the chunk at once; the serial one one MC block at a time.
  const aRows = par ? roundUp(chunk, mr) : Math.min(mc, roundUp(m, mr));
  const bAt = aAt + roundUp(aRows * kcMax * es, 64);
  getMemory(bAt + kcMax * ncMax * es);
  return { kern, dtype, es, mr, nr, unroll, mc, kc, nc, chunk, cAt, aAt, bAt, par };
}

/**
 * `C = alpha·op(A)·op(B) + beta·C` with the WebAssembly SIMD micro-kernel. Arguments are not
 * validated here; {@link gemm} validates and dispatches. Throws where the engine lacks SIMD.
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
export function gemmWasm(g: GemmArgs, opts: WasmGemmOptions = {}): void {
  const { m, n, k, c, ldc } = g;
  const alpha = g.alpha ?? 1, beta = g.beta ?? 0, cOff = g.cOffset ?? 0;
  if (m === 0 || n === 0) return;
  if (k === 0 || alpha === 0) return scaleC(c, cOff, ldc, m, n, beta);
  const p = plan(g, opts), { es, nc, kc, chunk } = p;
  const w = view(p.dtype);
  w[ALPHA_AT / es] = alpha;
  const A: Operand = { data: g.a, off: g.aOffset ?? 0, ld: g.lda, trans: g.transA ?? false };
  const B: Operand = { data: g.b, off: g.bOffset ?? 0, ld: g.ldb, trans: g.transB ?? false };
  for (let jc = 0; jc < n; jc += nc) {
    const ncb = Math.min(nc, n - jc), ncPad = roundUp(ncb, p.nr);
    for (let rc = 0; rc < m; rc += chunk) {
      const rows = Math.min(chunk, m - rc), cEl = cOff + rc * ldc + jc;
      loadC(w, p.cAt / es, ncPad, c, cEl, ldc, rows, ncb, beta);
      for (let pc = 0; pc < k; pc += kc) {
        const kcb = Math.min(kc, k - pc), kPad = roundUp(kcb, p.unroll);
        packB(w, p.bAt / es, B, pc, jc, kcb, ncb, p.nr, kPad);
        const block = { rc, pc, rows, kcb, kPad, ncPad };
        if (p.par) splitBlock(p, w, A, block);
        else serialBlock(p, w, A, block);
      }
      storeC(c, cEl, ldc, w, p.cAt / es, ncPad, rows, ncb);
    }
  }
}

/** One (row chunk, depth block) step: rows from `rc`, depths from `pc`, packed B in place. */
interface Block {
  rc: number;
  pc: number;
  rows: number;
  kcb: number;
  kPad: number;
  ncPad: number;
}

/** Packs A one MC block at a time (so it is still in L2 for the kernel) and runs the kernel. */
function serialBlock(p: Plan, w: Float32Array | Float64Array, A: Operand, b: Block): void {
  const { es, mr, mc } = p;
  for (let ic = 0; ic < b.rows; ic += mc) {
    const mcb = Math.min(mc, b.rows - ic);
    packA(w, p.aAt / es, A, b.rc + ic, b.pc, mcb, b.kcb, mr, b.kPad);
    const cAt = p.cAt + ic * b.ncPad * es;
    const nPanels = b.ncPad / p.nr, kSteps = b.kPad / p.unroll;
    p.kern.macro(p.aAt, p.bAt, cAt, Math.ceil(mcb / mr), nPanels, kSteps, b.ncPad * es, ALPHA_AT);
  }
}

/** Packs all rows of the chunk, then splits MC-row chunks of them with the helper thread. */
function splitBlock(p: Plan, w: Float32Array | Float64Array, A: Operand, b: Block): void {
  const { es, mr } = p;
  packA(w, p.aAt / es, A, b.rc, b.pc, b.rows, b.kcb, mr, b.kPad);
  // At least 16 chunks so that two threads balance; at most 2^16 (the claim word's field).
  const panels = Math.ceil(b.rows / mr);
  const mcp = Math.max(Math.min(p.mc / mr, Math.ceil(panels / 16)), Math.ceil(panels / 0xffff));
  const job: Job = {
    KERNEL: (p.dtype === "f32" ? 2 : 0) | (p.kern.cfg.fma ? 1 : 0),
    A: p.aAt,
    B: p.bAt,
    C: p.cAt,
    PANELS: panels,
    MCP: mcp,
    NP: b.ncPad / p.nr,
    KS: b.kPad / p.unroll,
    LDC: b.ncPad * es,
    ALPHA: ALPHA_AT,
    ASTEP: mr * b.kPad * es,
    CSTEP: mr * b.ncPad * es,
    CHUNKS: Math.ceil(panels / mcp),
  };
  runOnPool(job, p.kern.macro);
}
