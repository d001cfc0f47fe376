/**
 * CTR models over encoded Criteo rows (see `features.ts`): a DeepFM-style model (first-order
 * weights + FM second-order interaction + MLP; Guo et al., IJCAI 2017) and a plain embedding +
 * MLP model. Parameters are plain tensor trees so the optimizers and `grad` work on them; a
 * layer may be factored into two thin layers (after SVD or AFM compression, see `compress.ts`)
 * and the embedding table may carry a projection back to the embedding width.
 *
 * @module
 */
import * as ad from "../../ops/autograd/ops.ts";
import { treeLeaves } from "../../ops/autograd/tree.ts";
import { type Activation, activation, initLinear, type LinearParams } from "../../ops/nn/layers.ts";
import { normalInit } from "../../ops/nn/init.ts";
import { Rng } from "../../ops/random.ts";
import { Tensor, zeros } from "../../ops/tensor.ts";
import type { FactoredLinear } from "../compression/afm.ts";
import { DENSE_DIM, N_SPARSE } from "./features.ts";

/** Which model. */
export type CtrKind = "deepfm" | "mlp";

/** An MLP layer: whole, or two thin layers. */
export type CtrLayer = LinearParams | FactoredLinear;

/** The parameter tree of a CTR model. */
export interface CtrParams {
  /** Embedding table `[V, w]` (w = the embedding width, or the rank after compression). */
  table: Tensor;
  /** Projection `w → embDim` of a compressed table (absent when none or folded). */
  proj?: LinearParams;
  /** MLP layers, input first; the last one has one output (a logit). */
  dnn: CtrLayer[];
  /** DeepFM first-order weight per id, `[V, 1]`. */
  first?: Tensor;
  /** DeepFM first-order weights of the dense inputs (weight `[1, 26]`, bias `[1]`). */
  denseLinear?: LinearParams;
}

/** A CTR model: structure plus parameters. */
export interface CtrModel {
  /** The model family. */
  readonly kind: CtrKind;
  /** Embedding width seen by the FM and (unless folded) by the MLP. */
  readonly embDim: number;
  /** Activation put between the two factors of a factored layer (AFM's "Ada_Act"), if any. */
  readonly between?: Activation;
  /** The parameters. */
  params: CtrParams;
}

/** Options of {@link initCtrModel}. */
export interface CtrInitOptions {
  /** `"deepfm"` (default) or `"mlp"`. */
  kind?: CtrKind;
  /** Total number of ids (the encoder's `offsets[26]`). */
  vocabSize: number;
  /** Embedding width (default 16). */
  embDim?: number;
  /** Hidden layer widths (default [400, 400, 400], as the paper's DeepFM). */
  hidden?: number[];
  /** Standard deviation of the embedding init (default 0.05). */
  embStd?: number;
  /** Seed (default 0). */
  seed?: number;
}

const INIT_KEYS = new Set(["kind", "vocabSize", "embDim", "hidden", "embStd", "seed"]);

/**
 * A freshly initialised CTR model (embeddings `N(0, embStd²)`, PyTorch-style linear layers,
 * first-order weights 0).
 *
 * @example
 * ```ts
 * import { initCtrModel } from "./model.ts";
 * const m = initCtrModel({ vocabSize: 100, embDim: 4, hidden: [8] });
 * console.log(m.params.table.shape, m.params.dnn.length); // [100, 4] 2
 * ```
 */
export function initCtrModel(opts: CtrInitOptions): CtrModel {
  for (const key of Object.keys(opts)) {
    if (!INIT_KEYS.has(key)) throw new TypeError(`initCtrModel: unknown option ${key}`);
  }
  const kind = opts.kind ?? "deepfm";
  if (kind !== "deepfm" && kind !== "mlp") {
    throw new RangeError(`initCtrModel: kind must be "deepfm" or "mlp", got ${String(kind)}`);
  }
  const embDim = opts.embDim ?? 16, hidden = opts.hidden ?? [400, 400, 400];
  for (
    const [name, v] of [
      ["vocabSize", opts.vocabSize],
      ["embDim", embDim],
      ...hidden.map((h, i) => [`hidden[${i}]`, h]),
    ] as [string, number][]
  ) {
    if (!Number.isInteger(v) || v < 1) {
      throw new RangeError(`initCtrModel: ${name} must be a positive integer, got ${v}`);
    }
  }
  const rng = new Rng(opts.seed ?? 0);
  const sizes = [N_SPARSE * embDim + DENSE_DIM, ...hidden, 1];
  const dnn = sizes.slice(1).map((out, i) => initLinear(sizes[i], out, { rng }));
  const params: CtrParams = {
    table: normalInit([opts.vocabSize, embDim], opts.embStd ?? 0.05, { rng }),
    dnn,
  };
  if (kind === "deepfm") {
    params.first = zeros([opts.vocabSize, 1]);
    params.denseLinear = { weight: zeros([1, DENSE_DIM]), bias: zeros([1]) };
  }
  return { kind, embDim, params };
}

/** Called by {@link ctrForward} with each compressible layer's input and output. */
export type LayerHook = (name: string, input: Tensor | null, output: Tensor) => void;

/** True for a factored layer. */
export function isFactored(layer: CtrLayer): layer is FactoredLinear {
  return "a" in layer;
}

/**
 * One MLP layer's output (before the activation that follows it).
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { applyCtrLayer } from "./model.ts";
 * const f = { a: { weight: tensor([[1, 1]]) }, b: { weight: tensor([[2]]) } };
 * console.log(applyCtrLayer(f, tensor([[1, 2]])).data); // Float64Array [6]
 * ```
 */
export function applyCtrLayer(layer: CtrLayer, x: Tensor, between?: Activation): Tensor {
  if (!isFactored(layer)) return ad.linear(x, layer.weight, layer.bias);
  let z = ad.linear(x, layer.a.weight, layer.a.bias);
  if (between !== undefined) z = activation(between)(z);
  return ad.linear(z, layer.b.weight, layer.b.bias);
}

/** A batch of encoded rows as tensors. */
export interface CtrInput {
  /** Global ids, row-major `rows × 26`. */
  readonly ids: Int32Array;
  /** Dense inputs, row-major `rows × 26`. */
  readonly dense: Float64Array;
}

/**
 * The click logits `[rows]` of a batch. `hook` sees the embedding output (`"embedding"`, input
 * null) and each MLP layer's input and pre-activation output (`"dnn0"`, `"dnn1"`, …).
 *
 * @example
 * ```ts
 * import { initCtrModel, ctrForward } from "./model.ts";
 * const m = initCtrModel({ vocabSize: 30, embDim: 2, hidden: [4] });
 * const ids = Int32Array.from({ length: 26 }, (_, f) => f);
 * console.log(ctrForward(m, { ids, dense: new Float64Array(26) }).shape); // [1]
 * ```
 */
export function ctrForward(model: CtrModel, batch: CtrInput, hook?: LayerHook): Tensor {
  const p = model.params, rows = batch.ids.length / N_SPARSE;
  if (!Number.isInteger(rows) || batch.dense.length !== rows * DENSE_DIM) {
    throw new RangeError(
      `ctrForward: ids has ${batch.ids.length} entries and dense ${batch.dense.length}; need rows×${N_SPARSE} and rows×${DENSE_DIM}`,
    );
  }
  const idx = { data: batch.ids, shape: [rows, N_SPARSE] };
  let e = ad.gather(p.table, idx); // [rows, 26, w]
  if (p.proj) e = ad.linear(e, p.proj.weight, p.proj.bias);
  hook?.("embedding", null, e);
  const dense = new Tensor(batch.dense, [rows, DENSE_DIM]);
  let h = ad.concat([ad.reshape(e, [rows, e.size / rows]), dense], 1);
  for (let i = 0; i < p.dnn.length; i++) {
    const y = applyCtrLayer(p.dnn[i], h, model.between);
    hook?.(`dnn${i}`, h, y);
    h = i + 1 < p.dnn.length ? ad.relu(y) : y;
  }
  let logit = ad.reshape(h, [rows]);
  if (model.kind === "deepfm") {
    if (!p.first || !p.denseLinear || e.shape[2] !== model.embDim) {
      throw new RangeError(
        "ctrForward: a DeepFM model needs first, denseLinear and d-wide embeddings",
      );
    }
    const first = ad.sum(ad.reshape(ad.gather(p.first, idx), [rows, N_SPARSE]), { axis: 1 });
    const lin = ad.reshape(ad.linear(dense, p.denseLinear.weight, p.denseLinear.bias), [rows]);
    // FM: ½ Σ_d [(Σ_f e_fd)² − Σ_f e_fd²] = Σ_{f<g} ⟨e_f, e_g⟩.
    const sq = ad.square(ad.sum(e, { axis: 1 }));
    const fm = ad.scale(ad.sum(ad.sub(sq, ad.sum(ad.square(e), { axis: 1 })), { axis: 1 }), 0.5);
    logit = ad.add(ad.add(logit, first), ad.add(lin, fm));
  }
  return logit;
}

/**
 * Every parameter of the model (tables, projections, MLP weights and biases).
 *
 * @example
 * ```ts
 * import { countParams, initCtrModel } from "./model.ts";
 * console.log(countParams(initCtrModel({ kind: "mlp", vocabSize: 10, embDim: 2, hidden: [3] })));
 * // 261 = table 20 + (78·3 + 3) + (3 + 1)
 * ```
 */
export function countParams(model: CtrModel): number {
  return treeLeaves(model.params).reduce((s, [, t]) => s + t.size, 0);
}
