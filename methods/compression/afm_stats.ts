/**
 * Streaming output statistics for Atomic Feature Mimicking (Yu et al., "Unified Low-rank
 * Compression Framework for Click-through Rate Prediction", KDD 2024; spec
 * `compression_optim_attention.md` §2, "Statistics"): the count, mean and centred scatter of a
 * layer's outputs, accumulated batch by batch in f64 with the parallel-variance merge (Chan,
 * Golub & LeVeque 1979), so one pass over the data suffices and `Q/n − μμᵀ` never cancels.
 *
 * @module
 */
import { matmul } from "../../ops/matmul.ts";
import { assertTensor, Tensor } from "../../ops/tensor.ts";

/**
 * Count, mean and centred scatter `M = Σ (y − μ)(y − μ)ᵀ` of the rows seen so far.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { OutputStats } from "./afm_stats.ts";
 * const s = new OutputStats(2);
 * s.update(tensor([[1, 0], [3, 2]]));
 * console.log(s.count, s.mean(), s.covariance().data); // 2 Float64Array [2, 1] Float64Array [1, 1, 1, 1]
 * ```
 */
export class OutputStats {
  /** Width of the rows. */
  readonly dim: number;
  /** Rows accumulated. */
  count = 0;
  /** Running sum of the rows (f64). */
  readonly sum: Float64Array;
  /** Centred scatter, row-major `dim × dim` (f64). */
  readonly scatter: Float64Array;

  /** Empty statistics of rows of width `dim`. */
  constructor(dim: number) {
    if (!Number.isInteger(dim) || dim < 1) {
      throw new RangeError(`OutputStats: dim must be a positive integer, got ${dim}`);
    }
    this.dim = dim;
    this.sum = new Float64Array(dim);
    this.scatter = new Float64Array(dim * dim);
  }

  /**
   * Adds the rows of `y` (shape `[..., dim]`; leading axes are flattened) to the statistics.
   * The batch's own mean and centred scatter are computed in f64 and merged.
   */
  update(y: Tensor): void {
    assertTensor("OutputStats.update", "y", y);
    const d = this.dim;
    if (y.ndim < 1 || y.shape[y.ndim - 1] !== d) {
      throw new RangeError(
        `OutputStats.update: y must have last axis ${d}, got shape [${y.shape.join(", ")}]`,
      );
    }
    const n = y.size / d;
    if (n === 0) return;
    const src = y.data;
    const mb = new Float64Array(d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mb[j] += src[i * d + j];
    for (let j = 0; j < d; j++) mb[j] /= n;
    const centred = new Float64Array(n * d);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) {
        const v = src[i * d + j];
        if (!Number.isFinite(v)) {
          throw new RangeError(`OutputStats.update: y has a non-finite entry ${v} at row ${i}`);
        }
        centred[i * d + j] = v - mb[j];
      }
    }
    const c = new Tensor(centred, [n, d]);
    this.mergeMoments(n, mb, matmul(c, c, { transA: true }).data as Float64Array);
  }

  /** Merges another statistics object of the same width into this one. */
  merge(other: OutputStats): void {
    if (!(other instanceof OutputStats) || other.dim !== this.dim) {
      throw new RangeError(
        `OutputStats.merge: other must be OutputStats of dim ${this.dim}, got ${
          other instanceof OutputStats ? `dim ${other.dim}` : String(other)
        }`,
      );
    }
    if (other.count === 0) return;
    const mb = new Float64Array(this.dim);
    for (let j = 0; j < this.dim; j++) mb[j] = other.sum[j] / other.count;
    this.mergeMoments(other.count, mb, other.scatter);
  }

  /** Parallel-variance update: M = M_a + M_b + δδᵀ·n_a·n_b/n with δ = μ_b − μ_a. */
  private mergeMoments(nb: number, meanB: Float64Array, scatterB: ArrayLike<number>): void {
    const d = this.dim, na = this.count, n = na + nb;
    const delta = new Float64Array(d);
    for (let j = 0; j < d; j++) delta[j] = meanB[j] - (na > 0 ? this.sum[j] / na : 0);
    const w = na * nb / n;
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        this.scatter[i * d + j] += scatterB[i * d + j] + delta[i] * delta[j] * w;
      }
    }
    for (let j = 0; j < d; j++) this.sum[j] += meanB[j] * nb;
    this.count = n;
  }

  /** The mean μ (a fresh f64 array). */
  mean(): Float64Array {
    this.assertData("mean");
    return this.sum.map((s) => s / this.count);
  }

  /** The covariance `Σ_y = M / n` (1/n normalisation, as the spec), `dim × dim`, f64. */
  covariance(): Tensor {
    this.assertData("covariance");
    const d = this.dim, out = new Float64Array(d * d);
    // Symmetrise: the merge adds δδᵀ exactly symmetric, but GEMM's scatter may differ in ulps.
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        out[i * d + j] = (this.scatter[i * d + j] + this.scatter[j * d + i]) / (2 * this.count);
      }
    }
    return new Tensor(out, [d, d]);
  }

  /** Throws a RangeError naming `fn` while no row has been accumulated. */
  private assertData(fn: string): void {
    if (this.count === 0) throw new RangeError(`OutputStats.${fn}: no rows were accumulated`);
  }
}

/**
 * Statistics of every batch that `batches` yields, read exactly once (a single streaming pass).
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { collectStats } from "./afm_stats.ts";
 * const s = collectStats([tensor([[0], [2]]), tensor([[4]])], 1);
 * console.log(s.count, s.mean()); // 3 Float64Array [2]
 * ```
 */
export function collectStats(batches: Iterable<Tensor>, dim: number): OutputStats {
  const s = new OutputStats(dim);
  for (const b of batches) s.update(b);
  return s;
}
