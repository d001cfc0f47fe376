/**
 * Where one GaLore matrix update (spec `compression_optim_attention.md` §5a) does its work:
 * the scratch tensors R, N (`"u"`), the back-projection and the two-sided intermediate, and
 * the two element-wise kernels. {@link stepKernels} returns the WebAssembly SIMD arena when the
 * engine has SIMD and the matrix fits in its memory, else the TypeScript kernels over a
 * {@link Workspace}; both give the same bits (`simd_kernels.ts`).
 *
 * The arena's scratch lives in the kernel module's memory, so the GEMM writes R and the
 * back-projection straight where the kernels read them. The moments and the weights are
 * streamed through fixed windows of {@link WINDOW} entries (copied in, updated, copied out
 * while in cache), so the memory kept is R, N and one m×n back-projection, as in the
 * TypeScript path. Both keep their high-water mark (the largest matrix seen) for the life of
 * the process; a matrix whose scratch the engine cannot give one WebAssembly memory runs on
 * the TypeScript path.
 *
 * @module
 */
import { type DType, Tensor } from "../../ops/tensor.ts";
import type { AdamHyper } from "../../ops/optim/adam.ts";
import type { ProjectionOut } from "./projector.ts";
import { type SimdKernels, simdKernels } from "./simd_kernels.ts";
import { adamDirection_, applyUpdate_ } from "./update_kernels.ts";
import { Workspace } from "./workspace.ts";

/** Entries of the moments and the weights streamed through the arena per kernel call. */
export const WINDOW = 8192;

/** The hyperparameters {@link StepKernels.direction_} reads. */
export type DirectionHyper = Pick<AdamHyper, "lr" | "beta1" | "beta2" | "eps" | "t">;

/** The scratch and kernels of one matrix update. */
export interface StepKernels {
  /** Scratch tensors: `"r"` (R), `"u"` (N), `"back"` (m×n), `"mid"` (two-sided). */
  out: ProjectionOut;
  /** Adam's small-space direction (see `adamDirection_`). */
  direction_(u: Tensor, r: Tensor, m: Tensor, v: Tensor, h: DirectionHyper): void;
  /** `W ← (W + α·B)·keep` (see `applyUpdate_`). */
  apply_(w: Tensor, b: Tensor, alpha: number, keep: number): void;
}

/** Sizes (entries) one matrix update needs: R (and N), the two-sided intermediate, W. */
export interface StepSizes {
  /** Entries of R. */
  r: number;
  /** Entries of the largest two-sided intermediate (0 for one side). */
  mid: number;
  /** Entries of the weight matrix (the back-projection). */
  w: number;
}

const ROLES = ["r", "u", "mid", "back", "wm", "wv", "ww"] as const;
type Role = typeof ROLES[number];
const align16 = (bytes: number): number => Math.ceil(bytes / 16) * 16;

type Data = Float32Array | Float64Array;

/** `win[0, len) = src[i, i + len)`, without a subarray when the whole of src fits. */
function copyIn(win: Data, src: Data, i: number, len: number): void {
  win.set(i === 0 && len === src.length ? src : src.subarray(i, i + len));
}

/** `dst[i, i + len) = win[0, len)`, without a subarray for a full window. */
function copyOut(dst: Data, win: Data, i: number, len: number): void {
  dst.set(len === win.length ? win : win.subarray(0, len), i);
}

class SimdArena implements StepKernels {
  #k: SimdKernels;
  #dtype: DType = "f32";
  #at = new Map<Role, number>();
  #cap = new Map<Role, number>();
  #views = new Map<string, Tensor>();
  #buffer: ArrayBufferLike | null = null;
  // The windows as typed arrays, made once per layout (a typed array costs about a microsecond).
  #wm: Float32Array | Float64Array = new Float64Array(0);
  #wv: Float32Array | Float64Array = new Float64Array(0);
  #ww: Float32Array | Float64Array = new Float64Array(0);

  constructor(k: SimdKernels) {
    this.#k = k;
  }

  /** Lays out the regions for `sizes` (growing the memory); false if they cannot fit. */
  begin(dtype: DType, s: StepSizes): boolean {
    const es = dtype === "f32" ? 4 : 8;
    const need: Record<Role, number> = {
      r: s.r,
      u: s.r,
      mid: s.mid,
      back: s.w,
      wm: WINDOW,
      wv: WINDOW,
      ww: WINDOW,
    };
    let at = 0;
    const same = dtype === this.#dtype && ROLES.every((q) => (this.#cap.get(q) ?? -1) >= need[q]);
    if (!same) {
      this.#at.clear();
      for (const q of ROLES) {
        // Never shrink: matrices of different shapes then settle on one layout.
        const cap = Math.max(need[q], dtype === this.#dtype ? this.#cap.get(q) ?? 0 : 0);
        this.#at.set(q, at);
        this.#cap.set(q, cap);
        at += align16((cap + 2) * es); // + 2: the last pair may read one past the end
      }
      const mem = this.#k.memory, have = mem.buffer.byteLength;
      if (at > have) {
        try {
          mem.grow(Math.ceil((at - have) / 65536));
        } catch {
          return false; // beyond what the engine gives one memory: the TypeScript path runs
        }
      }
      this.#dtype = dtype;
    }
    if (this.#buffer !== this.#k.memory.buffer || !same) {
      this.#buffer = this.#k.memory.buffer;
      this.#views.clear();
      this.#wm = this.#region("wm", WINDOW);
      this.#wv = this.#region("wv", WINDOW);
      this.#ww = this.#region("ww", WINDOW);
    }
    return true;
  }

  /** The region of `role` as a typed array of `len` entries. */
  #region(role: Role, len: number): Float32Array | Float64Array {
    const at = this.#at.get(role)!;
    return this.#dtype === "f32"
      ? new Float32Array(this.#buffer!, at, len)
      : new Float64Array(this.#buffer!, at, len);
  }

  out: ProjectionOut = (role, dtype, shape) => {
    const key = `${role}:${shape[0]}x${shape[1]}`;
    let t = this.#views.get(key);
    if (t === undefined) {
      const size = shape[0] * shape[1];
      if (dtype !== this.#dtype || size > this.#cap.get(role)!) {
        throw new RangeError(`galore arena: ${role} [${shape}] ${dtype} was not reserved`);
      }
      t = new Tensor(this.#region(role, size), shape);
      this.#views.set(key, t);
    }
    return t;
  };

  /** Byte offset of `t`'s data in the arena, or -1 if it is elsewhere. */
  #offset(t: Tensor): number {
    return t.data.buffer === this.#buffer ? t.data.byteOffset : -1;
  }

  direction_(u: Tensor, r: Tensor, m: Tensor, v: Tensor, h: DirectionHyper): void {
    let rAt = this.#offset(r);
    const uAt = this.#offset(u), n = r.size;
    if (uAt < 0 || u.dtype !== this.#dtype || r.dtype !== this.#dtype || n > this.#cap.get("r")!) {
      return adamDirection_(u, r, m, v, h);
    }
    if (rAt < 0) { // a transform's R (Natural GaLore): into the arena first
      this.#region("r", n).set(r.data);
      rAt = this.#at.get("r")!;
    }
    const { lr, beta1: b1, beta2: b2, eps } = h;
    const bc1 = 1 - b1 ** h.t, bc2 = 1 - b2 ** h.t;
    const stepSize = (lr * Math.sqrt(bc2)) / bc1;
    const es = this.#dtype === "f32" ? 4 : 8;
    const wm = this.#wm, wv = this.#wv;
    const md = m.data, vd = v.data, dir = this.#k.dir[this.#dtype];
    for (let i = 0; i < n; i += WINDOW) {
      const len = Math.min(WINDOW, n - i);
      copyIn(wm, md, i, len);
      copyIn(wv, vd, i, len);
      const a = i * es;
      dir(
        rAt + a,
        wm.byteOffset,
        wv.byteOffset,
        uAt + a,
        (len + 1) >> 1,
        b1,
        1 - b1,
        b2,
        1 - b2,
        stepSize,
        eps,
      );
      copyOut(md, wm, i, len);
      copyOut(vd, wv, i, len);
    }
  }

  apply_(w: Tensor, b: Tensor, alpha: number, keep: number): void {
    const bAt = this.#offset(b);
    if (bAt < 0 || w.dtype !== this.#dtype || b.dtype !== this.#dtype) {
      return applyUpdate_(w, b, alpha, keep);
    }
    const es = this.#dtype === "f32" ? 4 : 8, n = w.size, wd = w.data;
    const ww = this.#ww;
    const f = (keep === 1 ? this.#k.apply : this.#k.applyKeep)[this.#dtype];
    for (let i = 0; i < n; i += WINDOW) {
      const len = Math.min(WINDOW, n - i);
      copyIn(ww, wd, i, len);
      f(ww.byteOffset, bAt + i * es, (len + 1) >> 1, alpha, keep);
      copyOut(wd, ww, i, len);
    }
  }
}

class TsKernels implements StepKernels {
  #ws = new Workspace();
  out: ProjectionOut = (role, dtype, shape) => this.#ws.get(role, dtype, shape);
  direction_(u: Tensor, r: Tensor, m: Tensor, v: Tensor, h: DirectionHyper): void {
    adamDirection_(u, r, m, v, h);
  }
  apply_(w: Tensor, b: Tensor, alpha: number, keep: number): void {
    applyUpdate_(w, b, alpha, keep);
  }
}

let arena: SimdArena | null | undefined;
let simdOn = true;
const ts = new TsKernels();

/**
 * Turns the SIMD kernels on or off for later steps (on by default; off runs the TypeScript
 * kernels, with the same bits) and returns the previous setting. For tests and benchmarks.
 *
 * @example
 * ```ts
 * import { setSimdKernels } from "./step_arena.ts";
 * const before = setSimdKernels(false);
 * setSimdKernels(before);
 * console.log(before); // true
 * ```
 */
export function setSimdKernels(on: boolean): boolean {
  if (typeof on !== "boolean") {
    throw new TypeError(`setSimdKernels: on must be a boolean, got ${on}`);
  }
  const was = simdOn;
  simdOn = on;
  return was;
}

/**
 * The scratch and kernels for one matrix update of `dtype` with these sizes: the SIMD arena
 * where the engine has WebAssembly SIMD, the matrix fits and the SIMD kernels are on
 * ({@link setSimdKernels}), else the TypeScript kernels. Valid until the next call.
 *
 * @example
 * ```ts
 * import { stepKernels } from "./step_arena.ts";
 * const k = stepKernels("f64", { r: 8, mid: 0, w: 32 });
 * console.log(k.out("r", "f64", [4, 2]).shape); // [4, 2]
 * ```
 */
export function stepKernels(dtype: DType, sizes: StepSizes): StepKernels {
  if (simdOn && arena === undefined) {
    const k = simdKernels();
    arena = k === null ? null : new SimdArena(k);
  }
  return simdOn && arena && arena.begin(dtype, sizes) ? arena : ts;
}
