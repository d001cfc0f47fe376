/**
 * The factored descent loop shared by {@link subgm} (ℓ1) and {@link l2gd} (ℓ2): small random
 * initialization `U₀ = α·B` with `B` i.i.d. N(0, 1/d) (spec §3), `U_{t+1} = U_t − step_t·D_t`,
 * loss and relative-error history, early stop on non-finite values (spec §5). Ma & Fattahi,
 * JMLR 24(96), 2023.
 *
 * @module
 */
import { Rng } from "../ops/random.ts";
import { Tensor } from "../ops/tensor.ts";
import { evaluateFactored, factorCols, type FactoredWork, type LossKind } from "./objective.ts";
import { checkPositiveInt } from "./operator.ts";
import type { RecoveryProblem } from "./problem.ts";
import { checkSchedule, stepLength, type StepSchedule } from "./schedule.ts";
import { outer } from "./truth.ts";

/** What {@link DescentOptions.onIter} sees after evaluating iterate `t`. */
export interface IterInfo {
  /** Iteration index (the iterate is `U_t`). */
  t: number;
  /** Loss at `U_t`. */
  loss: number;
  /** Relative error of `U_t` when the truth is known and logged at `t`. */
  error?: number;
  /** Step length about to be applied. */
  step: number;
}

/** Options shared by the factored solvers. */
export interface DescentOptions {
  /** Search rank `r' ≥ 1` (columns of `U`). */
  rank: number;
  /** Initialization scale `α > 0` of `U₀ = α·B`. */
  alpha: number;
  /** Iterations `T ≥ 0`. */
  iters: number;
  /** Seed of the initialization matrix `B` (default 0). */
  seed?: number;
  /** Step rule. */
  schedule: StepSchedule;
  /** Explicit `U₀` (`L₀` when asymmetric), replacing `α·B`. */
  init?: Tensor;
  /** Explicit `R₀` for an asymmetric problem. */
  initV?: Tensor;
  /** Called once per iteration; returning `false` stops the run (reason `"callback"`). */
  onIter?: (info: IterInfo) => boolean | void;
  /** Log the relative error every this many iterations (default 1; the last is always logged). */
  errorEvery?: number;
}

/**
 * Run-time kinds of the options every factored solver shares (`subgm` and `l2gd` add their
 * step options), for `checkOptions`.
 *
 * @example
 * ```ts
 * import { DESCENT_OPTION_KINDS } from "./descent.ts";
 * console.log(DESCENT_OPTION_KINDS.rank); // number
 * ```
 */
export const DESCENT_OPTION_KINDS = {
  rank: "number",
  alpha: "number",
  iters: "number",
  schedule: "object",
  seed: "number",
  init: "object",
  initV: "object",
  onIter: "function",
  errorEvery: "number",
} as const;

/**
 * Why a run ended.
 *
 * @example
 * ```ts
 * import type { StopReason } from "./descent.ts";
 * const verdict = (r: StopReason): string => (r === "nonfinite" ? "diverged" : "ran");
 * console.log(verdict("iters"), verdict("nonfinite")); // ran diverged
 * ```
 */
export type StopReason = "iters" | "nonfinite" | "callback";

/** Output of a factored solver. */
export interface DescentResult {
  /** Final factor `U_T` (`L_T` when asymmetric). */
  u: Tensor;
  /** Final `R_T` of an asymmetric problem. */
  v?: Tensor;
  /** Loss `f(U_t)` for `t = 0..T`. */
  losses: number[];
  /** Relative errors `‖U_tU_tᵀ − X*‖_F/‖X*‖_F` at `errorIters` (empty without a truth). */
  errors: number[];
  /** The iterations at which `errors` were logged. */
  errorIters: number[];
  /** Iterations run. */
  iters: number;
  /** Why the run ended. */
  stopReason: StopReason;
  /** Wall time of the run in seconds. */
  seconds: number;
}

/** The problem fields the descent loop reads (CPU or GPU operator alike). */
export interface DescentProblem {
  /** Shape of the operator. */
  op: { readonly m: number; readonly rows: number; readonly cols: number };
  /** Measurements. */
  y: Float64Array;
  /** `X = L Rᵀ` instead of `U Uᵀ`. */
  asymmetric: boolean;
  /** Truth for the relative error, when known. */
  xStar?: Tensor;
}

/** Iterate and scratch buffers shared between the loop and its evaluator. */
export interface DescentState {
  /** `U` (or `L`), `rows×k`, updated in place. */
  l: Float64Array;
  /** `R` (the same array as `l` for the PSD problem). */
  r: Float64Array;
  /** Search rank. */
  k: number;
  /** Evaluator output: `gl` (and `gr` when asymmetric) hold the (sub)gradient. */
  work: FactoredWork;
}

/**
 * Runs factored (sub)gradient descent on `problem` with loss `loss` (`fn` names the caller in
 * errors).
 *
 * @example
 * ```ts
 * import { runDescent } from "./descent.ts";
 * import { generateProblem } from "./problem.ts";
 * const p = generateProblem({ d: 6, rstar: 1, m: 60, seed: 1 });
 * const r = runDescent("demo", p, "l2", {
 *   rank: 1, alpha: 1e-2, iters: 300, schedule: { kind: "constant", eta: 0.1 },
 * });
 * console.log(r.errors.at(-1)! < 1e-6, r.stopReason); // true iters
 * ```
 */
export function runDescent(
  fn: string,
  problem: RecoveryProblem,
  loss: LossKind,
  o: DescentOptions,
): DescentResult {
  const start = performance.now();
  const state = prepare(fn, problem, o);
  const loop = descentLoop(problem, o, state, start);
  for (let step = loop.next();;) {
    if (step.done) return step.value;
    const f = evaluateFactored(problem, state.l, state.r, state.k, loss, state.work);
    step = loop.next(f);
  }
}

/**
 * The same loop with an asynchronous evaluator (a GPU pass): `evaluate(state)` must return the
 * loss at `state.l`/`state.r` and leave the (sub)gradient in `state.work`.
 *
 * @example
 * ```ts
 * import { runDescentAsync } from "./descent.ts";
 * import { evaluateFactored } from "./objective.ts";
 * import { generateProblem } from "./problem.ts";
 * const p = generateProblem({ d: 6, rstar: 1, m: 60, seed: 1 });
 * const r = await runDescentAsync("demo", p, {
 *   rank: 1, alpha: 1e-2, iters: 300, schedule: { kind: "constant", eta: 0.1 },
 * }, (s) => Promise.resolve(evaluateFactored(p, s.l, s.r, s.k, "l2", s.work)));
 * console.log(r.errors.at(-1)! < 1e-6); // true
 * ```
 */
export async function runDescentAsync(
  fn: string,
  problem: DescentProblem,
  o: DescentOptions,
  evaluate: (state: DescentState) => Promise<number>,
): Promise<DescentResult> {
  const start = performance.now();
  const state = prepare(fn, problem, o);
  const loop = descentLoop(problem, o, state, start);
  for (let step = loop.next();;) {
    if (step.done) return step.value;
    step = loop.next(await evaluate(state));
  }
}

function prepare(fn: string, problem: DescentProblem, o: DescentOptions): DescentState {
  checkOptions(fn, problem, o);
  const [l, r] = initialFactors(fn, problem, o);
  const { m, rows, cols } = problem.op, k = o.rank;
  const work = {
    res: new Float64Array(m),
    gl: new Float64Array(rows * k),
    gr: new Float64Array(cols * k),
  };
  return { l, r, k, work };
}

// The iteration itself, written once for both drivers: every `yield` asks for the loss (and
// the gradient in state.work) at the current iterate.
function* descentLoop(
  problem: DescentProblem,
  o: DescentOptions,
  state: DescentState,
  start: number,
): Generator<void, DescentResult, number> {
  const { rows, cols } = problem.op;
  const { l, r, k, work } = state, asym = problem.asymmetric;
  const every = o.errorEvery ?? 1;
  const out = { losses: [] as number[], errors: [] as number[], errorIters: [] as number[] };
  const logError = (t: number): number | undefined => {
    if (problem.xStar === undefined) return undefined;
    const e = factoredError(problem.xStar, l, r, rows, cols, k);
    out.errors.push(e);
    out.errorIters.push(t);
    return e;
  };
  let stopReason: StopReason = "iters", t = 0;
  for (; t <= o.iters; t++) {
    const f: number = yield;
    out.losses.push(f);
    const last = t === o.iters;
    const error = last || t % every === 0 ? logError(t) : undefined;
    if (!Number.isFinite(f)) {
      stopReason = "nonfinite";
      if (!last && error === undefined) logError(t);
      break;
    }
    if (last) break;
    const g2 = squaredNorm(work.gl) + (asym ? squaredNorm(work.gr) : 0);
    const step = stepLength(o.schedule, t, f, g2);
    if (o.onIter?.({ t, loss: f, error, step }) === false) {
      stopReason = "callback";
      if (error === undefined) logError(t);
      break;
    }
    axpy(-step, work.gl, l);
    if (asym) axpy(-step, work.gr, r);
  }
  return {
    u: new Tensor(l, [rows, k]),
    v: asym ? new Tensor(r, [cols, k]) : undefined,
    ...out,
    iters: Math.min(t, o.iters),
    stopReason,
    seconds: (performance.now() - start) / 1000,
  };
}

function checkOptions(fn: string, problem: DescentProblem, o: DescentOptions): void {
  if (problem === null || typeof problem !== "object" || problem.op === undefined) {
    throw new TypeError(`${fn}: problem must be a RecoveryProblem`);
  }
  if (o === null || typeof o !== "object") throw new TypeError(`${fn}: options must be an object`);
  checkPositiveInt(fn, "rank", o.rank);
  if (typeof o.alpha !== "number" || !(o.alpha > 0) || !Number.isFinite(o.alpha)) {
    throw new RangeError(`${fn}: alpha must be a positive finite number, got ${o.alpha}`);
  }
  if (!Number.isInteger(o.iters) || o.iters < 0) {
    throw new RangeError(`${fn}: iters must be a non-negative integer, got ${o.iters}`);
  }
  if (o.seed !== undefined && !Number.isInteger(o.seed)) {
    throw new TypeError(`${fn}: seed must be an integer, got ${o.seed}`);
  }
  if (o.errorEvery !== undefined) checkPositiveInt(fn, "errorEvery", o.errorEvery);
  checkSchedule(fn, o.schedule);
  const y = problem.y;
  if (!(y instanceof Float64Array) || y.length !== problem.op.m) {
    throw new RangeError(`${fn}: problem.y must be a Float64Array of length m = ${problem.op.m}`);
  }
  for (let i = 0; i < y.length; i++) {
    if (!Number.isFinite(y[i])) {
      throw new RangeError(`${fn}: problem.y has a non-finite measurement ${y[i]} at index ${i}`);
    }
  }
}

// U₀ = α·B, B i.i.d. N(0, 1/d), drawn from the run's own seeded generator (spec §3).
function initialFactors(fn: string, problem: DescentProblem, o: DescentOptions): Float64Array[] {
  const { rows, cols } = problem.op;
  const rng = new Rng(o.seed ?? 0);
  const draw = (n: number): Float64Array => {
    const b = new Float64Array(n * o.rank), s = o.alpha / Math.sqrt(n);
    for (let i = 0; i < b.length; i++) b[i] = s * rng.normal();
    return b;
  };
  const given = (t: Tensor, arg: string, n: number): Float64Array => {
    const c = factorCols(fn, arg, t, n);
    if (c !== o.rank) throw new RangeError(`${fn}: ${arg} has ${c} columns, rank is ${o.rank}`);
    return Float64Array.from(t.data);
  };
  const l = o.init ? given(o.init, "init", rows) : draw(rows);
  if (!problem.asymmetric) return [l, l];
  const r = o.initV ? given(o.initV, "initV", cols) : draw(cols);
  return [l, r];
}

function factoredError(
  xStar: Tensor,
  l: Float64Array,
  r: Float64Array,
  rows: number,
  cols: number,
  k: number,
): number {
  const x = outer(l, r, rows, cols, k);
  let num = 0, den = 0;
  for (let i = 0; i < x.length; i++) {
    num += (x[i] - xStar.data[i]) ** 2;
    den += xStar.data[i] ** 2;
  }
  return Math.sqrt(num / den);
}

function squaredNorm(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return s;
}

function axpy(alpha: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i] += alpha * x[i];
}
