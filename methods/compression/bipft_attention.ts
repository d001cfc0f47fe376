/**
 * BiPFT self-attention (Xing et al., AAAI 2024; spec `compression_optim_attention.md` §4):
 * binarised Q, K, V (one signed α-quantiser each), the unsigned quantiser on the attention
 * probabilities, and the five rank-1 estimators of the binarisation residual polynomials:
 * `S = Q_bK_bᵀ + q_m k_pᵀ + q_p k_mᵀ + q_p k_pᵀ` (before the `1/√d_h` scaling, shared by all
 * heads) and `O_h = P_b V_b,h + P_b v_p 1ᵀ`. Queries and keys get RoPE before they are
 * binarised (the decoder here is Llama-style; the paper's model is BERT, without RoPE).
 *
 * @module
 */
import { type Tensor, tensor } from "../../ops/tensor.ts";
import * as ad from "../../ops/autograd/ops.ts";
import { checkOptions } from "../../ops/options.ts";
import { initAlpha_, signQuant, unsignedQuant } from "./bipft_quant.ts";

/** The learnable scales of the attention quantisers (one-element tensors). */
export interface BipftAttentionAlphas {
  /** Signed quantiser of the queries. */
  q: Tensor;
  /** Signed quantiser of the keys. */
  k: Tensor;
  /** Signed quantiser of the values. */
  v: Tensor;
  /** Unsigned quantiser of the attention probabilities. */
  p: Tensor;
}

/** Options of {@link bipftAttentionCore}. */
export interface BipftAttentionOptions {
  /** Number of heads (keys and values have as many). */
  nHeads: number;
  /** RoPE base (default 10000); null turns RoPE off. */
  ropeTheta?: number | null;
  /** The quantisers' α; absent or null: full precision (no quantisation). */
  alphas?: BipftAttentionAlphas | null;
  /**
   * The estimator outputs `[B, T, 5]` in the order q_p, k_p, q_m, k_m, v_p; absent or null:
   * no residual terms (plain binary attention).
   */
  estimates?: Tensor | null;
  /** Set every α from this batch first (2·mean|x|, 4·mean|P|): the first-batch init. */
  calibrate?: boolean;
}

/** `[B, T, h·hd]` → `[B, h, T, hd]`. */
function heads(x: Tensor, h: number): Tensor {
  const [b, t, f] = x.shape;
  return ad.transpose(ad.reshape(x, [b, t, h, f / h]), [0, 2, 1, 3]);
}

function column(est: Tensor, j: number): Tensor {
  return ad.sliceAxis(est, 2, j, j + 1);
}

/**
 * The sum of the three rank-1 score terms, `q_m k_pᵀ + q_p k_mᵀ + q_p k_pᵀ`, computed as the
 * rank-2 product `[q_m, q_p] [k_p, k_m + k_p]ᵀ` (spec §4 property 6): `[B, T, T]` from the
 * estimator outputs `[B, T, 5]` (q_p, k_p, q_m, k_m, v_p).
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { residualScores } from "./bipft_attention.ts";
 * const est = tensor([1, 2, 3, 4, 5], { shape: [1, 1, 5] });
 * console.log(residualScores(est).data); // Float64Array [12]
 * ```
 */
export function residualScores(est: Tensor): Tensor {
  if (est.ndim !== 3 || est.shape[2] !== 5) {
    throw new RangeError(
      `residualScores: estimates must be [B, T, 5], got [${est.shape.join(", ")}]`,
    );
  }
  const [qp, kp, qm, km] = [0, 1, 2, 3].map((j) => column(est, j));
  const left = ad.concat([qm, qp], 2), right = ad.concat([kp, ad.add(km, kp)], 2);
  return ad.matmul(left, right, { transB: true });
}

function causal(t: number, dtype: Tensor["dtype"]): Tensor {
  const m = new Array<number>(t * t);
  for (let i = 0; i < t; i++) for (let j = 0; j < t; j++) m[i * t + j] = j <= i ? 1 : 0;
  return tensor(m, { shape: [t, t], dtype });
}

function quantSigned(x: Tensor, alpha: Tensor, calibrate: boolean): Tensor {
  if (calibrate) initAlpha_(alpha, x, 2);
  return signQuant(x, alpha);
}

/**
 * Causal BiPFT attention on projected `q`, `k`, `v` (`[B, T, h·hd]`), returning the merged
 * context `[B, T, h·hd]` before the output projection. With `alphas` null and `estimates` null
 * (or all estimator weights zero) it is standard causal softmax attention (spec §4 property 5).
 *
 * @example
 * ```ts
 * import { randn } from "../../ops/random.ts";
 * import { bipftAttentionCore } from "./bipft_attention.ts";
 * const q = randn([1, 3, 4], { seed: 0 });
 * console.log(bipftAttentionCore(q, q, q, { nHeads: 2 }).shape); // [1, 3, 4]
 * ```
 */
export function bipftAttentionCore(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  opts: BipftAttentionOptions,
): Tensor {
  checkOptions("bipftAttentionCore", opts, {
    nHeads: "integer",
    ropeTheta: "any",
    alphas: "any",
    estimates: "any",
    calibrate: "boolean",
  });
  const [b, t, f] = q.shape;
  const h = opts.nHeads;
  if (q.ndim !== 3 || !Number.isInteger(h) || h < 1 || f % h !== 0) {
    throw new RangeError(
      `bipftAttentionCore: q [B, T, h·hd] with nHeads ${h}, got [${q.shape.join(", ")}]`,
    );
  }
  const hd = f / h, cal = opts.calibrate ?? false, al = opts.alphas ?? null;
  const theta = opts.ropeTheta === undefined ? 10000 : opts.ropeTheta;
  let qh = heads(q, h), kh = heads(k, h), vh = heads(v, h);
  if (theta !== null) {
    qh = ad.rope(qh, { theta });
    kh = ad.rope(kh, { theta });
  }
  if (al) {
    qh = quantSigned(qh, al.q, cal);
    kh = quantSigned(kh, al.k, cal);
    vh = quantSigned(vh, al.v, cal);
  }
  let scores = ad.matmul(qh, kh, { transB: true });
  const est = opts.estimates ?? null;
  if (est) scores = ad.add(scores, ad.reshape(residualScores(est), [b, 1, t, t]));
  scores = ad.where(causal(t, q.dtype), ad.scale(scores, 1 / Math.sqrt(hd)), -Infinity);
  let p = ad.softmax(scores);
  if (al) {
    if (cal) initAlpha_(al.p, p, 4);
    p = unsignedQuant(p, al.p);
  }
  let ctx = ad.matmul(p, vh);
  if (est) {
    // P_b·v_p per head: Σ_j P[b, h, i, j]·v_p[b, j], an L×1 column broadcast over d_h.
    const vp = ad.reshape(column(est, 4), [b, 1, 1, t]);
    ctx = ad.add(ctx, ad.sum(ad.mul(p, vp), { axis: 3, keepDims: true }));
  }
  return ad.reshape(ad.transpose(ctx, [0, 2, 1, 3]), [b, t, f]);
}
