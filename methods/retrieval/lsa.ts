/**
 * Latent semantic analysis (Deerwester et al., "Indexing by latent semantic analysis", JASIS
 * 41, 1990): TF-IDF rows reduced by a truncated SVD, the default offline encoder of the DQ-LoRe
 * pipeline (issue 19). The SVD is the randomized range finder of Halko, Martinsson & Tropp
 * (SIAM Review 53, 2011, Algorithms 4.4 and 5.1) run on the sparse matrix, with `qr` and `svd`
 * of ops/linalg on the thin dense blocks: `randomizedSvd` takes a dense Tensor, and GSM8K's
 * document-term matrix would be 400 MB dense in f64 (2 MB as CSR).
 *
 * @module
 */
import { svd, svdFlip } from "../../ops/linalg/svd.ts";
import { qr } from "../../ops/linalg/qr.ts";
import { matmul } from "../../ops/matmul.ts";
import { Rng } from "../../ops/random.ts";
import { Tensor } from "../../ops/tensor.ts";
import { intOption, knownKeys } from "./_options.ts";
import { type Csr, csrMatmul, csrTMatmul } from "./sparse.ts";
import { fitTfidf, type TfidfModel, type TfidfOptions, tfidfTransform } from "./tfidf.ts";

/** Options of {@link sparseRandomizedSvd}. */
export interface SparseSvdOptions {
  /** Extra sampled directions beyond `k` (default 10). */
  oversamples?: number;
  /** Power iterations `(A·Aᵀ)^q·A·Ω`, each re-orthonormalised by QR (default 4). */
  powerIters?: number;
  /** Seed of the Gaussian test matrix (default 0). */
  seed?: number;
}

/** Options of {@link fitLsa}: the TF-IDF options plus the SVD's. */
export interface LsaOptions extends TfidfOptions, SparseSvdOptions {
  /** Dimension of the encoding (default 256). */
  dim?: number;
}

/** A fitted LSA encoder: `encode(text) = tfidf(text)·componentsᵀ`. */
export interface LsaModel {
  /** The TF-IDF vocabulary and weights. */
  tfidf: TfidfModel;
  /** `dim × vocabulary` right singular vectors of the TF-IDF matrix (orthonormal rows). */
  components: Tensor;
  /** The `dim` leading singular values, descending. */
  singularValues: Tensor;
}

/**
 * Randomized rank-`k` SVD `a ≈ u·diag(s)·vt` of a CSR matrix (HMT 2011, Algorithm 4.4 with a
 * QR after every product, then Algorithm 5.1): `l = min(k + oversamples, rows, cols)` Gaussian
 * directions, `powerIters` power iterations, and the exact `svd` of the thin `Bᵀ = aᵀ·Q`. When
 * `l = min(rows, cols)` the sample spans the whole range and the result is exact up to
 * rounding. Signs as scikit-learn's `svd_flip` on `u` (ops/linalg `svdFlip`).
 *
 * @throws {RangeError} for `k` outside `1..min(rows, cols)` or bad options; a TypeError for
 * an unknown option.
 *
 * @example
 * ```ts
 * import { sparseRandomizedSvd } from "./lsa.ts";
 * const a = {
 *   rows: 3, cols: 2, indptr: Int32Array.of(0, 1, 2, 2), indices: Int32Array.of(0, 1),
 *   values: Float64Array.of(3, -2),
 * };
 * console.log(Array.from(sparseRandomizedSvd(a, 2).s.data).map((v) => +v.toFixed(12))); // [3, 2]
 * ```
 */
export function sparseRandomizedSvd(
  a: Csr,
  k: number,
  opts: SparseSvdOptions = {},
): { u: Tensor; s: Tensor; vt: Tensor } {
  const fn = "sparseRandomizedSvd";
  knownKeys(fn, opts, ["oversamples", "powerIters", "seed"]);
  const mn = Math.min(a.rows, a.cols);
  if (!Number.isInteger(k) || k < 1 || k > mn) {
    throw new RangeError(`${fn}: k must be an integer in 1..${mn} (min(rows, cols)), got ${k}`);
  }
  const l = Math.min(k + intOption(fn, "oversamples", opts.oversamples, 10, 0), mn);
  const iters = intOption(fn, "powerIters", opts.powerIters, 4, 0);
  const rng = new Rng(intOption(fn, "seed", opts.seed, 0, 0));
  const omega = Float64Array.from({ length: a.cols * l }, () => rng.normal());
  const orth = (x: Float64Array, rows: number): Float64Array =>
    qr(new Tensor(x, [rows, l])).q.data as Float64Array;
  let q = orth(csrMatmul(a, omega, l), a.rows);
  for (let t = 0; t < iters; t++) {
    q = orth(csrMatmul(a, orth(csrTMatmul(a, q, l), a.cols), l), a.rows);
  }
  // Bᵀ = aᵀ·Q = W·Σ·Xᵀ, so a ≈ Q·B = (Q·X)·Σ·Wᵀ.
  const f = svd(new Tensor(csrTMatmul(a, q, l), [a.cols, l]));
  const x = new Tensor(f.vt.data, [l, l]);
  const uAll = matmul(new Tensor(q, [a.rows, l]), x, { transB: true }).data;
  const u = new Float64Array(a.rows * k), vt = new Float64Array(k * a.cols);
  for (let i = 0; i < a.rows; i++) u.set(uAll.subarray(i * l, i * l + k), i * k);
  const w = f.u.data;
  for (let j = 0; j < a.cols; j++) for (let t = 0; t < k; t++) vt[t * a.cols + j] = w[j * l + t];
  const out = {
    u: new Tensor(u, [a.rows, k]),
    s: new Tensor(Float64Array.from(f.s.data.subarray(0, k)), [k]),
    vt: new Tensor(vt, [k, a.cols]),
  };
  svdFlip(out.u, out.vt);
  return out;
}

/**
 * Fits LSA on `texts`: TF-IDF ({@link fitTfidf}) and the top `dim` right singular vectors of
 * the TF-IDF matrix ({@link sparseRandomizedSvd}). As scikit-learn's `TruncatedSVD`, the data
 * is not centred (centring would make the sparse matrix dense).
 *
 * @throws {RangeError} if `dim` exceeds `min(texts, vocabulary)`; see the TF-IDF and SVD
 * options for the rest. Unknown options are a TypeError.
 *
 * @example
 * ```ts
 * import { fitLsa, lsaTransform } from "./lsa.ts";
 * const texts = ["half of the apples", "twice the apples", "half the pears", "twice the pears"];
 * const model = fitLsa(texts, { dim: 2, minDf: 1 });
 * console.log(lsaTransform(model, ["half the apples"]).shape); // [1, 2]
 * ```
 */
export function fitLsa(texts: readonly string[], opts: LsaOptions = {}): LsaModel {
  knownKeys("fitLsa", opts, ["dim", "minDf", "sublinearTf", "oversamples", "powerIters", "seed"]);
  const { dim, minDf, sublinearTf, ...svdOpts } = opts;
  const tfidf = fitTfidf(texts, { minDf, sublinearTf });
  const x = tfidfTransform(tfidf, texts);
  const k = intOption("fitLsa", "dim", dim, 256);
  if (k > Math.min(x.rows, x.cols)) {
    throw new RangeError(
      `fitLsa: dim ${k} exceeds min(texts, vocabulary) = min(${x.rows}, ${x.cols})`,
    );
  }
  const { s, vt } = sparseRandomizedSvd(x, k, svdOpts);
  return { tfidf, components: vt, singularValues: s };
}

/**
 * Encodes `texts` with a fitted LSA model: `tfidf(texts)·componentsᵀ` (`texts.length × dim`).
 *
 * @example
 * ```ts
 * import { fitLsa, lsaTransform } from "./lsa.ts";
 * const model = fitLsa(["a cat sat", "a dog sat", "the cat ran"], { dim: 2, minDf: 1 });
 * console.log(lsaTransform(model, ["cat", "dog"]).shape); // [2, 2]
 * ```
 */
export function lsaTransform(model: LsaModel, texts: readonly string[]): Tensor {
  const x = tfidfTransform(model.tfidf, texts);
  const [k, v] = model.components.shape;
  const c = model.components.data, out = new Float64Array(x.rows * k);
  for (let i = 0; i < x.rows; i++) {
    for (let p = x.indptr[i]; p < x.indptr[i + 1]; p++) {
      const val = x.values[p], j = x.indices[p];
      for (let t = 0; t < k; t++) out[i * k + t] += val * c[t * v + j];
    }
  }
  return new Tensor(out, [x.rows, k]);
}
