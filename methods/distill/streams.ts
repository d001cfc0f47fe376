/**
 * The two distillation streams of OTD as stateful objects (Fan et al., ICCV 2023, code
 * camwew/TADA-MI; spec `compression_optim_attention.md` §10): each keeps the EMAs of its
 * gradient statistics and the gradient banks of its reference side, returns its loss from the
 * per-sample gradients of one step, and is fed (`push`) after the step.
 *
 * @module
 */
import { assertTensor, type Tensor, zeros } from "../../ops/tensor.ts";
import { reshape } from "../../ops/autograd/ops.ts";
import { checkKeys } from "./_options.ts";
import { GradientBank, type GradientBankOptions } from "./bank.ts";
import { crossClassLoss, crossDomainLoss } from "./losses.ts";
import { type EmaOptions, EmaStats, gradStats } from "./stats.ts";

/** Options of {@link CrossDomainStream}: the EMA decay and the two banks' options. */
export type StreamOptions = EmaOptions & GradientBankOptions;

const STREAM_KEYS = ["decay", "length", "period", "energy"] as const;

function bankOptions(o: StreamOptions): GradientBankOptions {
  return { length: o.length, period: o.period, energy: o.energy };
}

function flatRows(fn: string, g: Tensor, dim: number): Tensor {
  assertTensor(fn, "grads", g);
  if (g.ndim < 1 || g.size !== g.shape[0] * dim) {
    throw new RangeError(
      `${fn}: grads must be [B, ...] with ${dim} entries per sample, got [${g.shape}]`,
    );
  }
  return reshape(g, [g.shape[0], dim]);
}

/**
 * The cross-domain stream: EMAs (decay 0.95, zero start) of the mean and variance of per-sample
 * gradients on the source and on the mixed/target batch, banks of the source m̄ and v̄ (L =
 * ⌊0.8·D⌋, SVD every 10·L pushes, 98 % energy by default), and
 * `L_cd = MSE(m̄_src P_m, m̄_mix P_m) + MSE(v̄_src P_v, v̄_mix P_v)`. Call {@link loss} once a
 * step (inside `grad`), then {@link push} after it.
 *
 * @example
 * ```ts
 * import { randn } from "../../ops/random.ts";
 * import { CrossDomainStream } from "./streams.ts";
 * const stream = new CrossDomainStream(6, { length: 2, period: 2 });
 * for (let t = 0; t < 2; t++) {
 *   stream.loss(randn([4, 2, 3], { seed: t }), randn([5, 2, 3], { seed: 10 + t }));
 *   stream.push();
 * }
 * console.log(stream.bankM.svdCount, stream.bankM.rank <= 2); // 1 true
 * ```
 */
export class CrossDomainStream {
  /** Entries per per-sample gradient (D). */
  readonly dim: number;
  /** EMAs of the source statistics. */
  readonly src: EmaStats;
  /** EMAs of the mixed/target statistics. */
  readonly mix: EmaStats;
  /** Bank of the source m̄. */
  readonly bankM: GradientBank;
  /** Bank of the source v̄. */
  readonly bankV: GradientBank;

  constructor(dim: number, opts: StreamOptions = {}) {
    checkKeys("CrossDomainStream", opts, STREAM_KEYS);
    const ema = { decay: opts.decay };
    this.bankM = new GradientBank(dim, bankOptions(opts));
    this.bankV = new GradientBank(dim, bankOptions(opts));
    this.dim = dim;
    this.src = new EmaStats(ema);
    this.mix = new EmaStats(ema);
  }

  /**
   * Updates both EMAs from per-sample gradients (`[B, ...]`, D entries per sample) and returns
   * L_cd with the banks' current subspaces (unprojected before their first SVD).
   * Differentiable in both gradient tensors.
   */
  loss(srcGrads: Tensor, mixGrads: Tensor): Tensor {
    const fn = "CrossDomainStream.loss";
    const s = this.src.update(gradStats(flatRows(fn, srcGrads, this.dim)));
    const m = this.mix.update(gradStats(flatRows(fn, mixGrads, this.dim)));
    return crossDomainLoss(s, m, { m: this.bankM.basis, v: this.bankV.basis });
  }

  /** Pushes the (detached) source m̄ and v̄ into their banks; a RangeError before any loss. */
  push(): void {
    const m = this.src.m.value, v = this.src.v.value;
    if (m === null || v === null) {
      throw new RangeError("CrossDomainStream.push: no statistics yet; call loss first");
    }
    this.bankM.push(m);
    this.bankV.push(v);
  }
}

/** Options of {@link CrossClassStream}. */
export interface CrossClassStreamOptions extends StreamOptions {
  /** Classes pulled toward the reference (required). */
  newClasses: readonly number[];
  /** Well-annotated reference classes (required). */
  refClasses: readonly number[];
}

/**
 * The cross-class stream on a head with C class rows of K weights each: EMAs of the per-class
 * gradient statistics (`C × K`), banks of the reference classes' mean row of m̄ and of v̄ (of
 * length K), and `L_cc = Σ_{c ∈ new} [(ref_m − m_c)² + (ref_v − v_c)²]` (see
 * {@link crossClassLoss}). Call {@link loss} once a step, then {@link push}.
 *
 * @example
 * ```ts
 * import { randn } from "../../ops/random.ts";
 * import { CrossClassStream } from "./streams.ts";
 * const stream = new CrossClassStream(3, 4, { newClasses: [2], refClasses: [0, 1] });
 * const l = stream.loss(randn([5, 3, 4], { seed: 0 }));
 * stream.push();
 * console.log(l.shape, stream.bankM.count); // [] 1
 * ```
 */
export class CrossClassStream {
  /** Class rows C. */
  readonly classes: number;
  /** Entries per row K. */
  readonly rowDim: number;
  /** EMAs of the per-class statistics. */
  readonly stats: EmaStats;
  /** Bank of the reference classes' mean row of m̄. */
  readonly bankM: GradientBank;
  /** Bank of the reference classes' mean row of v̄. */
  readonly bankV: GradientBank;
  readonly #newClasses: readonly number[];
  readonly #refClasses: readonly number[];

  constructor(classes: number, rowDim: number, opts: CrossClassStreamOptions) {
    const fn = "CrossClassStream";
    if (opts === undefined) {
      throw new TypeError(`${fn}: opts.newClasses and opts.refClasses are required`);
    }
    checkKeys(fn, opts, [...STREAM_KEYS, "newClasses", "refClasses"]);
    if (!Number.isSafeInteger(classes) || classes < 2) {
      throw new RangeError(`${fn}: classes must be an integer >= 2, got ${classes}`);
    }
    this.bankM = new GradientBank(rowDim, bankOptions(opts));
    this.bankV = new GradientBank(rowDim, bankOptions(opts));
    this.classes = classes;
    this.rowDim = rowDim;
    this.stats = new EmaStats({ decay: opts.decay });
    this.#newClasses = [...opts.newClasses];
    this.#refClasses = [...opts.refClasses];
    // Validate the classes once, with the loss's own checks, on a zero statistic.
    const z = zeros([classes, rowDim]);
    crossClassLoss({ m: z, v: z }, this.#lossOptions());
  }

  #lossOptions(): {
    newClasses: readonly number[];
    refClasses: readonly number[];
    bases: { m: Tensor | null; v: Tensor | null };
  } {
    return {
      newClasses: this.#newClasses,
      refClasses: this.#refClasses,
      bases: { m: this.bankM.basis, v: this.bankV.basis },
    };
  }

  /**
   * Updates the EMAs from per-sample gradients `[B, C, K]` of the head and returns L_cc with
   * the banks' current subspaces. Differentiable in `grads`.
   */
  loss(grads: Tensor): Tensor {
    const fn = "CrossClassStream.loss";
    assertTensor(fn, "grads", grads);
    if (grads.ndim !== 3 || grads.shape[1] !== this.classes || grads.shape[2] !== this.rowDim) {
      throw new RangeError(
        `${fn}: grads must be [B, ${this.classes}, ${this.rowDim}], got [${grads.shape}]`,
      );
    }
    return crossClassLoss(this.stats.update(gradStats(grads)), this.#lossOptions());
  }

  /** Pushes the reference classes' mean row of m̄ and of v̄; a RangeError before any loss. */
  push(): void {
    const m = this.stats.m.value, v = this.stats.v.value;
    if (m === null || v === null) {
      throw new RangeError("CrossClassStream.push: no statistics yet; call loss first");
    }
    this.bankM.push(this.#refMean(m));
    this.bankV.push(this.#refMean(v));
  }

  #refMean(stat: Tensor): Tensor {
    const k = this.rowDim, out = zeros([k]);
    for (const c of this.#refClasses) {
      for (let j = 0; j < k; j++) out.data[j] += stat.data[c * k + j] / this.#refClasses.length;
    }
    return out;
  }
}
