/**
 * The measurement-operator contract of robust matrix recovery: a linear map
 * `A: R^{rows×cols} → R^m`, `A(X)_i = ⟨A_i, X⟩ = trace(A_iᵀX)`, with its adjoint
 * `A*(w) = Σ_i w_i A_i`, plus the factored forms the sub-gradient method needs so that no
 * operator materializes more than it must (Ma & Fattahi, JMLR 24(96), 2023; spec §1.2, §2.3).
 *
 * @module
 */
import { assertMatrix, assertTensor, shapeStr, type Tensor } from "../ops/tensor.ts";

/**
 * How residuals become weights in the adjoint: `"sign"` gives the ℓ1 sub-gradient weights
 * `sign(r_i)` with sign(0) = 0 (spec §2.2), `"residual"` the ℓ2 gradient weights `r_i` (§2.4).
 *
 * @example
 * ```ts
 * import { residualWeights, type ResidualWeight } from "./operator.ts";
 * const weight: ResidualWeight = "sign";
 * console.log(residualWeights(Float64Array.of(-2, 0, 3), weight, new Float64Array(3))); // Float64Array [-1, 0, 1]
 * ```
 */
export type ResidualWeight = "sign" | "residual";

/**
 * A linear measurement map with the factored entry points used by {@link subgm}'s hot loop.
 * Factors are row-major `Float64Array`s: `l` is `rows×k`, `r` is `cols×k`.
 *
 * @example
 * ```ts
 * import { gaussianDesign } from "./dense.ts";
 * import type { MeasurementOperator } from "./operator.ts";
 * const op: MeasurementOperator = gaussianDesign(3, 5, { seed: 1 });
 * console.log(op.m, op.rows, op.cols); // 5 3 3
 * ```
 */
export interface MeasurementOperator {
  /** What the design is, e.g. `"gaussian-packed-f32"`. */
  readonly kind: string;
  /** Number of measurements. */
  readonly m: number;
  /** Rows of the unknown matrix. */
  readonly rows: number;
  /** Columns of the unknown matrix. */
  readonly cols: number;
  /** Whether every `A_i` is symmetric (so `Σ w_i A_iᵀ = Σ w_i A_i`). */
  readonly symmetric: boolean;
  /** `y_i = ⟨A_i, X⟩` for a `rows×cols` matrix `X`. */
  apply(x: Tensor): Tensor;
  /** `Σ_i w_i A_i` as a `rows×cols` f64 matrix. */
  adjoint(w: Tensor): Tensor;
  /** `out_i = ⟨A_i, L Rᵀ⟩`. */
  applyFactors(l: Float64Array, r: Float64Array, k: number, out: Float64Array): void;
  /** `gl = Σ w_i A_i R` (`rows×k`) and `gr = Σ w_i A_iᵀ L` (`cols×k`). */
  adjointFactors(
    w: Float64Array,
    l: Float64Array,
    r: Float64Array,
    k: number,
    gl: Float64Array,
    gr: Float64Array,
  ): void;
  /**
   * Residuals `res = A(L Rᵀ) − y`, then `gl`, `gr` as {@link adjointFactors} with weights
   * `weight(res)`. Dense designs do this in one streaming pass over the stored `A_i`.
   */
  residualGradient(
    l: Float64Array,
    r: Float64Array,
    k: number,
    y: Float64Array,
    weight: ResidualWeight,
    res: Float64Array,
    gl: Float64Array,
    gr: Float64Array,
  ): void;
}

/**
 * Residual weights in place: `w_i = sign(res_i)` (sign(0) = 0) or `w_i = res_i`.
 *
 * @example
 * ```ts
 * import { residualWeights } from "./operator.ts";
 * const w = new Float64Array(3);
 * residualWeights(new Float64Array([-2, 0, 5]), "sign", w);
 * console.log(w); // Float64Array [-1, 0, 1]
 * ```
 */
export function residualWeights(
  res: Float64Array,
  weight: ResidualWeight,
  out: Float64Array,
): Float64Array {
  if (weight === "residual") {
    out.set(res);
    return out;
  }
  for (let i = 0; i < res.length; i++) {
    const v = res[i];
    out[i] = v > 0 ? 1 : v < 0 ? -1 : v === 0 ? 0 : NaN;
  }
  return out;
}

/**
 * The two-pass residual gradient (apply, then adjoint) for operators whose factored passes
 * are cheap (rank-one, entry sampling); dense designs fuse the passes instead.
 *
 * @example
 * ```ts
 * import { rankOneDesign } from "./rank_one.ts";
 * import { twoPassResidualGradient } from "./operator.ts";
 * const op = rankOneDesign(2, 4, { seed: 3 });
 * const u = new Float64Array([1, 0, 0, 1]), y = new Float64Array(4);
 * const res = new Float64Array(4), gl = new Float64Array(4), gr = new Float64Array(4);
 * twoPassResidualGradient(op, u, u, 2, y, "sign", res, gl, gr);
 * console.log(res.every(Number.isFinite)); // true
 * ```
 */
export function twoPassResidualGradient(
  op: MeasurementOperator,
  l: Float64Array,
  r: Float64Array,
  k: number,
  y: Float64Array,
  weight: ResidualWeight,
  res: Float64Array,
  gl: Float64Array,
  gr: Float64Array,
): void {
  op.applyFactors(l, r, k, res);
  for (let i = 0; i < res.length; i++) res[i] -= y[i];
  const w = residualWeights(res, weight, new Float64Array(res.length));
  op.adjointFactors(w, l, r, k, gl, gr);
}

/**
 * Validates the `x` of `apply` against the operator's shape; returns `x` as f64 data.
 *
 * @example
 * ```ts
 * import { zeros } from "../ops/tensor.ts";
 * import { gaussianDesign } from "./dense.ts";
 * import { checkApplyInput } from "./operator.ts";
 * const op = gaussianDesign(3, 5, { seed: 1 });
 * console.log(checkApplyInput("demo", op, zeros([3, 3])).length); // 9
 * ```
 */
export function checkApplyInput(fn: string, op: MeasurementOperator, x: Tensor): Float64Array {
  const [r, c] = assertMatrix(fn, "x", x);
  if (r !== op.rows || c !== op.cols) {
    throw new RangeError(
      `${fn}: x must be ${op.rows}x${op.cols} for this design, got ${shapeStr(x.shape)}`,
    );
  }
  return x.data instanceof Float64Array ? x.data : Float64Array.from(x.data);
}

/**
 * Validates the `w` of `adjoint` (a vector of length `m`); returns it as f64 data.
 *
 * @example
 * ```ts
 * import { zeros } from "../ops/tensor.ts";
 * import { gaussianDesign } from "./dense.ts";
 * import { checkAdjointInput } from "./operator.ts";
 * const op = gaussianDesign(3, 5, { seed: 1 });
 * console.log(checkAdjointInput("demo", op, zeros([5])).length); // 5
 * ```
 */
export function checkAdjointInput(fn: string, op: MeasurementOperator, w: Tensor): Float64Array {
  assertTensor(fn, "w", w);
  if (w.ndim !== 1 || w.shape[0] !== op.m) {
    throw new RangeError(`${fn}: w must be a vector of length ${op.m}, got ${shapeStr(w.shape)}`);
  }
  return w.data instanceof Float64Array ? w.data : Float64Array.from(w.data);
}

/**
 * Throws a RangeError naming `fn` unless `n` is a positive integer.
 *
 * @example
 * ```ts
 * import { checkPositiveInt } from "./operator.ts";
 * console.log(checkPositiveInt("demo", "rank", 3)); // 3
 * ```
 */
export function checkPositiveInt(fn: string, arg: string, n: unknown): number {
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1) {
    throw new RangeError(`${fn}: ${arg} must be a positive integer, got ${String(n)}`);
  }
  return n;
}
