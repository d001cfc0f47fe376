/**
 * Evaluation of click predictions: ROC AUC computed exactly from ranks (tied scores share their
 * average rank, the Mann–Whitney U statistic) and log-loss computed from logits.
 *
 * @module
 */

function checkLengths(fn: string, labels: ArrayLike<number>, scores: ArrayLike<number>): void {
  if (labels.length !== scores.length) {
    throw new RangeError(
      `${fn}: labels has ${labels.length} entries but scores has ${scores.length}`,
    );
  }
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== 0 && labels[i] !== 1) {
      throw new RangeError(`${fn}: labels[${i}] = ${labels[i]} is not 0 or 1`);
    }
    if (Number.isNaN(scores[i])) throw new RangeError(`${fn}: scores[${i}] is NaN`);
  }
}

/**
 * Area under the ROC curve, exactly: `(Σ ranks of positives − P(P+1)/2) / (P·N)` with average
 * ranks for tied scores (a tie between a positive and a negative counts one half).
 *
 * @throws {RangeError} if the lengths differ, a label is not 0/1, a score is NaN, or one class
 * is absent (AUC undefined).
 * @example
 * ```ts
 * import { auc } from "./metrics.ts";
 * console.log(auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), auc([0, 1], [0.5, 0.5])); // 0.75 0.5
 * ```
 */
export function auc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  checkLengths("auc", labels, scores);
  const n = labels.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let pos = 0, rankSum = 0;
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) j++;
    const avgRank = (i + j) / 2 + 1; // 1-based ranks i+1 … j+1
    for (let t = i; t <= j; t++) {
      if (labels[order[t]] === 1) {
        pos++;
        rankSum += avgRank;
      }
    }
    i = j + 1;
  }
  const neg = n - pos;
  if (pos === 0 || neg === 0) {
    throw new RangeError(`auc: needs both classes, got ${pos} positives and ${neg} negatives`);
  }
  return (rankSum - pos * (pos + 1) / 2) / (pos * neg);
}

/** `log(1 + e^z)` without overflow. */
export function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

/**
 * Mean binary cross-entropy of labels given logits z: `mean(softplus(z) − y·z)`, which equals
 * `−mean(y log p + (1 − y) log(1 − p))` with `p = σ(z)` but never takes the log of a rounded 0.
 *
 * @example
 * ```ts
 * import { logLoss } from "./metrics.ts";
 * console.log(logLoss([1, 0], [0, 0]).toFixed(4)); // 0.6931
 * ```
 */
export function logLoss(labels: ArrayLike<number>, logits: ArrayLike<number>): number {
  checkLengths("logLoss", labels, logits);
  if (labels.length === 0) throw new RangeError("logLoss: no entries");
  let s = 0;
  for (let i = 0; i < labels.length; i++) s += softplus(logits[i]) - labels[i] * logits[i];
  return s / labels.length;
}
