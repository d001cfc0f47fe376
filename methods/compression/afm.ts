/**
 * Atomic Feature Mimicking (AFM): low-rank compression by the principal subspace of a layer's
 * *outputs* (Yu et al., "Unified Low-rank Compression Framework for Click-through Rate
 * Prediction", KDD 2024; spec `compression_optim_attention.md` §2, "Core equations"). The
 * compressed layer emits the PCA reconstruction `U_kU_kᵀ(y − μ) + μ`, the best rank-k affine fit
 * to the outputs on the calibration data, folded exactly into two thin linear layers. Knows
 * nothing of CTR models: it takes a {@link LinearParams} layer or an embedding table.
 *
 * @module
 */
import { eigh } from "../../ops/linalg/eigh.ts";
import { matmul } from "../../ops/matmul.ts";
import { assertTensor, Tensor } from "../../ops/tensor.ts";
import type { LinearParams } from "../../ops/nn/layers.ts";
import { OutputStats } from "./afm_stats.ts";

/** The top-k principal subspace of a layer's outputs. */
export interface AfmBasis {
  /** Output mean μ, `[d]`, f64. */
  readonly mean: Tensor;
  /** Top-k eigenvectors of Σ_y as columns, `[d, k]`, f64. */
  readonly u: Tensor;
  /** All eigenvalues of Σ_y, descending (length d). */
  readonly eigenvalues: Float64Array;
}

/** A linear layer replaced by two thin ones: `y ≈ b(a(x))`. */
export interface FactoredLinear {
  /** Layer A, `d_in → k`. */
  readonly a: LinearParams;
  /** Layer B, `k → d_out`. */
  readonly b: LinearParams;
}

/** An embedding table replaced by a thin table and a `k → d` projection. */
export interface FactoredEmbedding {
  /** The thin table `[V, k]`. */
  readonly table: Tensor;
  /** The projection back to width d: weight `[d, k]`, bias `[d]`. */
  readonly proj: LinearParams;
}

function checkRank(fn: string, k: number, d: number): void {
  if (!Number.isInteger(k) || k < 1 || k > d) {
    throw new RangeError(`${fn}: k must be an integer in [1, ${d}], got ${k}`);
  }
}

/**
 * The mean and top-k eigenvectors of the covariance held by `stats` (symmetric
 * eigendecomposition; eigenvector signs are those of `eigh`, which `U_kU_kᵀ` does not see).
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { OutputStats } from "./afm_stats.ts";
 * import { afmBasis } from "./afm.ts";
 * const s = new OutputStats(2);
 * s.update(tensor([[1, 0], [-1, 0], [0, 0.1], [0, -0.1]]));
 * const b = afmBasis(s, 1);
 * console.log(b.u.data, b.eigenvalues); // Float64Array [1, 0] Float64Array [0.5, 0.005]
 * ```
 */
export function afmBasis(stats: OutputStats, k: number): AfmBasis {
  if (!(stats instanceof OutputStats)) {
    throw new TypeError(`afmBasis: stats must be OutputStats, got ${String(stats)}`);
  }
  const d = stats.dim;
  checkRank("afmBasis", k, d);
  const { values, vectors } = eigh(stats.covariance());
  const eigenvalues = new Float64Array(d);
  const u = new Float64Array(d * k);
  for (let j = 0; j < d; j++) {
    const src = d - 1 - j; // eigh is ascending
    eigenvalues[j] = values.data[src];
    if (j < k) { for (let i = 0; i < d; i++) u[i * k + j] = vectors.data[i * d + src]; }
  }
  return { mean: new Tensor(stats.mean(), [d]), u: new Tensor(u, [d, k]), eigenvalues };
}

/** `U_k U_kᵀ v` for a vector v. */
function project(u: Tensor, v: Float64Array): Float64Array {
  const [d, k] = u.shape;
  const c = new Float64Array(k), out = new Float64Array(d);
  for (let i = 0; i < d; i++) for (let j = 0; j < k; j++) c[j] += u.data[i * k + j] * v[i];
  for (let i = 0; i < d; i++) for (let j = 0; j < k; j++) out[i] += u.data[i * k + j] * c[j];
  return out;
}

function f64(t: Tensor): Float64Array {
  return t.data instanceof Float64Array ? t.data : Float64Array.from(t.data);
}

/**
 * AFM fold of a linear layer `y = W x + b` (W `[d_out, d_in]`) given the basis of its outputs:
 * layer A `W_A = U_kᵀW`, `b_A = U_kᵀb`; layer B `W_B = U_k`, `b_B = (I − U_kU_kᵀ)μ`, so that
 * `b(a(x)) = U_kU_kᵀ(Wx + b − μ) + μ` (spec §2, "MLP layer"). At k = d_out this is the
 * original layer for every x. The activation that followed the layer stays after B; putting one
 * between A and B (the repository's "Ada_Act" variant) is the caller's choice and is no longer
 * exact.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { OutputStats } from "./afm_stats.ts";
 * import { afmBasis, afmLinear } from "./afm.ts";
 * const layer = { weight: tensor([[1, 0], [0, 1], [1, 1]]), bias: tensor([0, 0, 1]) };
 * const s = new OutputStats(3);
 * s.update(tensor([[1, 0, 2], [0, 1, 2], [2, 2, 5]]));
 * const { a, b } = afmLinear(layer, afmBasis(s, 2));
 * console.log(a.weight.shape, b.weight.shape); // [2, 2] [3, 2]
 * ```
 */
export function afmLinear(layer: LinearParams, basis: AfmBasis): FactoredLinear {
  assertTensor("afmLinear", "layer.weight", layer.weight);
  const [dOut, dIn] = layer.weight.shape;
  const [d, k] = basis.u.shape;
  if (layer.weight.ndim !== 2 || d !== dOut) {
    throw new RangeError(
      `afmLinear: layer.weight must be [${d}, d_in] to match the basis, got [${layer.weight.shape}]`,
    );
  }
  const w = new Tensor(f64(layer.weight), [dOut, dIn]);
  const wa = matmul(basis.u, w, { transA: true }); // k × d_in
  const bias = layer.bias ? f64(layer.bias) : new Float64Array(dOut);
  const ba = new Float64Array(k);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < k; j++) ba[j] += basis.u.data[i * k + j] * bias[i];
  }
  const mu = f64(basis.mean), pmu = project(basis.u, mu);
  const bb = mu.map((m, i) => m - pmu[i]);
  return {
    a: { weight: wa, bias: new Tensor(ba, [k]) },
    b: { weight: new Tensor(Float64Array.from(basis.u.data), [d, k]), bias: new Tensor(bb, [d]) },
  };
}

/**
 * AFM of an embedding table `E` `[V, d]` given the basis of its looked-up outputs (weighted by
 * id frequency): the thin table `E' = (E − 1μᵀ)U_k` and the projection `k → d` with weight U_k
 * and bias μ, so that row t becomes `U_kU_kᵀ(e_t − μ) + μ` (spec §2, "Embedding table").
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { OutputStats } from "./afm_stats.ts";
 * import { afmBasis, afmEmbedding } from "./afm.ts";
 * const table = tensor([[1, 2], [3, 4], [5, 7]]);
 * const s = new OutputStats(2);
 * s.update(table);
 * const f = afmEmbedding(table, afmBasis(s, 1));
 * console.log(f.table.shape, f.proj.weight.shape); // [3, 1] [2, 1]
 * ```
 */
export function afmEmbedding(table: Tensor, basis: AfmBasis): FactoredEmbedding {
  assertTensor("afmEmbedding", "table", table);
  const [d, k] = basis.u.shape;
  if (table.ndim !== 2 || table.shape[1] !== d) {
    throw new RangeError(
      `afmEmbedding: table must be [V, ${d}] to match the basis, got [${table.shape}]`,
    );
  }
  const v = table.shape[0], mu = f64(basis.mean), src = table.data;
  const centred = new Float64Array(v * d);
  for (let t = 0; t < v; t++) {
    for (let j = 0; j < d; j++) centred[t * d + j] = src[t * d + j] - mu[j];
  }
  return {
    table: matmul(new Tensor(centred, [v, d]), basis.u),
    proj: {
      weight: new Tensor(Float64Array.from(basis.u.data), [d, k]),
      bias: new Tensor(Float64Array.from(mu), [d]),
    },
  };
}
