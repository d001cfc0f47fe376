/**
 * Training and scoring of the RAVLT-style ViT on UCI digits for `experiments/attention.ts`
 * (issue 18): the data README's split (test = rows i % 5 == 0), a validation tenth of train
 * (reported, never used to pick anything: the schedule is fixed), AdamW with a cosine-free
 * constant rate, the test set scored once, and the paper's rank analysis on a fixed batch of
 * test images at the first stage's first attention layer.
 *
 * @module
 */
import {
  adamw,
  attention,
  crossEntropy,
  readNumericCsv,
  Rng,
  type Tensor,
  tensor,
  train,
  treeLeaves,
} from "../../mod.ts";

/** Pixels scaled by 1/16 (`[n, 1, 8, 8]`) and labels. */
export interface Digits {
  x: Tensor;
  y: Int32Array;
}

/** The three sets of the run. */
export interface DigitSplit {
  train: Digits;
  val: Digits;
  test: Digits;
}

function take(all: { x: Float64Array; y: Int32Array }, idx: number[]): Digits {
  const x = new Float64Array(idx.length * 64);
  idx.forEach((r, i) => x.set(all.x.subarray(r * 64, r * 64 + 64), i * 64));
  return {
    x: tensor(x, { shape: [idx.length, 1, 8, 8] }),
    y: Int32Array.from(idx, (r) => all.y[r]),
  };
}

/**
 * Standardises all pixels in place with the mean and deviation of the training rows' pixels
 * (one scalar each): at init the ViT's logits barely depended on raw [0, 1] input.
 */
function standardize(x: Float64Array, trainRows: number[]): void {
  let s = 0, s2 = 0;
  for (const r of trainRows) {
    for (let j = 0; j < 64; j++) {
      const v = x[r * 64 + j];
      s += v;
      s2 += v * v;
    }
  }
  const n = trainRows.length * 64, mu = s / n, sd = Math.sqrt(s2 / n - mu * mu);
  for (let i = 0; i < x.length; i++) x[i] = (x[i] - mu) / sd;
}

/**
 * Reads `dir/digits.csv` (65 columns) and splits it: test = rows i % 5 == 0 (README), the rest
 * shuffled by `seed` into train (90 %) and validation (10 %); pixels standardised with the
 * training rows' statistics.
 */
export function loadDigitSplit(dir: string, seed: number): DigitSplit {
  const path = `${dir}/digits.csv`;
  const csv = readNumericCsv(path, { header: false });
  if (csv.cols !== 65) throw new RangeError(`${path}: expected 65 columns, got ${csv.cols}`);
  const x = new Float64Array(csv.rows * 64), y = new Int32Array(csv.rows);
  for (let i = 0; i < csv.rows; i++) {
    for (let j = 0; j < 64; j++) x[i * 64 + j] = csv.data.data[i * 65 + j] / 16;
    y[i] = csv.data.data[i * 65 + 64];
  }
  const rows = Array.from({ length: csv.rows }, (_, i) => i);
  const test = rows.filter((i) => i % 5 === 0), rest = rows.filter((i) => i % 5 !== 0);
  const perm = new Rng(seed).permutation(rest.length);
  const shuffled = Array.from(perm, (p) => rest[p]), nVal = Math.round(rest.length / 10);
  standardize(x, shuffled.slice(nVal));
  const all = { x, y };
  return {
    train: take(all, shuffled.slice(nVal)),
    val: take(all, shuffled.slice(0, nVal)),
    test: take(all, test),
  };
}

/** Schedule of one training run. */
export interface TrainSizes {
  steps: number;
  batch: number;
  lr: number;
}

/** What one attention type gives. */
export interface VitResult {
  acc: number;
  valAcc: number;
  params: number;
  kvRank: number | null;
  outputRank: number;
  attnRank: number;
  /** The ranks again at {@link COARSE_TOL}. */
  coarse: RankMeans;
  trainSeconds: number;
  losses: number[];
}

function batchOf(d: Digits, idx: number[]): { x: Tensor; y: Int32Array } {
  const x = new Float64Array(idx.length * 64);
  idx.forEach((r, i) => x.set(d.x.data.subarray(r * 64, r * 64 + 64), i * 64));
  return { x: tensor(x, { shape: [idx.length, 1, 8, 8] }), y: Int32Array.from(idx, (r) => d.y[r]) };
}

function accuracy(p: attention.RavltParams, cfg: attention.RavltInitOptions, d: Digits): number {
  let right = 0;
  const n = d.y.length;
  for (let s = 0; s < n; s += 128) {
    const idx = Array.from({ length: Math.min(128, n - s) }, (_, i) => s + i);
    const b = batchOf(d, idx), logits = attention.ravltForward(p, cfg, b.x);
    const k = logits.shape[1];
    idx.forEach((_, i) => {
      let best = 0;
      for (let c = 1; c < k; c++) if (logits.data[i * k + c] > logits.data[i * k + best]) best = c;
      if (best === b.y[i]) right++;
    });
  }
  return right / n;
}

/** Mean ranks over heads and images (kv null for softmax attention). */
export interface RankMeans {
  kv: number | null;
  output: number;
  attn: number;
}

/** A coarser relative tolerance than the spec's 1e-6, reported beside it: the effective rank. */
export const COARSE_TOL = 1e-2;

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Ranks at stage 0, block 0, over the first `n` test images: means over heads and images. */
function ranks(
  p: attention.RavltParams,
  cfg: attention.RavltConfig,
  test: Digits,
  n: number,
  tol?: number,
): RankMeans {
  let captured: { t: Tensor; grid: attention.Grid } | undefined;
  const b = batchOf(test, Array.from({ length: n }, (_, i) => i));
  attention.ravltForward(p, cfg, b.x, (s, i, t, grid) => {
    if (s === 0 && i === 0) captured = { t, grid };
  });
  const r = attention.attentionRanks(cfg.attention, p.stages[0].blocks[0].attn, captured!.t, {
    nHeads: cfg.heads[0],
    grid: captured!.grid,
    tol,
  });
  return {
    kv: r.kv === null ? null : mean(r.kv.flat()),
    output: mean(r.output.flat()),
    attn: mean(r.attn.flat()),
  };
}

/** Trains the ViT with `kind` attention and scores it (test once, at the end). */
export function runVit(
  kind: attention.AttentionKind,
  data: DigitSplit,
  sizes: TrainSizes,
  seed: number,
  log: (msg: string) => void,
): VitResult {
  const cfg = attention.ravltConfig({ attention: kind });
  const p = attention.initRavlt({ ...cfg, seed });
  const params = treeLeaves(p).reduce((n, [, t]) => n + t.size, 0);
  const rng = new Rng(seed + 1), nTrain = data.train.y.length;
  let order = Array.from(rng.permutation(nTrain)), pos = 0;
  const res = train({
    params: p,
    optimizer: adamw({ lr: sizes.lr, weightDecay: 0.05 }),
    steps: sizes.steps,
    loss: (pp) => {
      if (pos + sizes.batch > nTrain) [order, pos] = [Array.from(rng.permutation(nTrain)), 0];
      const b = batchOf(data.train, order.slice(pos, pos += sizes.batch));
      return crossEntropy(attention.ravltForward(pp, cfg, b.x), b.y);
    },
    onStep: (s) => {
      if ((s.step + 1) % 50 === 0) {
        log(`${kind}: step ${s.step + 1}/${sizes.steps} loss ${s.loss.toFixed(3)}`);
      }
    },
    progress: false,
  });
  const valAcc = accuracy(p, cfg, data.val);
  const acc = accuracy(p, cfg, data.test);
  const r = ranks(p, cfg, data.test, 16), coarse = ranks(p, cfg, data.test, 16, COARSE_TOL);
  return {
    acc,
    valAcc,
    params,
    kvRank: r.kv,
    outputRank: r.output,
    attnRank: r.attn,
    coarse,
    trainSeconds: res.seconds,
    losses: res.losses,
  };
}
