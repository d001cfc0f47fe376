/**
 * Projection onto a gradient subspace kept as an orthonormal basis `U_r` (`D × r`) rather than
 * the `D × D` projector `P = U_rU_rᵀ`, which costs O(D·r) per vector instead of O(D²) (spec
 * `compression_optim_attention.md` §10, "Complexity"), and the historical-trajectory boost
 * `g ← g + 0.1·U_rU_rᵀg` (Fan et al., ICCV 2023, code camwew/TADA-MI).
 *
 * @module
 */
import { add, matmul, reshape, scale } from "../../ops/autograd/ops.ts";
import { assertTensor, type Tensor } from "../../ops/tensor.ts";
import { checkKeys, numberIn } from "./_options.ts";

function checkBasis(fn: string, basis: Tensor, dim: number): void {
  assertTensor(fn, "basis", basis);
  if (basis.ndim !== 2 || basis.shape[0] !== dim) {
    throw new RangeError(
      `${fn}: basis must be ${dim}×r to match x's last axis ${dim}, got shape [${basis.shape}]`,
    );
  }
}

/**
 * `x·P = (x·U)·Uᵀ` for each length-D vector along the last axis of `x` (any rank ≥ 1), with
 * `P = U Uᵀ` the orthogonal projector onto the columns of `basis` (`D × r`, orthonormal
 * columns; `P` is symmetric, so `x·P = P·x`). With `basis` null, `x` itself: before the bank
 * has a subspace, statistics are used unprojected (spec §10). Differentiable in `x` and
 * `basis`.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { projectOnto } from "./project.ts";
 * const e1 = tensor([[1], [0], [0]]);
 * console.log(projectOnto(e1, tensor([3, 4, 5])).data); // Float64Array [3, 0, 0]
 * console.log(projectOnto(null, tensor([3, 4, 5])).data); // Float64Array [3, 4, 5]
 * ```
 */
export function projectOnto(basis: Tensor | null, x: Tensor): Tensor {
  assertTensor("projectOnto", "x", x);
  if (basis === null) return x;
  if (x.ndim < 1) throw new RangeError("projectOnto: x must have at least one axis");
  const d = x.shape[x.ndim - 1];
  checkBasis("projectOnto", basis, d);
  const rows = reshape(x, [x.size / d, d]);
  const coords = matmul(rows, basis); // [n, r]
  return reshape(matmul(coords, basis, { transB: true }), x.shape);
}

/** Options of {@link trajectoryBoost}. */
export interface TrajectoryBoostOptions {
  /** Extra weight of the in-subspace component (default 0.1: that part is scaled by 1.1). */
  factor?: number;
}

/**
 * The historical-trajectory stream of OTD: `g' = g + factor·U_rU_rᵀ g`, with `g` flattened to
 * a vector of length D (any shape; `basis` is `D × r`). The component of `g` inside the
 * subspace of past gradients is scaled by `1 + factor`, the orthogonal one is unchanged
 * (spec §10, property 5). With `basis` null, `g` unchanged. Differentiable.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { trajectoryBoost } from "./project.ts";
 * const e1 = tensor([[1], [0]]);
 * console.log(trajectoryBoost(e1, tensor([[2, 3]])).data); // Float64Array [2.2, 3]
 * ```
 */
export function trajectoryBoost(
  basis: Tensor | null,
  g: Tensor,
  opts: TrajectoryBoostOptions = {},
): Tensor {
  checkKeys("trajectoryBoost", opts, ["factor"]);
  const factor = numberIn("trajectoryBoost", "factor", opts.factor, 0.1, -Infinity, Infinity);
  assertTensor("trajectoryBoost", "g", g);
  if (basis === null) return g;
  const flat = reshape(g, [g.size]);
  return reshape(add(flat, scale(projectOnto(basis, flat), factor)), g.shape);
}
