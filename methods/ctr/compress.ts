/**
 * Low-rank compression of a trained CTR model (Yu et al., "Unified Low-rank Compression
 * Framework for Click-through Rate Prediction", KDD 2024; spec `compression_optim_attention.md`
 * §2): the embedding table and the hidden MLP layers are factored at ranks chosen for a target
 * size ratio, either by weight SVD or by AFM from one streaming pass of output statistics over
 * calibration rows. For the plain MLP model the embedding projection is folded into the first
 * layer (no interaction op sits between them); DeepFM keeps it, since the FM reads the
 * embeddings. The output layer (one logit) and the first-order weights stay whole.
 *
 * @module
 */
import type { Activation, LinearParams } from "../../ops/nn/layers.ts";
import type { Tensor } from "../../ops/tensor.ts";
import * as ad from "../../ops/autograd/ops.ts";
import { afmBasis, afmEmbedding, afmLinear } from "../compression/afm.ts";
import { OutputStats } from "../compression/afm_stats.ts";
import { foldProjection } from "../compression/afm_fold.ts";
import { type RankLayer, type RankPlan, ranksForRatio } from "../compression/rank_budget.ts";
import { svdEmbedding, svdLinear } from "../compression/svd_compress.ts";
import { type CtrBatchData, DENSE_DIM, N_SPARSE } from "./features.ts";
import {
  applyCtrLayer,
  countParams,
  ctrForward,
  type CtrLayer,
  type CtrModel,
  type CtrParams,
  isFactored,
} from "./model.ts";

/** Options of {@link compressCtr}. */
export interface CompressOptions {
  /** `"svd"` (weight SVD) or `"afm"` (Atomic Feature Mimicking). */
  method: "svd" | "afm";
  /** Target size ratio original/compressed, counting every parameter (≥ 1). */
  ratio: number;
  /** Rows whose layer outputs give the AFM statistics and the reconstruction error. */
  calibration: CtrBatchData;
  /** Rows per forward pass over the calibration rows (default 2048). */
  batchSize?: number;
  /** AFM "Ada_Act" variant: this activation between the two factors (not exact). */
  between?: Activation;
  /** Fold the embedding projection into the first MLP layer (default: true for `"mlp"`). */
  fold?: boolean;
}

/** What {@link compressCtr} returns. */
export interface CompressResult {
  /** The compressed model (new parameters; the original is untouched). */
  model: CtrModel;
  /** The rank plan (ranks in order: embedding, then each hidden layer). */
  plan: RankPlan;
  /** Parameters of the compressed model, counted on its tensors. */
  params: number;
  /**
   * Mean squared error of the compressed layers' outputs on the calibration rows (each layer
   * fed the original model's input to it), over all compressed output entries.
   */
  reconError: number;
  /** The same per compressed layer (`"embedding"`, `"dnn0"`, …). */
  layerErrors: Record<string, number>;
}

const KEYS = new Set(["method", "ratio", "calibration", "batchSize", "between", "fold"]);

/** The compressible matrices of `model`: the table, then the hidden layers. */
function rankLayers(model: CtrModel): { layers: RankLayer[]; fixed: number } {
  const p = model.params;
  const layers: RankLayer[] = [{
    kind: "embedding",
    rows: p.table.shape[0],
    cols: p.table.shape[1],
  }];
  let inLayers = p.table.size;
  for (const l of p.dnn.slice(0, -1)) {
    if (isFactored(l)) throw new RangeError("compressCtr: the model is already compressed");
    layers.push({ kind: "linear", rows: l.weight.shape[0], cols: l.weight.shape[1] });
    inLayers += l.weight.size + (l.bias?.size ?? 0);
  }
  return { layers, fixed: countParams(model) - inLayers };
}

/** Runs the original model over `data` in batches, calling `hook` with each batch's ids. */
function pass(
  model: CtrModel,
  data: CtrBatchData,
  batchSize: number,
  hook: (ids: Int32Array, name: string, input: Tensor | null, output: Tensor) => void,
): void {
  for (let s = 0; s < data.rows; s += batchSize) {
    const e = Math.min(data.rows, s + batchSize);
    const ids = data.ids.subarray(s * N_SPARSE, e * N_SPARSE);
    const dense = data.dense.subarray(s * DENSE_DIM, e * DENSE_DIM);
    ctrForward(model, { ids, dense }, (name, x, y) => hook(ids, name, x, y));
  }
}

/** One streaming pass: output statistics of the embedding and of every hidden layer. */
function outputStats(
  model: CtrModel,
  data: CtrBatchData,
  batchSize: number,
): Map<string, OutputStats> {
  const stats = new Map<string, OutputStats>();
  const last = `dnn${model.params.dnn.length - 1}`;
  pass(model, data, batchSize, (_ids, name, _x, y) => {
    if (name === last) return;
    const d = y.shape[y.ndim - 1];
    if (!stats.has(name)) stats.set(name, new OutputStats(d));
    stats.get(name)!.update(y);
  });
  return stats;
}

/**
 * A copy of `model` with its embedding table and hidden MLP layers factored (see the module
 * doc), and the reconstruction error of the factored layers on the calibration rows.
 *
 * @example
 * ```ts
 * import { initCtrModel } from "./model.ts";
 * import { compressCtr } from "./compress.ts";
 * const m = initCtrModel({ kind: "mlp", vocabSize: 200, embDim: 8, hidden: [64, 64] });
 * const rows = 64, ids = Int32Array.from({ length: rows * 26 }, (_, i) => (i * 7919) % 200);
 * const calibration = { rows, ids, dense: new Float64Array(rows * 26), labels: new Uint8Array(rows) };
 * const r = compressCtr(m, { method: "afm", ratio: 3, calibration });
 * console.log(r.params * 3 <= r.plan.originalParams); // true
 * ```
 */
export function compressCtr(model: CtrModel, opts: CompressOptions): CompressResult {
  for (const key of Object.keys(opts)) {
    if (!KEYS.has(key)) throw new TypeError(`compressCtr: unknown option ${key}`);
  }
  if (opts.method !== "svd" && opts.method !== "afm") {
    throw new RangeError(`compressCtr: method must be "svd" or "afm", got ${String(opts.method)}`);
  }
  if (opts.between !== undefined && opts.method !== "afm") {
    throw new RangeError(`compressCtr: between is AFM's variant; method is ${opts.method}`);
  }
  const fold = opts.fold ?? model.kind === "mlp";
  if (fold && model.kind !== "mlp") {
    throw new RangeError(
      "compressCtr: fold is not allowed for DeepFM (the FM reads the embeddings)",
    );
  }
  const batchSize = opts.batchSize ?? 2048;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`compressCtr: batchSize must be a positive integer, got ${batchSize}`);
  }
  if (opts.calibration.rows < 1) throw new RangeError("compressCtr: calibration has no rows");
  const { layers, fixed } = rankLayers(model);
  const plan = ranksForRatio(layers, opts.ratio, fixed);
  const stats = opts.method === "afm" ? outputStats(model, opts.calibration, batchSize) : null;
  const p = model.params;
  const dnn: CtrLayer[] = p.dnn.map((l, i) => {
    const k = plan.ranks[i + 1];
    if (k === null || i === p.dnn.length - 1) return l;
    const lin = l as LinearParams;
    return stats ? afmLinear(lin, afmBasis(stats.get(`dnn${i}`)!, k)) : svdLinear(lin, k);
  });
  const kEmb = plan.ranks[0];
  let table = p.table, proj: LinearParams | undefined;
  if (kEmb !== null) {
    const f = stats
      ? afmEmbedding(p.table, afmBasis(stats.get("embedding")!, kEmb))
      : svdEmbedding(p.table, kEmb);
    table = f.table;
    proj = f.proj;
  }
  const compressed: CtrModel = {
    kind: model.kind,
    embDim: model.embDim,
    between: opts.between,
    params: { ...p, table, proj, dnn },
  };
  const { reconError, layerErrors } = reconstruction(
    model,
    compressed,
    opts.calibration,
    batchSize,
  );
  if (fold && proj) compressed.params = foldFirst(compressed.params, proj);
  return { model: compressed, plan, params: countParams(compressed), reconError, layerErrors };
}

/** The parameters with `proj` folded into the first MLP layer (its A factor if factored). */
function foldFirst(p: CtrParams, proj: LinearParams): CtrParams {
  const first = p.dnn[0], fo = { blocks: N_SPARSE };
  const folded: CtrLayer = isFactored(first)
    ? { a: foldProjection(proj, first.a, fo), b: first.b }
    : foldProjection(proj, first, fo);
  return { ...p, proj: undefined, dnn: [folded, ...p.dnn.slice(1)] };
}

/** Squared error of each compressed layer's output against the original's, same inputs. */
function reconstruction(
  original: CtrModel,
  compressed: CtrModel,
  data: CtrBatchData,
  batchSize: number,
): { reconError: number; layerErrors: Record<string, number> } {
  const sq = new Map<string, [number, number]>();
  const c = compressed.params;
  pass(original, data, batchSize, (ids, name, x, y) => {
    let yHat: Tensor | null = null;
    if (name === "embedding" && c.proj) {
      const e = ad.gather(c.table, { data: ids, shape: [ids.length / N_SPARSE, N_SPARSE] });
      yHat = ad.linear(e, c.proj.weight, c.proj.bias);
    } else if (name !== "embedding" && x) {
      const l = c.dnn[Number(name.slice(3))];
      if (isFactored(l)) yHat = applyCtrLayer(l, x, compressed.between);
    }
    if (yHat === null) return;
    let s = 0;
    for (let i = 0; i < y.size; i++) s += (y.data[i] - yHat.data[i]) ** 2;
    const acc = sq.get(name) ?? [0, 0];
    sq.set(name, [acc[0] + s, acc[1] + y.size]);
  });
  let tot = 0, cnt = 0;
  const layerErrors: Record<string, number> = {};
  for (const [name, [s, n]] of sq) {
    layerErrors[name] = s / n;
    tot += s;
    cnt += n;
  }
  return { reconError: cnt > 0 ? tot / cnt : 0, layerErrors };
}
