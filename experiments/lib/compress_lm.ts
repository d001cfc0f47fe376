/**
 * Pieces shared by the char-Llama compression experiments (`compress_dsformer.ts`,
 * `compress_bipft.ts`): the optimizer of every run, the dense model they start from, and the
 * validation-curve figure.
 *
 * @module
 */
import {
  type AdamState,
  adamw,
  type CharCorpus,
  type LlamaConfig,
  type LlamaParams,
  type Optimizer,
  warmupCosine,
} from "../../mod.ts";
import { charLmConfig, trainCharLm } from "./char_lm.ts";
import { plotSvg } from "./plot.ts";
import { charCorpusFor, type CompressRunOptions } from "./compress_cli.ts";
import type { Figure } from "./report.ts";

/**
 * AdamW (hf convention, ε 1e-6, no weight decay) with 10 % warm-up (at least one step) and a
 * cosine decay to 0 over `steps`.
 *
 * @example
 * ```ts
 * import { runAdamw } from "./compress_lm.ts";
 * console.log(typeof runAdamw(1e-3, 2).step_); // function
 * ```
 */
export function runAdamw(lr: number, steps: number): Optimizer<AdamState> {
  const warmupSteps = Math.max(1, Math.round(steps / 10));
  return adamw({
    lr: warmupCosine({ lr, warmupSteps, totalSteps: steps }),
    eps: 1e-6,
    weightDecay: 0,
    style: "hf",
  });
}

/** The model and dense-training settings both experiments share (`--quick` picks the small ones). */
export interface LmSettings {
  /** The char Llama: d = 32, 2 layers quick; d = 128, 4 layers, 4 heads full. */
  config: LlamaConfig;
  /** Characters per window. */
  context: number;
  /** Windows per step. */
  batch: number;
  /** Steps of the dense (full-precision) model. */
  denseSteps: number;
  /** Peak learning rate of the dense model. */
  lr: number;
  /** Validation windows of the final scores. */
  valWindows: number;
  /** Seed of the initialisation and the batches. */
  seed: number;
}

/**
 * The shared settings for a vocabulary of `vocab` characters.
 *
 * @example
 * ```ts
 * import { lmSettings } from "./compress_lm.ts";
 * console.log(lmSettings(true, 0, 65).config.hiddenSize); // 32
 * ```
 */
export function lmSettings(quick: boolean, seed: number, vocab: number): LmSettings {
  return {
    config: quick
      ? charLmConfig(vocab, { hiddenSize: 32, numLayers: 2, numHeads: 2 })
      : charLmConfig(vocab, { hiddenSize: 128, numLayers: 4, numHeads: 4 }),
    context: quick ? 32 : 64,
    batch: 8,
    denseSteps: 600,
    lr: quick ? 5e-3 : 3e-3,
    valWindows: quick ? 48 : 128,
    seed,
  };
}

/**
 * The corpus (see `charCorpusFor`) and the settings of a run: `make(vocab)` with `overrides`
 * applied; prints the data and sizes to stderr under `label`.
 *
 * @example
 * ```ts ignore
 * const { corpus, s } = prepareRun({ quick: true, seed: 0 }, (v) => lmSettings(true, 0, v), {}, "demo", "");
 * ```
 */
export function prepareRun<S extends LmSettings>(
  o: CompressRunOptions,
  make: (vocab: number) => S,
  overrides: Partial<S>,
  label: string,
  budget: (s: S) => string,
): { corpus: CharCorpus; source: string; s: S } {
  const { corpus, source } = charCorpusFor(o.data, o.seed);
  const s = { ...make(corpus.vocab.length), ...overrides };
  console.error(
    `[${label}] ${source}: ${corpus.train.length} train / ${corpus.val.length} val chars; d ${s.config.hiddenSize}, ${s.config.numLayers} layers, context ${s.context}, ${
      budget(s)
    }`,
  );
  return { corpus, source, s };
}

/**
 * Trains the full-precision char Llama that the compressed models start from (f32).
 *
 * @example
 * ```ts ignore
 * const params = trainDense(corpus, lmSettings(true, 0, corpus.vocab.length), "dense");
 * ```
 */
export function trainDense(
  corpus: Pick<CharCorpus, "train" | "val">,
  r: LmSettings,
  label: string,
): LlamaParams {
  return trainCharLm({
    corpus,
    config: r.config,
    optimizer: runAdamw(r.lr, r.denseSteps),
    steps: r.denseSteps,
    batch: r.batch,
    context: r.context,
    seed: r.seed,
    label,
  }).params;
}

/**
 * A figure of validation-loss curves (`[step, loss]` points) by name.
 *
 * @example
 * ```ts
 * import { curveFigure } from "./compress_lm.ts";
 * const f = curveFigure("demo.svg", "caption", "title", { a: [[0, 2], [10, 1]] });
 * console.log(f.file, f.svg.startsWith("<svg")); // demo.svg true
 * ```
 */
export function curveFigure(
  file: string,
  caption: string,
  title: string,
  curves: Record<string, [number, number][]>,
): Figure {
  const series = Object.entries(curves).map(([name, c]) => ({
    name,
    x: c.map((p) => p[0]),
    y: c.map((p) => p[1]),
    mode: "both" as const,
  }));
  return {
    file,
    caption,
    svg: plotSvg({ title, xLabel: "step", yLabel: "val loss (nats/char)", series }),
  };
}

/**
 * The verdict on a claim that `ours` (a loss) beats `other`: differences under `resolution`
 * nats (default 0.01, about what one seed of these small runs resolves) are called a tie.
 *
 * @example
 * ```ts
 * import { lossVerdict } from "./compress_lm.ts";
 * console.log(lossVerdict(2.1, 2.2), lossVerdict(2.2, 2.201)); // held (by 0.1000 nats) tie (|Δ| = 0.0010 nats < 0.01)
 * ```
 */
export function lossVerdict(ours: number, other: number, resolution = 0.01): string {
  const d = other - ours;
  if (Math.abs(d) < resolution) {
    return `tie (|Δ| = ${Math.abs(d).toFixed(4)} nats < ${resolution})`;
  }
  return d > 0 ? `held (by ${d.toFixed(4)} nats)` : `did not hold (${(-d).toFixed(4)} nats worse)`;
}
