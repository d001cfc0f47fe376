/**
 * Plain linear attention (Katharopoulos et al., "Transformers are RNNs", ICML 2020) with the
 * feature map `φ = ELU + 1`, the baseline RALA augments (spec `compression_optim_attention.md`
 * §7): per head `a_i = φ(q_i)·KV / (φ(q_i)·mean_j φ(k_j) + 1e-6)` with the d×d buffer
 * `KV = (1/N) Σ_j φ(k_j)ᵀ v_j`. The means (rather than sums) and the constant are RALA's, so
 * RALA with uniform token weights and no RoPE is exactly this. Cost O(N·d²) per head.
 *
 * @module
 */
import * as ad from "../../ops/autograd/ops.ts";
import { checkOptions } from "../../ops/options.ts";
import type { Tensor } from "../../ops/tensor.ts";
import { eluPlusOne } from "./feature_map.ts";
import { checkTokens, type Grid, mergeHeads, splitHeads } from "./heads.ts";
import { RALA_EPS } from "./rala_core.ts";

/** Options of {@link linearCore}. */
export interface LinearCoreOptions {
  /** Number of heads h (head width `d = C / h`). */
  nHeads: number;
  /** Token grid `[H, W]` with `H·W = N` (checked; plain linear attention ignores positions). */
  grid: Grid;
}

/** What {@link linearCore} returns. */
export interface LinearCoreResult {
  /** Heads merged: `[B, N, C]`. */
  out: Tensor;
  /** The per-head outputs: `[B, h, N, d]`. */
  heads: Tensor;
  /** The KV buffers: `[B, h, d, d]`. */
  kv: Tensor;
}

/**
 * Linear attention on `q`, `k`, `v` of shape `[B, N, C]`. Differentiable; f32 and f64.
 *
 * @example
 * ```ts
 * import { randn } from "../../ops/random.ts";
 * import { linearCore } from "./linear_core.ts";
 * const x = randn([1, 4, 8], { seed: 0 });
 * console.log(linearCore(x, x, x, { nHeads: 2, grid: [2, 2] }).kv.shape); // [1, 2, 4, 4]
 * ```
 */
export function linearCore(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  opts: LinearCoreOptions,
): LinearCoreResult {
  checkOptions("linearCore", opts, { nHeads: "integer", grid: "array" });
  const [, n] = checkTokens("linearCore", q, opts.grid, opts.nHeads);
  checkTokens("linearCore", k, opts.grid, opts.nHeads);
  checkTokens("linearCore", v, opts.grid, opts.nHeads);
  const fq = eluPlusOne(splitHeads(q, opts.nHeads)), fk = eluPlusOne(splitHeads(k, opts.nHeads));
  const kv = ad.scale(ad.matmul(fk, splitHeads(v, opts.nHeads), { transA: true }), 1 / n);
  const kMean = ad.mean(fk, { axis: 2, keepDims: true });
  const z = ad.pow(ad.add(ad.sum(ad.mul(fq, kMean), { axis: -1, keepDims: true }), RALA_EPS), -1);
  const heads = ad.mul(ad.matmul(fq, kv), z);
  return { out: mergeHeads(heads), heads, kv };
}
