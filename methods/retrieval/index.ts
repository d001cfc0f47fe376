/**
 * Exact maximum-inner-product search over the rows of a Tensor (the role faiss `IndexFlatIP`
 * plays in DQ-LoRe, spec §8 step 3: no normalisation, scores are plain inner products).
 *
 * @module
 */
import { assertUntraced } from "../../ops/autograd/tape.ts";
import { matmul } from "../../ops/matmul.ts";
import { assertFinite, assertMatrix, assertTensor, shapeStr, Tensor } from "../../ops/tensor.ts";
import { intOption } from "./_options.ts";

/** The top hits of each query of {@link InnerProductIndex.search}. */
export interface SearchResult {
  /** Row ids of each query's hits, best first (ties: lower id first). */
  ids: number[][];
  /** Their inner products with the query. */
  scores: number[][];
}

/**
 * An exact inner-product index over the rows of an `N × d` matrix: `search` scores every row
 * with one matrix product and keeps the top `m` per query.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { InnerProductIndex } from "./index.ts";
 * const index = new InnerProductIndex(tensor([[1, 0], [0, 1], [1, 1]]));
 * console.log(index.search(tensor([2, 1]), 2).ids); // [[2, 0]]
 * ```
 */
export class InnerProductIndex {
  /** The indexed vectors, one per row (an f64 copy). */
  readonly vectors: Tensor;

  /**
   * Indexes the rows of `vectors` (copied to f64).
   * @throws {TypeError} for a non-Tensor; {@link RangeError} for a non-matrix, no rows or a
   * non-finite entry.
   */
  constructor(vectors: Tensor) {
    const [n, d] = assertMatrix("InnerProductIndex", "vectors", vectors);
    if (n === 0) throw new RangeError("InnerProductIndex: vectors must have at least 1 row");
    assertFinite("InnerProductIndex", "vectors", vectors);
    this.vectors = new Tensor(Float64Array.from(vectors.data), [n, d]);
  }

  /** Number of indexed rows. */
  get size(): number {
    return this.vectors.shape[0];
  }

  /** Dimension of the vectors. */
  get dim(): number {
    return this.vectors.shape[1];
  }

  /**
   * The top `min(m, size)` rows by inner product with each query (`d` or `B × d`), best first;
   * equal scores keep the lower row id first.
   *
   * @throws {RangeError} for a query of another dimension, a non-finite entry or `m < 1`; a
   * TypeError for queries traced by `grad` (ids have no gradient; use `stopGradient`).
   */
  search(queries: Tensor, m: number): SearchResult {
    assertTensor("InnerProductIndex.search", "queries", queries);
    intOption("InnerProductIndex.search", "m", m, 1);
    const d = this.dim;
    const b = queries.ndim === 1 ? 1 : queries.ndim === 2 ? queries.shape[0] : -1;
    if (b < 0 || queries.shape[queries.ndim - 1] !== d) {
      throw new RangeError(
        `InnerProductIndex.search: queries must be ${d} or Bx${d}, got ${shapeStr(queries.shape)}`,
      );
    }
    assertFinite("InnerProductIndex.search", "queries", queries);
    assertUntraced("InnerProductIndex.search", { queries }); // top-m ids have no gradient
    const q = new Tensor(Float64Array.from(queries.data), [b, d]);
    const s = matmul(q, this.vectors, { transB: true }).data;
    const ids: number[][] = [], scores: number[][] = [];
    for (let i = 0; i < b; i++) {
      const top = topM(s.subarray(i * this.size, (i + 1) * this.size), Math.min(m, this.size));
      ids.push(top);
      scores.push(top.map((j) => s[i * this.size + j]));
    }
    return { ids, scores };
  }

  /**
   * The indexed vectors of `ids`, as a `ids.length × d` matrix.
   * @throws {RangeError} for an id outside `0..size-1`.
   */
  rows(ids: readonly number[]): Tensor {
    const d = this.dim, out = new Float64Array(ids.length * d);
    ids.forEach((id, r) => {
      if (!Number.isInteger(id) || id < 0 || id >= this.size) {
        throw new RangeError(`InnerProductIndex.rows: id ${id} is outside 0..${this.size - 1}`);
      }
      out.set(this.vectors.data.subarray(id * d, (id + 1) * d), r * d);
    });
    return new Tensor(out, [ids.length, d]);
  }
}

/** Ids of the `m` largest entries of `s`, descending, ties by lower id (insertion into a short list). */
function topM(s: ArrayLike<number>, m: number): number[] {
  const best: number[] = [];
  for (let j = 0; j < s.length; j++) {
    if (best.length === m && s[j] <= s[best[m - 1]]) continue;
    let p = best.length === m ? m - 1 : best.length;
    while (p > 0 && s[best[p - 1]] < s[j]) p--;
    best.splice(p, 0, j);
    if (best.length > m) best.pop();
  }
  return best;
}
