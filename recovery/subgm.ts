/**
 * SubGM: the sub-gradient method with small random initialization for robust low-rank matrix
 * recovery. J. Ma and S. Fattahi, *Global Convergence of Sub-gradient Method for Robust Matrix
 * Recovery: Small Initialization, Noisy Measurements, and Over-parameterization*, JMLR
 * 24(96):1–84, 2023 (arXiv:2202.08788). Spec `subgm.md` §2–§5.
 *
 * @module
 */
import { checkOptions } from "../ops/options.ts";
import type { Tensor } from "../ops/tensor.ts";
import { DESCENT_OPTION_KINDS, type DescentResult, type IterInfo, runDescent } from "./descent.ts";
import type { RecoveryProblem } from "./problem.ts";
import type { StepSchedule } from "./schedule.ts";

/** Options of {@link subgm}. */
export interface SubgmOptions {
  /** Search rank `r' ≥ 1`; any `r' ≥ r*` works with small `alpha` (over-parameterization). */
  rank: number;
  /**
   * Initialization scale `α` of `U₀ = α·B`. Default `1e-8·√(median|y|/0.6745)`: the robust
   * estimate of `‖X*‖_F` for Gaussian designs (spec §4.2).
   */
  alpha?: number;
  /** Initial step `η₀` (default 0.3 for PSD problems, 0.6 for asymmetric ones, spec §1.5, §4.2). */
  eta0?: number;
  /** Geometric decay `ρ` (default 0.99). */
  rho?: number;
  /** Iterations (default 2000). */
  iters?: number;
  /** Step rule; overrides `eta0`/`rho` (default geometric `η₀ρ^t`). */
  schedule?: StepSchedule;
  /** Seed of the initialization matrix `B` (default 0). */
  seed?: number;
  /** Explicit `U₀` (`L₀` when asymmetric) instead of `α·B`. */
  init?: Tensor;
  /** Explicit `R₀` for an asymmetric problem. */
  initV?: Tensor;
  /** Per-iteration callback; return `false` to stop. */
  onIter?: (info: IterInfo) => boolean | void;
  /** Log the relative error every this many iterations (default 1). */
  errorEvery?: number;
}

/** The keys of {@link SubgmOptions}, checked at run time (a misspelled `eta_0` was ignored). */
const SUBGM_OPTIONS = { ...DESCENT_OPTION_KINDS, eta0: "number", rho: "number" } as const;

/**
 * Minimizes `f(U) = (1/m)Σ|⟨A_i, UUᵀ⟩ − y_i|` (or the `L Rᵀ` version for an asymmetric problem)
 * by `U_{t+1} = U_t − η_t·D(U_t)` with the sub-gradient `D = (1/m)Σ sign(r_i)(A_i + A_iᵀ)U`,
 * sign(0) = 0, from `U₀ = α·B`. Returns the factor, loss and error histories and the stop
 * reason. Only the residual signs enter the update, so outlier magnitudes do not matter.
 *
 * @example
 * ```ts
 * import { generateProblem } from "./problem.ts";
 * import { subgm } from "./subgm.ts";
 * const p = generateProblem({ d: 8, rstar: 1, m: 120, noise: { kind: "outlier", p: 0.2 }, seed: 1 });
 * const r = subgm(p, { rank: 1, alpha: 1e-3, iters: 600 });
 * console.log(r.errors.at(-1)! < 1e-4); // true
 * ```
 */
export function subgm(problem: RecoveryProblem, opts: SubgmOptions): DescentResult {
  if (opts === null || typeof opts !== "object") {
    throw new TypeError(`subgm: options must be an object, got ${String(opts)}`);
  }
  checkOptions("subgm", opts, SUBGM_OPTIONS);
  const schedule: StepSchedule = opts.schedule ?? {
    kind: "geometric",
    eta0: opts.eta0 ?? (problem?.asymmetric ? 0.6 : 0.3),
    rho: opts.rho ?? 0.99,
  };
  return runDescent("subgm", problem, "l1", {
    rank: opts.rank,
    alpha: opts.alpha ?? defaultAlpha(problem),
    iters: opts.iters ?? 2000,
    seed: opts.seed,
    schedule,
    init: opts.init,
    initV: opts.initV,
    onIter: opts.onIter,
    errorEvery: opts.errorEvery,
  });
}

/**
 * The default initialization scale `1e-8·√(median|y_i|/0.6745)` (spec §4.2): clean Gaussian
 * measurements are N(0, ‖X*‖_F²), so the median absolute measurement estimates ‖X*‖_F robustly
 * while fewer than half are corrupted.
 *
 * @example
 * ```ts
 * import { defaultAlpha } from "./subgm.ts";
 * import { generateProblem } from "./problem.ts";
 * const a = defaultAlpha(generateProblem({ d: 10, rstar: 2, m: 400, seed: 1 }));
 * console.log(a > 0.8e-8 && a < 1.6e-8); // true  (‖X*‖_F = √2)
 * ```
 */
export function defaultAlpha(problem: { y: Float64Array }): number {
  if (problem === null || typeof problem !== "object" || !(problem.y instanceof Float64Array)) {
    throw new TypeError("defaultAlpha: problem must be a RecoveryProblem");
  }
  const a = Float64Array.from(problem.y, Math.abs).sort();
  const n = a.length;
  const med = n % 2 ? a[(n - 1) / 2] : 0.5 * (a[n / 2 - 1] + a[n / 2]);
  const scale = med / 0.6744897501960817;
  if (!(scale > 0) || !Number.isFinite(scale)) {
    throw new RangeError(`defaultAlpha: median |y| is ${med}; pass alpha explicitly`);
  }
  return 1e-8 * Math.sqrt(scale);
}
