/**
 * Training and scoring of CTR models: binary cross-entropy with AdamW over shuffled mini-batches
 * (Loshchilov & Hutter, ICLR 2019), validation AUC after each epoch, and the parameters of the
 * best validation epoch kept (model selection on validation data only).
 *
 * @module
 */
import { treeMap } from "../../ops/autograd/tree.ts";
import { train } from "../../ops/nn/train.ts";
import { adamw } from "../../ops/optim/adam.ts";
import type { OptimizerState } from "../../ops/optim/optimizer.ts";
import { Rng } from "../../ops/random.ts";
import { Tensor } from "../../ops/tensor.ts";
import { bceWithLogits } from "./bce.ts";
import { type CtrBatchData, DENSE_DIM, N_SPARSE } from "./features.ts";
import { auc, logLoss } from "./metrics.ts";
import { ctrForward, type CtrModel, type CtrParams } from "./model.ts";

/** Rows `[start, end)` of `rows` as a batch. */
function batchOf(data: CtrBatchData, rows: ArrayLike<number>, start: number, end: number): {
  ids: Int32Array;
  dense: Float64Array;
  labels: Uint8Array;
} {
  const n = end - start;
  const ids = new Int32Array(n * N_SPARSE), dense = new Float64Array(n * DENSE_DIM);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const r = rows[start + i];
    ids.set(data.ids.subarray(r * N_SPARSE, (r + 1) * N_SPARSE), i * N_SPARSE);
    dense.set(data.dense.subarray(r * DENSE_DIM, (r + 1) * DENSE_DIM), i * DENSE_DIM);
    labels[i] = data.labels[r];
  }
  return { ids, dense, labels };
}

/**
 * Logits of every row of `data`, in batches of `batchSize` (no gradient is recorded).
 *
 * @example
 * ```ts
 * import { initCtrModel } from "./model.ts";
 * import { predictLogits } from "./train.ts";
 * const m = initCtrModel({ vocabSize: 30, embDim: 2, hidden: [4] });
 * const data = { rows: 2, ids: new Int32Array(52), dense: new Float64Array(52), labels: new Uint8Array(2) };
 * console.log(predictLogits(m, data).length); // 2
 * ```
 */
export function predictLogits(model: CtrModel, data: CtrBatchData, batchSize = 4096): Float64Array {
  const out = new Float64Array(data.rows);
  for (let s = 0; s < data.rows; s += batchSize) {
    const e = Math.min(data.rows, s + batchSize);
    const ids = data.ids.subarray(s * N_SPARSE, e * N_SPARSE);
    const dense = data.dense.subarray(s * DENSE_DIM, e * DENSE_DIM);
    out.set(ctrForward(model, { ids, dense }).data, s);
  }
  return out;
}

/** AUC and log-loss of a model on some rows. */
export interface CtrScore {
  /** ROC AUC (exact, ties averaged). */
  auc: number;
  /** Mean binary cross-entropy. */
  logloss: number;
}

/**
 * AUC and log-loss of `model` on `data`.
 *
 * @example
 * ```ts
 * import { initCtrModel } from "./model.ts";
 * import { evaluateCtr } from "./train.ts";
 * const m = initCtrModel({ vocabSize: 30, embDim: 2, hidden: [4] });
 * const data = { rows: 2, ids: new Int32Array(52), dense: new Float64Array(52), labels: Uint8Array.of(0, 1) };
 * console.log(evaluateCtr(m, data).auc); // 0.5
 * ```
 */
export function evaluateCtr(model: CtrModel, data: CtrBatchData): CtrScore {
  const z = predictLogits(model, data);
  return { auc: auc(data.labels, z), logloss: logLoss(data.labels, z) };
}

/** Options of {@link fitCtr}. */
export interface FitOptions {
  /** Passes over the training rows (default 2). */
  epochs?: number;
  /** Rows per step (default 512). */
  batchSize?: number;
  /** AdamW learning rate (default 1e-3). */
  lr?: number;
  /** AdamW decoupled weight decay (default 0). */
  weightDecay?: number;
  /** Seed of the row shuffling (default 0). */
  seed?: number;
  /** Called after each epoch with its validation score. */
  onEpoch?: (epoch: number, val: CtrScore, meanLoss: number) => void;
}

/** What {@link fitCtr} returns. */
export interface FitResult {
  /** Validation score after each epoch. */
  history: CtrScore[];
  /** 0-based epoch whose parameters were kept (best validation AUC). */
  bestEpoch: number;
  /** Optimizer steps taken. */
  steps: number;
}

const FIT_KEYS = new Set(["epochs", "batchSize", "lr", "weightDecay", "seed", "onEpoch"]);

function copyParams(p: CtrParams): CtrParams {
  return treeMap(p, (t) => new Tensor(t.data.slice(), t.shape));
}

/**
 * Trains `model` in place on `trainData` and keeps the parameters of the epoch with the best
 * AUC on `valData`.
 *
 * @example
 * ```ts
 * import { initCtrModel } from "./model.ts";
 * import { fitCtr } from "./train.ts";
 * const m = initCtrModel({ vocabSize: 30, embDim: 2, hidden: [4] });
 * const ids = Int32Array.from({ length: 8 * 26 }, (_, i) => (i % 26) + (i < 104 ? 0 : 1));
 * const data = { rows: 8, ids, dense: new Float64Array(8 * 26), labels: Uint8Array.of(0, 0, 0, 0, 1, 1, 1, 1) };
 * const r = fitCtr(m, data, data, { epochs: 3, batchSize: 4, lr: 0.05 });
 * console.log(r.history.length, r.steps); // 3 6
 * ```
 */
export function fitCtr(
  model: CtrModel,
  trainData: CtrBatchData,
  valData: CtrBatchData,
  opts: FitOptions = {},
): FitResult {
  for (const key of Object.keys(opts)) {
    if (!FIT_KEYS.has(key)) throw new TypeError(`fitCtr: unknown option ${key}`);
  }
  const epochs = opts.epochs ?? 2, batchSize = opts.batchSize ?? 512;
  for (const [name, v] of [["epochs", epochs], ["batchSize", batchSize]] as const) {
    if (!Number.isInteger(v) || v < 1) {
      throw new RangeError(`fitCtr: ${name} must be a positive integer, got ${v}`);
    }
  }
  const optimizer = adamw({ lr: opts.lr ?? 1e-3, weightDecay: opts.weightDecay ?? 0 });
  let state: OptimizerState = optimizer.init(model.params);
  const rng = new Rng(opts.seed ?? 0);
  const history: CtrScore[] = [];
  let best = copyParams(model.params), bestEpoch = -1, steps = 0;
  const perEpoch = Math.ceil(trainData.rows / batchSize);
  for (let epoch = 0; epoch < epochs; epoch++) {
    const order = rng.permutation(trainData.rows);
    const r = train({
      params: model.params,
      optimizer,
      state,
      steps: perEpoch,
      progress: false,
      loss: (p, step) => {
        const b = batchOf(
          trainData,
          order,
          step * batchSize,
          Math.min(trainData.rows, (step + 1) * batchSize),
        );
        return bceWithLogits(ctrForward({ ...model, params: p }, b), b.labels);
      },
    });
    state = r.state;
    steps += r.losses.length;
    const val = evaluateCtr(model, valData);
    history.push(val);
    opts.onEpoch?.(epoch, val, r.losses.reduce((s, v) => s + v, 0) / r.losses.length);
    if (bestEpoch < 0 || val.auc > history[bestEpoch].auc) {
      bestEpoch = epoch;
      best = copyParams(model.params);
    }
  }
  model.params = best;
  return { history, bestEpoch, steps };
}
