/**
 * Emits the WebAssembly macro-kernels that read op(A) straight from a strided copy instead of a
 * packed buffer: `tileR` for row-major A (element (i, p) at `a + i·stride + p·es`, one address
 * register per row of the tile) and `tileD` for depth-major A (element (i, p) at
 * `a + p·stride + i·es`, which includes the classic packed micro-panel with stride `mr·es`).
 * B is packed in NR-column micro-panels holding the whole depth. The depth runs in `unroll`-step
 * iterations plus a remainder loop, so neither operand is padded along k.
 *
 * Skipping the packing of A is the point: a skinny product (2000×2000 · 2000×42) uses each element
 * of A only n times, so packing it costs as much as the arithmetic it feeds. Reading A in place
 * follows the BLIS observation that the A micro-panel only has to stream from L2 with unit-stride
 * (or constant-stride) loads. Goto & van de Geijn, "Anatomy of High-Performance Matrix
 * Multiplication", ACM TOMS 34(3), 2008, §6 (packing is for TLB and cache-line reuse, not a
 * requirement of the kernel); Van Zee & van de Geijn, "BLIS", ACM TOMS 41(3), 2015, §3.
 *
 * @module
 */
import { type KernelConfig, lanes } from "./gemm_kernel.ts";
import { packFuncs } from "./gemm_pack_emit.ts";
import { Code, encodeModule, I32, Simd, V128 } from "./wasm_emit.ts";

// Parameters of `tileR` / `tileD` (all i32).
const P_A = 0, P_AS = 1, P_APANEL = 2, P_B = 3, P_BPANEL = 4, P_C = 5, P_LDC = 6, P_MP = 7;
const P_NP = 8, P_KMAIN = 9, P_KREM = 10, P_ALPHA = 11, P_ACC = 12, N_PARAMS = 13;
// i32 locals.
const L_JR = 13, L_IR = 14, L_APAN = 15, L_BPAN = 16, L_BP = 17, L_KK = 18, L_CP = 19;
const L_CCOL = 20, L_ROW = 21, L_TSTEP = 22;
const L_AP = 23; // L_AP…: one address per tile row (R) or one (D)

/** How a macro-kernel addresses A. */
type AMode = "R" | "D";
/** Which micro-panel loop is outer: over B's (`jr`, BLIS's order) or over A's (`ir`). */
type Order = "jr" | "ir";

/**
 * Builds the module with four exports, `tileR` and `tileD` (loop over B micro-panels outer) and
 * `tileRi` and `tileDi` (loop over A micro-panels outer), all
 * `(a, aStride, aPanel, b, bPanel, c, ldcBytes, mPanels, nPanels, kMain, kRem, alphaAddr,
 * accumulate)`: for `nPanels` micro-panels of packed B (each `depth × nr`, `bPanel` bytes apart,
 * element (p, j) at `p·nr + j`) and `mPanels` MR-row micro-panels of A (`aPanel` bytes apart),
 * over `depth = kMain·unroll + kRem` steps, it sets `C = alpha·A·B` (accumulate = 0) or adds it
 * (accumulate = 1) in the row-major C block at `c` with row stride `ldcBytes`. Addresses are
 * bytes into the imported memory `env.mem`. The module also exports the B packers `packN` and
 * `packT` of `gemm_pack_emit.ts`.
 *
 * @example
 * ```ts
 * import { emitDirectKernels } from "./gemm_kernel_direct.ts";
 * const bytes = emitDirectKernels({ dtype: "f64", mr: 6, nv: 2, unroll: 4, fma: true });
 * console.log(WebAssembly.validate(bytes)); // true
 * ```
 */
export function emitDirectKernels(cfg: KernelConfig, shared = false): Uint8Array<ArrayBuffer> {
  checkConfig(cfg);
  const variants = [["R", "jr"], ["D", "jr"], ["R", "ir"], ["D", "ir"]] as const;
  const funcs = variants.map(([mode, order]) => {
    const aRegs = mode === "R" ? cfg.mr : 1;
    const locals = [
      ...new Array(L_AP + aRegs - N_PARAMS).fill(I32),
      ...new Array(cfg.mr * cfg.nv + cfg.nv + 1).fill(V128),
    ];
    return {
      name: `tile${mode}${order === "ir" ? "i" : ""}`,
      params: new Array(N_PARAMS).fill(I32),
      locals,
      body: tileBody(cfg, mode, order),
    };
  });
  return encodeModule({
    minPages: 1,
    maxPages: shared ? 65536 : undefined,
    shared,
    funcs: [...funcs, ...packFuncs(cfg)],
  });
}

function tileBody(cfg: KernelConfig, mode: AMode, order: Order): Code {
  const { mr, nv, unroll } = cfg;
  const es = cfg.dtype === "f64" ? 8 : 4, ln = lanes(cfg.dtype), nr = nv * ln;
  const vBase = L_AP + (mode === "R" ? mr : 1);
  const acc = (i: number, v: number): number => vBase + i * nv + v;
  const bReg = (v: number): number => vBase + mr * nv + v;
  const aReg = vBase + mr * nv + nv;
  const f64 = cfg.dtype === "f64";
  const splat = f64 ? Simd.load64Splat : Simd.load32Splat;
  const c = new Code();
  const fmaInto = (dst: number, x: number, y: number): void => {
    if (cfg.fma) {
      c.get(x).get(y).get(dst).simd(f64 ? Simd.f64x2RelaxedMadd : Simd.f32x4RelaxedMadd);
    } else {
      c.get(x).get(y).simd(f64 ? Simd.f64x2Mul : Simd.f32x4Mul).get(dst);
      c.simd(f64 ? Simd.f64x2Add : Simd.f32x4Add);
    }
    c.set(dst);
  };
  /** `steps` depth steps, then the address registers move past them. */
  const depthSteps = (steps: number): void => {
    for (let u = 0; u < steps; u++) {
      for (let v = 0; v < nv; v++) {
        c.get(L_BP).simdMem(Simd.load, 4, (u * nr + v * ln) * es).set(bReg(v));
      }
      for (let i = 0; i < mr; i++) {
        if (mode === "R") c.get(L_AP + i).simdMem(splat, Math.log2(es), u * es);
        else c.get(L_AP).simdMem(splat, Math.log2(es), i * es);
        c.set(aReg);
        for (let v = 0; v < nv; v++) fmaInto(acc(i, v), aReg, bReg(v));
      }
      if (mode === "D") c.incBy(L_AP, P_AS);
    }
    if (mode === "R") { for (let i = 0; i < mr; i++) c.inc(L_AP + i, steps * es); }
    c.inc(L_BP, steps * nr * es);
  };
  /** A counted loop over `count` (skipped when zero) around `body`. */
  const counted = (count: number, body: () => void): void => {
    c.block().get(count).set(L_KK).get(L_KK).eqz().brIf(0);
    c.loop();
    body();
    c.get(L_KK).i32(1).sub().set(L_KK).get(L_KK).brIf(0);
    c.end().end();
  };

  c.get(P_LDC).i32(mr).mul().set(L_TSTEP);
  /** One MR×NR tile: A micro-panel at `apan`, B micro-panel at `bpan`, C tile at `cp`. */
  const tile = (): void => {
    for (let i = 0; i < mr; i++) for (let v = 0; v < nv; v++) c.zero().set(acc(i, v));
    c.get(L_BPAN).set(L_BP).get(L_APAN).set(L_AP);
    if (mode === "R") {
      for (let i = 1; i < mr; i++) c.get(L_AP + i - 1).get(P_AS).add().set(L_AP + i);
    }
    counted(P_KMAIN, () => depthSteps(unroll));
    counted(P_KREM, () => depthSteps(1));
    emitStoreC(c, cfg, acc, aReg);
  };
  const countDown = (i: number): void => {
    c.get(i).i32(1).sub().set(i).get(i).brIf(0);
  };
  if (order === "jr") {
    // B micro-panel outer (stays in L1), A micro-panels inner (stream from L2): BLIS's order.
    c.get(P_B).set(L_BPAN).get(P_C).set(L_CCOL).get(P_NP).set(L_JR);
    c.loop();
    c.get(P_A).set(L_APAN).get(L_CCOL).set(L_CP).get(P_MP).set(L_IR);
    c.loop();
    tile();
    c.get(L_CP).get(L_TSTEP).add().set(L_CP).incBy(L_APAN, P_APANEL);
    countDown(L_IR);
    c.end();
    c.incBy(L_BPAN, P_BPANEL).inc(L_CCOL, nr * es);
    countDown(L_JR);
    c.end();
  } else {
    // A micro-panel outer (stays in L1), B micro-panels inner: for a few columns of B, so that
    // A streams through the cache once however it is laid out.
    c.get(P_A).set(L_APAN).get(P_C).set(L_CCOL).get(P_MP).set(L_IR);
    c.loop();
    c.get(P_B).set(L_BPAN).get(L_CCOL).set(L_CP).get(P_NP).set(L_JR);
    c.loop();
    tile();
    c.inc(L_CP, nr * es).incBy(L_BPAN, P_BPANEL);
    countDown(L_JR);
    c.end();
    c.incBy(L_APAN, P_APANEL).get(L_CCOL).get(L_TSTEP).add().set(L_CCOL);
    countDown(L_IR);
    c.end();
  }
  return c;
}

/** `C = alpha·acc` or `C = alpha·acc + C` for the tile at `cp`. */
function emitStoreC(
  c: Code,
  cfg: KernelConfig,
  acc: (i: number, v: number) => number,
  alphaReg: number,
): void {
  const f64 = cfg.dtype === "f64";
  c.get(P_ALPHA).simdMem(f64 ? Simd.load64Splat : Simd.load32Splat, f64 ? 3 : 2, 0).set(alphaReg);
  const rows = (add: boolean): void => {
    c.get(L_CP).set(L_ROW);
    for (let i = 0; i < cfg.mr; i++) {
      for (let v = 0; v < cfg.nv; v++) {
        c.get(L_ROW).get(acc(i, v)).get(alphaReg);
        if (add && cfg.fma) {
          c.get(L_ROW).simdMem(Simd.load, 4, v * 16);
          c.simd(f64 ? Simd.f64x2RelaxedMadd : Simd.f32x4RelaxedMadd);
        } else {
          c.simd(f64 ? Simd.f64x2Mul : Simd.f32x4Mul);
          if (add) {
            c.get(L_ROW).simdMem(Simd.load, 4, v * 16).simd(f64 ? Simd.f64x2Add : Simd.f32x4Add);
          }
        }
        c.simdMem(Simd.store, 4, v * 16);
      }
      c.incBy(L_ROW, P_LDC);
    }
  };
  c.get(P_ACC).if();
  rows(true);
  c.else();
  rows(false);
  c.end();
}

function checkConfig(cfg: KernelConfig): void {
  for (const key of ["mr", "nv", "unroll"] as const) {
    const v = cfg[key];
    if (!Number.isInteger(v) || v < 1 || v > 16) {
      throw new RangeError(`emitDirectKernels: ${key} must be an integer in [1, 16], got ${v}`);
    }
  }
  if (cfg.dtype !== "f32" && cfg.dtype !== "f64") {
    throw new TypeError(
      `emitDirectKernels: dtype must be "f32" or "f64", got ${String(cfg.dtype)}`,
    );
  }
}
