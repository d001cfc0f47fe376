/**
 * LoRA — Low-Rank Adaptation (Hu et al., "LoRA: Low-Rank Adaptation of Large Language Models",
 * ICLR 2022, arXiv 2106.09685), with the rsLoRA scaling option (Kalajdzievski, arXiv
 * 2312.03732). Spec: `specs/adapters.md` §1.
 *
 * `ΔW = s · B A` with `A ∈ R^{r×in}`, `B ∈ R^{out×r}`, `s = α/r` (rsLoRA: `α/√r`).
 *
 * @module
 */
import { scale } from "../../ops/autograd/ops_arith.ts";
import { matmul } from "../../ops/autograd/ops_matmul.ts";
import { gemm } from "../../ops/cpu/gemm.ts";
import type { Rng } from "../../ops/random.ts";
import { assertMatrix, type DType, shapeStr, type Tensor, zeros } from "../../ops/tensor.ts";
import {
  type AdapterMethod,
  type AdapterState,
  countParams,
  finiteNumber,
  positiveInt,
} from "./adapter.ts";

/** Options of {@link lora}`.init`. */
export interface LoraOptions {
  /** Rank r. */
  r: number;
  /** Scale numerator α (default `r`, i.e. s = 1 without rsLoRA). */
  alpha?: number;
  /** rsLoRA: `s = α/√r` instead of `α/r` (default false). */
  useRslora?: boolean;
  /**
   * Initializer of A (B is always 0): `"kaiming"` (default; PEFT's Kaiming-uniform(√5), i.e.
   * `U(−1/√in, 1/√in)`) or `"gaussian"` (PEFT `init_lora_weights="gaussian"`, `N(0, 1/r²)`).
   */
  init?: "kaiming" | "gaussian";
  /** Element type of the factors (default: that of `W`). */
  dtype?: DType;
}

/** Trainable tensors of a LoRA: `a` is `r × in`, `b` is `out × r`. */
export interface LoraParams extends Record<string, Tensor> {
  /** Down-projection A (`r × in`). */
  a: Tensor;
  /** Up-projection B (`out × r`). */
  b: Tensor;
}

/** State of a LoRA adapter. */
export interface LoraState extends AdapterState<LoraParams> {
  /** Rank. */
  readonly r: number;
  /** Scale numerator α. */
  readonly alpha: number;
  /** Whether rsLoRA scaling is used. */
  readonly useRslora: boolean;
  /** The branch scale s. */
  readonly scale: number;
}

/**
 * The LoRA branch scale: `α/r`, or `α/√r` with rsLoRA.
 *
 * @example
 * ```ts
 * import { loraScale } from "./lora.ts";
 * console.log(loraScale(16, 4), loraScale(16, 4, true)); // 4 8
 * ```
 */
export function loraScale(alpha: number, r: number, useRslora = false): number {
  finiteNumber("loraScale", "alpha", alpha);
  positiveInt("loraScale", "r", r);
  return useRslora ? alpha / Math.sqrt(r) : alpha / r;
}

/**
 * Trainable parameter count of a LoRA on an `out × in` weight: `r (in + out)`.
 *
 * @example
 * ```ts
 * import { loraParamCount } from "./lora.ts";
 * console.log(loraParamCount(4096, 4096, 8)); // 65536
 * ```
 */
export function loraParamCount(out: number, inp: number, r: number): number {
  positiveInt("loraParamCount", "out", out);
  positiveInt("loraParamCount", "inp", inp);
  positiveInt("loraParamCount", "r", r);
  return r * (inp + out);
}

/**
 * A LoRA state from given factors (e.g. read from a PEFT file).
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { loraFromFactors } from "./lora.ts";
 * const s = loraFromFactors(tensor([[1, 0]]), tensor([[2], [3]]), { alpha: 2 });
 * console.log(s.shape, s.scale); // [2, 2] 2
 * ```
 */
export function loraFromFactors(
  a: Tensor,
  b: Tensor,
  opts: { alpha?: number; useRslora?: boolean } = {},
): LoraState {
  const [r, inp] = assertMatrix("loraFromFactors", "a", a);
  const [out, rb] = assertMatrix("loraFromFactors", "b", b);
  if (rb !== r) {
    throw new RangeError(
      `loraFromFactors: a is ${shapeStr(a.shape)} and b is ${shapeStr(b.shape)}: ranks differ`,
    );
  }
  if (a.dtype !== b.dtype) {
    throw new TypeError(`loraFromFactors: dtypes differ: a is ${a.dtype}, b is ${b.dtype}`);
  }
  positiveInt("loraFromFactors", "rank", r);
  const alpha = finiteNumber("loraFromFactors", "alpha", opts.alpha ?? r);
  const useRslora = opts.useRslora ?? false;
  return {
    method: "lora",
    shape: [out, inp],
    params: { a, b },
    r,
    alpha,
    useRslora,
    scale: loraScale(alpha, r, useRslora),
  };
}

function initA(r: number, inp: number, opts: LoraOptions, dtype: DType, rng: Rng): Tensor {
  const a = zeros([r, inp], { dtype });
  const mode = opts.init ?? "kaiming";
  if (mode === "kaiming") {
    const bound = 1 / Math.sqrt(inp);
    for (let i = 0; i < a.size; i++) a.data[i] = rng.uniformIn(-bound, bound);
  } else if (mode === "gaussian") {
    for (let i = 0; i < a.size; i++) a.data[i] = rng.normal(0, 1 / r);
  } else {
    throw new RangeError(`lora.init: init must be "kaiming" or "gaussian", got ${String(mode)}`);
  }
  return a;
}

/**
 * The low-rank branch `s · (x Aᵀ) Bᵀ` for a row batch `x` (`N × in`), computed without forming
 * ΔW (two thin GEMMs: `O(N r (in + out))` instead of `O(out · in · (N + r))`).
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { loraApply, loraFromFactors } from "./lora.ts";
 * const s = loraFromFactors(tensor([[1, 1]]), tensor([[1], [2]]), { alpha: 1 });
 * console.log(loraApply(s, tensor([[1, 2]])).data); // Float64Array [3, 6]
 * ```
 */
export function loraApply(s: LoraState, x: Tensor): Tensor {
  const xa = matmul(x, s.params.a, { transB: true });
  return scale(matmul(xa, s.params.b, { transB: true }), s.scale);
}

/**
 * In place `W ← W ± s·B A`: one GEMM accumulating into W's storage (`beta = 1`), so merging is
 * GEMM-bound (no temporary of W's size). Returns `w`. Dtypes of W and the factors must match.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { loraFromFactors, loraMerge_ } from "./lora.ts";
 * const s = loraFromFactors(tensor([[1, 0]]), tensor([[1], [1]]), { alpha: 2 });
 * const w = tensor([[0, 0], [0, 0]]);
 * loraMerge_(w, s);
 * console.log(w.data); // Float64Array [2, 0, 2, 0]
 * ```
 */
export function loraMerge_(w: Tensor, s: LoraState, opts: { unmerge?: boolean } = {}): Tensor {
  const [out, inp] = assertMatrix("loraMerge_", "w", w);
  if (out !== s.shape[0] || inp !== s.shape[1]) {
    throw new RangeError(
      `loraMerge_: w is ${shapeStr(w.shape)}, the adapter is ${shapeStr(s.shape)}`,
    );
  }
  if (w.dtype !== s.params.a.dtype || w.dtype !== s.params.b.dtype) {
    throw new TypeError(`loraMerge_: w is ${w.dtype} but the factors are ${s.params.a.dtype}`);
  }
  gemm({
    m: out,
    n: inp,
    k: s.r,
    a: s.params.b.data,
    lda: s.r,
    b: s.params.a.data,
    ldb: inp,
    c: w.data,
    ldc: inp,
    alpha: opts.unmerge ? -s.scale : s.scale,
    beta: 1,
  });
  return w;
}

/**
 * `W ± s·B A` as a new tensor: a copy of W, then {@link loraMerge_}.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { loraFromFactors, loraMerge } from "./lora.ts";
 * const s = loraFromFactors(tensor([[1, 0]]), tensor([[1], [1]]), { alpha: 2 });
 * console.log(loraMerge(tensor([[0, 0], [0, 0]]), s).data); // Float64Array [2, 0, 2, 0]
 * ```
 */
export function loraMerge(w: Tensor, s: LoraState, opts: { unmerge?: boolean } = {}): Tensor {
  assertMatrix("loraMerge", "w", w);
  return loraMerge_(w.clone(), s, opts);
}

/**
 * The LoRA method (spec §1): `init` draws A (Kaiming-uniform or Gaussian) and sets B = 0, so
 * ΔW = 0 at step 0; `delta` is `s·B A`.
 *
 * @example
 * ```ts
 * import { Rng, randn } from "../../ops/random.ts";
 * import { lora } from "./lora.ts";
 * const w = randn([6, 5], { seed: 0 });
 * const st = lora.init(w, { r: 2, alpha: 4 }, new Rng(0));
 * console.log(st.scale, lora.paramCount(st), lora.delta(st).shape); // 2 22 [6, 5]
 * ```
 */
export const lora: AdapterMethod<LoraOptions, LoraState> = {
  name: "lora",
  init(w: Tensor, opts: LoraOptions, rng: Rng): LoraState {
    const [out, inp] = assertMatrix("lora.init", "w", w);
    const r = positiveInt("lora.init", "r", opts.r);
    const dtype = opts.dtype ?? w.dtype;
    const a = initA(r, inp, opts, dtype, rng);
    return loraFromFactors(a, zeros([out, r], { dtype }), {
      alpha: opts.alpha ?? r,
      useRslora: opts.useRslora,
    });
  },
  delta(s: LoraState): Tensor {
    return scale(matmul(s.params.b, s.params.a), s.scale);
  },
  trainable(s: LoraState): LoraParams {
    return s.params;
  },
  paramCount(s: LoraState): number {
    return countParams(s.params);
  },
};
