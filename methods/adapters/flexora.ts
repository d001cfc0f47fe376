/**
 * Flexora — flexible low-rank adaptation by layer selection as hyper-parameter optimization
 * (Wei, Shu, He & Yu, ACL 2025, arXiv 2408.10774). Spec: `specs/adapters.md` §15.
 *
 * Each transformer block l gets a gate `α_l` on its LoRA branch (`y = Wx + b + α_l·s·BAx`);
 * the gates are learned on a validation set by bilevel optimization with unrolled
 * differentiation (UD) through K inner SGD steps, then the top-k blocks by |α| keep a LoRA.
 * Our autograd is first order, so the Hessian-vector and mixed second-derivative products of
 * the unrolled hypergradient are central differences of first-order gradients (exact up to
 * round-off for quadratic losses).
 *
 * @module
 */
import { scale } from "../../ops/autograd/ops_arith.ts";
import { type Tensor, zeros } from "../../ops/tensor.ts";
import { positiveInt } from "./adapter.ts";
import { lora, type LoraState } from "./lora.ts";

/**
 * First-order gradients of a loss `L(θ, α)` with respect to both arguments (1-D tensors).
 *
 * @example
 * ```ts
 * import { type Tensor, tensor } from "../../ops/tensor.ts";
 * import type { BilevelGrad } from "./flexora.ts";
 * // L(θ, α) = ½θ² − θα: ∂L/∂θ = θ − α, ∂L/∂α = −θ.
 * const g: BilevelGrad = (t: Tensor, a: Tensor) => ({
 *   theta: tensor([t.data[0] - a.data[0]]),
 *   alpha: tensor([-t.data[0]]),
 * });
 * console.log(g(tensor([1]), tensor([3])).theta.data); // Float64Array [-2]
 * ```
 */
export type BilevelGrad = (theta: Tensor, alpha: Tensor) => { theta: Tensor; alpha: Tensor };

/** Options of {@link unrolledHypergradient}. */
export interface UnrollOptions {
  /** Inner SGD steps K (default 1, the spec's default). */
  steps?: number;
  /** Inner learning rate η. */
  lr: number;
  /** Drop all second-order terms: return `∂_α L_val(θ_K, α)` only (default false). */
  firstOrder?: boolean;
  /** Relative finite-difference step for the second-order products (default 1e-5). */
  eps?: number;
}

function axpy(y: Tensor, x: Tensor, a: number): Tensor {
  const out = y.clone();
  for (let i = 0; i < out.size; i++) out.data[i] += a * x.data[i];
  return out;
}

function norm(t: Tensor): number {
  let s = 0;
  for (const v of t.data) s += v * v;
  return Math.sqrt(s);
}

/** `(f(θ + εv) − f(θ − εv)) / (2ε)` for a vector-valued f: a directional derivative. */
function directional(f: (t: Tensor) => Tensor, theta: Tensor, v: Tensor, rel: number): Tensor {
  const nv = norm(v);
  if (nv === 0) return zeros([...f(theta).shape], { dtype: theta.dtype });
  const eps = rel * (1 + norm(theta)) / nv;
  const plus = f(axpy(theta, v, eps)), minus = f(axpy(theta, v, -eps));
  const out = plus.clone();
  for (let i = 0; i < out.size; i++) out.data[i] = (plus.data[i] - minus.data[i]) / (2 * eps);
  return out;
}

/**
 * The K-step unrolled hypergradient `dL_val(θ_K(α), α)/dα` with `θ_{j+1} = θ_j − η∇_θL_train`
 * (spec §15): `∂_α L_val + Σ_j (∇_θL_val)ᵀ (I − ηH_{K−1})⋯(I − ηH_{j+1}) (−η ∂²_{θα}L_train(θ_j))`,
 * evaluated by reverse accumulation over the stored iterates. Returns `θ_K` too.
 *
 * @example
 * ```ts
 * import { type Tensor, tensor } from "../../ops/tensor.ts";
 * import { unrolledHypergradient } from "./flexora.ts";
 * // L_train = ½θ² − θα, L_val = ½(θ − 1)²: one step from θ₀ = 0 gives θ₁ = ηα.
 * const train = (t: Tensor, a: Tensor) => ({ theta: tensor([t.data[0] - a.data[0]]), alpha: tensor([-t.data[0]]) });
 * const val = (t: Tensor, _a: Tensor) => ({ theta: tensor([t.data[0] - 1]), alpha: tensor([0]) });
 * const { grad } = unrolledHypergradient(train, val, tensor([0]), tensor([2]), { lr: 0.5 });
 * // θ₁ = 1 is already optimal for the validation loss.
 * console.log(grad.data); // Float64Array [0]
 * ```
 */
export function unrolledHypergradient(
  trainGrad: BilevelGrad,
  valGrad: BilevelGrad,
  theta0: Tensor,
  alpha: Tensor,
  opts: UnrollOptions,
): { grad: Tensor; thetaK: Tensor } {
  const k = opts.steps ?? 1;
  if (!Number.isInteger(k) || k < 1) {
    throw new RangeError(`unrolledHypergradient: steps must be a positive integer, got ${k}`);
  }
  if (!(opts.lr > 0)) throw new RangeError(`unrolledHypergradient: lr must be > 0, got ${opts.lr}`);
  const rel = opts.eps ?? 1e-5;
  const thetas = [theta0];
  for (let j = 0; j < k; j++) {
    thetas.push(axpy(thetas[j], trainGrad(thetas[j], alpha).theta, -opts.lr));
  }
  const thetaK = thetas[k];
  const vg = valGrad(thetaK, alpha);
  let h = vg.alpha.clone();
  if (opts.firstOrder) return { grad: h, thetaK };
  let v = vg.theta;
  for (let j = k - 1; j >= 0; j--) {
    const mixed = directional((t) => trainGrad(t, alpha).alpha, thetas[j], v, rel);
    h = axpy(h, mixed, -opts.lr);
    if (j > 0) {
      const hv = directional((t) => trainGrad(t, alpha).theta, thetas[j], v, rel);
      v = axpy(v, hv, -opts.lr);
    }
  }
  return { grad: h, thetaK };
}

/** Options of {@link flexoraSearch}. */
export interface FlexoraSearchOptions extends UnrollOptions {
  /** Search iterations (one train update + one gate update each). */
  iterations: number;
  /** Gate learning rate (default: the inner lr, spec default). */
  gateLr?: number;
}

/**
 * The search stage (DARTS-like schedule, spec §15): alternate one SGD step of θ on the training
 * loss with one SGD step of the gates on the unrolled hypergradient. Returns the final θ, the
 * gates and the validation-loss gradient norm history.
 *
 * @example
 * ```ts
 * import { type Tensor, tensor } from "../../ops/tensor.ts";
 * import { flexoraSearch } from "./flexora.ts";
 * const train = (t: Tensor, a: Tensor) => ({ theta: tensor([t.data[0] - a.data[0]]), alpha: tensor([-t.data[0]]) });
 * const val = (t: Tensor, _a: Tensor) => ({ theta: tensor([t.data[0] - 1]), alpha: tensor([0]) });
 * const r = flexoraSearch(train, val, tensor([0]), tensor([0]), { lr: 0.5, iterations: 50 });
 * console.log(Math.abs(r.theta.data[0] - 1) < 1e-3); // true
 * ```
 */
export function flexoraSearch(
  trainGrad: BilevelGrad,
  valGrad: BilevelGrad,
  theta0: Tensor,
  alpha0: Tensor,
  opts: FlexoraSearchOptions,
): { theta: Tensor; alpha: Tensor } {
  let theta = theta0, alpha = alpha0;
  for (let it = 0; it < opts.iterations; it++) {
    theta = axpy(theta, trainGrad(theta, alpha).theta, -opts.lr);
    const { grad } = unrolledHypergradient(trainGrad, valGrad, theta, alpha, opts);
    alpha = axpy(alpha, grad, -(opts.gateLr ?? opts.lr));
  }
  return { theta, alpha };
}

/**
 * Indices of the k blocks with the largest |α| (ties: lower index first), returned ascending;
 * default `k = ⌈L/2⌉`.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { selectLayers } from "./flexora.ts";
 * console.log(selectLayers(tensor([0.1, -2, 0.5, 0.5]))); // [1, 2]
 * ```
 */
export function selectLayers(alpha: Tensor, k: number = Math.ceil(alpha.size / 2)): number[] {
  if (!Number.isInteger(k) || k < 0 || k > alpha.size) {
    throw new RangeError(`selectLayers: k must be an integer in [0, ${alpha.size}], got ${k}`);
  }
  const order = Array.from(alpha.data, (v, i) => [Math.abs(v), i] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  return order.slice(0, k).map(([, i]) => i).sort((a, b) => a - b);
}

/**
 * The gated LoRA update of a block during the search: `α_l · s B A` (differentiable in the
 * LoRA factors; pass the gate as a number).
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { loraFromFactors } from "./lora.ts";
 * import { gatedDelta } from "./flexora.ts";
 * const s = loraFromFactors(tensor([[1, 1]]), tensor([[2]]));
 * console.log(gatedDelta(s, 0).data, gatedDelta(s, 1).data); // Float64Array [0, 0] Float64Array [2, 2]
 * ```
 */
export function gatedDelta(s: LoraState, gate: number): Tensor {
  return scale(lora.delta(s), gate);
}

/**
 * Trainable count of the final Flexora model: the LoRA parameters of the selected blocks only.
 *
 * @example
 * ```ts
 * import { flexoraParamCount } from "./flexora.ts";
 * console.log(flexoraParamCount([[[4096, 4096]], [[4096, 4096]]], [1], 8)); // 65536
 * ```
 */
export function flexoraParamCount(
  blocks: readonly (readonly (readonly [number, number])[])[],
  selected: readonly number[],
  r: number,
): number {
  positiveInt("flexoraParamCount", "r", r);
  let n = 0;
  for (const l of selected) {
    if (!Number.isInteger(l) || l < 0 || l >= blocks.length) {
      throw new RangeError(
        `flexoraParamCount: selected block ${l} is outside [0, ${blocks.length - 1}]`,
      );
    }
    for (const [out, inp] of blocks[l]) n += r * (out + inp);
  }
  return n;
}
