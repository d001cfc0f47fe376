/**
 * WebAssembly SIMD versions of GaLore's element-wise kernels (`update_kernels.ts`; spec
 * `compression_optim_attention.md` §5a): Adam's small-space direction and the α/decay
 * application, two f64 lanes at a time. Each lane does exactly the scalar kernel's operations
 * in the same order in f64 (WebAssembly arithmetic is IEEE 754 with round-to-nearest and no
 * contraction, as JavaScript's), f32 data is widened on load and rounded on store as a
 * Float32Array store rounds, so the results are bit for bit those of the TypeScript kernels.
 * Emitted with the GEMM's byte emitter (`ops/cpu/wasm_emit.ts`); nothing prebuilt.
 *
 * @module
 */
import { Code, encodeModule, I32, Simd, V128 } from "../../ops/cpu/wasm_emit.ts";

const F64 = 0x7c;
/** SIMD opcodes (after 0xfd; WebAssembly SIMD, §5.4.8): the emitter's table and the others. */
const Op = {
  ...Simd,
  store64Lane: 0x5b,
  load64Zero: 0x5d,
  demote: 0x5e, // f32x4.demote_f64x2_zero
  promote: 0x5f, // f64x2.promote_low_f32x4
  sqrt: 0xef,
  sub: 0xf1,
  div: 0xf3,
} as const;

type Dt = "f32" | "f64";

/** Pushes the two elements at the address in local `ptr`, widened to f64x2. */
function load2(c: Code, dt: Dt, ptr: number): Code {
  c.get(ptr);
  return dt === "f64" ? c.simdMem(Op.load, 4, 0) : c.simdMem(Op.load64Zero, 3, 0).simd(Op.promote);
}

/** Stores the f64x2 in local `val` at the address in local `ptr` (rounded to f32 for f32). */
function store2(c: Code, dt: Dt, ptr: number, val: number): Code {
  c.get(ptr).get(val);
  return dt === "f64"
    ? c.simdMem(Op.store, 4, 0)
    : c.simd(Op.demote).simdMem(Op.store64Lane, 3, 0).raw(0);
}

/** `for (; n > 0; n--) { body; ptrs += step }` over the i32 locals `ptrs`, counter local `n`. */
function pairLoop(c: Code, n: number, ptrs: number[], step: number, body: () => void): Code {
  c.block().loop().get(n).eqz().brIf(1);
  body();
  for (const p of ptrs) c.inc(p, step);
  return c.inc(n, -1).br(0).end().end();
}

/**
 * `dir(r, m, v, u, pairs, b1, c1, b2, c2, step, eps)`: adamDirection_'s loop. Locals after the
 * 11 params: splats of the six scalars (11–16), zero (17), gi (18), mi (19), vi (20), u (21).
 */
function dirFunc(dt: Dt): { name: string; params: number[]; locals: number[]; body: Code } {
  const c = new Code();
  for (let i = 0; i < 6; i++) c.get(5 + i).simd(Op.f64x2Splat).set(11 + i);
  c.zero().set(17);
  const B1 = 11, C1 = 12, B2 = 13, C2 = 14, STEP = 15, EPS = 16;
  const Z = 17, GI = 18, MI = 19, VI = 20, U = 21;
  pairLoop(c, 4, [0, 1, 2, 3], dt === "f64" ? 16 : 8, () => {
    load2(c, dt, 0).get(Z).simd(Op.f64x2Add).set(GI); // gi = r + 0
    c.get(B1);
    load2(c, dt, 1).simd(Op.f64x2Mul).get(C1).get(GI).simd(Op.f64x2Mul).simd(Op.f64x2Add).set(MI);
    c.get(B2);
    load2(c, dt, 2).simd(Op.f64x2Mul).get(C2).get(GI).simd(Op.f64x2Mul).get(GI).simd(Op.f64x2Mul);
    c.simd(Op.f64x2Add).set(VI);
    store2(c, dt, 1, MI);
    store2(c, dt, 2, VI);
    c.get(Z).get(STEP).get(MI).simd(Op.f64x2Mul).get(VI).simd(Op.sqrt).get(EPS).simd(Op.f64x2Add);
    c.simd(Op.div).simd(Op.sub).set(U); // 0 − (step·m)/(√v + ε)
    store2(c, dt, 3, U);
  });
  return {
    name: `dir_${dt}`,
    params: [I32, I32, I32, I32, I32, F64, F64, F64, F64, F64, F64],
    locals: Array(11).fill(V128),
    body: c,
  };
}

/**
 * `apply(w, b, pairs, alpha, keep)`: applyUpdate_'s loop, `w = (w + α·b)` rounded to the
 * dtype, then `·keep` when `withKeep`. Locals: alpha (5), keep (6), x (7).
 */
function applyFunc(dt: Dt, withKeep: boolean): {
  name: string;
  params: number[];
  locals: number[];
  body: Code;
} {
  const c = new Code();
  c.get(3).simd(Op.f64x2Splat).set(5).get(4).simd(Op.f64x2Splat).set(6);
  pairLoop(c, 2, [0, 1], dt === "f64" ? 16 : 8, () => {
    load2(c, dt, 0);
    c.get(5);
    load2(c, dt, 1).simd(Op.f64x2Mul).simd(Op.f64x2Add).set(7);
    if (withKeep) {
      if (dt === "f32") c.get(7).simd(Op.demote).simd(Op.promote).set(7); // the f32 store
      c.get(7).get(6).simd(Op.f64x2Mul).set(7);
    }
    store2(c, dt, 0, 7);
  });
  return {
    name: `apply${withKeep ? "_keep" : ""}_${dt}`,
    params: [I32, I32, I32, F64, F64],
    locals: [V128, V128, V128],
    body: c,
  };
}

/** The exports of the kernel module. */
export interface SimdKernels {
  /** The module's memory (grown by {@link SimdArena}). */
  memory: WebAssembly.Memory;
  /** Adam direction over `pairs` pairs at byte offsets r, m, v, u. */
  dir: Record<Dt, (...a: number[]) => void>;
  /** α/decay application over `pairs` pairs at byte offsets w, b. */
  apply: Record<Dt, (w: number, b: number, pairs: number, alpha: number, keep: number) => void>;
  /** The same with the decay factor. */
  applyKeep: Record<Dt, (w: number, b: number, pairs: number, alpha: number, keep: number) => void>;
}

let cached: SimdKernels | null | undefined;

/**
 * The kernels, compiled once, or null where the engine has no WebAssembly SIMD (the
 * TypeScript kernels then run).
 *
 * @example
 * ```ts
 * import { simdKernels } from "./simd_kernels.ts";
 * const k = simdKernels();
 * console.log(k === null || typeof k.dir.f32); // "function" where SIMD exists
 * ```
 */
export function simdKernels(): SimdKernels | null {
  if (cached !== undefined) return cached;
  const funcs = (["f32", "f64"] as const).flatMap((dt) => [
    dirFunc(dt),
    applyFunc(dt, false),
    applyFunc(dt, true),
  ]);
  const bytes = encodeModule({ minPages: 1, funcs });
  if (typeof WebAssembly === "undefined" || !WebAssembly.validate(bytes)) return cached = null;
  const memory = new WebAssembly.Memory({ initial: 1 });
  const e = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { mem: memory } })
    .exports as Record<string, (...a: number[]) => void>;
  return cached = {
    memory,
    dir: { f32: e.dir_f32, f64: e.dir_f64 },
    apply: { f32: e.apply_f32, f64: e.apply_f64 },
    applyKeep: { f32: e.apply_keep_f32, f64: e.apply_keep_f64 },
  };
}
