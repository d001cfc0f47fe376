/**
 * TriAdaptLoRA — triangular split of the middle matrix with adaptive rank growth (Liang, Wang
 * & Zeng, 2025, arXiv 2501.08008). Spec: `specs/adapters.md` §10 (reference: a PEFT-fork
 * implementation of uncertain provenance; the defaults below are the spec's).
 *
 * `ΔW = (α/r_t)·B C A` with `A ∈ R^{r_t×in}`, `B ∈ R^{out×r_t}` and a dense `C ∈ R^{r_t×r_t}`
 * stored as strips that grow with the rank: block m (size a_m, cumulative S_m) adds a row strip
 * `Cℓ_m ∈ R^{a_m×S_m}` and a column strip `Cu_m ∈ R^{S_m×a_m}`; C is the sum of both strip
 * families zero-padded. New blocks: `A_new, B_new ~ N(0, 0.02²)`, strips 0 (function preserving
 * apart from the α/r_t rescaling, which `compensate` removes). Importance `q = ‖C‖_F / m`;
 * matrices whose score passes a dynamic K-th-largest threshold grow by `a`.
 *
 * @module
 */
import { add, scale, sub } from "../../ops/autograd/ops_arith.ts";
import { matmul } from "../../ops/autograd/ops_matmul.ts";
import { sum } from "../../ops/autograd/ops_reduce.ts";
import { concat } from "../../ops/autograd/ops_shape.ts";
import { sqrt, square } from "../../ops/autograd/ops_unary.ts";
import type { Rng } from "../../ops/random.ts";
import { assertMatrix, type DType, eye, type Tensor, zeros } from "../../ops/tensor.ts";
import { type AdapterMethod, type AdapterState, countParams, positiveInt } from "./adapter.ts";
import { loraFromFactors, type LoraState } from "./lora.ts";

/** Options of {@link triAdapt}`.init`. */
export interface TriAdaptOptions {
  /** Initial rank a_1 (default 1). */
  initRank?: number;
  /** α of the scale α/r_t (default 16 = 2·reference_rank). */
  alpha?: number;
  /** Std of new A rows / B columns (default 0.02). */
  initStd?: number;
}

/** State of a TriAdaptLoRA adapter. */
export interface TriAdaptState extends AdapterState {
  /** Block sizes a_1, a_2, … (their sum is the current rank). */
  readonly blocks: readonly number[];
  /** α. */
  readonly alpha: number;
}

function rankOf(s: TriAdaptState): number {
  return s.blocks.reduce((a, b) => a + b, 0);
}

function normal(shape: number[], std: number, dtype: DType, rng: Rng): Tensor {
  const t = zeros(shape, { dtype });
  for (let i = 0; i < t.size; i++) t.data[i] = rng.normal(0, std);
  return t;
}

/**
 * The dense middle matrix C (`r_t × r_t`) assembled from the strips (differentiable).
 *
 * @example
 * ```ts
 * import { Rng, randn } from "../../ops/random.ts";
 * import { assembleC, triAdapt, growAdapter } from "./triadapt.ts";
 * const st = growAdapter(triAdapt.init(randn([6, 5], { seed: 0 }), {}, new Rng(0)), 2, new Rng(1));
 * console.log(assembleC(st).shape); // [3, 3]
 * ```
 */
export function assembleC(s: TriAdaptState): Tensor {
  const r = rankOf(s);
  const dtype = s.params.a.dtype;
  const lowerRows: Tensor[] = [], upperCols: Tensor[] = [];
  let cum = 0;
  s.blocks.forEach((a, m) => {
    cum += a;
    const rowStrip = s.params[`cl${m}`], colStrip = s.params[`cu${m}`];
    lowerRows.push(cum < r ? concat([rowStrip, zeros([a, r - cum], { dtype })], 1) : rowStrip);
    upperCols.push(cum < r ? concat([colStrip, zeros([r - cum, a], { dtype })], 0) : colStrip);
  });
  return add(concat(lowerRows, 0), concat(upperCols, 1));
}

/**
 * Adds a block of size `a`: `a` new rows of A and columns of B (`N(0, initStd²)`) and zero
 * strips. With `compensate`, existing strips are scaled by `r_new/r_old` so that ΔW is exactly
 * unchanged; without it (reference behaviour) ΔW is multiplied by `r_old/r_new`.
 *
 * @example
 * ```ts
 * import { Rng, randn } from "../../ops/random.ts";
 * import { growAdapter, triAdapt } from "./triadapt.ts";
 * const st = triAdapt.init(randn([6, 5], { seed: 0 }), {}, new Rng(0));
 * console.log(growAdapter(st, 4, new Rng(1)).blocks); // [1, 4]
 * ```
 */
export function growAdapter(
  s: TriAdaptState,
  a: number,
  rng: Rng,
  opts: { compensate?: boolean; initStd?: number } = {},
): TriAdaptState {
  positiveInt("growAdapter", "a", a);
  const rOld = rankOf(s), rNew = rOld + a;
  const [out, inp] = s.shape;
  const dtype = s.params.a.dtype, std = opts.initStd ?? 0.02;
  const params: Record<string, Tensor> = { ...s.params };
  params.a = concat([s.params.a, normal([a, inp], std, dtype, rng)], 0);
  params.b = concat([s.params.b, normal([out, a], std, dtype, rng)], 1);
  if (opts.compensate) {
    s.blocks.forEach((_, m) => {
      params[`cl${m}`] = scale(s.params[`cl${m}`], rNew / rOld);
      params[`cu${m}`] = scale(s.params[`cu${m}`], rNew / rOld);
    });
  }
  const m = s.blocks.length;
  params[`cl${m}`] = zeros([a, rNew], { dtype });
  params[`cu${m}`] = zeros([rNew, a], { dtype });
  return { ...s, params, blocks: [...s.blocks, a] };
}

/**
 * Importance of one adapted matrix: `q = ‖C‖_F / m` (m = number of blocks); the growth score is
 * `q − q_prev`.
 *
 * @example
 * ```ts
 * import { Rng, randn } from "../../ops/random.ts";
 * import { importance, triAdapt } from "./triadapt.ts";
 * console.log(importance(triAdapt.init(randn([6, 5], { seed: 0 }), {}, new Rng(0)))); // 0
 * ```
 */
export function importance(s: TriAdaptState): number {
  const c = assembleC(s);
  let ss = 0;
  for (const v of c.data) ss += v * v;
  return Math.sqrt(ss) / s.blocks.length;
}

/** Inputs of {@link growthDecision}. */
export interface GrowthQuery {
  /** Current step t. */
  step: number;
  /** Total steps T. */
  total: number;
  /** Warm-up t₀ (default ⌊0.1 T⌋). */
  warmup?: number;
  /** Interval Δt (default max(1, ⌊T/50⌋)). */
  interval?: number;
  /** Current total rank over all matrices. */
  rankNow: number;
  /** Target total rank. */
  rankTarget: number;
  /** Scores of the matrices. */
  scores: readonly number[];
  /** `"linear"` (default) or `"non-linear"` (exponential) schedule. */
  model?: "linear" | "non-linear";
}

/**
 * Which matrices grow at this step (indices; empty when it is not a growth step or the budget
 * is reached): `μ = (t − t₀)/(T − t₀)`, `K = ⌊gap·μ⌋` (linear) or `⌊exp(μ ln gap)⌋`, clamped to
 * `[1, #matrices]`; every matrix with score ≥ the K-th largest grows (ties may add more).
 *
 * @example
 * ```ts
 * import { growthDecision } from "./triadapt.ts";
 * console.log(growthDecision({ step: 50, total: 100, rankNow: 10, rankTarget: 16, scores: [0.3, 0.1, 0.2, 0.0] }));
 * // [0, 2]
 * ```
 */
export function growthDecision(q: GrowthQuery): number[] {
  if (!Number.isInteger(q.total) || q.total < 1) {
    throw new RangeError(`growthDecision: total must be a positive integer, got ${q.total}`);
  }
  const t0 = q.warmup ?? Math.floor(0.1 * q.total);
  const dt = q.interval ?? Math.max(1, Math.floor(q.total / 50));
  if (!Number.isInteger(t0) || t0 < 0 || t0 >= q.total) {
    throw new RangeError(`growthDecision: warmup must be an integer in [0, ${q.total}), got ${t0}`);
  }
  if (!Number.isInteger(dt) || dt < 1) {
    throw new RangeError(`growthDecision: interval must be a positive integer, got ${dt}`);
  }
  if (q.scores.length === 0 || !q.scores.every(Number.isFinite)) {
    throw new RangeError(
      `growthDecision: scores must be a non-empty list of finite numbers, got [${q.scores}]`,
    );
  }
  if (q.step <= t0 || q.step % dt !== 0 || q.rankNow >= q.rankTarget) return [];
  const mu = (q.step - t0) / (q.total - t0);
  const gap = q.rankTarget - q.rankNow;
  let k = q.model === "non-linear"
    ? Math.floor(Math.exp(mu * Math.log(gap)))
    : Math.floor(gap * mu);
  k = Math.min(Math.max(k, 1), q.scores.length);
  const tau = [...q.scores].sort((a, b) => b - a)[k - 1];
  return q.scores.flatMap((s, i) => (s >= tau ? [i] : []));
}

/**
 * Orthogonality penalty `λ · (1/#matrices) Σ (‖A Aᵀ − I‖_F + ‖BᵀB − I‖_F)` (differentiable).
 *
 * @example
 * ```ts
 * import { eye } from "../../ops/tensor.ts";
 * import { orthogonalityPenalty } from "./triadapt.ts";
 * console.log(orthogonalityPenalty([{ a: eye(2, 3), b: eye(3, 2) }]).data[0]); // 0
 * ```
 */
export function orthogonalityPenalty(
  factors: readonly { a: Tensor; b: Tensor }[],
  lambda = 0.5,
): Tensor {
  let acc: Tensor | null = null;
  for (const { a, b } of factors) {
    const r = a.shape[0];
    const fa = sqrt(
      sum(square(sub(matmul(a, a, { transB: true }), eye(r, r, { dtype: a.dtype })))),
    );
    const fb = sqrt(
      sum(square(sub(matmul(b, b, { transA: true }), eye(r, r, { dtype: b.dtype })))),
    );
    const term = add(fa, fb);
    acc = acc === null ? term : add(acc, term);
  }
  if (acc === null) throw new RangeError("orthogonalityPenalty: no matrices");
  return scale(acc, lambda / factors.length);
}

/**
 * Trainable count at block sizes `blocks`: `r(in + out) + r² + Σ a_m²`.
 *
 * @example
 * ```ts
 * import { triAdaptParamCount } from "./triadapt.ts";
 * console.log(triAdaptParamCount(4096, 4096, [1, 4, 4])); // 73842
 * ```
 */
export function triAdaptParamCount(out: number, inp: number, blocks: readonly number[]): number {
  positiveInt("triAdaptParamCount", "out", out);
  positiveInt("triAdaptParamCount", "inp", inp);
  blocks.forEach((b, i) => positiveInt("triAdaptParamCount", `blocks[${i}]`, b));
  const r = blocks.reduce((a, b) => a + b, 0);
  return r * (inp + out) + r * r + blocks.reduce((a, b) => a + b * b, 0);
}

/**
 * The TriAdaptLoRA method (spec §10): `init` creates the first block (rank `initRank`).
 *
 * @example
 * ```ts
 * import { Rng, randn } from "../../ops/random.ts";
 * import { triAdapt } from "./triadapt.ts";
 * const st = triAdapt.init(randn([6, 5], { seed: 0 }), { initRank: 2 }, new Rng(0));
 * console.log(triAdapt.paramCount(st), triAdapt.delta(st).data.every((x) => x === 0)); // 30 true
 * ```
 */
export const triAdapt: AdapterMethod<TriAdaptOptions, TriAdaptState> = {
  name: "triadapt",
  init(w: Tensor, opts: TriAdaptOptions, rng: Rng): TriAdaptState {
    const [out, inp] = assertMatrix("triAdapt.init", "w", w);
    const a0 = positiveInt("triAdapt.init", "initRank", opts.initRank ?? 1);
    const std = opts.initStd ?? 0.02;
    const params = {
      a: normal([a0, inp], std, w.dtype, rng),
      b: normal([out, a0], std, w.dtype, rng),
      cl0: zeros([a0, a0], { dtype: w.dtype }),
      cu0: zeros([a0, a0], { dtype: w.dtype }),
    };
    return { method: "triadapt", shape: [out, inp], params, blocks: [a0], alpha: opts.alpha ?? 16 };
  },
  delta(s: TriAdaptState): Tensor {
    const bc = matmul(s.params.b, assembleC(s));
    return scale(matmul(bc, s.params.a), s.alpha / rankOf(s));
  },
  trainable(s: TriAdaptState): Record<string, Tensor> {
    return s.params;
  },
  paramCount(s: TriAdaptState): number {
    return countParams(s.params);
  },
};

/**
 * Exact export to a plain LoRA: `lora_A = C A`, `lora_B = B`, rank r_t, same α (s = α/r_t).
 *
 * @example
 * ```ts
 * import { Rng, randn } from "../../ops/random.ts";
 * import { triAdapt, triAdaptToLora } from "./triadapt.ts";
 * const st = triAdapt.init(randn([6, 5], { seed: 0 }), { initRank: 2 }, new Rng(0));
 * console.log(triAdaptToLora(st).r, triAdaptToLora(st).scale); // 2 8
 * ```
 */
export function triAdaptToLora(s: TriAdaptState): LoraState {
  const a = matmul(assembleC(s), s.params.a);
  return loraFromFactors(a, s.params.b.clone(), { alpha: s.alpha });
}

/**
 * Current rank r_t of the adapter (sum of the block sizes).
 *
 * @example
 * ```ts
 * import { Rng, randn } from "../../ops/random.ts";
 * import { growAdapter, triAdapt, triAdaptRank } from "./triadapt.ts";
 * const st = growAdapter(triAdapt.init(randn([6, 5], { seed: 0 }), {}, new Rng(0)), 4, new Rng(1));
 * console.log(triAdaptRank(st)); // 5
 * ```
 */
export function triAdaptRank(s: TriAdaptState): number {
  return rankOf(s);
}
