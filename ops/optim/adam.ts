/**
 * Adam (Kingma & Ba, ICLR 2015) and AdamW with decoupled weight decay (Loshchilov & Hutter,
 * ICLR 2019). The moments are plain tensors in `state.m` / `state.v`, keyed by parameter path,
 * so a method such as GaLore can read and replace them.
 *
 * @module
 */
import { type Tensor, zeros } from "../tensor.ts";
import type { TreeLike } from "../autograd/tree.ts";
import { treeLeaves } from "../autograd/tree.ts";
import {
  hyper,
  type Optimizer,
  type OptimizerState,
  pairLeaves,
  resolveLr,
  type Schedule,
  stateSlot,
} from "./optimizer.ts";

/** Options of {@link adam} and {@link adamw}. */
export interface AdamOptions {
  /** Learning rate or schedule (default 1e-3). */
  lr?: number | Schedule;
  /** Decay of the first moment (default 0.9). */
  beta1?: number;
  /** Decay of the second moment (default 0.999). */
  beta2?: number;
  /** Added to the denominator (default 1e-8). */
  eps?: number;
  /** Weight decay: L2 added to the gradient for `adam`, decoupled for `adamw` (default 0 / 0.01). */
  weightDecay?: number;
  /** Which parameters weight decay applies to (default all), e.g. skip biases and norm gains. */
  decay?: (path: string, param: Tensor) => boolean;
  /**
   * Update convention. `"torch"` (default) is `torch.optim.Adam/AdamW`: decay before the
   * update, `eps` added to the bias-corrected `√v̂`. `"hf"` is transformers' `AdamW` as used by
   * GaLore: `eps` added to the raw `√v`, bias correction folded into the step size, decay
   * `lr·wd·p` after the update.
   */
  style?: "torch" | "hf";
}

/** State of Adam/AdamW: step count and the two moments per parameter path. */
export interface AdamState extends OptimizerState {
  /** First moments (running mean of gradients). */
  m: Record<string, Tensor>;
  /** Second moments (running mean of squared gradients). */
  v: Record<string, Tensor>;
}

/** Resolved hyperparameters of one Adam update. */
export interface AdamHyper {
  /** Learning rate of this update. */
  lr: number;
  /** First-moment decay. */
  beta1: number;
  /** Second-moment decay. */
  beta2: number;
  /** Denominator guard. */
  eps: number;
  /** Weight decay. */
  weightDecay: number;
  /** Decoupled (AdamW) or L2 (Adam) weight decay. */
  decoupled: boolean;
  /** Convention, see {@link AdamOptions.style}. */
  style: "torch" | "hf";
  /** 1-based index of this update (for bias correction). */
  t: number;
}

/**
 * One Adam/AdamW update of a single tensor, in place on `p`, `m`, `v` (the kernel behind
 * {@link adam} and {@link adamw}, exported for optimizers that run Adam on projected
 * gradients).
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { adamUpdate_ } from "./adam.ts";
 * const p = tensor([1]), m = tensor([0]), v = tensor([0]);
 * adamUpdate_(p, tensor([0.5]), m, v, { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 0, weightDecay: 0, decoupled: true, style: "torch", t: 1 });
 * console.log(p.data[0].toFixed(6)); // "0.900000"
 * ```
 */
export function adamUpdate_(p: Tensor, g: Tensor, m: Tensor, v: Tensor, h: AdamHyper): void {
  const pd = p.data, gd = g.data, md = m.data, vd = v.data;
  const { lr, beta1: b1, beta2: b2, eps, weightDecay: wd } = h;
  const bc1 = 1 - b1 ** h.t, bc2 = 1 - b2 ** h.t;
  const l2 = h.decoupled ? 0 : wd;
  if (h.decoupled && wd !== 0 && h.style === "torch") {
    const keep = 1 - lr * wd;
    for (let i = 0; i < pd.length; i++) pd[i] *= keep;
  }
  const hf = h.style === "hf";
  const stepSize = hf ? (lr * Math.sqrt(bc2)) / bc1 : lr / bc1;
  const rootBc2 = Math.sqrt(bc2);
  for (let i = 0; i < pd.length; i++) {
    const gi = gd[i] + l2 * pd[i];
    const mi = b1 * md[i] + (1 - b1) * gi;
    const vi = b2 * vd[i] + (1 - b2) * gi * gi;
    md[i] = mi;
    vd[i] = vi;
    const denom = hf ? Math.sqrt(vi) + eps : Math.sqrt(vi) / rootBc2 + eps;
    pd[i] -= (stepSize * mi) / denom;
  }
  if (h.decoupled && wd !== 0 && hf) {
    const keep = 1 - lr * wd;
    for (let i = 0; i < pd.length; i++) pd[i] *= keep;
  }
}

function makeAdam(fn: string, decoupled: boolean, opts: AdamOptions): Optimizer<AdamState> {
  const lr = opts.lr ?? 1e-3;
  if (typeof lr === "number") resolveLr(fn, lr, 0);
  const beta1 = hyper(fn, "beta1", opts.beta1 ?? 0.9, 0, 1);
  const beta2 = hyper(fn, "beta2", opts.beta2 ?? 0.999, 0, 1);
  const eps = hyper(fn, "eps", opts.eps ?? 1e-8, 0);
  const weightDecay = hyper(fn, "weightDecay", opts.weightDecay ?? (decoupled ? 0.01 : 0), 0);
  const style = opts.style ?? "torch";
  if (style !== "torch" && style !== "hf") {
    throw new RangeError(`${fn}: style must be "torch" or "hf", got ${String(style)}`);
  }
  return {
    init(params: TreeLike): AdamState {
      const m: Record<string, Tensor> = {}, v: Record<string, Tensor> = {};
      for (const [path, p] of treeLeaves(params, fn)) {
        m[path] = zeros(p.shape, { dtype: p.dtype });
        v[path] = zeros(p.shape, { dtype: p.dtype });
      }
      return { step: 0, m, v };
    },
    step_(params: TreeLike, grads: TreeLike, state: AdamState): AdamState {
      const h: AdamHyper = {
        lr: resolveLr(fn, lr, state.step),
        beta1,
        beta2,
        eps,
        weightDecay,
        decoupled,
        style,
        t: state.step + 1,
      };
      const noDecay = { ...h, weightDecay: 0 };
      for (const [path, p, g] of pairLeaves(fn, params, grads)) {
        const m = stateSlot(fn, "m", state.m, path, p), v = stateSlot(fn, "v", state.v, path, p);
        adamUpdate_(p, g, m, v, !opts.decay || opts.decay(path, p) ? h : noDecay);
      }
      state.step++;
      return state;
    },
  };
}

/**
 * Adam with optional L2 weight decay added to the gradient (Kingma & Ba 2015), as
 * `torch.optim.Adam`.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { adam } from "./adam.ts";
 * const params = { w: tensor([1, -1]) };
 * const opt = adam({ lr: 0.1 });
 * const state = opt.init(params);
 * opt.step_(params, { w: tensor([2, -3]) }, state);
 * console.log(params.w.data.map((x) => Math.round(x * 1e6) / 1e6)); // Float64Array [0.9, -0.9]
 * ```
 */
export function adam(opts: AdamOptions = {}): Optimizer<AdamState> {
  return makeAdam("adam", false, opts);
}

/**
 * AdamW: Adam with decoupled weight decay (Loshchilov & Hutter 2019); default `weightDecay`
 * 0.01 as `torch.optim.AdamW`.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { adamw } from "./adam.ts";
 * const params = { w: tensor([1]) };
 * const opt = adamw({ lr: 0.1, weightDecay: 0.5 });
 * const state = opt.init(params);
 * opt.step_(params, { w: tensor([0]) }, state); // zero gradient: only the decay acts
 * console.log(params.w.data, state.step); // Float64Array [0.95] 1
 * ```
 */
export function adamw(opts: AdamOptions = {}): Optimizer<AdamState> {
  return makeAdam("adamw", true, opts);
}
