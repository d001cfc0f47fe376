/**
 * Stochastic gradient descent with momentum (Polyak 1964) and Nesterov momentum (Sutskever et
 * al., ICML 2013), in the convention of `torch.optim.SGD`.
 *
 * @module
 */
import { type Tensor, zeros } from "../tensor.ts";
import { treeLeaves, type TreeLike } from "../autograd/tree.ts";
import {
  hyper,
  type Optimizer,
  type OptimizerState,
  pairLeaves,
  resolveLr,
  type Schedule,
  stateSlot,
} from "./optimizer.ts";

/** Options of {@link sgd}. */
export interface SgdOptions {
  /** Learning rate or schedule (required: SGD has no sensible default). */
  lr: number | Schedule;
  /** Momentum factor μ (default 0: plain SGD). */
  momentum?: number;
  /** Dampening of the new gradient in the momentum buffer (default 0). */
  dampening?: number;
  /** Use Nesterov momentum (default false; needs momentum > 0 and dampening 0). */
  nesterov?: boolean;
  /** L2 weight decay added to the gradient (default 0). */
  weightDecay?: number;
  /** Which parameters weight decay applies to (default all). */
  decay?: (path: string, param: Tensor) => boolean;
}

/** State of SGD: step count and the momentum buffer per parameter path. */
export interface SgdState extends OptimizerState {
  /** Momentum buffers (empty record without momentum). */
  momentum: Record<string, Tensor>;
}

/**
 * SGD: `b ← μb + (1−dampening)(g + wd·p)` (b = g at the first step), then
 * `p ← p − lr·(g + μb)` with Nesterov or `p ← p − lr·b` without.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { sgd } from "./sgd.ts";
 * const params = { w: tensor([1]) };
 * const opt = sgd({ lr: 0.5, momentum: 0.5 });
 * const state = opt.init(params);
 * opt.step_(params, { w: tensor([1]) }, state);
 * opt.step_(params, { w: tensor([1]) }, state);
 * console.log(params.w.data); // Float64Array [-0.25]
 * ```
 */
export function sgd(opts: SgdOptions): Optimizer<SgdState> {
  const fn = "sgd";
  if (opts === undefined || opts.lr === undefined) throw new TypeError("sgd: opts.lr is required");
  if (typeof opts.lr === "number") resolveLr(fn, opts.lr, 0);
  const mu = hyper(fn, "momentum", opts.momentum ?? 0, 0);
  const damp = hyper(fn, "dampening", opts.dampening ?? 0, 0);
  const wd = hyper(fn, "weightDecay", opts.weightDecay ?? 0, 0);
  const nesterov = opts.nesterov ?? false;
  if (nesterov && (mu === 0 || damp !== 0)) {
    throw new RangeError(`sgd: Nesterov needs momentum > 0 and dampening 0, got ${mu}, ${damp}`);
  }
  return {
    init(params: TreeLike): SgdState {
      const momentum: Record<string, Tensor> = {};
      if (mu !== 0) {
        for (const [path, p] of treeLeaves(params, fn)) {
          momentum[path] = zeros(p.shape, { dtype: p.dtype });
        }
      }
      return { step: 0, momentum };
    },
    step_(params: TreeLike, grads: TreeLike, state: SgdState): SgdState {
      const lr = resolveLr(fn, opts.lr, state.step);
      const first = state.step === 0;
      for (const [path, p, g] of pairLeaves(fn, params, grads)) {
        const pd = p.data, gd = g.data;
        const wdp = !opts.decay || opts.decay(path, p) ? wd : 0;
        const bd = mu !== 0 ? stateSlot(fn, "momentum", state.momentum, path, p).data : null;
        for (let i = 0; i < pd.length; i++) {
          let d = gd[i] + wdp * pd[i];
          if (bd) {
            bd[i] = first ? d : mu * bd[i] + (1 - damp) * d;
            d = nesterov ? d + mu * bd[i] : bd[i];
          }
          pd[i] -= lr * d;
        }
      }
      state.step++;
      return state;
    },
  };
}
