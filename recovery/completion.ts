/**
 * Matrix completion as a measurement operator: `A_i = e_{j_i} e_{k_i}ᵀ` observes one entry,
 * `⟨A_i, X⟩ = X[j_i, k_i]`. Factored passes cost O(m·k); nothing `d×d` is formed except by
 * `adjoint`. Robust completion with outliers is the entry-sampling case of the robust recovery
 * problem that SubGM (Ma & Fattahi, JMLR 24(96), 2023) solves; their theory covers Gaussian
 * designs only, so this operator is offered without its guarantees.
 *
 * @module
 */
import { Rng } from "../ops/random.ts";
import { Tensor } from "../ops/tensor.ts";
import {
  checkAdjointInput,
  checkApplyInput,
  checkPositiveInt,
  type MeasurementOperator,
  type ResidualWeight,
  twoPassResidualGradient,
} from "./operator.ts";

/**
 * Observed entries `(rowIndex[i], colIndex[i])` of a `rows×cols` matrix.
 *
 * @example
 * ```ts
 * import { CompletionDesign } from "./completion.ts";
 * import { tensor } from "../ops/tensor.ts";
 * const op = new CompletionDesign(new Int32Array([0, 1]), new Int32Array([1, 1]), 2, 2);
 * console.log(op.apply(tensor([[1, 2], [3, 4]])).data); // Float64Array [2, 4]
 * ```
 */
export class CompletionDesign implements MeasurementOperator {
  readonly kind = "completion";
  readonly m: number;
  readonly rows: number;
  readonly cols: number;
  readonly symmetric = false;
  /** Row of each observed entry. */
  readonly rowIndex: Int32Array;
  /** Column of each observed entry. */
  readonly colIndex: Int32Array;

  /** Wraps the index arrays (not copied); every index is range-checked. */
  constructor(rowIndex: Int32Array, colIndex: Int32Array, rows: number, cols: number) {
    checkPositiveInt("CompletionDesign", "rows", rows);
    checkPositiveInt("CompletionDesign", "cols", cols);
    if (rowIndex.length !== colIndex.length || rowIndex.length < 1) {
      throw new RangeError(
        `CompletionDesign: need equal, non-empty index arrays, got ${rowIndex.length} and ${colIndex.length}`,
      );
    }
    for (let i = 0; i < rowIndex.length; i++) {
      if (rowIndex[i] < 0 || rowIndex[i] >= rows || colIndex[i] < 0 || colIndex[i] >= cols) {
        throw new RangeError(
          `CompletionDesign: entry ${i} = (${rowIndex[i]}, ${
            colIndex[i]
          }) is outside ${rows}x${cols}`,
        );
      }
    }
    this.rowIndex = rowIndex;
    this.colIndex = colIndex;
    this.m = rowIndex.length;
    this.rows = rows;
    this.cols = cols;
  }

  /** `y_i = X[j_i, k_i]`. */
  apply(x: Tensor): Tensor {
    const xd = checkApplyInput("CompletionDesign.apply", this, x);
    const out = new Float64Array(this.m);
    for (let i = 0; i < this.m; i++) out[i] = xd[this.rowIndex[i] * this.cols + this.colIndex[i]];
    return new Tensor(out, [this.m]);
  }

  /** `Σ_i w_i e_{j_i} e_{k_i}ᵀ` (repeated entries add up). */
  adjoint(w: Tensor): Tensor {
    const wd = checkAdjointInput("CompletionDesign.adjoint", this, w);
    const s = new Float64Array(this.rows * this.cols);
    for (let i = 0; i < this.m; i++) s[this.rowIndex[i] * this.cols + this.colIndex[i]] += wd[i];
    return new Tensor(s, [this.rows, this.cols]);
  }

  /** `out_i = L[j_i,:]·R[k_i,:]`. */
  applyFactors(l: Float64Array, r: Float64Array, k: number, out: Float64Array): void {
    for (let i = 0; i < this.m; i++) {
      const lo = this.rowIndex[i] * k, ro = this.colIndex[i] * k;
      let s = 0;
      for (let c = 0; c < k; c++) s += l[lo + c] * r[ro + c];
      out[i] = s;
    }
  }

  /** `gl[j_i,:] += w_i R[k_i,:]`, `gr[k_i,:] += w_i L[j_i,:]`. */
  adjointFactors(
    w: Float64Array,
    l: Float64Array,
    r: Float64Array,
    k: number,
    gl: Float64Array,
    gr: Float64Array,
  ): void {
    gl.fill(0, 0, this.rows * k);
    gr.fill(0, 0, this.cols * k);
    for (let i = 0; i < this.m; i++) {
      const wi = w[i];
      if (wi === 0) continue;
      const lo = this.rowIndex[i] * k, ro = this.colIndex[i] * k;
      for (let c = 0; c < k; c++) {
        gl[lo + c] += wi * r[ro + c];
        gr[ro + c] += wi * l[lo + c];
      }
    }
  }

  /** Two O(m·k) passes; see {@link twoPassResidualGradient}. */
  residualGradient(
    l: Float64Array,
    r: Float64Array,
    k: number,
    y: Float64Array,
    weight: ResidualWeight,
    res: Float64Array,
    gl: Float64Array,
    gr: Float64Array,
  ): void {
    twoPassResidualGradient(this, l, r, k, y, weight, res, gl, gr);
  }
}

/** Options of {@link completionDesign}. */
export interface CompletionDesignOptions {
  /** Seed of a fresh generator (default 0); ignored when `rng` is given. */
  seed?: number;
  /** Generator to draw from (advanced by the call). */
  rng?: Rng;
  /** Columns (default `rows`). */
  cols?: number;
}

/**
 * Samples `m` distinct entries of a `rows×cols` matrix uniformly without replacement.
 *
 * @example
 * ```ts
 * import { completionDesign } from "./completion.ts";
 * const op = completionDesign(4, 6, { seed: 1 });
 * console.log(op.m, new Set(op.rowIndex.map((j, i) => j * 4 + op.colIndex[i])).size); // 6 6
 * ```
 */
export function completionDesign(
  rows: number,
  m: number,
  opts: CompletionDesignOptions = {},
): CompletionDesign {
  checkPositiveInt("completionDesign", "rows", rows);
  checkPositiveInt("completionDesign", "m", m);
  const cols = checkPositiveInt("completionDesign", "cols", opts.cols ?? rows);
  if (m > rows * cols) {
    throw new RangeError(`completionDesign: m = ${m} exceeds the ${rows * cols} entries`);
  }
  const rng = opts.rng ?? new Rng(opts.seed ?? 0);
  const picks = rng.choice(rows * cols, m);
  const ri = new Int32Array(m), ci = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    ri[i] = Math.floor(picks[i] / cols);
    ci[i] = picks[i] % cols;
  }
  return new CompletionDesign(ri, ci, rows, cols);
}
