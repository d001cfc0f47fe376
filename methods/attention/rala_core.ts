/**
 * The attention core of RALA, rank-augmented linear attention (Fan, Huang, He, "Breaking the
 * Low-Rank Dilemma of Linear Attention", CVPR 2025; spec `compression_optim_attention.md` §7,
 * "Core equations"), on projected queries, keys and values, per head:
 * `φ = ELU + 1`, global query `q̄ = mean_i φ(q_i)`, token weights
 * `α = softmax_j(d^{-1/2} q̄·φ(k_j))`, re-weighted keys `k'_j = N α_j φ(k_j)`, 2-D RoPE on the
 * numerator only, normaliser `z_i = 1 / (φ(q_i)·mean_j k'_j + 1e-6)`, the d×d buffer
 * `KV = (1/N) Σ_j k̂_jᵀ v_j` and the output `a_i = z_i · q̂_i KV`. Cost O(N·d²) per head.
 *
 * @module
 */
import * as ad from "../../ops/autograd/ops.ts";
import { checkOptions } from "../../ops/options.ts";
import { shapeStr, type Tensor } from "../../ops/tensor.ts";
import { eluPlusOne } from "./feature_map.ts";
import { checkTokens, type Grid, mergeHeads, splitHeads } from "./heads.ts";
import { applyRope2d, rope2dTables } from "./rope2d.ts";

/** The normaliser's additive constant (the paper's code). */
export const RALA_EPS = 1e-6;

/** Options of {@link ralaCore}. */
export interface RalaCoreOptions {
  /** Number of heads h; the head width is `d = C / h` (a multiple of 4 when `rope` is on). */
  nHeads: number;
  /** Token grid `[H, W]` with `H·W = N` (for RoPE). */
  grid: Grid;
  /** Apply 2-D RoPE to the numerator's queries and keys (default true). */
  rope?: boolean;
}

/** What {@link ralaCore} returns. */
export interface RalaCoreResult {
  /** Heads merged: `[B, N, C]`. */
  out: Tensor;
  /** The per-head outputs `a`: `[B, h, N, d]`. */
  heads: Tensor;
  /** The KV buffers: `[B, h, d, d]`. */
  kv: Tensor;
  /** The token weights α: `[B, h, 1, N]` (each row sums to 1). */
  alpha: Tensor;
}

function checkSame(q: Tensor, k: Tensor, v: Tensor): void {
  for (const [name, t] of [["k", k], ["v", v]] as const) {
    if (t.ndim !== 3 || t.shape.some((s, i) => s !== q.shape[i])) {
      throw new RangeError(
        `ralaCore: ${name} ${shapeStr(t.shape)} must have the shape of q ${shapeStr(q.shape)}`,
      );
    }
  }
}

/**
 * RALA's attention on `q`, `k`, `v` of shape `[B, N, C]` (heads are consecutive channel
 * blocks). Differentiable; f32 and f64.
 *
 * @example
 * ```ts
 * import { randn } from "../../ops/random.ts";
 * import { ralaCore } from "./rala_core.ts";
 * const q = randn([1, 6, 8], { seed: 0 }), k = randn([1, 6, 8], { seed: 1 });
 * const r = ralaCore(q, k, k, { nHeads: 2, grid: [2, 3] });
 * console.log(r.out.shape, r.kv.shape, r.alpha.shape); // [1, 6, 8] [1, 2, 4, 4] [1, 2, 1, 6]
 * ```
 */
export function ralaCore(q: Tensor, k: Tensor, v: Tensor, opts: RalaCoreOptions): RalaCoreResult {
  checkOptions("ralaCore", opts, { nHeads: "integer", grid: "array", rope: "boolean" });
  const [, n, , d] = checkTokens("ralaCore", q, opts.grid, opts.nHeads);
  checkSame(q, k, v);
  const fq = eluPlusOne(splitHeads(q, opts.nHeads)); // [B, h, N, d]
  const fk = eluPlusOne(splitHeads(k, opts.nHeads));
  const vh = splitHeads(v, opts.nHeads);
  const qBar = ad.mean(fq, { axis: 2, keepDims: true }); // [B, h, 1, d]
  const alpha = ad.softmax(ad.scale(ad.matmul(qBar, fk, { transB: true }), 1 / Math.sqrt(d)));
  const kw = ad.mul(fk, ad.scale(ad.transpose(alpha, [0, 1, 3, 2]), n)); // k' = N·α_j·φ(k_j)
  const kMean = ad.mean(kw, { axis: 2, keepDims: true }); // [B, h, 1, d]
  const z = ad.pow(ad.add(ad.sum(ad.mul(fq, kMean), { axis: -1, keepDims: true }), RALA_EPS), -1);
  let qNum = fq, kNum = kw;
  if (opts.rope ?? true) {
    const tables = rope2dTables(opts.grid, d);
    qNum = applyRope2d(fq, tables);
    kNum = applyRope2d(kw, tables);
  }
  const kv = ad.scale(ad.matmul(kNum, vh, { transA: true }), 1 / n); // [B, h, d, d]
  const heads = ad.mul(ad.matmul(qNum, kv), z);
  return { out: mergeHeads(heads), heads, kv, alpha };
}
