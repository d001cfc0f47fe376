/**
 * Weight-SVD compression, the baseline (a) of Yu et al., KDD 2024 (spec
 * `compression_optim_attention.md` §2, "SVD baseline"): a linear layer `W ≈ U_kΣ_kV_kᵀ` becomes
 * layer A `Σ_kV_kᵀ` and layer B `U_k` (with the original bias), an embedding table becomes
 * `U_kΣ_k` and the projection `V_kᵀ`. A's bias and the projection's bias are zeros, kept so that
 * the SVD and AFM factors have the same parameter count and can be fine-tuned alike.
 *
 * @module
 */
import { svd } from "../../ops/linalg/svd.ts";
import { assertTensor, Tensor } from "../../ops/tensor.ts";
import type { LinearParams } from "../../ops/nn/layers.ts";
import type { FactoredEmbedding, FactoredLinear } from "./afm.ts";

/** The rank-k truncated SVD of a matrix: `U_k` `[m,k]`, `σ_1..σ_k`, `V_k` `[n,k]`, f64. */
function truncated(
  fn: string,
  m: Tensor,
  k: number,
): { u: Float64Array; s: Float64Array; v: Float64Array } {
  assertTensor(fn, "matrix", m);
  if (m.ndim !== 2) throw new RangeError(`${fn}: expected a matrix, got shape [${m.shape}]`);
  const [rows, cols] = m.shape, p = Math.min(rows, cols);
  if (!Number.isInteger(k) || k < 1 || k > p) {
    throw new RangeError(`${fn}: k must be an integer in [1, ${p}], got ${k}`);
  }
  const x = m.dtype === "f64" ? m : new Tensor(Float64Array.from(m.data), m.shape);
  const r = svd(x);
  const u = new Float64Array(rows * k), v = new Float64Array(cols * k);
  for (let i = 0; i < rows; i++) for (let j = 0; j < k; j++) u[i * k + j] = r.u.data[i * p + j];
  for (let i = 0; i < cols; i++) for (let j = 0; j < k; j++) v[i * k + j] = r.vt.data[j * cols + i];
  return { u, s: Float64Array.from(r.s.data.subarray(0, k)), v };
}

/**
 * Rank-k weight SVD of a linear layer: A = `Σ_kV_kᵀ` (`k × d_in`, bias 0), B = `U_k`
 * (`d_out × k`, the original bias). Exact at k = min(d_in, d_out).
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { svdLinear } from "./svd_compress.ts";
 * const { a, b } = svdLinear({ weight: tensor([[3, 0], [0, 1], [0, 0]]) }, 1);
 * console.log(a.weight.data, b.weight.data); // Float64Array [3, 0] Float64Array [1, 0, 0]
 * ```
 */
export function svdLinear(layer: LinearParams, k: number): FactoredLinear {
  const { u, s, v } = truncated("svdLinear", layer.weight, k);
  const [dOut, dIn] = layer.weight.shape;
  const wa = new Float64Array(k * dIn); // Σ_kV_kᵀ
  for (let j = 0; j < k; j++) for (let i = 0; i < dIn; i++) wa[j * dIn + i] = s[j] * v[i * k + j];
  const wb = u; // U_k, d_out × k
  const bias = layer.bias ? Float64Array.from(layer.bias.data) : new Float64Array(dOut);
  return {
    a: { weight: new Tensor(wa, [k, dIn]), bias: new Tensor(new Float64Array(k), [k]) },
    b: { weight: new Tensor(wb, [dOut, k]), bias: new Tensor(bias, [dOut]) },
  };
}

/**
 * Rank-k weight SVD of an embedding table `[V, d]`: the thin table `U_kΣ_k` (`[V, k]`) and the
 * projection `V_k` (weight `[d, k]`, bias 0). Exact at k = min(V, d).
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { svdEmbedding } from "./svd_compress.ts";
 * const f = svdEmbedding(tensor([[2, 0], [0, 1], [2, 0]]), 1);
 * console.log(f.table.shape, f.proj.weight.shape); // [3, 1] [2, 1]
 * ```
 */
export function svdEmbedding(table: Tensor, k: number): FactoredEmbedding {
  const { u, s, v } = truncated("svdEmbedding", table, k);
  const [rows, d] = table.shape;
  for (let i = 0; i < rows; i++) for (let j = 0; j < k; j++) u[i * k + j] *= s[j];
  return {
    table: new Tensor(u, [rows, k]),
    proj: { weight: new Tensor(v, [d, k]), bias: new Tensor(new Float64Array(d), [d]) },
  };
}
