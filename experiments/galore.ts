/**
 * Experiment: low-rank optimizers training a char-level Llama on tinyshakespeare (issue 17;
 * spec `compression_optim_attention.md` §5a GaLore, §5b Natural GaLore, §6 OwLore / LISA).
 *
 * Model (`experiments/lib/char_lm.ts`): Llama-style decoder, d = 128, 4 layers, 4 heads, SwiGLU
 * width 512, untied head, f32, context 128, batch 8 windows; 65-character vocabulary. Data:
 * `tinyshakespeare/input.txt`, first 90 % train, last 10 % validation (`readCharCorpus`).
 * `valLoss` is nats per character over a fixed seeded sample of non-overlapping validation
 * windows (`valWindows` × 128 characters, the same for every run); `trainLoss` is the mean
 * training-batch loss of the last 10 steps. `--quick` shrinks everything (d = 32, 2 layers,
 * context 32) so that all five optimizers run in well under a minute.
 *
 * Optimizers (same batches, same initialisation, warm-up 10 % then cosine to 0):
 * - adamw: AdamW, hf convention, ε 1e-6, lr 3e-3 (`--lr`), no weight decay;
 * - galore: GaLore-AdamW, rank r (default 32 = d/4, as 128 for the paper's d = 512), α 0.25,
 *   lr 3e-3/α (so the managed matrices move at AdamW's rate, as the paper's lr 0.01 with
 *   α 0.25), projector refresh T = 50 (the torchrun default; 200 would refresh once in a
 *   200-step run);
 * - natural-galore: the same plus the Fisher preconditioner (s = 20, λ = 1e-3);
 * - lisa / owlore: layerwise sampled GaLore with γ = 2 of 4 blocks re-drawn every K = 25
 *   steps, uniformly (LISA) or ∝ the outlier ratios D_ℓ (OwLore, M = 5, Wanda scores from 4
 *   calibration windows of the training split at initialisation).
 *
 * `deno run -A experiments/galore.ts [--optimizer adamw|galore|natural-galore|lisa|owlore]
 *   [--rank R] [--steps N] [--lr LR] [--quick] [--seed N] [--data DIR] [--out DIR] [--json FILE]`
 *
 * One optimizer: `--json` gets `{ valLoss, trainLoss, optimizerStateBytes, paramBytes, steps,
 * trainSeconds, msPerStep, … }`. Without `--optimizer` all five run, the report (loss curves,
 * validation loss against optimizer memory, the papers' claims held or not) goes to `--out`,
 * and `--json` gets `{ optimizers: { name: {…} }, settings }`.
 *
 * @module
 */
import {
  checkInputDir,
  checkOutputFile,
  CliError,
  COMMON_FLAGS,
  exitWith,
  type FlagValues,
  rejectIdle,
  runCli,
  upFront,
} from "./lib/cli.ts";
import { announceData, sharedData } from "./lib/data_sources.ts";
import { plotSvg } from "./lib/plot.ts";
import { type Check, type Table, writeReport } from "./lib/report.ts";
import {
  charLmConfig,
  evalLoss,
  evalWindowStarts,
  randomWindows,
  trainCharLm,
} from "./lib/char_lm.ts";
import {
  adamw,
  type CharCorpus,
  galoreAdamW,
  initLlama,
  layerwiseGaloreAdamW,
  type LlamaConfig,
  type LlamaParams,
  lowrankOptim,
  naturalGaloreAdamW,
  type Optimizer,
  type OptimizerState,
  optimizerStateBytes,
  readCharCorpus,
  Rng,
  warmupCosine,
} from "../mod.ts";

const OPTIMIZERS = ["adamw", "galore", "natural-galore", "lisa", "owlore"] as const;
type OptName = typeof OPTIMIZERS[number];

/** The per-run record (field names fixed by issue 17). */
interface RunRecord {
  valLoss: number;
  trainLoss: number;
  optimizerStateBytes: number;
  paramBytes: number;
  steps: number;
  trainSeconds: number;
  /** Mean ms per step after the first `warmupSteps` steps (untimed for this: JIT warm-up). */
  msPerStep: number;
  tokensPerSec: number;
  warmupSteps: number;
  valWindows: number;
  valChars: number;
  valCurve: [number, number][];
  trainLosses: number[];
  formulaStateBytes?: number;
  outlierRatios?: number[];
}

interface Settings {
  config: LlamaConfig;
  context: number;
  batch: number;
  steps: number;
  rank: number;
  lr: number;
  scale: number;
  updateProjGap: number;
  gamma: number;
  interval: number;
  valWindows: number;
  seed: number;
}

const CLI = {
  name: "experiments/galore.ts",
  summary: "Low-rank optimizers (AdamW, GaLore, Natural GaLore, LISA, OwLore) training a " +
    "char-level Llama on tinyshakespeare: validation loss against optimizer-state memory. " +
    "Data: DIR/input.txt of --data (default ../shared/data/tinyshakespeare), first 90 % " +
    "train, last 10 % validation; without it the run stops (exit 2).",
  flags: {
    ...COMMON_FLAGS,
    optimizer: { type: "string", choices: OPTIMIZERS, help: "run only this optimizer" },
    rank: { type: "integer", min: 1, help: "GaLore rank [default: 8 quick, 32]" },
    steps: { type: "integer", min: 10, help: "training steps [default: 40 quick, 200]" },
    lr: { type: "number", default: 3e-3, help: "AdamW learning rate, in (0, 1)" },
    data: {
      type: "string",
      default: sharedData("tinyshakespeare"),
      help: "folder holding input.txt",
    },
  },
  json: "one optimizer: { optimizer, valLoss, trainLoss, optimizerStateBytes, paramBytes, " +
    "steps, trainSeconds, msPerStep, tokensPerSec, ... }; all: { optimizers: { name: {...} }, " +
    "settings }",
} as const;

function fail(msg: string): never {
  return exitWith("galore", new CliError(msg));
}

function parseArgs(): {
  flags: FlagValues<typeof CLI.flags>;
  opt?: OptName;
  s: Settings;
  data: string;
} {
  const { values: flags, given } = runCli(CLI);
  const opt = flags.optimizer as OptName | undefined;
  upFront(CLI.name, () => {
    rejectIdle(given, "rank", opt === "adamw", "with --optimizer adamw");
    rejectIdle(given, "out", opt !== undefined, "with --optimizer (one run writes only --json)");
    if (flags.json !== undefined) checkOutputFile("json", flags.json);
    if (opt === undefined) checkOutputFile("out", `${flags.out}/galore.json`);
  });
  const q = flags.quick;
  const lr = flags.lr, steps = flags.steps ?? (q ? 40 : 200), rank = flags.rank ?? (q ? 8 : 32);
  if (!(lr > 0 && lr < 1)) fail(`--lr must be in (0, 1), got ${lr}`);
  const config = q
    ? charLmConfig(65, { hiddenSize: 32, numLayers: 2, numHeads: 2 })
    : charLmConfig(65, { hiddenSize: 128, numLayers: 4, numHeads: 4 });
  if (!Number.isInteger(rank) || rank < 1 || rank > config.hiddenSize) {
    fail(`--rank must be an integer in 1..${config.hiddenSize}, got ${rank}`);
  }
  // The corpus folder last: a flag's own mistake is reported whether or not the data exists.
  upFront(CLI.name, () => checkInputDir("data", flags.data));
  const data = flags.data;
  return {
    flags,
    opt,
    data,
    s: {
      config,
      context: q ? 32 : 128,
      batch: 8,
      steps,
      rank,
      lr,
      scale: 0.25,
      updateProjGap: q ? 10 : 50,
      gamma: q ? 1 : 2,
      interval: q ? 10 : 25,
      valWindows: q ? 32 : 128,
      seed: flags.seed,
    },
  };
}

function schedule(s: Settings, lr: number): (step: number) => number {
  return warmupCosine({
    lr,
    warmupSteps: Math.max(1, Math.round(s.steps / 10)),
    totalSteps: s.steps,
  });
}

/** The GaLore state a run should hold by §5a's formula: (2·max·r + min·r) per managed matrix. */
function formulaBytes(params: LlamaParams, rank: number): number {
  let n = 0;
  for (const [k, p] of Object.entries(params)) {
    const [a, b] = p.shape;
    n += p.ndim === 2 && !/embed|lm_head/.test(k)
      ? 2 * Math.max(a, b) * rank + Math.min(a, b) * rank
      : 2 * p.size;
  }
  return n * 4;
}

function makeOptimizer(
  name: OptName,
  s: Settings,
  params: LlamaParams,
  corpus: CharCorpus,
): {
  optimizer: Optimizer<OptimizerState>;
  trainable?: (k: string, st: OptimizerState) => boolean;
  ratios?: number[];
} {
  const g = {
    rank: s.rank,
    scale: s.scale,
    updateProjGap: s.updateProjGap,
    lr: schedule(s, s.lr / s.scale),
  };
  switch (name) {
    case "adamw":
      return {
        optimizer: adamw({ lr: schedule(s, s.lr), eps: 1e-6, weightDecay: 0, style: "hf" }),
      };
    case "galore":
      return { optimizer: galoreAdamW(g) as Optimizer<OptimizerState> };
    case "natural-galore":
      return {
        optimizer: naturalGaloreAdamW({ ...g, history: 20, damping: 1e-3 }) as Optimizer<
          OptimizerState
        >,
      };
    case "lisa":
    case "owlore": {
      let ratios: number[] | undefined;
      if (name === "owlore") {
        const rng = new Rng(s.seed + 777);
        const calib = Array.from(
          { length: 4 },
          () => randomWindows(corpus.train, 1, s.context, rng).ids,
        );
        ratios = lowrankOptim.llamaOutlierRatios(params, s.config, calib, { m: 5 });
        console.error(
          `[owlore] outlier ratios D = ${ratios.map((d) => d.toFixed(3)).join(", ")} %`,
        );
      }
      const opt = layerwiseGaloreAdamW({
        ...g,
        numBlocks: s.config.numLayers,
        gamma: s.gamma,
        interval: s.interval,
        probabilities: ratios,
        seed: s.seed,
      });
      return {
        optimizer: opt as unknown as Optimizer<OptimizerState>,
        trainable: (k, st) => opt.isTrainable(k, st as never),
        ratios,
      };
    }
  }
}

function runOne(name: OptName, s: Settings, corpus: CharCorpus): RunRecord {
  const params = initLlama(s.config, { seed: s.seed, dtype: "f32" });
  const { optimizer, trainable, ratios } = makeOptimizer(name, s, params, corpus);
  const r = trainCharLm({
    corpus,
    config: s.config,
    params,
    optimizer,
    trainable,
    steps: s.steps,
    batch: s.batch,
    context: s.context,
    seed: s.seed,
    label: name,
  });
  const starts = evalWindowStarts(corpus.val.length, s.context, s.valWindows, 4321);
  const valLoss = evalLoss(params, s.config, corpus.val, starts, s.context, s.batch);
  const last = r.trainLosses.slice(-10);
  const rec: RunRecord = {
    valLoss,
    trainLoss: last.reduce((a, b) => a + b, 0) / last.length,
    optimizerStateBytes: optimizerStateBytes(r.state),
    paramBytes: Object.values(params).reduce((a, p) => a + p.data.byteLength, 0),
    steps: s.steps,
    trainSeconds: r.trainSeconds,
    msPerStep: r.msPerStep,
    tokensPerSec: r.tokensPerSec,
    warmupSteps: r.warmupSteps,
    valWindows: starts.length,
    valChars: starts.length * s.context,
    valCurve: r.valCurve,
    trainLosses: r.trainLosses,
  };
  if (name === "galore" || name === "natural-galore") {
    rec.formulaStateBytes = formulaBytes(params, s.rank);
  }
  if (ratios) rec.outlierRatios = ratios;
  console.error(
    `[${name}] valLoss ${valLoss.toFixed(4)} trainLoss ${
      rec.trainLoss.toFixed(4)
    } state ${rec.optimizerStateBytes} B, ${rec.msPerStep.toFixed(0)} ms/step`,
  );
  return rec;
}

function summaryFields(r: RunRecord): Omit<RunRecord, "trainLosses"> {
  const { trainLosses: _drop, ...rest } = r;
  return rest;
}

function claims(runs: Record<OptName, RunRecord>): { table: Table; checks: Check[] } {
  const a = runs.adamw, g = runs.galore, n = runs["natural-galore"];
  const memCut = 1 - g.optimizerStateBytes / a.optimizerStateBytes;
  const gap = g.valLoss - a.valLoss, ngap = n.valLoss - a.valLoss;
  const rows: (string | number)[][] = [
    [
      "GaLore close to AdamW (paper 60M: 3.56 vs 3.52, gap 0.04)",
      `gap ${gap.toFixed(3)} nats/char`,
      gap <= 0.05 ? "held" : "not held",
    ],
    [
      "GaLore ≈ 65 % less optimizer memory",
      `${(100 * memCut).toFixed(1)} % less`,
      memCut >= 0.6 ? "held" : "not held",
    ],
    [
      "Natural GaLore closes part of the gap",
      `gap ${ngap.toFixed(3)} vs ${gap.toFixed(3)}`,
      gap <= 0
        ? `not testable: GaLore has no gap to close (Natural GaLore ${
          ngap < gap ? "beats" : "trails"
        } GaLore by ${Math.abs(ngap - gap).toFixed(3)})`
        : ngap < gap
        ? "held"
        : "not held",
    ],
    [
      "OwLore beats LISA at equal active blocks",
      `${runs.owlore.valLoss.toFixed(4)} vs ${runs.lisa.valLoss.toFixed(4)}`,
      runs.owlore.valLoss < runs.lisa.valLoss ? "held" : "not held",
    ],
  ];
  const ln65 = Math.log(65);
  const checks: Check[] = OPTIMIZERS.map((k) => ({
    name: `${k} learns`,
    ok: runs[k].valLoss < ln65 - 0.5,
    detail: `val loss ${runs[k].valLoss.toFixed(4)} < ln 65 − 0.5 = ${(ln65 - 0.5).toFixed(4)}`,
  }));
  checks.push({
    name: "GaLore state = §5a formula (measured by optimizerStateBytes)",
    ok: g.optimizerStateBytes === g.formulaStateBytes,
    detail:
      `${g.optimizerStateBytes} B measured, ${g.formulaStateBytes} B by 2·max(m,n)·r + min(m,n)·r (+ 2·size for AdamW-managed)`,
  });
  checks.push({
    name: "GaLore keeps less optimizer state than AdamW",
    ok: g.optimizerStateBytes < a.optimizerStateBytes,
    detail: `${g.optimizerStateBytes} vs ${a.optimizerStateBytes} B`,
  });
  return {
    table: {
      caption: "The papers' claims on this run",
      header: ["claim", "here", "verdict"],
      rows,
    },
    checks,
  };
}

async function main(): Promise<void> {
  const { flags, opt, s, data } = parseArgs();
  let corpus: CharCorpus;
  try {
    corpus = readCharCorpus(`${data}/input.txt`, { valFraction: 0.1 });
  } catch (e) {
    fail(`cannot read the corpus (${(e as Error).message}); pass --data DIR with input.txt`);
  }
  announceData("galore", `${data}/input.txt`);
  console.error(
    `[galore] ${corpus.train.length} train / ${corpus.val.length} val characters, vocab ${corpus.vocab.length}; d ${s.config.hiddenSize}, ${s.config.numLayers} layers, context ${s.context}, batch ${s.batch}, ${s.steps} steps, rank ${s.rank}`,
  );
  if (opt) {
    const rec = runOne(opt, s, corpus);
    if (flags.json) {
      await Deno.writeTextFile(
        flags.json,
        JSON.stringify({ optimizer: opt, ...summaryFields(rec) }, null, 2),
      );
    }
    return;
  }
  const runs = {} as Record<OptName, RunRecord>;
  for (const k of OPTIMIZERS) runs[k] = runOne(k, s, corpus);
  const { table, checks } = claims(runs);
  const memTable: Table = {
    caption:
      `Validation loss (nats/char, ${runs.adamw.valChars} fixed validation characters) against optimizer-state memory`,
    header: [
      "optimizer",
      "val loss",
      "train loss",
      "optimizer state (KiB)",
      "vs AdamW",
      "params (KiB)",
      "ms/step",
      "tokens/s",
    ],
    rows: OPTIMIZERS.map((k) => [
      k,
      runs[k].valLoss.toFixed(4),
      runs[k].trainLoss.toFixed(4),
      (runs[k].optimizerStateBytes / 1024).toFixed(1),
      `${(100 * runs[k].optimizerStateBytes / runs.adamw.optimizerStateBytes).toFixed(1)} %`,
      (runs[k].paramBytes / 1024).toFixed(1),
      runs[k].msPerStep.toFixed(0),
      runs[k].tokensPerSec.toFixed(0),
    ]),
  };
  const smooth = (y: number[]): number[] =>
    y.map((_, i) => {
      const w = y.slice(Math.max(0, i - 9), i + 1);
      return w.reduce((a, b) => a + b, 0) / w.length;
    });
  const result = {
    optimizers: Object.fromEntries(OPTIMIZERS.map((k) => [k, summaryFields(runs[k])])),
    settings: s,
  };
  if (flags.json) await Deno.writeTextFile(flags.json, JSON.stringify(result, null, 2));
  await writeReport(flags.out, {
    name: "galore",
    title: "GaLore, Natural GaLore, LISA and OwLore training a char-level Llama on tinyshakespeare",
    summary:
      `Same model, batches and initialisation for all five optimizers (seed ${s.seed}); d ${s.config.hiddenSize}, ${s.config.numLayers} layers, context ${s.context}, batch ${s.batch}, ${s.steps} steps, rank ${s.rank}, T ${s.updateProjGap}, γ ${s.gamma} of ${s.config.numLayers} blocks every ${s.interval} steps.${
        flags.quick ? " Quick mode: a toy-sized model, so the verdicts say little." : ""
      } Optimizer state is measured by optimizerStateBytes (every typed array the state holds; OwLore/LISA hold state only for blocks sampled so far). ms/step and tokens/s are wall-clock over the steps after the first tenth (at most 20 steps; warm-up: the JIT compiles the step) on a shared machine and depend on its load during each (sequential) run; benches/galore_bench.ts times the optimizer step alone.`,
    tables: [memTable, table],
    figures: [{
      file: "galore_loss.svg",
      caption:
        "Training loss (10-step moving average) and validation loss of the five optimizers at equal steps",
      svg: plotSvg({
        title: "char-level Llama on tinyshakespeare",
        xLabel: "step",
        yLabel: "loss (nats/char)",
        series: OPTIMIZERS.flatMap((k) => [
          {
            name: `${k} train`,
            x: runs[k].trainLosses.map((_, i) => i + 1),
            y: smooth(runs[k].trainLosses),
            mode: "line" as const,
          },
          {
            name: `${k} val`,
            x: runs[k].valCurve.map((p) => p[0]),
            y: runs[k].valCurve.map((p) => p[1]),
            mode: "points" as const,
          },
        ]),
      }),
    }, {
      file: "galore_memory.svg",
      caption: "Validation loss against optimizer-state memory",
      svg: plotSvg({
        title: "loss vs optimizer memory",
        xLabel: "optimizer state (KiB)",
        yLabel: "val loss (nats/char)",
        series: OPTIMIZERS.map((k) => ({
          name: k,
          x: [runs[k].optimizerStateBytes / 1024],
          y: [runs[k].valLoss],
          mode: "points" as const,
        })),
      }),
    }],
    checks,
    data: result,
  });
}

if (import.meta.main) await main();
