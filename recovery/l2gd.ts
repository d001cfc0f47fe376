/**
 * The ℓ2 baseline: gradient descent on `f₂(U) = (1/2m)Σ(⟨A_i, UUᵀ⟩ − y_i)²` from small random
 * initialization with a constant step (spec §2.4, §8). It is what SubGM is compared with in
 * Ma & Fattahi, JMLR 24(96), 2023: exact without noise, broken by outliers.
 *
 * @module
 */
import { checkOptions } from "../ops/options.ts";
import type { Tensor } from "../ops/tensor.ts";
import { DESCENT_OPTION_KINDS, type DescentResult, type IterInfo, runDescent } from "./descent.ts";
import type { RecoveryProblem } from "./problem.ts";
import type { StepSchedule } from "./schedule.ts";

/** Options of {@link l2gd}. */
export interface L2gdOptions {
  /** Search rank `r' ≥ 1`. */
  rank: number;
  /** Initialization scale (default 1e-3, spec §10 CP9). */
  alpha?: number;
  /** Constant step (default 0.1). */
  eta?: number;
  /** Iterations (default 1000). */
  iters?: number;
  /** Step rule; overrides `eta`. */
  schedule?: StepSchedule;
  /** Seed of the initialization matrix (default 0). */
  seed?: number;
  /** Explicit `U₀` (`L₀` when asymmetric). */
  init?: Tensor;
  /** Explicit `R₀` for an asymmetric problem. */
  initV?: Tensor;
  /** Per-iteration callback; return `false` to stop. */
  onIter?: (info: IterInfo) => boolean | void;
  /** Log the relative error every this many iterations (default 1). */
  errorEvery?: number;
}

/**
 * Gradient descent on the least-squares loss of a factored iterate. Non-finite iterates (GD
 * may diverge under outliers) end the run with `stopReason: "nonfinite"`.
 *
 * @example
 * ```ts
 * import { generateProblem } from "./problem.ts";
 * import { l2gd } from "./l2gd.ts";
 * const p = generateProblem({ d: 8, rstar: 1, m: 100, seed: 1 });
 * console.log(l2gd(p, { rank: 1, iters: 400 }).errors.at(-1)! < 1e-8); // true
 * ```
 */
export function l2gd(problem: RecoveryProblem, opts: L2gdOptions): DescentResult {
  if (opts === null || typeof opts !== "object") {
    throw new TypeError(`l2gd: options must be an object, got ${String(opts)}`);
  }
  checkOptions("l2gd", opts, { ...DESCENT_OPTION_KINDS, eta: "number" });
  return runDescent("l2gd", problem, "l2", {
    rank: opts.rank,
    alpha: opts.alpha ?? 1e-3,
    iters: opts.iters ?? 1000,
    seed: opts.seed,
    schedule: opts.schedule ?? { kind: "constant", eta: opts.eta ?? 0.1 },
    init: opts.init,
    initV: opts.initV,
    onIter: opts.onIter,
    errorEvery: opts.errorEvery,
  });
}
