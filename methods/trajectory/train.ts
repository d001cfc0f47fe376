/**
 * Training of the ET predictor network (Bae et al., ICCV 2023; spec §4.3): AdamW (lr 1e-3,
 * weight decay 1e-4), gradient-norm clip 10, step decay halving the rate every quarter of the
 * epochs, winner-take-all losses (optionally relaxed, `relax`), seeded shuffling, and model
 * selection by the validation best-of-S FDE after each epoch. The network may add the learned
 * social attention layer of `social.ts` (`socialSlots`). Progress goes to a log callback
 * (stderr by default). On ETH/UCY, chosen on validation FDE over seeds 0–2
 * (`experiments/eigentrajectory_select.ts`; benches/RESULTS.md, "EigenTrajectory predictor
 * quality"): `neighbours: 0, socialSlots: 8, relax: 0.1, relaxEnd: 0, epochs: 16`, test AVG
 * ADE/FDE 0.212 ± 0.003 / 0.355 ± 0.004 (seed 0: 0.208/0.351).
 *
 * @module
 */
import { checkOptions } from "../../ops/options.ts";
import { valueAndGrad } from "../../ops/autograd/grad.ts";
import type { LinearParams, MlpParams } from "../../ops/nn/layers.ts";
import { clipGradNorm_ } from "../../ops/optim/clip.ts";
import { adamw } from "../../ops/optim/adam.ts";
import { stepDecay } from "../../ops/optim/schedule.ts";
import { Rng } from "../../ops/random.ts";
import { Tensor } from "../../ops/tensor.ts";
import { concatSets, mirrorY, type TrajectorySet } from "./dataset.ts";
import { agentFeatures } from "./features.ts";
import { bestOfS, pooledMean } from "./metrics.ts";
import { decodeFutures, encode, type Encoded, type ETModel } from "./model.ts";
import {
  type ETNetwork,
  initNetwork,
  type LossBatch,
  type NetworkParams,
  refineNetwork,
  scaleNeighbours,
  standardize,
  wtaLoss,
} from "./network.ts";
import { NEIGHBOUR_WIDTH, type NeighbourFeatures, neighbourFeatures } from "./social.ts";
import { splitHistoryFuture } from "./dataset.ts";

/** Options of {@link trainNetwork}. */
export interface TrainNetworkOptions {
  /** Epochs over the training agent-windows (default 40). */
  epochs?: number;
  /** Agent-windows per optimizer step (default 256). */
  batchSize?: number;
  /** AdamW learning rate (default 1e-3). */
  lr?: number;
  /** AdamW decoupled weight decay (default 1e-4). */
  weightDecay?: number;
  /** Gradient-norm clip (default 10). */
  clip?: number;
  /** Hidden widths of the MLP (default [128, 128]). */
  hidden?: number[];
  /** Pooled neighbours per agent (default 4; 0: no social features). */
  neighbours?: number;
  /** Include the speed feature (default false; see `FeatureOptions.speed`). */
  speed?: boolean;
  /** Seed of the weights and the shuffling (default 0). */
  seed?: number;
  /** Stop after the epoch during which this many seconds have passed (default: no limit). */
  timeBudgetSec?: number;
  /** Train on the y-mirrored copy as well (default true, as the descriptor fit). */
  mirror?: boolean;
  /**
   * Neighbour slots of the learned social attention layer (default 0: no social layer; see
   * `social.ts`).
   */
  socialSlots?: number;
  /** Width of the social layer (default 32). */
  socialDim?: number;
  /** Neighbours of the social layer lie within this many metres at x₈ (default 6). */
  socialRadius?: number;
  /** Relaxed winner-takes-all weight ε (default 0, the spec's hard min; see `WtaOptions`). */
  relax?: number;
  /**
   * ε of the last epoch (default `relax`): ε moves linearly from `relax` to `relaxEnd` over the
   * epochs, e.g. 0.1 → 0 spreads the modes early and ends on the spec's hard min (the
   * evolving WTA of Makansi et al., CVPR 2019).
   */
  relaxEnd?: number;
  /** Progress sink (default: a line on stderr per epoch). */
  log?: (line: string) => void;
}

/** Run-time kinds of {@link TrainNetworkOptions} (a misspelled key used to be ignored). */
const TRAIN_OPTION_KINDS = {
  epochs: "number",
  batchSize: "number",
  lr: "number",
  weightDecay: "number",
  clip: "number",
  hidden: "array",
  neighbours: "number",
  speed: "boolean",
  seed: "number",
  timeBudgetSec: "number",
  mirror: "boolean",
  socialSlots: "number",
  socialDim: "number",
  socialRadius: "number",
  relax: "number",
  relaxEnd: "number",
  log: "function",
} as const;

/** One epoch of the training history. */
export interface EpochRecord {
  /** 1-based epoch. */
  epoch: number;
  /** Mean training loss L_ET + L_ADE + L_FDE over the epoch's steps. */
  loss: number;
  /** Validation best-of-S ADE (m). */
  valAde: number;
  /** Validation best-of-S FDE (m), the selection criterion. */
  valFde: number;
  /** Seconds since training started. */
  seconds: number;
}

/** Prepared per-agent arrays of a set in an ET space. */
interface Prepared {
  n: number;
  x: Tensor;
  enc: Encoded;
  /** Scaled neighbour descriptions when the network has a social layer. */
  nb?: { data: Tensor; mask: Tensor };
}

function prepare(
  model: ETModel,
  net: ETNetwork | null,
  set: TrajectorySet,
  o: Inputs,
): Prepared & { raw: Float64Array; rawNb?: NeighbourFeatures } {
  const enc = encode(model, set);
  const raw = agentFeatures(set, enc, model.k, { neighbours: o.neighbours, speed: o.speed });
  const x = net ? standardize(net, raw) : new Tensor(new Float64Array(0), [0, 0]);
  const rawNb = o.slots > 0
    ? neighbourFeatures(set, enc, { slots: o.slots, radius: o.radius })
    : undefined;
  const nb = net?.social && rawNb ? scaleNeighbours(net, rawNb) : undefined;
  return { n: set.count, x, enc, raw, rawNb, nb };
}

/** Options `prepare` needs to rebuild a network's inputs. */
function inputsOf(net: ETNetwork): Inputs {
  return {
    neighbours: net.neighbours,
    speed: net.speed ?? false,
    slots: net.socialSlots ?? 0,
    radius: net.socialRadius ?? 6,
  };
}

/** What decides a network's inputs. */
interface Inputs {
  neighbours: number;
  speed: boolean;
  slots: number;
  radius: number;
}

/** The network's trainable weights as one tree. */
function paramsOf(net: ETNetwork): NetworkParams {
  return net.social ? { mlp: net.mlp, social: net.social } : { mlp: net.mlp };
}

function batchNeighbours(p: Prepared, idx: ArrayLike<number>): { data: Tensor; mask: Tensor } {
  const nb = p.nb as { data: Tensor; mask: Tensor }, P = nb.mask.shape[1], W = NEIGHBOUR_WIDTH;
  const data = new Float64Array(idx.length * P * W), mask = new Float64Array(idx.length * P);
  for (let j = 0; j < idx.length; j++) {
    data.set(nb.data.data.subarray(idx[j] * P * W, (idx[j] + 1) * P * W), j * P * W);
    mask.set(nb.mask.data.subarray(idx[j] * P, (idx[j] + 1) * P), j * P);
  }
  return { data: new Tensor(data, [idx.length, P, W]), mask: new Tensor(mask, [idx.length, P]) };
}

function batchOf(
  model: ETModel,
  p: Prepared,
  idx: ArrayLike<number>,
): { x: Tensor; b: LossBatch; nb?: { data: Tensor; mask: Tensor } } {
  const { k, modes: S, predLen: T } = model, B = idx.length, F = p.x.shape[1];
  const x = new Float64Array(B * F), anchors = new Float64Array(B * S * k);
  const cFut = new Float64Array(B * k), future = new Float64Array(B * T * 2);
  const group = new Uint8Array(B), invScale = new Float64Array(B);
  for (let j = 0; j < B; j++) {
    const i = idx[j], g = p.enc.group[i];
    for (let c = 0; c < F; c++) x[j * F + c] = p.x.data[i * F + c];
    anchors.set(model.groups[g].anchors.centroids.data, j * S * k);
    for (let c = 0; c < k; c++) cFut[j * k + c] = p.enc.cFut[i * k + c];
    for (let c = 0; c < 2 * T; c++) future[j * 2 * T + c] = p.enc.future[i * 2 * T + c];
    group[j] = g;
    invScale[j] = 1 / p.enc.params.scale[i];
  }
  return {
    x: new Tensor(x, [B, F]),
    b: { anchors: new Tensor(anchors, [B, S, k]), group, cFut, future, invScale },
    nb: p.nb ? batchNeighbours(p, idx) : undefined,
  };
}

/**
 * Refined coefficients for every agent of `set`, `S × N × k` (mode-major, as
 * `decodeFutures` expects), computed in batches without recording gradients.
 *
 * @example
 * ```ts
 * import { syntheticScenes } from "./synthetic.ts";
 * import { fitEigenTrajectory } from "./model.ts";
 * import { predictCoefficients, trainNetwork } from "./train.ts";
 * const set = syntheticScenes({ scenes: 40 });
 * const m = fitEigenTrajectory(set, { staticDist: 0.35, modes: 4, nInit: 1 });
 * const { net } = trainNetwork(m, set, set, { epochs: 1, hidden: [8], log: () => {} });
 * console.log(predictCoefficients(m, net, set).length === 4 * set.count * 6); // true
 * ```
 */
export function predictCoefficients(
  model: ETModel,
  net: ETNetwork,
  set: TrajectorySet,
): Float64Array {
  return coefficientsOf(model, net, prepare(model, net, set, inputsOf(net)));
}

function coefficientsOf(model: ETModel, net: ETNetwork, p: Prepared): Float64Array {
  const { k, modes: S } = model, out = new Float64Array(S * p.n * k), step = 4096;
  for (let lo = 0; lo < p.n; lo += step) {
    const idx = Array.from({ length: Math.min(step, p.n - lo) }, (_, j) => lo + j);
    const { x, b, nb } = batchOf(model, p, idx);
    const c = refineNetwork(paramsOf(net), x, b.anchors, S, k, nb).data;
    for (let j = 0; j < idx.length; j++) {
      for (let s = 0; s < S; s++) {
        for (let q = 0; q < k; q++) out[(s * p.n + lo + j) * k + q] = c[(j * S + s) * k + q];
      }
    }
  }
  return out;
}

function validate(
  model: ETModel,
  net: ETNetwork,
  p: Prepared,
  future: Float64Array,
): [number, number] {
  const pred = decodeFutures(model, p.enc, coefficientsOf(model, net, p));
  const r = bestOfS(pred, future, model.modes, model.predLen);
  return [pooledMean(r.ade), pooledMean(r.fde)];
}

function cloneLinear(l: LinearParams): LinearParams {
  return { weight: l.weight.clone(), ...(l.bias ? { bias: l.bias.clone() } : {}) };
}

function cloneParams(p: NetworkParams): NetworkParams {
  const mlp: MlpParams = { layers: p.mlp.layers.map(cloneLinear) };
  if (!p.social) return { mlp };
  const { key, query, score } = p.social;
  return {
    mlp,
    social: { key: cloneLinear(key), query: cloneLinear(query), score: cloneLinear(score) },
  };
}

/**
 * Trains the ET predictor network on `train` and selects the epoch with the best validation
 * best-of-S FDE on `val` (spec §4.3). The ET space (`model`) stays frozen.
 *
 * @example
 * ```ts
 * import { syntheticScenes } from "./synthetic.ts";
 * import { fitEigenTrajectory } from "./model.ts";
 * import { trainNetwork } from "./train.ts";
 * const set = syntheticScenes({ scenes: 40 });
 * const m = fitEigenTrajectory(set, { staticDist: 0.35, modes: 4, nInit: 1 });
 * const r = trainNetwork(m, set, set, { epochs: 2, hidden: [8], log: () => {} });
 * console.log(r.history.length, r.bestEpoch >= 1); // 2 true
 * ```
 */
export function trainNetwork(
  model: ETModel,
  train: TrajectorySet,
  val: TrajectorySet,
  opts: TrainNetworkOptions = {},
): { net: ETNetwork; history: EpochRecord[]; bestEpoch: number } {
  checkOptions("trainNetwork", opts, TRAIN_OPTION_KINDS);
  const epochs = opts.epochs ?? 40,
    batch = opts.batchSize ?? 256,
    neighbours = opts.neighbours ?? 4;
  for (const [name, v] of [["epochs", epochs], ["batchSize", batch]] as const) {
    if (!Number.isInteger(v) || v < 1) {
      throw new RangeError(`trainNetwork: ${name} must be a positive integer, got ${v}`);
    }
  }
  const slots = opts.socialSlots ?? 0, relax = opts.relax ?? 0;
  if (!Number.isInteger(slots) || slots < 0) {
    throw new RangeError(`trainNetwork: socialSlots must be an integer ≥ 0, got ${slots}`);
  }
  const dim = opts.socialDim ?? 32, radius = opts.socialRadius ?? 6;
  if (!(radius > 0) || radius === Infinity) {
    throw new RangeError(`trainNetwork: socialRadius must be finite and > 0, got ${radius}`);
  }
  if (!Number.isInteger(dim) || dim < 1) {
    throw new RangeError(`trainNetwork: socialDim must be a positive integer, got ${dim}`);
  }
  const relaxEnd = opts.relaxEnd ?? relax;
  for (const [name, v] of [["relax", relax], ["relaxEnd", relaxEnd]] as const) {
    if (!(v >= 0 && v < 1)) {
      throw new RangeError(`trainNetwork: ${name} must be in [0, 1), got ${v}`);
    }
  }
  const log = opts.log ?? ((l: string) => console.error(l));
  const fitSet = (opts.mirror ?? true) ? concatSets([train, mirrorY(train)]) : train;
  const inputs = { neighbours, speed: opts.speed ?? false, slots, radius };
  const raw = prepare(model, null, fitSet, inputs);
  const net = initNetwork(model, raw.raw, {
    hidden: opts.hidden,
    seed: opts.seed,
    neighbours,
    speed: inputs.speed,
    social: raw.rawNb ? { neighbours: raw.rawNb, dim } : undefined,
  });
  const tr: Prepared = {
    ...raw,
    x: standardize(net, raw.raw),
    nb: raw.rawNb ? scaleNeighbours(net, raw.rawNb) : undefined,
  };
  const va = prepare(model, net, val, inputs);
  const vaFuture = splitHistoryFuture(val).future;
  const stepsPerEpoch = Math.ceil(tr.n / batch);
  const opt = adamw({
    lr: stepDecay({
      lr: opts.lr ?? 1e-3,
      stepSize: Math.max(1, Math.round(epochs / 4)) * stepsPerEpoch,
      gamma: 0.5,
    }),
    weightDecay: opts.weightDecay ?? 1e-4,
  });
  const params = paramsOf(net);
  const state = opt.init(params);
  const rng = new Rng(opts.seed ?? 0);
  type Nb = { data: Tensor; mask: Tensor } | undefined;
  let eps = relax; // this epoch's ε
  const vg = valueAndGrad((p: NetworkParams, x: Tensor, b: LossBatch, nb: Nb) =>
    wtaLoss(model, refineNetwork(p, x, b.anchors, model.modes, model.k, nb), b, { relax: eps })
      .total
  );
  const t0 = performance.now(), history: EpochRecord[] = [];
  let best = { fde: Infinity, epoch: 0, params: cloneParams(params) };
  for (let epoch = 1; epoch <= epochs; epoch++) {
    eps = relax + ((relaxEnd - relax) * (epoch - 1)) / Math.max(1, epochs - 1);
    const perm = rng.permutation(tr.n);
    let lossSum = 0;
    for (let s = 0; s < stepsPerEpoch; s++) {
      const { x, b, nb } = batchOf(model, tr, perm.slice(s * batch, (s + 1) * batch));
      const { value, grad } = vg(params, x, b, nb);
      clipGradNorm_(grad, opts.clip ?? 10);
      opt.step_(params, grad, state);
      lossSum += value.data[0];
    }
    const [valAde, valFde] = validate(model, net, va, vaFuture);
    const seconds = (performance.now() - t0) / 1000;
    history.push({ epoch, loss: lossSum / stepsPerEpoch, valAde, valFde, seconds });
    if (valFde < best.fde) best = { fde: valFde, epoch, params: cloneParams(params) };
    log(
      `epoch ${epoch}/${epochs} loss ${(lossSum / stepsPerEpoch).toFixed(4)} val ADE/FDE ${
        valAde.toFixed(3)
      }/${valFde.toFixed(3)} (${seconds.toFixed(1)} s)`,
    );
    if (opts.timeBudgetSec !== undefined && seconds >= opts.timeBudgetSec) {
      log(`time budget of ${opts.timeBudgetSec} s reached after epoch ${epoch}`);
      break;
    }
  }
  const social = slots > 0 ? { socialRadius: radius } : {};
  return { net: { ...net, ...social, ...best.params }, history, bestEpoch: best.epoch };
}
