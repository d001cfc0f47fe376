/**
 * The TRP projection step (Xu et al., IJCAI 2020; spec `compression_optim_attention.md` §1,
 * "Training loop" step 1 and "Nuclear-norm sub-gradient"): a kernel reshaped by its scheme,
 * truncated to the rank its criterion keeps (`U_k Σ_k V_kᵀ`, the Eckart–Young best rank-k
 * approximation), and the nuclear-norm sub-gradient `U_k V_kᵀ` of the truncated factors.
 *
 * @module
 */
import { matmul } from "../../ops/autograd/ops.ts";
import { svd } from "../../ops/linalg/svd.ts";
import { assertTensor, shapeStr, Tensor } from "../../ops/tensor.ts";
import { type TrpCriterion, trpRank } from "./trp_rank.ts";
import {
  checkScheme,
  kernelDims,
  trpReshape,
  type TrpScheme,
  trpUnreshape,
} from "./trp_reshape.ts";

/** A matrix truncated to rank k. */
export interface TrpMatrixProjection {
  /** `U_k Σ_k V_kᵀ`. */
  approx: Tensor;
  /** `U_k V_kᵀ`: the sub-gradient of `‖·‖_*` at `approx` (and at the input when k = rank). */
  subgradient: Tensor;
  /** The kept rank k. */
  rank: number;
  /** All singular values of the input, descending. */
  s: Tensor;
}

/** `U[:, :k] · diag(w) · Vᵀ[:k, :]` for weights `w` of length k. */
function lowRankProduct(u: Tensor, vt: Tensor, w: ArrayLike<number>, k: number): Tensor {
  const [m] = u.shape, n = vt.shape[1], p = u.shape[1];
  const uk = new Tensor(new Float64Array(m * k), [m, k]);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < k; j++) uk.data[i * k + j] = u.data[i * p + j] * w[j];
  }
  return matmul(uk, new Tensor(Float64Array.from(vt.data.subarray(0, k * n)), [k, n]));
}

/**
 * The truncated SVD of a matrix at the rank `criterion` keeps (or a given rank `k`), in f64,
 * returned in the dtype of `m`.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { trpProjectMatrix } from "./trp_project.ts";
 * const p = trpProjectMatrix(tensor([[3, 0, 0], [0, 2, 0], [0, 0, 1]]), { energy: 0.9 });
 * console.log(p.rank, p.approx.data[8], p.subgradient.data[4]); // 2 0 1
 * ```
 */
export function trpProjectMatrix(m: Tensor, criterion: TrpCriterion | number): TrpMatrixProjection {
  const fn = "trpProjectMatrix";
  assertTensor(fn, "m", m);
  if (m.ndim !== 2) throw new RangeError(`${fn}: m must be a matrix, got ${shapeStr(m.shape)}`);
  const f = svd(m.dtype === "f64" ? m : new Tensor(Float64Array.from(m.data), m.shape));
  const p = f.s.size;
  let k: number;
  if (typeof criterion === "number") {
    if (!Number.isInteger(criterion) || criterion < 0 || criterion > p) {
      throw new RangeError(`${fn}: rank must be an integer in [0, ${p}], got ${criterion}`);
    }
    k = criterion;
  } else k = trpRank(f.s, criterion);
  const cast = (t: Tensor): Tensor =>
    m.dtype === "f64" ? t : new Tensor(Float32Array.from(t.data), t.shape);
  return {
    approx: cast(lowRankProduct(f.u, f.vt, f.s.data, k)),
    subgradient: cast(lowRankProduct(f.u, f.vt, new Float64Array(k).fill(1), k)),
    rank: k,
    s: f.s,
  };
}

/** Options of {@link trpProject}. */
export interface TrpProjectOptions {
  /** Reshape scheme (default "nc"). */
  scheme?: TrpScheme;
  /** Rank criterion (default `{ energy: 0.9 }`, the training threshold of the code). */
  criterion?: TrpCriterion;
}

/** A kernel projected by {@link trpProject}. */
export interface TrpProjection {
  /** `R⁻¹(U_k Σ_k V_kᵀ)` (per filter for ND). */
  weight: Tensor;
  /** `R⁻¹(U_k V_kᵀ)`, the nuclear-norm sub-gradient of the truncated factors. */
  subgradient: Tensor;
  /** The kept rank: one entry for NC/VH, one per output filter for ND. */
  ranks: number[];
}

/**
 * One TRP projection of a conv kernel `W [N, C, kh, kw]`: `M = R(W)`, its thin SVD,
 * `k = criterion(σ)`, and `W_new = R⁻¹(U_k Σ_k V_kᵀ)` with the sub-gradient `R⁻¹(U_k V_kᵀ)`
 * (ND: each output filter's `C × (kh·kw)` matrix on its own).
 *
 * @example
 * ```ts
 * import { randn } from "../../ops/random.ts";
 * import { trpProject } from "./trp_project.ts";
 * const w = randn([8, 4, 3, 3], { seed: 0 });
 * console.log(trpProject(w, { criterion: { rate: 0.5 } }).ranks); // [4]
 * console.log(trpProject(w, { scheme: "nd", criterion: { rate: 0.5 } }).ranks.length); // 8
 * ```
 */
export function trpProject(w: Tensor, opts: TrpProjectOptions = {}): TrpProjection {
  const fn = "trpProject";
  for (const key of Object.keys(opts)) {
    if (key !== "scheme" && key !== "criterion") {
      throw new TypeError(`${fn}: unknown option ${JSON.stringify(key)}`);
    }
  }
  kernelDims(fn, w);
  const scheme = checkScheme(fn, opts.scheme ?? "nc");
  const criterion = opts.criterion ?? { energy: 0.9 };
  const parts = trpReshape(w, scheme).map((m) => trpProjectMatrix(m, criterion));
  return {
    weight: trpUnreshape(parts.map((q) => q.approx), w.shape, scheme),
    subgradient: trpUnreshape(parts.map((q) => q.subgradient), w.shape, scheme),
    ranks: parts.map((q) => q.rank),
  };
}
