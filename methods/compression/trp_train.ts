/**
 * The training-time side of trained rank pruning (Xu et al., IJCAI 2020; spec
 * `compression_optim_attention.md` §1, "Training loop"): every `period` minibatches each selected
 * kernel is projected to its energy rank (TRP), and on those steps the nuclear-norm
 * sub-gradient `λ·R⁻¹(U_k V_kᵀ)` is added to its gradient (TRP+Nu). Use it around any training
 * loop: `project_` before the forward pass, `addNuclear_` between backward and the optimiser.
 *
 * @module
 */
import { assertTensor, type Tensor } from "../../ops/tensor.ts";
import { trpProject } from "./trp_project.ts";
import { checkScheme, type TrpScheme } from "./trp_reshape.ts";

/** Options of {@link TrpRegularizer}. */
export interface TrpTrainOptions {
  /** Reshape scheme of the projection (default "nc"; ND projects each output filter). */
  scheme?: TrpScheme;
  /** Energy threshold e of the training projection (default 0.9, hard-coded in the code). */
  energy?: number;
  /** Project every `period` minibatches (`-dp`, default 1). */
  period?: number;
  /** Nuclear-norm weight λ (`--nuclear-weight`, default 3e-4; 0 turns the penalty off). */
  nuclear?: number;
  /** Overwrite the kernels with their projection (default true; false: nuclear norm only). */
  project?: boolean;
}

const KEYS = ["scheme", "energy", "period", "nuclear", "project"];

/**
 * TRP's projection and nuclear-norm sub-gradient over a set of kernels, keyed by name.
 *
 * @example
 * ```ts
 * import { randn } from "../../ops/random.ts";
 * import { zeros } from "../../ops/tensor.ts";
 * import { TrpRegularizer } from "./trp_train.ts";
 * const kernels = { conv: randn([8, 8, 3, 3], { seed: 0 }) };
 * const trp = new TrpRegularizer({ energy: 0.5, nuclear: 0.1 });
 * console.log(trp.project_(0, kernels)!.conv[0] < 8); // true: the kernel now has lower rank
 * const grads = { conv: zeros([8, 8, 3, 3]) };
 * trp.addNuclear_(0, grads);
 * console.log(grads.conv.data.some((g) => g !== 0)); // true
 * ```
 */
export class TrpRegularizer {
  /** The options with their defaults filled in. */
  readonly options: Readonly<Required<TrpTrainOptions>>;
  /** The ranks of the last projection step, per kernel name. */
  ranks: Record<string, number[]> = {};
  #sub: Record<string, Tensor> = {};

  /** Checks the options (unknown keys and wrong types are TypeErrors, bad values RangeErrors). */
  constructor(opts: TrpTrainOptions = {}) {
    const fn = "TrpRegularizer";
    for (const k of Object.keys(opts)) {
      if (!KEYS.includes(k)) throw new TypeError(`${fn}: unknown option ${JSON.stringify(k)}`);
    }
    const o = {
      scheme: checkScheme(fn, opts.scheme ?? "nc"),
      energy: opts.energy ?? 0.9,
      period: opts.period ?? 1,
      nuclear: opts.nuclear ?? 3e-4,
      project: opts.project ?? true,
    };
    for (const k of ["energy", "period", "nuclear"] as const) {
      if (typeof o[k] !== "number") {
        throw new TypeError(`${fn}: ${k} must be a number, got ${JSON.stringify(o[k])}`);
      }
    }
    if (typeof o.project !== "boolean") {
      throw new TypeError(`${fn}: project must be a boolean, got ${JSON.stringify(o.project)}`);
    }
    if (!(o.energy > 0 && o.energy <= 1)) {
      throw new RangeError(`${fn}: energy must be in (0, 1], got ${o.energy}`);
    }
    if (!Number.isInteger(o.period) || o.period < 1) {
      throw new RangeError(`${fn}: period must be a positive integer, got ${o.period}`);
    }
    if (!(o.nuclear >= 0) || !Number.isFinite(o.nuclear)) {
      throw new RangeError(`${fn}: nuclear must be a finite number >= 0, got ${o.nuclear}`);
    }
    this.options = o;
  }

  /** Whether minibatch `step` (0-based) is a projection step: `step mod period == 0`. */
  isProjectionStep(step: number): boolean {
    if (!Number.isInteger(step) || step < 0) {
      throw new RangeError(`TrpRegularizer: step must be a non-negative integer, got ${step}`);
    }
    return step % this.options.period === 0;
  }

  /**
   * On a projection step: SVD of every kernel's reshape at the energy rank, the kernel
   * overwritten (in place) by its truncation when `project`, and the sub-gradient
   * `R⁻¹(U_k V_kᵀ)` stored. Returns the ranks (also in {@link ranks}), or null on other steps.
   */
  project_(
    step: number,
    kernels: Readonly<Record<string, Tensor>>,
  ): Record<string, number[]> | null {
    if (!this.isProjectionStep(step)) return null;
    const { scheme, energy, project } = this.options;
    const ranks: Record<string, number[]> = {};
    this.#sub = {};
    for (const [name, w] of Object.entries(kernels)) {
      assertTensor("TrpRegularizer.project_", `kernels.${name}`, w);
      const p = trpProject(w, { scheme, criterion: { energy } });
      if (project) w.data.set(p.weight.data);
      this.#sub[name] = p.subgradient;
      ranks[name] = p.ranks;
    }
    this.ranks = ranks;
    return ranks;
  }

  /**
   * On a projection step with `nuclear > 0`: `grads[name] += λ·S` (in place) for every kernel
   * of the last {@link project_}; other steps add nothing (the code's rule). A RangeError if a
   * kernel's gradient is missing or has another shape.
   */
  addNuclear_(step: number, grads: Readonly<Record<string, Tensor>>): void {
    const lambda = this.options.nuclear;
    if (!this.isProjectionStep(step) || lambda === 0) return;
    for (const [name, s] of Object.entries(this.#sub)) {
      const g = grads[name];
      if (g === undefined || g.size !== s.size) {
        throw new RangeError(
          `TrpRegularizer.addNuclear_: grads.${name} is missing or has another size than the kernel`,
        );
      }
      for (let i = 0; i < g.size; i++) g.data[i] += lambda * s.data[i];
    }
  }
}
