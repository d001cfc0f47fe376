/**
 * PEFT's `add_weighted_adapter` for LoRA: several adapters of one model combined into a new
 * one, per module, with PEFT's three basic combination types (peft `LoraModel`):
 *
 * - `"cat"`: `A = [w₁s₁A₁; w₂s₂A₂; …]`, `B = [B₁ | B₂ | …]`, rank Σrᵢ, scale 1, so
 *   `ΔW = Σ wᵢ·sᵢ·BᵢAᵢ` exactly;
 * - `"linear"`: equal ranks, `A = Σ √(wᵢsᵢ)·Aᵢ`, `B = Σ √(wᵢsᵢ)·Bᵢ`, scale 1 (a product of
 *   sums: cross terms included, as PEFT; `wᵢsᵢ` must be ≥ 0); `"ties"`, `"dare_linear"`,
 *   `"dare_ties"`, `"magnitude_prune"`: the same with PEFT's merge of the A's and of the B's
 *   (`peft_merge_utils.ts`; `density`, `majoritySignMethod`, `seed`);
 * - `"svd"` (PEFT's default): `ΔW = Σ wᵢ·ΔWᵢ` truncated to rank `svdRank` (default the largest
 *   rank) by SVD, `B = U_k Σ_k`, `A = V_kᵀ`, scale 1; with `svdClamp` = q, both factors are
 *   clamped to `[−h, h]`, h the q-quantile (linear interpolation, as `torch.quantile`) of all
 *   signed entries of `U_kΣ_k` and `V_kᵀ` together.
 *
 * A module that only some adapters adapt combines those (PEFT skips the others).
 *
 * @module
 */
import { svd } from "../../ops/linalg/svd.ts";
import { concat } from "../../ops/shape.ts";
import { astype, type Tensor, zeros } from "../../ops/tensor.ts";
import { lora, loraFromFactors, type LoraState } from "./lora.ts";
import { Rng } from "../../ops/random.ts";
import {
  dareLinear,
  dareTies,
  magnitudePrune,
  type MajoritySignMethod,
  taskArithmetic,
  ties,
} from "./peft_merge_utils.ts";

/** How {@link combineLoras} combines adapters (PEFT's `combination_type`). */
export type CombinationType =
  | "cat"
  | "linear"
  | "svd"
  | "ties"
  | "dare_linear"
  | "dare_ties"
  | "magnitude_prune";

/** Options of {@link combineLoras}. */
export interface CombineOptions {
  /** Rank of the `"svd"` combination (default the largest input rank). */
  svdRank?: number;
  /** Quantile in (0, 1] at which `"svd"` clamps the factors (default none). */
  svdClamp?: number;
  /** Share of entries kept by TIES / DARE / magnitude pruning, in [0, 1] (required there). */
  density?: number;
  /** TIES' sign election (default `"total"`, PEFT's default). */
  majoritySignMethod?: MajoritySignMethod;
  /** Seed of DARE's random drop (default 0). */
  seed?: number;
}

const TASK_ARITHMETIC = ["linear", "ties", "dare_linear", "dare_ties", "magnitude_prune"];

/** PEFT's merge of one factor family (all A's or all B's) with weights √(wᵢsᵢ). */
function mergeFactors(
  type: CombinationType,
  ts: Tensor[],
  f: number[],
  opts: CombineOptions,
  rng: Rng,
): Tensor {
  if (type === "linear") return taskArithmetic(ts, f);
  const d = opts.density;
  if (d === undefined) throw new RangeError(`combineLoras: "${type}" needs opts.density`);
  const m = opts.majoritySignMethod ?? "total";
  if (type === "ties") return ties(ts, f, d, m);
  if (type === "dare_linear") return dareLinear(ts, f, d, rng);
  if (type === "dare_ties") return dareTies(ts, f, d, rng, m);
  return taskArithmetic(ts.map((t) => magnitudePrune(t, d)), f);
}

function scaled(t: Tensor, f: number): Tensor {
  const c = astype(t, "f64").clone();
  for (let i = 0; i < c.size; i++) c.data[i] *= f;
  return c;
}

function sumOf(ts: Tensor[]): Tensor {
  const out = zeros([...ts[0].shape]);
  for (const t of ts) for (let i = 0; i < out.size; i++) out.data[i] += t.data[i];
  return out;
}

/** `torch.quantile` (linear interpolation between order statistics). */
function quantile(values: number[], q: number): number {
  const v = [...values].sort((a, b) => a - b);
  const pos = q * (v.length - 1), lo = Math.floor(pos), hi = Math.ceil(pos);
  return v[lo] + (v[hi] - v[lo]) * (pos - lo);
}

function clampBoth(a: Tensor, b: Tensor, q: number): void {
  const h = quantile([...a.data, ...b.data], q);
  for (const t of [a, b]) {
    for (let i = 0; i < t.size; i++) t.data[i] = Math.max(-h, Math.min(h, t.data[i]));
  }
}

/**
 * Combines LoRA states of one module (`states[i]` with weight `weights[i]`) into one LoRA state
 * of scale 1, in float64, by PEFT's rule for `type`.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { loraFromFactors } from "./lora.ts";
 * import { combineLoras } from "./peft_weighted.ts";
 * const s1 = loraFromFactors(tensor([[1, 0]]), tensor([[1]]), { alpha: 2 });
 * const s2 = loraFromFactors(tensor([[0, 1]]), tensor([[1]]), { alpha: 1 });
 * const c = combineLoras([s1, s2], [1, 3], "cat");
 * console.log(c.r, c.scale, c.params.a.data); // 2 1 Float64Array [2, 0, 0, 3]
 * ```
 */
export function combineLoras(
  states: readonly LoraState[],
  weights: readonly number[],
  type: CombinationType,
  opts: CombineOptions = {},
): LoraState {
  if (states.length === 0) throw new RangeError("combineLoras: no adapters");
  if (weights.length !== states.length) {
    throw new RangeError(
      `combineLoras: ${weights.length} weights for ${states.length} adapters`,
    );
  }
  weights.forEach((w, i) => {
    if (!Number.isFinite(w)) throw new RangeError(`combineLoras: weights[${i}] is ${w}`);
  });
  if (type === "cat") {
    const a = concat(states.map((s, i) => scaled(s.params.a, weights[i] * s.scale)), 0);
    const b = concat(states.map((s) => astype(s.params.b, "f64")), 1);
    return loraFromFactors(a, b, { alpha: a.shape[0] });
  }
  if (TASK_ARITHMETIC.includes(type)) {
    const r = states[0].r;
    const f = states.map((s, i) => {
      if (s.r !== r) {
        throw new RangeError(`combineLoras: "${type}" needs equal ranks, got ${s.r} and ${r}`);
      }
      const ws = weights[i] * s.scale;
      if (ws < 0) {
        throw new RangeError(`combineLoras: "${type}" takes √(w·s); weights[${i}]·s = ${ws} < 0`);
      }
      return Math.sqrt(ws);
    });
    const rng = new Rng(opts.seed ?? 0);
    const a = mergeFactors(type, states.map((s) => astype(s.params.a, "f64")), f, opts, rng);
    const b = mergeFactors(type, states.map((s) => astype(s.params.b, "f64")), f, opts, rng);
    return loraFromFactors(a, b, { alpha: r });
  }
  if (type !== "svd") {
    throw new RangeError(
      `combineLoras: combination ${JSON.stringify(type)} is not one of cat, svd, ${
        TASK_ARITHMETIC.join(", ")
      }`,
    );
  }
  const k = opts.svdRank ?? Math.max(...states.map((s) => s.r));
  const delta = sumOf(states.map((s, i) => scaled(lora.delta(s), weights[i])));
  const [out, inp] = delta.shape;
  if (!Number.isInteger(k) || k < 1 || k > Math.min(out, inp)) {
    throw new RangeError(`combineLoras: svdRank must be in [1, ${Math.min(out, inp)}], got ${k}`);
  }
  const { u, s, vt } = svd(delta);
  const kk = s.size;
  const b = zeros([out, k]), a = zeros([k, inp]);
  for (let i = 0; i < out; i++) {
    for (let j = 0; j < k; j++) b.data[i * k + j] = u.data[i * kk + j] * s.data[j];
  }
  a.data.set(vt.data.subarray(0, k * inp));
  if (opts.svdClamp !== undefined) {
    if (!(opts.svdClamp > 0 && opts.svdClamp <= 1)) {
      throw new RangeError(`combineLoras: svdClamp must be in (0, 1], got ${opts.svdClamp}`);
    }
    clampBoth(a, b, opts.svdClamp);
  }
  return loraFromFactors(a, b, { alpha: k });
}
