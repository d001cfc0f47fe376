/**
 * The character-level language model shared by the optimizer and compression experiments: a
 * small Llama-style decoder (`initLlama` / `llamaLoss`) trained on a character corpus (for
 * example `readCharCorpus("../shared/data/tinyshakespeare/input.txt")`), with seeded random
 * training windows, a fixed validation sample, and progress (step, loss, tokens/s, ETA) on
 * stderr.
 *
 * @module
 */
import {
  type CharCorpus,
  initLlama,
  type LlamaConfig,
  llamaLoss,
  type LlamaParams,
  type Optimizer,
  type OptimizerState,
  Rng,
  type Tensor,
  valueAndGrad,
  zeros,
} from "../../mod.ts";
import { warmupSteps } from "./timing.ts";

/** Integer token windows in the `[B, T]` layout the Llama functions accept. */
export interface TokenBatch {
  /** `[B, T]` input ids. */
  ids: { shape: number[]; data: Int32Array };
  /** `[B, T]` next-character targets (the inputs shifted by one). */
  targets: { shape: number[]; data: Int32Array };
}

/**
 * The decoder used by the experiments: d = 128, 4 layers, 4 heads, SwiGLU width 4d, untied
 * head, for a vocabulary of `vocabSize` characters (65 for tinyshakespeare).
 *
 * @example
 * ```ts
 * import { charLmConfig } from "./char_lm.ts";
 * console.log(charLmConfig(65).hiddenSize); // 128
 * ```
 */
export function charLmConfig(
  vocabSize: number,
  o: { hiddenSize?: number; numLayers?: number; numHeads?: number } = {},
): LlamaConfig {
  const d = o.hiddenSize ?? 128;
  return {
    vocabSize,
    hiddenSize: d,
    intermediateSize: 4 * d,
    numLayers: o.numLayers ?? 4,
    numHeads: o.numHeads ?? 4,
  };
}

/**
 * `batch` windows of `context` characters at seeded random starts in `ids`, with targets
 * shifted by one.
 *
 * @example
 * ```ts
 * import { Rng } from "../../mod.ts";
 * import { randomWindows } from "./char_lm.ts";
 * const b = randomWindows(new Int32Array([0, 1, 2, 3, 4, 5]), 2, 3, new Rng(0));
 * console.log(b.ids.shape, b.targets.data[0] - b.ids.data[0]); // [2, 3] 1
 * ```
 */
export function randomWindows(
  ids: Int32Array,
  batch: number,
  context: number,
  rng: Rng,
): TokenBatch {
  const span = ids.length - context - 1;
  if (span < 0) {
    throw new RangeError(`randomWindows: ${ids.length} ids cannot hold a window of ${context} + 1`);
  }
  const starts = Array.from({ length: batch }, () => rng.int(span + 1));
  return windowsAt(ids, starts, context);
}

function windowsAt(ids: Int32Array, starts: number[], context: number): TokenBatch {
  const x = new Int32Array(starts.length * context), y = new Int32Array(starts.length * context);
  starts.forEach((s, b) => {
    x.set(ids.subarray(s, s + context), b * context);
    y.set(ids.subarray(s + 1, s + context + 1), b * context);
  });
  const shape = [starts.length, context];
  return { ids: { shape, data: x }, targets: { shape, data: y } };
}

/**
 * Starts of `count` non-overlapping `context`-windows of `ids` chosen by a fixed seed (all of
 * them when `count` is at least their number), sorted: the validation sample, identical for
 * every run that uses the same `count`, `context` and `seed`.
 *
 * @example
 * ```ts
 * import { evalWindowStarts } from "./char_lm.ts";
 * console.log(evalWindowStarts(11, 5, 10, 0)); // [0, 5]
 * ```
 */
export function evalWindowStarts(
  length: number,
  context: number,
  count: number,
  seed: number,
): number[] {
  const total = Math.floor((length - 1) / context);
  if (total < 1) {
    throw new RangeError(`evalWindowStarts: ${length} ids hold no window of ${context}`);
  }
  const pick = count >= total ? [...Array(total).keys()] : new Rng(seed).choice(total, count);
  return pick.sort((a, b) => a - b).map((k) => k * context);
}

/**
 * Mean next-character cross-entropy (nats per character) of the model over the windows at
 * `starts` of `ids`, evaluated `batch` windows at a time (no gradient). `lossOf` replaces
 * `llamaLoss` (e.g. a compressed model's forward); it must return the batch-mean loss.
 *
 * @example
 * ```ts
 * import { initLlama } from "../../mod.ts";
 * import { charLmConfig, evalLoss } from "./char_lm.ts";
 * const cfg = charLmConfig(5, { hiddenSize: 8, numLayers: 1, numHeads: 2 });
 * const ids = new Int32Array(40).map((_, i) => i % 5);
 * console.log(Math.abs(evalLoss(initLlama(cfg), cfg, ids, [0, 10], 8, 2) - Math.log(5)) < 0.1); // true
 * ```
 */
export function evalLoss(
  params: LlamaParams,
  config: LlamaConfig,
  ids: Int32Array,
  starts: number[],
  context: number,
  batch: number,
  lossOf?: (params: LlamaParams, batch: TokenBatch) => Tensor,
): number {
  let sum = 0;
  for (let i = 0; i < starts.length; i += batch) {
    const chunk = starts.slice(i, i + batch);
    const b = windowsAt(ids, chunk, context);
    const loss = lossOf ? lossOf(params, b) : llamaLoss(params, b.ids, b.targets, config);
    sum += loss.data[0] * chunk.length;
  }
  return sum / starts.length;
}

/** Options of {@link trainCharLm}. */
export interface CharLmTrainOptions<S extends OptimizerState> {
  /** The corpus (train and val ids). */
  corpus: Pick<CharCorpus, "train" | "val">;
  /** Model shape. */
  config: LlamaConfig;
  /** Parameters, trained in place (default: `initLlama(config, { seed })` in f32). */
  params?: LlamaParams;
  /** The optimizer. */
  optimizer: Optimizer<S>;
  /** Training steps. */
  steps: number;
  /** Windows per step. */
  batch: number;
  /** Characters per window. */
  context: number;
  /** Seed of the initialisation and the training windows. */
  seed: number;
  /** Validation windows scored at each evaluation (default 32). */
  evalWindows?: number;
  /** Evaluate every this many steps and after the last one (default: steps / 8). */
  evalEvery?: number;
  /**
   * Which parameters get a gradient at the next step (default all); the others are constants
   * of the loss and receive zero gradients (a layerwise sampler's frozen blocks).
   */
  trainable?: (path: string, state: S) => boolean;
  /** The loss of a batch (default `llamaLoss`), e.g. a compressed model's forward. */
  loss?: (params: LlamaParams, batch: TokenBatch) => Tensor;
  /**
   * The validation loss of a batch (default `llamaLoss`): set it when `loss` is not the
   * model's cross-entropy (a distillation objective) or the model is not a plain Llama.
   */
  valLoss?: (params: LlamaParams, batch: TokenBatch) => Tensor;
  /** Called after every update (e.g. a projection step of a compression method). */
  afterStep?: (step: number, params: LlamaParams) => void;
  /** Prefix of the progress lines (default "train"). */
  label?: string;
}

/** What {@link trainCharLm} returns. */
export interface CharLmTrainResult<S> {
  /** The parameters after training. */
  params: LlamaParams;
  /** The optimizer state after training. */
  state: S;
  /** Training loss of every step (nats per character, the step's batch before its update). */
  trainLosses: number[];
  /** Validation loss at the evaluation points: `[step, loss]`. */
  valCurve: [number, number][];
  /** Seconds spent in training steps (evaluations excluded). */
  trainSeconds: number;
  /**
   * Training characters per second over the steps after the warm-up (`warmupSteps`), so that
   * optimizers compare on warm steps (issue 13).
   */
  tokensPerSec: number;
  /** Mean milliseconds per training step after the warm-up. */
  msPerStep: number;
  /** First steps left out of `msPerStep` and `tokensPerSec` (the JIT compiles the step). */
  warmupSteps: number;
}

function zeroLike(cache: Map<string, Tensor>, path: string, p: Tensor): Tensor {
  let z = cache.get(path);
  if (z === undefined) cache.set(path, z = zeros(p.shape, { dtype: p.dtype }));
  return z;
}

function fmtEta(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/**
 * Trains the decoder on seeded random windows of the training ids, scoring a fixed
 * validation sample (seed 1234, independent of `seed`) every `evalEvery` steps; prints step,
 * loss, tokens/s and ETA to stderr.
 *
 * @example
 * ```ts
 * import { adamw } from "../../mod.ts";
 * import { charLmConfig, trainCharLm } from "./char_lm.ts";
 * const ids = new Int32Array(200).map((_, i) => i % 4);
 * const config = charLmConfig(4, { hiddenSize: 8, numLayers: 1, numHeads: 2 });
 * const r = trainCharLm({
 *   corpus: { train: ids, val: ids }, config, optimizer: adamw({ lr: 0.02 }),
 *   steps: 20, batch: 4, context: 8, seed: 0, label: "demo",
 * });
 * console.log(r.trainLosses.length, r.valCurve.at(-1)![1] < Math.log(4)); // 20 true
 * ```
 */
export function trainCharLm<S extends OptimizerState>(
  o: CharLmTrainOptions<S>,
): CharLmTrainResult<S> {
  const params = o.params ?? initLlama(o.config, { seed: o.seed, dtype: "f32" });
  const state = o.optimizer.init(params);
  const rng = new Rng(o.seed);
  const lossOf = o.loss ?? ((p, b) => llamaLoss(p, b.ids, b.targets, o.config));
  const vg = valueAndGrad((active: LlamaParams, frozen: LlamaParams, b: TokenBatch) =>
    lossOf({ ...active, ...frozen }, b)
  );
  const starts = evalWindowStarts(o.corpus.val.length, o.context, o.evalWindows ?? 32, 1234);
  const evalEvery = o.evalEvery ?? Math.max(1, Math.round(o.steps / 8));
  const label = o.label ?? "train";
  const zerosCache = new Map<string, Tensor>();
  const trainLosses: number[] = [], valCurve: [number, number][] = [];
  const evaluate = (step: number): void => {
    const v = evalLoss(params, o.config, o.corpus.val, starts, o.context, o.batch, o.valLoss);
    valCurve.push([step, v]);
    console.error(`[${label}] step ${step} val loss ${v.toFixed(4)}`);
  };
  let trainMs = 0, warmMs = 0;
  const warm = warmupSteps(o.steps);
  const logEvery = Math.max(1, Math.round(o.steps / 20));
  for (let step = 0; step < o.steps; step++) {
    const t0 = performance.now();
    const batch = randomWindows(o.corpus.train, o.batch, o.context, rng);
    const active: LlamaParams = {}, frozen: LlamaParams = {};
    for (const [k, p] of Object.entries(params)) {
      if (!o.trainable || o.trainable(k, state)) active[k] = p;
      else frozen[k] = p;
    }
    const { value, grad } = vg(active, frozen, batch);
    const loss = value.data[0];
    if (!Number.isFinite(loss)) throw new RangeError(`${label}: loss is ${loss} at step ${step}`);
    const grads: LlamaParams = {};
    for (const [k, p] of Object.entries(params)) {
      grads[k] = (grad as LlamaParams)[k] ?? zeroLike(zerosCache, k, p);
    }
    o.optimizer.step_(params, grads, state);
    o.afterStep?.(step, params);
    const ms = performance.now() - t0;
    trainMs += ms;
    if (step >= warm) warmMs += ms;
    trainLosses.push(loss);
    if ((step + 1) % logEvery === 0 || step === o.steps - 1) {
      const rate = ((step + 1) * o.batch * o.context) / (trainMs / 1000);
      const eta = (trainMs / (step + 1)) * (o.steps - step - 1) / 1000;
      console.error(
        `[${label}] step ${step + 1}/${o.steps} loss ${loss.toFixed(4)} ${
          rate.toFixed(0)
        } tok/s ETA ${fmtEta(eta)}`,
      );
    }
    if ((step + 1) % evalEvery === 0 && step !== o.steps - 1) evaluate(step + 1);
  }
  evaluate(o.steps);
  const trainSeconds = trainMs / 1000;
  const msPerStep = warmMs / (o.steps - warm);
  return {
    params,
    state,
    trainLosses,
    valCurve,
    trainSeconds,
    tokensPerSec: (o.batch * o.context) / Math.max(msPerStep / 1000, 1e-12),
    msPerStep,
    warmupSteps: warm,
  };
}
