/**
 * LoRe: low-rank re-ranking of retrieved exemplars (Xiong et al., "DQ-LoRe: Dual Queries with
 * Low Rank Approximation Re-ranking for In-Context Learning", ICLR 2024; spec
 * `specs/compression_optim_attention.md` §8, step 4).
 *
 * @module
 */
import { assertUntraced } from "../../ops/autograd/tape.ts";
import { pca, type PcaModel, pcaTransform } from "../../ops/linalg/pca.ts";
import { assertFinite, assertMatrix, assertTensor, shapeStr, Tensor } from "../../ops/tensor.ts";
import { choiceOption, intOption, knownKeys } from "./_options.ts";

/** How a candidate is scored against the query in the reduced space. */
export type LoreScore = "dot" | "cosine";

/** Options of {@link loreRerank}. */
export interface LoreOptions {
  /** Principal directions kept (`pca_num`, default 128; effectively `min(k, M + 1, d)`). */
  k?: number;
  /** Candidates returned (default 8; the output has `min(n, M)` entries). */
  n?: number;
  /** `"dot"` (inner product, default, as the paper) or `"cosine"`. */
  score?: LoreScore;
}

/** The joint PCA of {@link lorePca}. */
export interface LorePca {
  /** `(M + 1) × k'` projections `X_c·V_k`: row 0 is the query, row i + 1 candidate i. */
  z: Tensor;
  /** The fitted PCA of `X = [query; candidates]` (`k'` components). */
  model: PcaModel;
}

const FN = "loreRerank";
const SCORES: readonly LoreScore[] = ["dot", "cosine"];

/**
 * Joint PCA of the query and its candidates (spec §8 step 4): stacks `X = [e_q; e_1; …; e_M]`,
 * centres it on the column mean, and projects on the top `k' = min(k, M + 1, d)` right singular
 * vectors: `Z = X_c·V_k'` (ops/linalg `pca`, exact SVD). This is the *intended* maths; the
 * authors' code instead slices the first k rows of V and matches row i to sample i, which is
 * not a projection at all (spec §8, "Code discrepancy"), and is not reproduced.
 *
 * @throws {TypeError} for a non-Tensor argument or one traced by `grad` (the projection feeds a
 * ranking, which has no gradient: use `stopGradient`); {@link RangeError} for a non-finite entry,
 * a query that is not a vector (`d` or `1 × d`), fewer than 1 candidate, mismatched
 * dimensions, or `k < 1`.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { lorePca } from "./lore.ts";
 * const { z, model } = lorePca(tensor([1, 0, 0]), tensor([[0, 1, 0], [0, 0, 1]]), 8);
 * console.log(z.shape, model.components.shape); // [3, 3] [3, 3]
 * ```
 */
export function lorePca(query: Tensor, candidates: Tensor, k: number): LorePca {
  return jointPca("lorePca", query, candidates, intOption("lorePca", "k", k, 1));
}

/** {@link lorePca} with errors naming `fn` (the function the user called). */
function jointPca(fn: string, query: Tensor, candidates: Tensor, k: number): LorePca {
  const x = stackChecked(fn, query, candidates);
  const [rows, d] = x.shape;
  if (rows < 2) throw new RangeError(`${fn}: candidates must have at least 1 row, got 0`);
  const model = pca(x, Math.min(k, rows, d));
  return { z: pcaTransform(model, x), model };
}

/**
 * Scores of the `M` candidates against the query in the LoRe space of {@link lorePca}:
 * `s_i = ⟨Z_0, Z_i⟩` (`"dot"`), or that over `‖Z_0‖·‖Z_i‖` (`"cosine"`, 0 where a norm is 0).
 * When `k ≥ rank(X_c)` the dot score is exactly the centred inner product
 * `⟨e_q − μ, e_i − μ⟩` (spec §8, property 2).
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { loreScores } from "./lore.ts";
 * const s = loreScores(tensor([2, 0]), tensor([[1, 0], [-1, 0]]), { k: 1 });
 * console.log(s[0] > 0, s[1] < 0); // true true
 * ```
 */
export function loreScores(
  query: Tensor,
  candidates: Tensor,
  opts: Omit<LoreOptions, "n"> = {},
): Float64Array {
  knownKeys("loreScores", opts, ["k", "score"]);
  return scoresOf("loreScores", query, candidates, opts);
}

/** {@link loreScores} with the option values checked and errors naming `fn`. */
function scoresOf(
  fn: string,
  query: Tensor,
  candidates: Tensor,
  opts: Omit<LoreOptions, "n">,
): Float64Array {
  const k = intOption(fn, "k", opts.k, 128);
  const score = choiceOption(fn, "score", opts.score, SCORES);
  const { z } = jointPca(fn, query, candidates, k);
  const [rows, kk] = z.shape;
  const zd = z.data;
  const s = new Float64Array(rows - 1);
  let q2 = 0;
  for (let j = 0; j < kk; j++) q2 += zd[j] * zd[j];
  for (let i = 1; i < rows; i++) {
    let dot = 0, c2 = 0;
    for (let j = 0; j < kk; j++) {
      dot += zd[j] * zd[i * kk + j];
      c2 += zd[i * kk + j] ** 2;
    }
    const den = Math.sqrt(q2) * Math.sqrt(c2);
    s[i - 1] = score === "dot" ? dot : den > 0 ? dot / den : 0;
  }
  return s;
}

/**
 * LoRe re-ranking (DQ-LoRe step 4, spec §8): the candidate indices (rows of `candidates`,
 * `M × d`) ordered by their {@link loreScores} against `query` (`d` or `1 × d`) in the
 * centred joint PCA space of the top `k` directions, descending and stable (equal scores keep
 * the lower index first); the first `min(n, M)` are returned, without duplicates. PCA removes
 * the mean shared by all retrieved exemplars, so the order follows what separates them.
 *
 * Defaults are the authors' script values: `k = 128` (`pca_num`), `n = 8`, inner-product
 * scores. With `M = 16` candidates, `k = 128 ≥ rank(X_c)` keeps every centred direction and
 * the ranking equals the centred-inner-product ranking (spec §8, property 2); a smaller `k`
 * is what actually reduces.
 *
 * Cites: Xiong, Zeng et al., ICLR 2024 (DQ-LoRe), §3.2; spec §8.
 *
 * @throws {TypeError} for a non-Tensor argument, an unknown option or a wrongly typed one;
 * {@link RangeError} for non-finite input, mismatched shapes, no candidates, or `k`/`n` not an
 * integer `>= 1`.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { loreRerank } from "./lore.ts";
 * const query = tensor([1, 1, 0]);
 * const candidates = tensor([[1, 0, 0], [1, 1, 0.1], [0, 0, 1], [1, 1, 1]]);
 * console.log(loreRerank(query, candidates, { n: 2 })); // [1, 0]
 * ```
 */
export function loreRerank(query: Tensor, candidates: Tensor, opts: LoreOptions = {}): number[] {
  knownKeys(FN, opts, ["k", "n", "score"]);
  const n = intOption(FN, "n", opts.n, 8);
  return descendingOrder(scoresOf(FN, query, candidates, opts)).slice(0, n);
}

/**
 * Indices of `s` by descending value; ties keep the lower index first.
 *
 * @example
 * ```ts
 * import { descendingOrder } from "./lore.ts";
 * console.log(descendingOrder([1, 3, 3, 2])); // [1, 2, 3, 0]
 * ```
 */
export function descendingOrder(s: ArrayLike<number>): number[] {
  const idx = Array.from({ length: s.length }, (_, i) => i);
  return idx.sort((a, b) => s[b] - s[a] || a - b);
}

/** `[query; candidates]` as one f64 matrix, after checking both. */
function stackChecked(fn: string, query: Tensor, candidates: Tensor): Tensor {
  assertTensor(fn, "query", query);
  const [m, d] = assertMatrix(fn, "candidates", candidates);
  const vec = query.ndim === 1 || (query.ndim === 2 && query.shape[0] === 1);
  if (!vec) {
    throw new RangeError(`${fn}: query must be a vector (d or 1xd), got ${shapeStr(query.shape)}`);
  }
  if (query.size !== d) {
    throw new RangeError(
      `${fn}: query has ${query.size} entries but candidates have ${d} columns (${m}x${d})`,
    );
  }
  assertFinite(fn, "query", query);
  assertFinite(fn, "candidates", candidates);
  // A ranking has no gradient: a traced input would silently cut the graph.
  assertUntraced(fn, { query, candidates });
  const x = new Float64Array((m + 1) * d);
  x.set(query.data);
  x.set(candidates.data, d);
  return new Tensor(x, [m + 1, d]);
}
