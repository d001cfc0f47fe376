/**
 * Training the stand-in point-map regressor: pre-training of all weights on ground truth of
 * other scenes, and LoRA3D's self-calibration — LoRA adapters (Hu et al., ICLR 2022; reused from
 * `methods/adapters/lora.ts`) fitted on one target scene's pseudo-labels with DUSt3R's
 * confidence-aware loss, the base frozen (Lu et al., ICLR 2025; spec
 * `compression_optim_attention.md` §9).
 *
 * @module
 */
import { train } from "../../ops/nn/train.ts";
import { adamw } from "../../ops/optim/adam.ts";
import { cosineDecay } from "../../ops/optim/schedule.ts";
import { Rng } from "../../ops/random.ts";
import { shapeStr, type Tensor, tensor } from "../../ops/tensor.ts";
import { lora, type LoraParams, type LoraState } from "../adapters/lora.ts";
import { checkOptions } from "../../ops/options.ts";
import { positiveIntOption } from "./options.ts";
import { confidenceLoss, type PointMapModel, predictPoints } from "./pointmap_model.ts";

/** Rows to fit: features `x` (`N × K`) and target points `y` (`N × 3`). */
export interface PointMapData {
  /** Features. */
  x: Tensor;
  /** Targets. */
  y: Tensor;
}

/** Options shared by {@link pretrainPointMap} and {@link loraSelfCalibrate}. */
export interface FitOptions {
  /** Optimizer steps (default 500). */
  steps?: number;
  /** Peak AdamW learning rate, decayed to 0 by a cosine over the steps (default 3e-3). */
  lr?: number;
  /** Rows per step, drawn without replacement each step (default: all rows). */
  batch?: number;
  /** Seed of the batch draws and the adapter initialisation (default 0). */
  seed?: number;
  /** α of the confidence-aware loss (default 0.2). */
  confAlpha?: number;
}

/** Options of {@link loraSelfCalibrate}. */
export interface SelfCalibrationOptions extends FitOptions {
  /** LoRA rank r (default 16, the spec §9 default from a third-party summary of the paper). */
  rank?: number;
  /** LoRA α (default r, so s = 1: the spec's α = 16 at the default rank). */
  loraAlpha?: number;
}

const FIT_KINDS = {
  steps: "number",
  lr: "number",
  batch: "number",
  seed: "number",
  confAlpha: "number",
} as const;

function checkData(fn: string, d: PointMapData): number {
  const n = d.x.shape[0];
  if (
    d.x.shape.length !== 2 || d.y.shape.length !== 2 || d.y.shape[0] !== n || d.y.shape[1] !== 3
  ) {
    throw new RangeError(
      `${fn}: x is ${shapeStr(d.x.shape)} and y is ${shapeStr(d.y.shape)}; need N x K and N x 3`,
    );
  }
  if (n === 0) throw new RangeError(`${fn}: no rows to fit`);
  return n;
}

function takeRows(t: Tensor, rows: readonly number[]): Tensor {
  const c = t.shape[1], out = new Float64Array(rows.length * c);
  rows.forEach((r, i) => out.set(t.data.subarray(r * c, (r + 1) * c), i * c));
  return tensor(out, { shape: [rows.length, c] });
}

/** A batch source: all rows, or `batch` rows drawn afresh for every step. */
function batches(
  d: PointMapData,
  n: number,
  batch: number,
  rng: Rng,
): (step: number) => PointMapData {
  if (batch >= n) return () => d;
  return () => {
    const rows = rng.permutation(n).slice(0, batch);
    return { x: takeRows(d.x, rows), y: takeRows(d.y, rows) };
  };
}

interface FitSettings {
  steps: number;
  batch: number;
  lr: number;
  rng: Rng;
  confAlpha: number;
}

function fitSettings(fn: string, o: FitOptions, n: number): FitSettings {
  const steps = positiveIntOption(fn, "steps", o.steps ?? 500);
  const batch = positiveIntOption(fn, "batch", o.batch ?? n);
  const lr = o.lr ?? 3e-3;
  if (!(lr > 0) || !Number.isFinite(lr)) throw new RangeError(`${fn}: lr must be > 0, got ${lr}`);
  return { steps, batch, lr, rng: new Rng(o.seed ?? 0), confAlpha: o.confAlpha ?? 0.2 };
}

/**
 * Pre-trains every weight of `model` (in place) on ground-truth rows; returns the loss per step.
 *
 * @example
 * ```ts
 * import { randn } from "../../ops/random.ts";
 * import { initPointMapModel } from "./pointmap_model.ts";
 * import { pretrainPointMap } from "./pointmap_train.ts";
 * const m = initPointMapModel({ features: 3, hidden: [8] });
 * const x = randn([16, 3], { seed: 1 }), y = randn([16, 3], { seed: 2 });
 * const losses = pretrainPointMap(m, { x, y }, { steps: 20, lr: 1e-2 });
 * console.log(losses.length, losses[19] < losses[0]); // 20 true
 * ```
 */
export function pretrainPointMap(
  model: PointMapModel,
  data: PointMapData,
  opts: FitOptions = {},
): number[] {
  const fn = "pretrainPointMap";
  checkOptions(fn, opts, FIT_KINDS);
  const n = checkData(fn, data);
  const s = fitSettings(fn, opts, n);
  const next = batches(data, n, s.batch, s.rng);
  const r = train({
    params: model,
    loss: (p: PointMapModel, step: number) => {
      const b = next(step);
      return confidenceLoss(predictPoints(p, b.x), b.y, s.confAlpha);
    },
    optimizer: adamw({ lr: cosineDecay({ lr: s.lr, totalSteps: s.steps }), weightDecay: 0 }),
    steps: s.steps,
    progress: false,
  });
  return r.losses;
}

/** What {@link loraSelfCalibrate} returns. */
export interface SelfCalibrationResult {
  /** One LoRA adapter per linear layer of the model. */
  adapters: LoraState[];
  /** Loss per step. */
  losses: number[];
  /** Trainable scalars of all adapters: `Σ r (in + out)`. */
  paramCount: number;
}

/**
 * LoRA3D self-calibration: one LoRA (B = 0 at the start, so the adapted model starts equal to
 * the base) per linear layer, fitted on pseudo-labelled rows; the base weights stay frozen.
 *
 * @example
 * ```ts
 * import { randn } from "../../ops/random.ts";
 * import { initPointMapModel } from "./pointmap_model.ts";
 * import { loraSelfCalibrate } from "./pointmap_train.ts";
 * const m = initPointMapModel({ features: 3, hidden: [8] });
 * const x = randn([16, 3], { seed: 1 }), y = randn([16, 3], { seed: 2 });
 * const r = loraSelfCalibrate(m, { x, y }, { steps: 20, rank: 2, lr: 1e-2 });
 * console.log(r.adapters.length, r.paramCount); // 2 46
 * ```
 */
export function loraSelfCalibrate(
  model: PointMapModel,
  data: PointMapData,
  opts: SelfCalibrationOptions = {},
): SelfCalibrationResult {
  const fn = "loraSelfCalibrate";
  checkOptions(fn, opts, { ...FIT_KINDS, rank: "number", loraAlpha: "number" });
  const n = checkData(fn, data);
  const s = fitSettings(fn, opts, n);
  const r = positiveIntOption(fn, "rank", opts.rank ?? 16);
  const alpha = opts.loraAlpha ?? r;
  const init = model.mlp.layers.map((l) => lora.init(l.weight, { r, alpha }, s.rng));
  const params = { layers: init.map((st) => st.params) };
  const next = batches(data, n, s.batch, s.rng);
  const states = (p: { layers: LoraParams[] }): LoraState[] =>
    init.map((st, j) => ({ ...st, params: p.layers[j] }));
  const res = train({
    params,
    loss: (p: { layers: LoraParams[] }, step: number) => {
      const b = next(step);
      return confidenceLoss(predictPoints(model, b.x, states(p)), b.y, s.confAlpha);
    },
    optimizer: adamw({ lr: cosineDecay({ lr: s.lr, totalSteps: s.steps }), weightDecay: 0 }),
    steps: s.steps,
    progress: false,
  });
  const adapters = states(params);
  return {
    adapters,
    losses: res.losses,
    paramCount: adapters.reduce((c, a) => c + lora.paramCount(a), 0),
  };
}
