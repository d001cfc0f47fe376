/**
 * BA-LoRA — bias-alleviating regularizers for (PiSSA-initialized) low-rank adaptation (Chang,
 * Chang & Wu, ICLR 2026, arXiv 2408.04556). Spec: `specs/adapters.md` §11. The adapter itself is
 * PiSSA (`pissa.ts`); this file gives the three output-space regularizers, all differentiable:
 * consistency (stay near the frozen original model's outputs), diversity (decorrelated /
 * high-entropy outputs) and SVD (concentrate output energy in the top-k singular directions).
 * `L = L_task + λ₁ L_cons + λ₂ L_div + λ₃ L_svd`, defaults λ = (1e-4, 3e-4, 1e-4), k = 3.
 *
 * @module
 */
import { add, div, mul, scale, sub } from "../../ops/autograd/ops_arith.ts";
import { matmul } from "../../ops/autograd/ops_matmul.ts";
import { mean, sum } from "../../ops/autograd/ops_reduce.ts";
import { logSoftmax, softmax } from "../../ops/autograd/ops_softmax.ts";
import { sqrt } from "../../ops/autograd/ops_unary.ts";
import { record } from "../../ops/autograd/tape.ts";
import { svd } from "../../ops/linalg/svd.ts";
import { assertMatrix, scalar, shapeStr, Tensor } from "../../ops/tensor.ts";

/**
 * Singular values of a matrix (descending), differentiable: `∂σ_i/∂Z = u_i v_iᵀ` (valid where
 * the singular values are distinct and non-zero, the generic case).
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { singularValues } from "./ba_lora.ts";
 * console.log(singularValues(tensor([[3, 0], [0, -2]])).data); // Float64Array [3, 2]
 * ```
 */
export function singularValues(z: Tensor): Tensor {
  assertMatrix("singularValues", "z", z);
  const { u, s, vt } = svd(z);
  return record("singularValues", s, [z], (g) => {
    // U diag(g) Vᵀ with the thin factors.
    const k = s.size, m = z.shape[0];
    const ug = u.clone();
    for (let i = 0; i < m; i++) for (let j = 0; j < k; j++) ug.data[i * k + j] *= g.data[j];
    return [matmul(ug, vt)];
  });
}

function checkSame(fn: string, z: Tensor, z0: Tensor): void {
  if (z.shape.length !== z0.shape.length || z.shape.some((d, i) => d !== z0.shape[i])) {
    throw new RangeError(`${fn}: z is ${shapeStr(z.shape)} but z0 is ${shapeStr(z0.shape)}`);
  }
}

/**
 * NLU consistency: `mean((Ẑ − Ẑ₀)²)` with rows normalized to unit ℓ2 norm (`Z ∈ R^{B×C}`).
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { consistencyNlu } from "./ba_lora.ts";
 * const z = tensor([[1, 2], [3, 1]]);
 * console.log(consistencyNlu(z, z).data[0]); // 0
 * ```
 */
export function consistencyNlu(z: Tensor, z0: Tensor): Tensor {
  checkSame("consistencyNlu", z, z0);
  const unit = (t: Tensor): Tensor => div(t, sqrt(sum(mul(t, t), { axis: 1, keepDims: true })));
  const d = sub(unit(z), unit(z0));
  return mean(mul(d, d));
}

/**
 * NLU diversity: `(1/C) Σ_{p≠q} Σ_pq²` of the batch covariance `Σ = Z̃ᵀZ̃/(B − 1)` (centred Z);
 * 0 for a batch of one.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { diversityNlu } from "./ba_lora.ts";
 * console.log(diversityNlu(tensor([[1, 0], [-1, 0]])).data[0]); // 0
 * ```
 */
export function diversityNlu(z: Tensor): Tensor {
  const [b, c] = assertMatrix("diversityNlu", "z", z);
  if (b < 2) return scalar(0, { dtype: z.dtype });
  const centred = sub(z, mean(z, { axis: 0, keepDims: true }));
  const cov = scale(matmul(centred, centred, { transA: true }), 1 / (b - 1));
  const sq = mul(cov, cov);
  // Off-diagonal energy = total − diagonal.
  const diag = sum(mul(sq, eyeLike(c, z)));
  return scale(sub(sum(sq), diag), 1 / c);
}

function eyeLike(c: number, z: Tensor): Tensor {
  const e = new Tensor(z.dtype === "f32" ? new Float32Array(c * c) : new Float64Array(c * c), [
    c,
    c,
  ]);
  for (let i = 0; i < c; i++) e.data[i * c + i] = 1;
  return e;
}

/**
 * SVD regularizer: `−(Σ_{i≤k} σ_i)/(Σ_i σ_i + ε)` of a matrix (k clipped to the number of
 * singular values, ε = 1e-10); in `[−1, −k/min(B, C)]`, −1 iff rank ≤ k.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { svdShare } from "./ba_lora.ts";
 * console.log(svdShare(tensor([[1, 0], [0, 0]]), 1).data[0]); // -0.9999999999
 * ```
 */
export function svdShare(z: Tensor, k = 3): Tensor {
  const s = singularValues(z);
  const kk = Math.min(k, s.size);
  const top = sum(mul(s, topMask(s.size, kk, z)));
  return scale(div(top, add(sum(s), 1e-10)), -1);
}

function topMask(n: number, k: number, z: Tensor): Tensor {
  const m = new Tensor(z.dtype === "f32" ? new Float32Array(n) : new Float64Array(n), [n]);
  for (let i = 0; i < k; i++) m.data[i] = 1;
  return m;
}

/**
 * NLG consistency: `KL(P₀ ‖ P)` summed over the kept token positions and the vocabulary,
 * divided by the batch size (`z`, `z0`: `[tokens, V]` logits; `mask`: 1 for positions that
 * carry a training label, default all).
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { consistencyNlg } from "./ba_lora.ts";
 * const z = tensor([[1, 2, 3]]);
 * console.log(consistencyNlg(z, z, 1).data[0]); // 0
 * ```
 */
export function consistencyNlg(z: Tensor, z0: Tensor, batch: number, mask?: Tensor): Tensor {
  checkSame("consistencyNlg", z, z0);
  const lp = logSoftmax(z), lp0 = logSoftmax(z0);
  const p0 = softmax(z0);
  let kl = sum(mul(p0, sub(lp0, lp)), { axis: 1 });
  if (mask !== undefined) kl = mul(kl, mask);
  return scale(sum(kl), 1 / batch);
}

/**
 * NLG diversity: `−mean_tokens H(P)` (the negative mean entropy over kept positions); its
 * minimum `−log V` is reached by uniform distributions.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { diversityNlg } from "./ba_lora.ts";
 * console.log(diversityNlg(tensor([[0, 0, 0, 0]])).data[0].toFixed(6)); // -1.386294
 * ```
 */
export function diversityNlg(z: Tensor, mask?: Tensor): Tensor {
  const p = softmax(z), lp = logSoftmax(z);
  let negH = sum(mul(p, lp), { axis: 1 }); // −H per token
  const count = mask === undefined ? z.shape[0] : Array.from(mask.data).reduce((a, x) => a + x, 0);
  if (mask !== undefined) negH = mul(negH, mask);
  return count === 0 ? scalar(0, { dtype: z.dtype }) : scale(sum(negH), 1 / count);
}

/** Weights and k of the BA-LoRA loss (spec defaults). */
export interface BaLoraWeights {
  /** λ₁ of the consistency term (default 1e-4). */
  cons?: number;
  /** λ₂ of the diversity term (default 3e-4). */
  div?: number;
  /** λ₃ of the SVD term (default 1e-4). */
  svd?: number;
  /** Leading singular values counted by the SVD term (default 3). */
  k?: number;
}

/**
 * The NLU regularizer `λ₁ L_cons + λ₂ L_div + λ₃ L_svd` for logits `z` against the frozen
 * original model's logits `z0` (for PiSSA, the original is `W_res + s B₀ A₀`, not `W_res`).
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { baLoraNlu } from "./ba_lora.ts";
 * const z = tensor([[1, 0], [0, 1]]);
 * console.log(baLoraNlu(z, z, { cons: 0, div: 0, svd: 1, k: 2 }).data[0].toFixed(6)); // -1.000000
 * ```
 */
export function baLoraNlu(z: Tensor, z0: Tensor, w: BaLoraWeights = {}): Tensor {
  const terms = scale(consistencyNlu(z, z0), w.cons ?? 1e-4);
  const d = scale(diversityNlu(z), w.div ?? 3e-4);
  const s = scale(svdShare(z, w.k ?? 3), w.svd ?? 1e-4);
  return add(add(terms, d), s);
}

/**
 * NLG SVD term: {@link svdShare} of each sample's `seq × V` logit matrix, averaged over the
 * batch (the reference code's batched indexing cannot run as written; this is its evident
 * intent, spec §11).
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { svdShareBatch } from "./ba_lora.ts";
 * const z = tensor([[1, 0, 0], [0, 0, 0]]);
 * console.log(svdShareBatch([z, z], 3).data[0].toFixed(6)); // -1.000000
 * ```
 */
export function svdShareBatch(samples: readonly Tensor[], k = 3): Tensor {
  if (samples.length === 0) throw new RangeError("svdShareBatch: no samples");
  let acc = svdShare(samples[0], k);
  for (let i = 1; i < samples.length; i++) acc = add(acc, svdShare(samples[i], k));
  return scale(acc, 1 / samples.length);
}
