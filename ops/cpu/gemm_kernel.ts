/**
 * Emits the WebAssembly GEMM macro-kernel: the two inner loops of the GotoBLAS/BLIS blocking
 * (over NR-wide micro-panels of packed B, then MR-tall micro-panels of packed A) around a fully
 * unrolled MR×NR register-blocked micro-kernel in 128-bit SIMD.
 *
 * Goto & van de Geijn, "Anatomy of High-Performance Matrix Multiplication", ACM TOMS 34(3), 2008;
 * Van Zee & van de Geijn, "BLIS: A Framework for Rapidly Instantiating BLAS Functionality",
 * ACM TOMS 41(3), 2015 (§3: the five loops around the micro-kernel, packed micro-panels).
 *
 * @module
 */
import { Code, encodeModule, I32, Simd, V128 } from "./wasm_emit.ts";

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
  /** Depth steps per iteration of the inner loop (packed depth is padded to a multiple). */
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

// Parameter and local indices of the `macro` function.
const P_A = 0, P_B = 1, P_C = 2, P_MP = 3, P_NP = 4, P_KS = 5, P_LDC = 6, P_ALPHA = 7;
const L_JR = 8, L_IR = 9, L_AP = 10, L_BP = 11, L_KK = 12, L_CP = 13, L_BPANEL = 14;
const L_CCOL = 15, L_ROW = 16, L_V = 17;

/**
 * Builds the module. Its one export `macro(a, b, c, mPanels, nPanels, kSteps, ldcBytes,
 * alphaAddr)` computes `C += alpha · Apack · Bpack` for `mPanels` MR-row micro-panels of packed
 * A (each `kSteps·unroll × mr`, depth-major) and `nPanels` NR-column micro-panels of packed B
 * (each `kSteps·unroll × nr`), where C is a padded row-major block at byte address `c` with row
 * stride `ldcBytes`, and alpha is a scalar stored at `alphaAddr`. All addresses are bytes into
 * the imported memory `env.mem`.
 *
 * @example
 * ```ts
 * import { emitGemmKernel } from "./gemm_kernel.ts";
 * const bytes = emitGemmKernel({ dtype: "f64", mr: 4, nv: 2, unroll: 2, fma: false });
 * console.log(WebAssembly.validate(bytes)); // true
 * ```
 */
export function emitGemmKernel(cfg: KernelConfig, shared = false): Uint8Array<ArrayBuffer> {
  checkConfig(cfg);
  const { mr, nv, unroll } = cfg;
  const es = cfg.dtype === "f64" ? 8 : 4, nr = nv * lanes(cfg.dtype);
  const acc = (i: number, v: number): number => L_V + i * nv + v;
  const bReg = (v: number): number => L_V + mr * nv + v;
  const aReg = L_V + mr * nv + nv;
  const splat = cfg.dtype === "f64" ? Simd.load64Splat : Simd.load32Splat;
  const c = new Code();
  // acc[i][v] += a · b[v]
  const fmaInto = (dst: number, x: number, y: number): void => {
    if (cfg.fma) {
      c.get(x).get(y).get(dst).simd(
        cfg.dtype === "f64" ? Simd.f64x2RelaxedMadd : Simd.f32x4RelaxedMadd,
      );
    } else {
      c.get(x).get(y).simd(cfg.dtype === "f64" ? Simd.f64x2Mul : Simd.f32x4Mul).get(dst);
      c.simd(cfg.dtype === "f64" ? Simd.f64x2Add : Simd.f32x4Add);
    }
    c.set(dst);
  };

  c.get(P_B).set(L_BPANEL).get(P_C).set(L_CCOL).get(P_NP).set(L_JR);
  c.loop(); // over NR-wide micro-panels of B (jr)
  c.get(P_A).set(L_AP).get(L_CCOL).set(L_CP).get(P_MP).set(L_IR);
  c.loop(); // over MR-tall micro-panels of A (ir)
  for (let i = 0; i < mr; i++) for (let v = 0; v < nv; v++) c.zero().set(acc(i, v));
  c.get(L_BPANEL).set(L_BP).get(P_KS).set(L_KK);
  c.loop(); // over depth, `unroll` steps per iteration
  for (let u = 0; u < unroll; u++) {
    for (let v = 0; v < nv; v++) {
      c.get(L_BP).simdMem(Simd.load, 4, (u * nr + v * lanes(cfg.dtype)) * es).set(bReg(v));
    }
    for (let i = 0; i < mr; i++) {
      c.get(L_AP).simdMem(splat, Math.log2(es), (u * mr + i) * es).set(aReg);
      for (let v = 0; v < nv; v++) fmaInto(acc(i, v), aReg, bReg(v));
    }
  }
  c.inc(L_AP, unroll * mr * es).inc(L_BP, unroll * nr * es);
  c.get(L_KK).i32(1).sub().set(L_KK).get(L_KK).brIf(0);
  c.end();
  emitUpdateC(c, cfg, acc, aReg);
  c.get(L_IR).i32(1).sub().set(L_IR).get(L_IR).brIf(0);
  c.end();
  // bp now points one micro-panel past the current one: the next micro-panel of B.
  c.get(L_BP).set(L_BPANEL).inc(L_CCOL, nr * es);
  c.get(L_JR).i32(1).sub().set(L_JR).get(L_JR).brIf(0);
  c.end();

  const locals = [...new Array(L_V - 8).fill(I32), ...new Array(mr * nv + nv + 1).fill(V128)];
  return encodeModule({
    minPages: 1,
    maxPages: shared ? 65536 : undefined,
    shared,
    funcs: [{ name: "macro", params: new Array(8).fill(I32), locals, body: c }],
  });
}

/** `C[i][v] = alpha·acc[i][v] + C[i][v]` row by row; leaves `cp` at the next tile below. */
function emitUpdateC(
  c: Code,
  cfg: KernelConfig,
  acc: (i: number, v: number) => number,
  alphaReg: number,
): void {
  const f64 = cfg.dtype === "f64";
  c.get(P_ALPHA).simdMem(f64 ? Simd.load64Splat : Simd.load32Splat, f64 ? 3 : 2, 0).set(alphaReg);
  c.get(L_CP).set(L_ROW);
  for (let i = 0; i < cfg.mr; i++) {
    for (let v = 0; v < cfg.nv; v++) {
      c.get(L_ROW); // store address
      c.get(acc(i, v)).get(alphaReg);
      if (cfg.fma) {
        c.get(L_ROW).simdMem(Simd.load, 4, v * 16);
        c.simd(f64 ? Simd.f64x2RelaxedMadd : Simd.f32x4RelaxedMadd);
      } else {
        c.simd(f64 ? Simd.f64x2Mul : Simd.f32x4Mul);
        c.get(L_ROW).simdMem(Simd.load, 4, v * 16);
        c.simd(f64 ? Simd.f64x2Add : Simd.f32x4Add);
      }
      c.simdMem(Simd.store, 4, v * 16);
    }
    c.incBy(L_ROW, P_LDC);
  }
  c.get(L_ROW).set(L_CP);
}

function checkConfig(cfg: KernelConfig): void {
  for (const key of ["mr", "nv", "unroll"] as const) {
    const v = cfg[key];
    if (!Number.isInteger(v) || v < 1 || v > 16) {
      throw new RangeError(`emitGemmKernel: ${key} must be an integer in [1, 16], got ${v}`);
    }
  }
  if (cfg.dtype !== "f32" && cfg.dtype !== "f64") {
    throw new TypeError(`emitGemmKernel: dtype must be "f32" or "f64", got ${String(cfg.dtype)}`);
  }
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
