/**
 * NOLA — compressing LoRA with a linear combination of random bases (Koohpayegani, Navaneet,
 * Nooralinejad, Kolouri & Pirsiavash, ICLR 2024, arXiv 2310.02556). Spec: `specs/adapters.md`
 * §5.
 *
 * `A = A₀ + (1/√k) Σ_i α_i U_i`, `B = B₀ + (1/√l) Σ_j β_j V_j`, `ΔW = s·B A`; the bases
 * `U_i ∈ R^{r×in}`, `V_j ∈ R^{out×r}` (i.i.d. `U(−1, 1)`) and `A₀` (Kaiming-uniform) are
 * regenerated from seeds derived from one global seed and the module name, so the adapter is
 * stored as `k + l` coefficients plus the seed. Default is the authors' code form (`A₀ ≠ 0`,
 * `B₀ = 0`, `α = β = 0`); `form: "paper"` drops `A₀` and starts from random `α` (the paper form
 * cannot train from `α = β = 0`).
 *
 * @module
 */
import { add, scale } from "../../ops/autograd/ops_arith.ts";
import { matmul } from "../../ops/autograd/ops_matmul.ts";
import { reshape } from "../../ops/autograd/ops_shape.ts";
import { record } from "../../ops/autograd/tape.ts";
import { Rng } from "../../ops/random.ts";
import { assertMatrix, type DType, type Tensor, zeros } from "../../ops/tensor.ts";
import { type AdapterMethod, type AdapterState, countParams, positiveInt } from "./adapter.ts";
import { loraFromFactors, loraScale, type LoraState } from "./lora.ts";

/** Options of {@link nola}`.init`. */
export interface NolaOptions {
  /** Rank r of the LoRA factors. */
  r: number;
  /** Number of A bases k. */
  k: number;
  /** Number of B bases l. */
  l: number;
  /** LoRA scale numerator (default r). */
  alpha?: number;
  /** Global seed (default 0). */
  seed?: number;
  /** Dotted module name mixed into the seeds (default ""). */
  module?: string;
  /** `"code"` (default: A₀ from its own seed, α = β = 0) or `"paper"` (no A₀, random α). */
  form?: "code" | "paper";
  /** Element type (default that of W). */
  dtype?: DType;
  /**
   * Keep the bases in memory (default true). With false they are regenerated from the seeds in
   * every forward and again in the backward (the reference's memory-saving custom backward):
   * storage stays `k + l` numbers at the cost of regeneration time.
   */
  storeBases?: boolean;
}

/** Trainable coefficients: `alpha` (`[k]`) and `beta` (`[l]`). */
export interface NolaParams extends Record<string, Tensor> {
  /** Coefficients of the A bases. */
  alpha: Tensor;
  /** Coefficients of the B bases. */
  beta: Tensor;
}

/** State of a NOLA adapter. */
export interface NolaState extends AdapterState<NolaParams> {
  /** Rank. */
  readonly r: number;
  /** LoRA scale s. */
  readonly scale: number;
  /** The seeds the frozen tensors were generated from. */
  readonly seeds: { a: number; b: number; a0: number };
  /** Frozen A bases, `[k, r·in]` (row i is U_i flattened); absent when regenerated. */
  readonly basesA?: Tensor;
  /** Frozen B bases, `[l, out·r]` (row j is V_j flattened); absent when regenerated. */
  readonly basesB?: Tensor;
  /** Frozen offset A₀ (`r × in`; zero in the paper form). */
  readonly a0: Tensor;
}

/**
 * Derives a 32-bit seed from (global seed, module, role) by FNV-1a over the UTF-16 code units
 * of `"seed|module|role"`; stable across runs and machines.
 *
 * @example
 * ```ts
 * import { deriveSeed } from "./nola.ts";
 * console.log(deriveSeed(0, "q", "A") === deriveSeed(0, "q", "A"), deriveSeed(0, "q", "A") !== deriveSeed(0, "q", "B"));
 * // true true
 * ```
 */
export function deriveSeed(seed: number, module: string, role: string): number {
  let h = 0x811c9dc5;
  const text = `${seed}|${module}|${role}`;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function uniformBlock(
  seed: number,
  rows: number,
  cols: number,
  bound: number,
  dtype: DType,
): Tensor {
  const rng = new Rng(seed);
  const t = zeros([rows, cols], { dtype });
  for (let i = 0; i < t.size; i++) t.data[i] = rng.uniformIn(-bound, bound);
  return t;
}

/**
 * The materialized factors `A` (`r × in`) and `B` (`out × r`) of a NOLA state
 * (differentiable in the coefficients).
 *
 * @example
 * ```ts
 * import { Rng, randn } from "../../ops/random.ts";
 * import { nola, nolaFactors } from "./nola.ts";
 * const st = nola.init(randn([6, 5], { seed: 0 }), { r: 2, k: 4, l: 3 }, new Rng(0));
 * const { a, b } = nolaFactors(st);
 * console.log(a.shape, b.shape); // [2, 5] [6, 2]
 * ```
 */
export function nolaFactors(s: NolaState): { a: Tensor; b: Tensor } {
  const [out, inp] = s.shape;
  const { alpha, beta } = s.params;
  const k = alpha.size, l = beta.size;
  const combA = s.basesA
    ? scale(matmul(reshape(alpha, [1, k]), s.basesA), 1 / Math.sqrt(k))
    : regeneratedCombination(alpha, s.seeds.a, s.r * inp);
  const combB = s.basesB
    ? scale(matmul(reshape(beta, [1, l]), s.basesB), 1 / Math.sqrt(l))
    : regeneratedCombination(beta, s.seeds.b, out * s.r);
  const a = add(s.a0, reshape(combA, [s.r, inp]));
  const b = reshape(combB, [out, s.r]);
  return { a, b };
}

/**
 * `(1/√k) Σ_i c_i U_i` with the bases `U_i ∈ U(−1, 1)^size` drawn from `Rng(seed)` row by row
 * (the same stream as the stored bases), as a differentiable op that never stores them: the
 * backward regenerates them, `∂L/∂c_i = (1/√k)⟨∂L/∂out, U_i⟩` (NOLA's custom backward).
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { regeneratedCombination } from "./nola.ts";
 * console.log(regeneratedCombination(tensor([0, 0]), 7, 3).data); // Float64Array [0, 0, 0]
 * ```
 */
export function regeneratedCombination(coef: Tensor, seed: number, size: number): Tensor {
  const k = coef.size, f = 1 / Math.sqrt(k);
  const out = zeros([1, size], { dtype: coef.dtype });
  let rng = new Rng(seed);
  for (let i = 0; i < k; i++) {
    const c = coef.data[i] * f;
    for (let j = 0; j < size; j++) out.data[j] += c * rng.uniformIn(-1, 1);
  }
  return record("nolaBases", out, [coef], (g) => {
    const grad = zeros([...coef.shape], { dtype: coef.dtype });
    rng = new Rng(seed);
    for (let i = 0; i < k; i++) {
      let acc = 0;
      for (let j = 0; j < size; j++) acc += g.data[j] * rng.uniformIn(-1, 1);
      grad.data[i] = acc * f;
    }
    return [grad];
  });
}

/**
 * Trainable count of NOLA: `k + l`, independent of the layer shape and the rank.
 *
 * @example
 * ```ts
 * import { nolaParamCount } from "./nola.ts";
 * console.log(nolaParamCount(512, 512)); // 1024
 * ```
 */
export function nolaParamCount(k: number, l: number): number {
  positiveInt("nolaParamCount", "k", k);
  positiveInt("nolaParamCount", "l", l);
  return k + l;
}

/**
 * The frozen tensors of a NOLA state regenerated from its seeds (what a checkpoint omits:
 * spec §5, "storage = coefficients + seeds"): `a0` (Kaiming-uniform in the `"code"` form, zero
 * in the `"paper"` form) and, with `storeBases`, the bases. Bit-identical to `nola.init`'s.
 *
 * @example
 * ```ts
 * import { Rng, randn } from "../../ops/random.ts";
 * import { nola, nolaFrozen } from "./nola.ts";
 * const st = nola.init(randn([6, 5], { seed: 0 }), { r: 2, k: 4, l: 3, seed: 1 }, new Rng(0));
 * const f = nolaFrozen(st.shape, st.r, 4, 3, st.seeds, "code", true, "f64");
 * console.log(f.a0.data.every((x, i) => x === st.a0.data[i])); // true
 * ```
 */
export function nolaFrozen(
  shape: readonly number[],
  r: number,
  k: number,
  l: number,
  seeds: { a: number; b: number; a0: number },
  form: "code" | "paper",
  storeBases: boolean,
  dtype: DType,
): { a0: Tensor; basesA?: Tensor; basesB?: Tensor } {
  const [out, inp] = shape;
  return {
    a0: form === "code"
      ? uniformBlock(seeds.a0, r, inp, 1 / Math.sqrt(inp), dtype)
      : zeros([r, inp], { dtype }),
    basesA: storeBases ? uniformBlock(seeds.a, k, r * inp, 1, dtype) : undefined,
    basesB: storeBases ? uniformBlock(seeds.b, l, out * r, 1, dtype) : undefined,
  };
}

/**
 * The NOLA method (spec §5): `delta` is `s·B A` with the factors rebuilt from the bases.
 *
 * @example
 * ```ts
 * import { Rng, randn } from "../../ops/random.ts";
 * import { nola } from "./nola.ts";
 * const st = nola.init(randn([6, 5], { seed: 0 }), { r: 2, k: 4, l: 3, module: "q" }, new Rng(0));
 * console.log(nola.paramCount(st), nola.delta(st).shape); // 7 [6, 5]
 * ```
 */
export const nola: AdapterMethod<NolaOptions, NolaState> = {
  name: "nola",
  init(w: Tensor, opts: NolaOptions, rng: Rng): NolaState {
    const [out, inp] = assertMatrix("nola.init", "w", w);
    const r = positiveInt("nola.init", "r", opts.r);
    const k = positiveInt("nola.init", "k", opts.k), l = positiveInt("nola.init", "l", opts.l);
    const dtype = opts.dtype ?? w.dtype;
    const form = opts.form ?? "code";
    if (form !== "code" && form !== "paper") {
      throw new RangeError(`nola.init: form must be "code" or "paper", got ${String(form)}`);
    }
    const g = opts.seed ?? 0, mod = opts.module ?? "";
    const seeds = {
      a: deriveSeed(g, mod, "A"),
      b: deriveSeed(g, mod, "B"),
      a0: deriveSeed(g, mod, "A0"),
    };
    const alpha = zeros([k], { dtype });
    if (form === "paper") { for (let i = 0; i < k; i++) alpha.data[i] = rng.normal(); }
    return {
      method: "nola",
      shape: [out, inp],
      params: { alpha, beta: zeros([l], { dtype }) },
      r,
      scale: loraScale(opts.alpha ?? r, r),
      seeds,
      ...nolaFrozen([out, inp], r, k, l, seeds, form, opts.storeBases !== false, dtype),
    };
  },
  delta(s: NolaState): Tensor {
    const { a, b } = nolaFactors(s);
    return scale(matmul(b, a), s.scale);
  },
  trainable(s: NolaState): NolaParams {
    return s.params;
  },
  paramCount(s: NolaState): number {
    return countParams(s.params);
  },
};

/**
 * Exact export to a plain LoRA (same r and scale) from the materialized factors.
 *
 * @example
 * ```ts
 * import { Rng, randn } from "../../ops/random.ts";
 * import { nola, nolaToLora } from "./nola.ts";
 * const st = nola.init(randn([6, 5], { seed: 0 }), { r: 2, k: 4, l: 3, alpha: 4 }, new Rng(0));
 * console.log(nolaToLora(st).scale); // 2
 * ```
 */
export function nolaToLora(s: NolaState): LoraState {
  const { a, b } = nolaFactors(s);
  return loraFromFactors(a, b, { alpha: s.scale * s.r });
}
