/**
 * The recovery losses on a factored iterate and their (sub)gradients (spec §2):
 * ℓ1: `f(U) = (1/m)Σ|⟨A_i, UUᵀ⟩ − y_i|` with the sub-gradient
 * `D(U) = (1/m)Σ sign(r_i)(A_i + A_iᵀ)U`, sign(0) = 0 (Ma & Fattahi, JMLR 24(96), 2023, eq. 1);
 * ℓ2: `f₂(U) = (1/2m)Σ r_i²` with gradient `(1/m)Σ r_i(A_i + A_iᵀ)U` (spec §2.4).
 * Asymmetric (`X = L Rᵀ`, spec §1.5): `∂_L = (1/m)Σ g_i A_i R`, `∂_R = (1/m)Σ g_i A_iᵀ L`.
 *
 * @module
 */
import { assertMatrix, shapeStr, Tensor } from "../ops/tensor.ts";
import type { ResidualWeight } from "./operator.ts";
import type { RecoveryProblem } from "./problem.ts";

/**
 * `"l1"` (robust, sub-gradient method) or `"l2"` (least squares baseline).
 *
 * @example
 * ```ts
 * import type { LossKind } from "./objective.ts";
 * const loss: LossKind = "l1";
 * console.log(loss); // l1
 * ```
 */
export type LossKind = "l1" | "l2";

/** Scratch buffers of one factored evaluation. */
export interface FactoredWork {
  /** Residuals `⟨A_i, L Rᵀ⟩ − y_i`. */
  res: Float64Array;
  /** Gradient w.r.t. `U` (PSD) or `L` (asymmetric), `rows×k`. */
  gl: Float64Array;
  /** Gradient w.r.t. `R` (asymmetric; scratch for PSD), `cols×k`. */
  gr: Float64Array;
}

/**
 * Allocates the scratch buffers for rank `k`.
 *
 * @example
 * ```ts
 * import { factoredWork } from "./objective.ts";
 * import { generateProblem } from "./problem.ts";
 * const w = factoredWork(generateProblem({ d: 3, rstar: 1, m: 6 }), 2);
 * console.log(w.res.length, w.gl.length); // 6 6
 * ```
 */
export function factoredWork(problem: RecoveryProblem, k: number): FactoredWork {
  const { m, rows, cols } = problem.op;
  return {
    res: new Float64Array(m),
    gl: new Float64Array(rows * k),
    gr: new Float64Array(cols * k),
  };
}

/**
 * Loss and (sub)gradient at factors `l`, `r` (pass the same array twice for the PSD problem):
 * returns the loss; `work.gl` (and `work.gr` when asymmetric) receive the (sub)gradient.
 *
 * @example
 * ```ts
 * import { evaluateFactored, factoredWork } from "./objective.ts";
 * import { generateProblem } from "./problem.ts";
 * const p = generateProblem({ d: 3, rstar: 1, m: 6, seed: 1 });
 * const u = p.uStar!.data as Float64Array, w = factoredWork(p, 1);
 * console.log(evaluateFactored(p, u, u, 1, "l1", w)); // 0
 * ```
 */
export function evaluateFactored(
  problem: RecoveryProblem,
  l: Float64Array,
  r: Float64Array,
  k: number,
  loss: LossKind,
  work: FactoredWork,
): number {
  const { op, y } = problem;
  const weight: ResidualWeight = loss === "l1" ? "sign" : "residual";
  op.residualGradient(l, r, k, y, weight, work.res, work.gl, work.gr);
  const m = op.m, inv = 1 / m;
  const { gl, gr, res } = work;
  if (problem.asymmetric) {
    for (let i = 0; i < gl.length; i++) gl[i] *= inv;
    for (let i = 0; i < gr.length; i++) gr[i] *= inv;
  } else {
    for (let i = 0; i < gl.length; i++) gl[i] = (gl[i] + gr[i]) * inv;
  }
  let f = 0;
  if (loss === "l1") { for (let i = 0; i < m; i++) f += Math.abs(res[i]); }
  else for (let i = 0; i < m; i++) f += 0.5 * res[i] * res[i];
  return f * inv;
}

/** Result of {@link lossAndGradient}. */
export interface LossAndGradient {
  /** The loss value. */
  loss: number;
  /** (Sub)gradient w.r.t. `u` (`L` for an asymmetric problem). */
  grad: Tensor;
  /** Gradient w.r.t. `v` (`R`), asymmetric problems only. */
  gradV?: Tensor;
  /** Residuals `⟨A_i, X⟩ − y_i`. */
  residuals: Tensor;
}

/**
 * The ℓ1 (default) or ℓ2 loss of a factored estimate and its (sub)gradient (spec §2.2, §2.4).
 * For an asymmetric problem pass `opts.v` (the `R` factor).
 *
 * @example
 * ```ts
 * import { lossAndGradient } from "./objective.ts";
 * import { generateProblem } from "./problem.ts";
 * const p = generateProblem({ d: 4, rstar: 1, m: 20, seed: 1 });
 * const { loss, grad } = lossAndGradient(p, p.uStar!);
 * console.log(loss, grad.data.every((g) => g === 0)); // 0 true
 * ```
 */
export function lossAndGradient(
  problem: RecoveryProblem,
  u: Tensor,
  opts: { loss?: LossKind; v?: Tensor } = {},
): LossAndGradient {
  const loss = opts.loss ?? "l1";
  if (loss !== "l1" && loss !== "l2") {
    throw new TypeError(`lossAndGradient: loss must be "l1" or "l2", got ${String(loss)}`);
  }
  const k = factorCols("lossAndGradient", "u", u, problem.op.rows);
  let v = u;
  if (problem.asymmetric) {
    if (opts.v === undefined) throw new TypeError("lossAndGradient: an asymmetric problem needs v");
    v = opts.v;
    const kv = factorCols("lossAndGradient", "v", v, problem.op.cols);
    if (kv !== k) throw new RangeError(`lossAndGradient: u has ${k} columns, v has ${kv}`);
  }
  const l = Float64Array.from(u.data), r = problem.asymmetric ? Float64Array.from(v.data) : l;
  const work = factoredWork(problem, k);
  const f = evaluateFactored(problem, l, r, k, loss, work);
  return {
    loss: f,
    grad: new Tensor(work.gl, [problem.op.rows, k]),
    gradV: problem.asymmetric ? new Tensor(work.gr, [problem.op.cols, k]) : undefined,
    residuals: new Tensor(work.res, [problem.op.m]),
  };
}

/**
 * Checks a factor has `rows` rows; returns its column count.
 *
 * @example
 * ```ts
 * import { zeros } from "../ops/tensor.ts";
 * import { factorCols } from "./objective.ts";
 * console.log(factorCols("demo", "u", zeros([4, 2]), 4)); // 2
 * ```
 */
export function factorCols(fn: string, arg: string, t: Tensor, rows: number): number {
  const [r, c] = assertMatrix(fn, arg, t);
  if (r !== rows || c < 1) {
    throw new RangeError(`${fn}: ${arg} must be ${rows}xk with k >= 1, got ${shapeStr(t.shape)}`);
  }
  return c;
}
