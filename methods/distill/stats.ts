/**
 * Gradient statistics of OTD (Fan et al., ICCV 2023, camwew/TADA-MI; spec
 * `compression_optim_attention.md` §10): the batch mean and element-wise variance of per-sample
 * gradients, and their exponential moving average with decay 0.95 from a zero start.
 *
 * @module
 */
import { add, mean, scale, square, sub } from "../../ops/autograd/ops.ts";
import { stopGradient } from "../../ops/autograd/grad.ts";
import { assertTensor, type Tensor } from "../../ops/tensor.ts";
import { checkKeys, numberIn } from "./_options.ts";

/** A pair of gradient statistics of the same shape. */
export interface GradStats {
  /** Mean `m`. */
  m: Tensor;
  /** Element-wise variance `v`. */
  v: Tensor;
}

/**
 * `m = mean_b g_b` and `v = mean_b (g_b − m)²` over the first axis of `g` (`[B, ...]`, one
 * sample per row; the population variance, divided by B as in the spec). Differentiable.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { gradStats } from "./stats.ts";
 * const { m, v } = gradStats(tensor([[1, 0], [3, 0]]));
 * console.log(m.data, v.data); // Float64Array [2, 0] Float64Array [1, 0]
 * ```
 */
export function gradStats(g: Tensor): GradStats {
  assertTensor("gradStats", "g", g);
  if (g.ndim < 1 || g.shape[0] < 1) {
    throw new RangeError(`gradStats: g must have at least one sample row, got [${g.shape}]`);
  }
  const m = mean(g, { axis: 0 });
  return { m, v: mean(square(sub(g, m)), { axis: 0 }) };
}

/** Options of {@link Ema}. */
export interface EmaOptions {
  /** Decay β (default 0.95): `x̄_t = β x̄_{t−1} + (1 − β) x_t`. */
  decay?: number;
}

/**
 * An exponential moving average with a zero initial value and no bias correction (spec §10):
 * the first value is `(1 − β)·x₁`, and after n constant inputs x it is `(1 − βⁿ)·x`. `update`
 * returns the new average, differentiable in the new input only (the past is a constant, as
 * the graph of earlier steps is gone); the stored `value` is detached.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { Ema } from "./stats.ts";
 * const ema = new Ema();
 * console.log(ema.update(tensor([2])).data[0].toFixed(3)); // "0.100"
 * console.log(ema.update(tensor([2])).data[0].toFixed(3)); // "0.195"
 * ```
 */
export class Ema {
  /** Decay β. */
  readonly decay: number;
  /** The current average (null before the first update: it stands for zero). */
  value: Tensor | null = null;
  /** Updates so far. */
  count = 0;

  constructor(opts: EmaOptions = {}) {
    checkKeys("Ema", opts, ["decay"]);
    this.decay = numberIn("Ema", "decay", opts.decay, 0.95, 0, 1);
  }

  /** `x̄ ← β x̄ + (1 − β) x`; returns the new average (differentiable in `x`). */
  update(x: Tensor): Tensor {
    assertTensor("Ema.update", "x", x);
    const prev = this.value;
    if (prev !== null && prev.shape.join() !== x.shape.join()) {
      throw new RangeError(`Ema.update: x has shape [${x.shape}], the average [${prev.shape}]`);
    }
    const fresh = scale(x, 1 - this.decay);
    const out = prev === null ? fresh : add(scale(prev, this.decay), fresh);
    this.value = stopGradient(out);
    this.count++;
    return out;
  }
}

/**
 * Exponential moving averages of a {@link GradStats} pair (one {@link Ema} for m, one for v).
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { EmaStats } from "./stats.ts";
 * const s = new EmaStats();
 * console.log(s.update({ m: tensor([1]), v: tensor([4]) }).v.data[0].toFixed(2)); // "0.20"
 * ```
 */
export class EmaStats {
  /** Average of m. */
  readonly m: Ema;
  /** Average of v. */
  readonly v: Ema;

  constructor(opts: EmaOptions = {}) {
    this.m = new Ema(opts);
    this.v = new Ema(opts);
  }

  /** Updates both averages; returns them (differentiable in `s`). */
  update(s: GradStats): GradStats {
    return { m: this.m.update(s.m), v: this.v.update(s.v) };
  }
}
