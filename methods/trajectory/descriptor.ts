/**
 * The EigenTrajectory descriptor (Bae, Oh, Jeon, "EigenTrajectory: Low-Rank Descriptors for
 * Multi-Modal Trajectory Forecasting", ICCV 2023; spec §3): a frozen orthonormal basis of the
 * leading k left singular vectors of the (uncentred) trajectory matrix, with projection and
 * reconstruction.
 *
 * Trajectories are stored one per row (`N × 2T`, x/y interleaved in time order), so the
 * spec's A (2T × N) is the transpose of the tensor passed here.
 *
 * @module
 */
import { matmul } from "../../ops/matmul.ts";
import { svd } from "../../ops/linalg/svd.ts";
import { assertFinite, assertMatrix, Tensor } from "../../ops/tensor.ts";

/** A fitted EigenTrajectory basis. */
export interface TrajectoryBasis {
  /** Length of a flattened trajectory, 2T. */
  readonly dim: number;
  /** Number of kept vectors. */
  readonly k: number;
  /** `dim × k` basis U_k, orthonormal columns ordered by decreasing singular value. */
  readonly u: Tensor;
  /** All `dim` singular values of the fitted matrix, non-increasing. */
  readonly singularValues: Float64Array;
}

/** Options of {@link fitBasis}. */
export interface FitBasisOptions {
  /**
   * `"gram"` (default): eigenvectors of the 2T × 2T Gram matrix AAᵀ, one pass over the data
   * (spec §9); its smallest singular values are accurate only to about √u·σ₁. `"svd"`: SVD of
   * the N × 2T matrix itself, slower but accurate to u·σ₁ throughout.
   */
  method?: "gram" | "svd";
}

/**
 * Fits U_k from `trajectories` (`N × 2T`, one flattened trajectory per row), with no mean
 * centring (it is an SVD, not PCA; spec §3.2–3.3). Each vector's sign is fixed so its
 * largest-magnitude entry is positive (spec §9), so fits are deterministic.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { fitBasis } from "./descriptor.ts";
 * const b = fitBasis(tensor([[1, 0, 2, 0], [2, 0, 4, 0], [0, 1, 0, 1]]), 2);
 * console.log(b.u.shape, b.singularValues.map((s) => Math.round(s * 1e6) / 1e6)); // [4, 2] Float64Array [5, 1.414214, 0, 0]
 * ```
 */
export function fitBasis(
  trajectories: Tensor,
  k: number,
  opts: FitBasisOptions = {},
): TrajectoryBasis {
  const [n, dim] = assertMatrix("fitBasis", "trajectories", trajectories);
  if (!Number.isInteger(k) || k < 1 || k > dim) {
    throw new RangeError(`fitBasis: k must be an integer in [1, ${dim}], got ${k}`);
  }
  if (n === 0) throw new RangeError("fitBasis: trajectories has no rows");
  if (trajectories.dtype !== "f64") {
    throw new TypeError(`fitBasis: trajectories must be f64, got ${trajectories.dtype}`);
  }
  assertFinite("fitBasis", "trajectories", trajectories);
  const method = opts.method ?? "gram";
  let vectors: Tensor, sigma: Float64Array;
  if (method === "gram") {
    const { u, s } = svd(matmul(trajectories, trajectories, { transA: true }));
    vectors = u;
    sigma = Float64Array.from(s.data, (e) => Math.sqrt(Math.max(e, 0)));
  } else if (method === "svd") {
    const { s, vt } = svd(trajectories);
    vectors = transposeOf(vt);
    sigma = new Float64Array(dim);
    sigma.set(s.data.subarray(0, Math.min(dim, s.size)));
  } else {
    throw new RangeError(`fitBasis: method must be "gram" or "svd", got "${method}"`);
  }
  return { dim, k, u: leadingColumns(vectors, k), singularValues: sigma };
}

function transposeOf(t: Tensor): Tensor {
  const [r, c] = t.shape;
  const out = new Float64Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = t.data[i * c + j];
  return new Tensor(out, [c, r]);
}

/** First `k` columns of a square-ish `dim × m` matrix, each with its sign fixed. */
function leadingColumns(v: Tensor, k: number): Tensor {
  const [dim, m] = v.shape;
  if (m < k) throw new RangeError(`fitBasis: the decomposition returned ${m} vectors, need ${k}`);
  const out = new Float64Array(dim * k);
  for (let j = 0; j < k; j++) {
    let big = 0;
    for (let i = 0; i < dim; i++) {
      if (Math.abs(v.data[i * m + j]) > Math.abs(big)) big = v.data[i * m + j];
    }
    const sign = big < 0 ? -1 : 1;
    for (let i = 0; i < dim; i++) out[i * k + j] = sign * v.data[i * m + j];
  }
  return new Tensor(out, [dim, k]);
}

function checkAgainst(
  fn: string,
  basis: TrajectoryBasis,
  t: Tensor,
  width: number,
  what: string,
): void {
  const [, c] = assertMatrix(fn, what, t);
  if (c !== width) {
    throw new RangeError(`${fn}: ${what} has ${c} columns, the basis needs ${width}`);
  }
  if (t.dtype !== basis.u.dtype) {
    throw new TypeError(`${fn}: ${what} is ${t.dtype}, the basis is ${basis.u.dtype}`);
  }
}

/**
 * Coefficients C = V·U_k (`N × k`) of flattened trajectories V (`N × 2T`): the spec's
 * c = U_kᵀ v for every row (spec §3.4).
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { fitBasis, project } from "./descriptor.ts";
 * const x = tensor([[3, 4], [6, 8]]);
 * console.log(project(fitBasis(x, 1), x).data); // Float64Array [5, 10]
 * ```
 */
export function project(basis: TrajectoryBasis, trajectories: Tensor): Tensor {
  checkAgainst("project", basis, trajectories, basis.dim, "trajectories");
  return matmul(trajectories, basis.u);
}

/**
 * Flattened trajectories V̂ = C·U_kᵀ (`N × 2T`) from coefficients C (`N × k`) (spec §3.4).
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { fitBasis, reconstruct } from "./descriptor.ts";
 * const b = fitBasis(tensor([[3, 4]]), 1);
 * console.log(reconstruct(b, tensor([[10]])).data); // Float64Array [6, 8]
 * ```
 */
export function reconstruct(basis: TrajectoryBasis, coefficients: Tensor): Tensor {
  checkAgainst("reconstruct", basis, coefficients, basis.k, "coefficients");
  return matmul(coefficients, basis.u, { transB: true });
}

/**
 * A basis that keeps only the first `k` vectors of `basis` (for error-vs-k curves without
 * refitting).
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { fitBasis, truncateBasis } from "./descriptor.ts";
 * console.log(truncateBasis(fitBasis(tensor([[1, 2], [3, 5]]), 2), 1).u.shape); // [2, 1]
 * ```
 */
export function truncateBasis(basis: TrajectoryBasis, k: number): TrajectoryBasis {
  if (!Number.isInteger(k) || k < 1 || k > basis.k) {
    throw new RangeError(`truncateBasis: k must be an integer in [1, ${basis.k}], got ${k}`);
  }
  const out = new Float64Array(basis.dim * k);
  for (let i = 0; i < basis.dim; i++) {
    for (let j = 0; j < k; j++) out[i * k + j] = basis.u.data[i * basis.k + j];
  }
  return {
    dim: basis.dim,
    k,
    u: new Tensor(out, [basis.dim, k]),
    singularValues: basis.singularValues,
  };
}
