/**
 * RandLoRA — full-rank parameter-efficient fine-tuning from random bases (Albert et al., ICLR
 * 2025, arXiv 2502.00987). Spec: `specs/adapters.md` §4.
 *
 * With `k = min(in, out)`, `D = max(in, out)`, `n = ⌈k/r⌉`: frozen `A ∈ R^{r×k}` and `B_i ∈
 * R^{D×r}` (`i < n`), trainable `λ ∈ R^{r×n}` and `γ ∈ R^{n×k}`; `ΔW = s·M` (`s·Mᵀ` when
 * `out < in`, so γ always acts on the small side). Default pairing is PEFT's flattened one
 * (`M = B̂ Â`, `Â[c] = λ[⌊c/n⌋, c mod n] · A[⌊c/n⌋] ⊙ γ[c mod n]`, `B̂[:, c] = B_{⌊c/r⌋}[:, c mod r]`),
 * required to reproduce PEFT files; the paper's per-basis sum `Σ_i B_i diag(λ_i) A diag(γ_i)` is
 * the option `pairing: "per-basis"`.
 *
 * @module
 */
import { scale } from "../../ops/autograd/ops_arith.ts";
import { matmul } from "../../ops/autograd/ops_matmul.ts";
import { transpose } from "../../ops/autograd/ops_shape.ts";
import { Rng } from "../../ops/random.ts";
import { assertMatrix, type DType, full, shapeStr, type Tensor, zeros } from "../../ops/tensor.ts";
import { type AdapterMethod, type AdapterState, countParams, positiveInt } from "./adapter.ts";
import { randLoraScaledA } from "./randlora_scaled.ts";

/**
 * How the frozen bases are drawn.
 *
 * @example
 * ```ts
 * import { randLoraBases, type RandLoraBasis } from "./randlora.ts";
 * const basis: RandLoraBasis = "sparse";
 * const { a } = randLoraBases([[16, 12]], 4, { seed: 0, basis });
 * console.log(a.shape); // [4, 1, 12]
 * ```
 */
export type RandLoraBasis = "dense" | "sparse" | "very_sparse";

/** Options of {@link randLora}`.init`. */
export interface RandLoraOptions {
  /** Rank r of each basis (smaller r ⇒ more bases and more parameters). */
  r: number;
  /** Scale numerator α (PEFT default 640 = 20·32). */
  alpha?: number;
  /** Official-code scaling `s = α/(r·√n)` instead of PEFT's `α/r` (default false). */
  divideSqrtN?: boolean;
  /** `"peft"` (default, file-compatible) or `"per-basis"` (the paper's sum). */
  pairing?: "peft" | "per-basis";
  /** Basis distribution (default dense). */
  basis?: RandLoraBasis;
  /** Element type (default that of W). */
  dtype?: DType;
  /**
   * Shared bases (from {@link randLoraBases} over all adapted layers); default: bases drawn for
   * this layer alone from the `rng`.
   */
  bases?: RandLoraBases;
}

/** The shared frozen bases in PEFT's layout: `a` is `[r, 1, k_max]`, `b` is `[D_max, n_max, r]`. */
export interface RandLoraBases {
  /** `randlora_A`. */
  a: Tensor;
  /** `randlora_B`. */
  b: Tensor;
}

/** Trainable tensors: `lambda` is `[r, n]` (column i is λ_i), `gamma` is `[n, k]` (row i is γ_i). */
export interface RandLoraParams extends Record<string, Tensor> {
  /** λ, `[r, n]`. */
  lambda: Tensor;
  /** γ, `[n, k]`. */
  gamma: Tensor;
}

/** State of a RandLoRA adapter. */
export interface RandLoraState extends AdapterState<RandLoraParams> {
  /** Rank of each basis. */
  readonly r: number;
  /** Number of bases `⌈k/r⌉`. */
  readonly n: number;
  /** Frozen `A` sliced to this layer, `[r, k]`. */
  readonly a: Tensor;
  /** Frozen bases sliced and flattened to `B̂ = [B_0 … B_{n−1}]`, `[D, n·r]`. */
  readonly bHat: Tensor;
  /** Branch scale s. */
  readonly scale: number;
  /** Pairing of λ/γ with the bases. */
  readonly pairing: "peft" | "per-basis";
  /** The unsliced bases this layer takes its slices from (shared across layers). */
  readonly sharedBases: RandLoraBases;
}

/**
 * Trainable count of RandLoRA on an `out × in` weight: `n (r + k)`, `n = ⌈k/r⌉`.
 *
 * @example
 * ```ts
 * import { randLoraParamCount } from "./randlora.ts";
 * console.log(randLoraParamCount(4096, 4096, 32), randLoraParamCount(4096, 4096, 64)); // 528384 266240
 * ```
 */
export function randLoraParamCount(out: number, inp: number, r: number): number {
  // r = 0 would give n = ⌈k/0⌉ = Infinity, a fractional size a fractional count.
  positiveInt("randLoraParamCount", "out", out);
  positiveInt("randLoraParamCount", "inp", inp);
  positiveInt("randLoraParamCount", "r", r);
  const k = Math.min(out, inp);
  return Math.ceil(k / r) * (r + k);
}

function drawBasis(size: number, basis: RandLoraBasis, kSmall: number, rng: Rng): Float64Array {
  const v = new Float64Array(size);
  if (basis === "dense") {
    for (let i = 0; i < size; i++) v[i] = rng.uniformIn(-1, 1);
  } else if (basis === "sparse" || basis === "very_sparse") {
    // Ternary −1/0/+1; PEFT code thresholds: 1/6 each (sparse) or 1/(2√k) each (very sparse).
    const p = basis === "sparse" ? 1 / 6 : 1 / (2 * Math.sqrt(kSmall));
    for (let i = 0; i < size; i++) {
      const u = rng.uniform();
      v[i] = u < p ? -1 : u >= 1 - p ? 1 : 0;
    }
  } else {
    throw new RangeError(`randLoraBases: basis must be dense, sparse or very_sparse, got ${basis}`);
  }
  // Unit variance: divide by the empirical (unbiased) standard deviation, as PEFT does.
  let mean = 0;
  for (const x of v) mean += x;
  mean /= size;
  let ss = 0;
  for (const x of v) ss += (x - mean) ** 2;
  const std = Math.sqrt(ss / Math.max(1, size - 1));
  if (std > 0) { for (let i = 0; i < size; i++) v[i] /= std; }
  return v;
}

/**
 * Frozen bases shared by every adapted layer (PEFT): from the element-wise maximum shape,
 * `k_max = min`, `D_max = max`, `n_max = ⌈k_max/r⌉`; `A` drawn first, then the `B` stack, each
 * scaled to unit empirical variance. Deterministic in `seed`.
 *
 * @example
 * ```ts
 * import { randLoraBases } from "./randlora.ts";
 * const { a, b } = randLoraBases([[64, 48], [48, 48]], 8, { seed: 0 });
 * console.log(a.shape, b.shape); // [8, 1, 48] [64, 6, 8]
 * ```
 */
export function randLoraBases(
  shapes: readonly (readonly [number, number])[],
  r: number,
  opts: { seed?: number; rng?: Rng; basis?: RandLoraBasis; dtype?: DType } = {},
): RandLoraBases {
  positiveInt("randLoraBases", "r", r);
  if (shapes.length === 0) throw new RangeError("randLoraBases: shapes is empty");
  const maxOut = Math.max(...shapes.map((s) => s[0]));
  const maxIn = Math.max(...shapes.map((s) => s[1]));
  const kMax = Math.min(maxOut, maxIn), dMax = Math.max(maxOut, maxIn);
  const nMax = Math.ceil(kMax / r);
  const rng = opts.rng ?? new Rng(opts.seed ?? 0);
  const basis = opts.basis ?? "dense";
  const dtype = opts.dtype ?? "f64";
  const a = zeros([r, 1, kMax], { dtype }), b = zeros([dMax, nMax, r], { dtype });
  a.data.set(drawBasis(a.size, basis, kMax, rng));
  b.data.set(drawBasis(b.size, basis, kMax, rng));
  return { a, b };
}

/**
 * A RandLoRA state from the shared bases and given λ, γ (e.g. read from a PEFT file) for an
 * `out × in` weight.
 *
 * @example
 * ```ts
 * import { zeros } from "../../ops/tensor.ts";
 * import { randLoraBases, randLoraFromParts } from "./randlora.ts";
 * const bases = randLoraBases([[6, 4]], 2, { seed: 1 });
 * const s = randLoraFromParts([6, 4], bases, zeros([2, 2]), zeros([2, 4]), { scale: 1 });
 * console.log(s.n, s.bHat.shape); // 2 [6, 4]
 * ```
 */
export function randLoraFromParts(
  shape: readonly [number, number],
  bases: RandLoraBases,
  lambda: Tensor,
  gamma: Tensor,
  opts: { scale: number; pairing?: "peft" | "per-basis" },
): RandLoraState {
  const [out, inp] = shape;
  const k = Math.min(out, inp), d = Math.max(out, inp);
  const [r, one, kMax] = bases.a.shape;
  const [dMax, nMax, r2] = bases.b.shape;
  const n = Math.ceil(k / r);
  if (bases.a.ndim !== 3 || one !== 1 || r2 !== r || kMax < k || dMax < d || nMax < n) {
    throw new RangeError(
      `randLoraFromParts: bases A ${shapeStr(bases.a.shape)} / B ${
        shapeStr(bases.b.shape)
      } do not cover a ${out}x${inp} layer at rank ${r}`,
    );
  }
  const want = (t: Tensor, s: number[], name: string): void => {
    if (t.ndim !== 2 || t.shape[0] !== s[0] || t.shape[1] !== s[1]) {
      throw new RangeError(
        `randLoraFromParts: ${name} is ${shapeStr(t.shape)}, expected ${s.join("x")}`,
      );
    }
  };
  want(lambda, [r, n], "lambda");
  want(gamma, [n, k], "gamma");
  const dtype = lambda.dtype;
  const a = zeros([r, k], { dtype });
  for (let i = 0; i < r; i++) a.data.set(bases.a.data.subarray(i * kMax, i * kMax + k), i * k);
  const bHat = zeros([d, n * r], { dtype });
  for (let row = 0; row < d; row++) {
    const src = row * nMax * r;
    bHat.data.set(bases.b.data.subarray(src, src + n * r), row * n * r);
  }
  return {
    method: "randlora",
    shape: [out, inp],
    params: { lambda, gamma },
    r,
    n,
    a,
    bHat,
    scale: opts.scale,
    pairing: opts.pairing ?? "peft",
    sharedBases: bases,
  };
}

/**
 * The RandLoRA branch `x ΔWᵀ` for a row batch `x` (`N × in`) in the factored form of spec §4:
 * the `n·r`-wide projection with the λ/γ-scaled copy of A, then the `[B_1 … B_n]` map (or the
 * reverse order when `out < in`), without forming the `out × in` ΔW.
 *
 * @example
 * ```ts
 * import { Rng, randn } from "../../ops/random.ts";
 * import { randLora, randLoraApply } from "./randlora.ts";
 * const st = randLora.init(randn([6, 4], { seed: 0 }), { r: 2 }, new Rng(0));
 * console.log(randLoraApply(st, randn([3, 4], { seed: 1 })).shape); // [3, 6]
 * ```
 */
export function randLoraApply(s: RandLoraState, x: Tensor): Tensor {
  const aHat = randLoraScaledA(s); // [n·r, k], memory-saving backward
  const [out, inp] = s.shape;
  const y = out >= inp
    ? matmul(matmul(x, aHat, { transB: true }), s.bHat, { transB: true })
    : matmul(matmul(x, s.bHat), aHat);
  return scale(y, s.scale);
}

/**
 * The RandLoRA method (spec §4): `init` draws (or takes) the bases, sets `λ = 0` (ΔW = 0) and
 * `γ = 1/max(n, k)`.
 *
 * @example
 * ```ts
 * import { Rng, randn } from "../../ops/random.ts";
 * import { randLora } from "./randlora.ts";
 * const st = randLora.init(randn([12, 8], { seed: 0 }), { r: 2, alpha: 4 }, new Rng(0));
 * console.log(st.n, randLora.paramCount(st), randLora.delta(st).shape); // 4 40 [12, 8]
 * ```
 */
export const randLora: AdapterMethod<RandLoraOptions, RandLoraState> = {
  name: "randlora",
  init(w: Tensor, opts: RandLoraOptions, rng: Rng): RandLoraState {
    const [out, inp] = assertMatrix("randLora.init", "w", w);
    const r = positiveInt("randLora.init", "r", opts.r);
    const dtype = opts.dtype ?? w.dtype;
    const bases = opts.bases ?? randLoraBases([[out, inp]], r, { rng, basis: opts.basis, dtype });
    const k = Math.min(out, inp), n = Math.ceil(k / r);
    const alpha = opts.alpha ?? 640;
    const s = opts.divideSqrtN ? alpha / (r * Math.sqrt(n)) : alpha / r;
    const gamma = full([n, k], 1 / Math.max(n, k), { dtype });
    return randLoraFromParts([out, inp], bases, zeros([r, n], { dtype }), gamma, {
      scale: s,
      pairing: opts.pairing,
    });
  },
  delta(s: RandLoraState): Tensor {
    const aHat = randLoraScaledA(s);
    const m = matmul(s.bHat, aHat);
    const [out, inp] = s.shape;
    return scale(out >= inp ? m : transpose(m), s.scale);
  },
  trainable(s: RandLoraState): RandLoraParams {
    return s.params;
  },
  paramCount(s: RandLoraState): number {
    return countParams(s.params);
  },
};
