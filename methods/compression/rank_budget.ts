/**
 * Per-layer ranks from a target compression ratio (spec `compression_optim_attention.md` §2,
 * "Hyperparameters": ranks are chosen per layer). Every compressible matrix keeps the same
 * fraction α of its full rank `min(rows, cols)` (at least 1); a matrix whose factors would not be
 * smaller than itself stays whole. α is the largest value (found by bisection over the finite
 * set of candidate rank vectors) whose total parameter count meets the budget.
 *
 * @module
 */

/** One compressible matrix: a linear layer `rows × cols` or an embedding table `V × d`. */
export interface RankLayer {
  /** `"linear"`: `[d_out, d_in]` with bias; `"embedding"`: `[V, d]` table. */
  readonly kind: "linear" | "embedding";
  /** Rows (d_out of a linear layer, V of a table). */
  readonly rows: number;
  /** Columns (d_in of a linear layer, d of a table). */
  readonly cols: number;
}

/**
 * Parameters of `layer` uncompressed (`k` null) or factored at rank k, counting every bias: a
 * linear layer `d_in·d_out + d_out` → `k(d_in + d_out) + k + d_out`; a table `V·d` →
 * `V·k + d·k + d` (spec §2, "Complexity").
 *
 * @example
 * ```ts
 * import { factoredParams } from "./rank_budget.ts";
 * console.log(factoredParams({ kind: "linear", rows: 400, cols: 400 }, 64)); // 51664
 * ```
 */
export function factoredParams(layer: RankLayer, k: number | null): number {
  const { rows, cols } = layer;
  if (layer.kind === "linear") {
    return k === null ? rows * cols + rows : k * (rows + cols) + k + rows;
  }
  return k === null ? rows * cols : rows * k + cols * k + cols;
}

/** What {@link ranksForRatio} returns. */
export interface RankPlan {
  /** Rank of each layer, or null where the layer stays whole. */
  readonly ranks: (number | null)[];
  /** The fraction α of the full rank that every factored layer keeps. */
  readonly alpha: number;
  /** Total parameters after compression (the layers plus `fixedParams`). */
  readonly params: number;
  /** Total parameters before compression. */
  readonly originalParams: number;
}

function ranksAt(layers: readonly RankLayer[], alpha: number): (number | null)[] {
  return layers.map((l) => {
    const k = Math.max(1, Math.ceil(alpha * Math.min(l.rows, l.cols)));
    return factoredParams(l, k) < factoredParams(l, null) ? k : null;
  });
}

function total(layers: readonly RankLayer[], ranks: (number | null)[], fixed: number): number {
  return layers.reduce((s, l, i) => s + factoredParams(l, ranks[i]), fixed);
}

/**
 * Ranks that make the model at least `ratio` times smaller, counting every parameter: the
 * `layers` plus `fixedParams` that are not compressed (first-order weights, the output layer...).
 *
 * @throws {RangeError} if `ratio` < 1, or no rank choice reaches it (the message gives the
 * smallest size reachable).
 * @example
 * ```ts
 * import { ranksForRatio } from "./rank_budget.ts";
 * const plan = ranksForRatio([{ kind: "linear", rows: 400, cols: 400 }], 4);
 * console.log(plan.ranks, plan.params <= plan.originalParams / 4); // [49] true
 * ```
 */
export function ranksForRatio(
  layers: readonly RankLayer[],
  ratio: number,
  fixedParams = 0,
): RankPlan {
  if (!(ratio >= 1) || !Number.isFinite(ratio)) {
    throw new RangeError(`ranksForRatio: ratio must be a finite number ≥ 1, got ${ratio}`);
  }
  if (!Number.isInteger(fixedParams) || fixedParams < 0) {
    throw new RangeError(
      `ranksForRatio: fixedParams must be a non-negative integer, got ${fixedParams}`,
    );
  }
  for (const [i, l] of layers.entries()) {
    if (
      (l.kind !== "linear" && l.kind !== "embedding") || !Number.isInteger(l.rows) || l.rows < 1 ||
      !Number.isInteger(l.cols) || l.cols < 1
    ) {
      throw new RangeError(
        `ranksForRatio: layers[${i}] is not a valid layer: ${JSON.stringify(l)}`,
      );
    }
  }
  const originalParams = total(layers, layers.map(() => null), fixedParams);
  const budget = originalParams / ratio;
  // Candidate α values: each layer's rank k is ceil(α·p), so α = k/p are the break points.
  const cands = new Set<number>([1]);
  for (const l of layers) {
    const p = Math.min(l.rows, l.cols);
    for (let k = 1; k <= p; k++) cands.add(k / p);
  }
  const sorted = [...cands].sort((a, b) => a - b);
  let lo = 0, hi = sorted.length - 1;
  if (total(layers, ranksAt(layers, sorted[0]), fixedParams) > budget) {
    throw new RangeError(
      `ranksForRatio: ratio ${ratio} is out of reach: the smallest model has ${
        total(layers, ranksAt(layers, sorted[0]), fixedParams)
      } of ${originalParams} parameters`,
    );
  }
  // Parameters grow with α, so bisect for the largest α within budget.
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (total(layers, ranksAt(layers, sorted[mid]), fixedParams) <= budget) lo = mid;
    else hi = mid - 1;
  }
  const ranks = ranksAt(layers, sorted[lo]);
  return { ranks, alpha: sorted[lo], params: total(layers, ranks, fixedParams), originalParams };
}
