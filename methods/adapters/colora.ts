/**
 * CoLoRA — contribution-based per-layer LoRA ranks for image restoration (Park, Kim & Chun, ECCV
 * 2024, arXiv 2408.00874). Spec: `specs/adapters.md` §14 (the FAIG formulas are marked
 * uncertain there; these are its defaults).
 *
 * Each layer's contribution to a new task is measured with Filter Attribution via Integrated
 * Gradients (FAIG) between the pretrained parameters and briefly fine-tuned ones; layers then
 * get LoRA ranks whose learnable share `δ_l = clip(α ĉ_l + β, 0, 1)` grows with the normalized
 * contribution, `r_l = max(1, round(δ_l · out·in/(out + in)))`, with α found by bisection so the
 * total is the largest not exceeding the budget (default 7% of the layers' weights).
 *
 * @module
 */
import type { Rng } from "../../ops/random.ts";
import type { Tensor } from "../../ops/tensor.ts";
import { lora, type LoraState } from "./lora.ts";

/**
 * Gradient of the task loss with respect to every layer weight, at the given weights.
 *
 * @example
 * ```ts
 * import type { Tensor } from "../../ops/tensor.ts";
 * import type { LayerGradFn } from "./colora.ts";
 * // L = ½‖w‖² for every layer, so ∂L/∂w = w.
 * const grad: LayerGradFn = (w: Record<string, Tensor>) => ({ ...w });
 * console.log(Object.keys(grad({}))); // []
 * ```
 */
export type LayerGradFn = (weights: Record<string, Tensor>) => Record<string, Tensor>;

/** Options of {@link faig}. */
export interface FaigOptions {
  /** Riemann steps M (default 20; right sum at γ_j = j/M). */
  steps?: number;
  /** Divide each layer's contribution by its parameter count (default false). */
  normalize?: boolean;
}

/**
 * Layer contributions by FAIG: for every filter f (an output row of a layer weight),
 * `FAIG_f = |Σ_j Σ_{p∈f} ∂L(θ(γ_j))/∂θ_p · (θ_tgt,p − θ_pre,p) / M|` on the straight path
 * `θ(γ) = θ_pre + γ(θ_tgt − θ_pre)`; `c_l = Σ_{f∈l} FAIG_f`. Also returns the signed sum over
 * all parameters, which tends to `L(θ_tgt) − L(θ_pre)` as M grows (completeness).
 *
 * @example
 * ```ts
 * import { type Tensor, tensor } from "../../ops/tensor.ts";
 * import { faig } from "./colora.ts";
 * // L = ½‖w‖²: ∂L/∂w = w.
 * const grad = (w: Record<string, Tensor>) => ({ l: w.l.clone() });
 * const r = faig(grad, { l: tensor([[0, 0]]) }, { l: tensor([[1, 1]]) }, { steps: 4 });
 * console.log(r.contributions.l, r.signedTotal); // 1.25 1.25
 * ```
 */
export function faig(
  grad: LayerGradFn,
  pre: Record<string, Tensor>,
  tgt: Record<string, Tensor>,
  opts: FaigOptions = {},
): { contributions: Record<string, number>; signedTotal: number } {
  const m = opts.steps ?? 20;
  if (!Number.isInteger(m) || m < 1) {
    throw new RangeError(`faig: steps must be a positive integer, got ${m}`);
  }
  const names = Object.keys(pre);
  for (const n of names) {
    if (tgt[n] === undefined || tgt[n].size !== pre[n].size) {
      throw new RangeError(`faig: layer "${n}" differs between pre and tgt`);
    }
  }
  // Signed per-filter sums, accumulated over the path points.
  const acc: Record<string, Float64Array> = {};
  for (const n of names) acc[n] = new Float64Array(pre[n].ndim >= 1 ? pre[n].shape[0] : 1);
  for (let j = 1; j <= m; j++) {
    const g = j / m;
    const point: Record<string, Tensor> = {};
    for (const n of names) {
      const t = pre[n].clone();
      for (let i = 0; i < t.size; i++) t.data[i] += g * (tgt[n].data[i] - pre[n].data[i]);
      point[n] = t;
    }
    const grads = grad(point);
    for (const n of names) {
      const rows = acc[n].length, per = pre[n].size / rows;
      for (let i = 0; i < pre[n].size; i++) {
        acc[n][Math.floor(i / per)] += grads[n].data[i] * (tgt[n].data[i] - pre[n].data[i]) / m;
      }
    }
  }
  const contributions: Record<string, number> = {};
  let signedTotal = 0;
  for (const n of names) {
    let c = 0;
    for (const v of acc[n]) {
      c += Math.abs(v);
      signedTotal += v;
    }
    contributions[n] = opts.normalize ? c / pre[n].size : c;
  }
  return { contributions, signedTotal };
}

/** A layer to allocate a rank to. */
export interface LayerInfo {
  /** Layer name (dotted module path). */
  name: string;
  /** Output features. */
  out: number;
  /** Input features. */
  inp: number;
  /** Contribution c_l (≥ 0). */
  contribution: number;
}

/** Result of {@link allocateRanks}. */
export interface Allocation {
  /** Rank per layer name. */
  ranks: Record<string, number>;
  /** Σ r_l (in + out). */
  params: number;
  /** params / Σ out·in. */
  share: number;
  /** The α found (β fixed). */
  alpha: number;
  /** False when even rank 1 everywhere exceeds the budget (ranks are then all 1). */
  feasible: boolean;
}

function ranksFor(
  layers: readonly LayerInfo[],
  a: number,
  beta: number,
  cmax: number,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const l of layers) {
    const chat = cmax > 0 ? l.contribution / cmax : 0;
    const delta = Math.min(1, Math.max(0, a * chat + beta));
    out[l.name] = Math.max(1, Math.round(delta * l.out * l.inp / (l.out + l.inp)));
  }
  return out;
}

function countFor(layers: readonly LayerInfo[], ranks: Record<string, number>): number {
  return layers.reduce((n, l) => n + ranks[l.name] * (l.out + l.inp), 0);
}

/**
 * Contribution-based rank allocation under a parameter budget (spec §14 defaults: β = 0, α by
 * bisection, budget 7%). Equal contributions give uniform ranks for layers of equal shape; a
 * higher contribution never gives a lower rank among equal shapes.
 *
 * @example
 * ```ts
 * import { allocateRanks } from "./colora.ts";
 * const layers = [0, 1, 2].map((i) => ({ name: `l${i}`, out: 64, inp: 64, contribution: i + 1 }));
 * const a = allocateRanks(layers, { budget: 0.1 });
 * console.log(a.ranks.l0 <= a.ranks.l1 && a.ranks.l1 <= a.ranks.l2, a.share <= 0.1); // true true
 * ```
 */
export function allocateRanks(
  layers: readonly LayerInfo[],
  opts: { budget?: number; beta?: number } = {},
): Allocation {
  const budget = opts.budget ?? 0.07, beta = opts.beta ?? 0;
  if (!(budget > 0 && budget <= 1)) {
    throw new RangeError(`allocateRanks: budget must be in (0, 1], got ${budget}`);
  }
  if (layers.length === 0) throw new RangeError("allocateRanks: no layers");
  for (const l of layers) {
    if (!(l.contribution >= 0)) {
      throw new RangeError(
        `allocateRanks: contribution of "${l.name}" must be ≥ 0, got ${l.contribution}`,
      );
    }
  }
  const total = layers.reduce((n, l) => n + l.out * l.inp, 0);
  const limit = budget * total;
  const cmax = Math.max(...layers.map((l) => l.contribution));
  const at = (a: number): Allocation => {
    const ranks = ranksFor(layers, a, beta, cmax);
    const params = countFor(layers, ranks);
    return { ranks, params, share: params / total, alpha: a, feasible: true };
  };
  let lo = at(0);
  if (lo.params > limit) return { ...lo, feasible: false };
  // Grow an upper bracket, then bisect on α: the count is a non-decreasing step function of α.
  let hiA = 1;
  while (at(hiA).params <= limit && hiA < 1e6) hiA *= 2;
  if (at(hiA).params <= limit) return at(hiA);
  let loA = 0;
  for (let it = 0; it < 100; it++) {
    const mid = (loA + hiA) / 2;
    if (at(mid).params <= limit) loA = mid;
    else hiA = mid;
  }
  lo = at(loA);
  return lo;
}

/**
 * LoRA states (PEFT default init) for every layer at its allocated rank, ready for
 * `peftLoraFromStates` (which writes the per-layer ranks as `rank_pattern`).
 *
 * @example
 * ```ts
 * import { Rng, randn } from "../../ops/random.ts";
 * import { coloraInit } from "./colora.ts";
 * const st = coloraInit({ a: randn([8, 6], { seed: 0 }) }, { a: 3 }, { alpha: 6 }, new Rng(0));
 * console.log(st.a.r, st.a.scale); // 3 2
 * ```
 */
export function coloraInit(
  weights: Record<string, Tensor>,
  ranks: Record<string, number>,
  opts: { alpha?: number },
  rng: Rng,
): Record<string, LoraState> {
  const out: Record<string, LoraState> = {};
  for (const [name, w] of Object.entries(weights)) {
    const r = ranks[name];
    if (r === undefined) throw new RangeError(`coloraInit: no rank for layer "${name}"`);
    out[name] = lora.init(w, { r, alpha: opts.alpha ?? r }, rng);
  }
  return out;
}
