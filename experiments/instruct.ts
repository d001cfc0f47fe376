/**
 * Experiment: LoRA instruction tuning, the BioInstruct recipe at toy scale (Tran et al., JAMIA
 * 2024; spec `specs/compression_optim_attention.md` §11 and `specs/adapters.md` §1, §3), on
 * tasks that measure generalisation, not recall (issue 14).
 *
 * 1. Data: `clinicalInstructTasks` — dose extraction, g ↔ mg conversion, heart-rate
 *    classification — over disjoint seeded number pools: every test input is fresh and no test
 *    answer of extraction/conversion occurs in any training example or pretraining sentence.
 *    Written as Alpaca JSON (`instruct_train.json`, `instruct_test.json`) into `--out`.
 * 2. Vocabulary from the training side only (training prompts, answers and corpus).
 * 3. Base model: the tiny Llama decoder pretrained (all weights, next-token loss) on plain
 *    sentences stating the *training* facts, no instruction wording.
 * 4. LoRA through `adapters.getPeftModel` (r = 4, α = 8, dropout 0.05 on q_proj and v_proj),
 *    the base frozen, loss on response tokens only, AdamW with warm-up and cosine decay; and,
 *    for comparison, full fine-tuning of every weight on the same data and schedule.
 * 5. Evaluation on the held-out split: greedy generation that stops at EOS or after a fixed
 *    budget of tokens (not the reference's length), exact match (the answer must also end with
 *    EOS), and teacher-forced response-token accuracy; base vs LoRA vs full fine-tuning.
 * 6. Checks: the loss falls, LoRA beats the base on held-out exact match and token accuracy,
 *    the trainable count is LoRA's, and the adapter saved as PEFT files round-trips and, merged
 *    (`mergeAndUnload`), gives the hook's logits to f32 round-off.
 *
 * `deno run -A experiments/instruct.ts [--quick] [--seed N] [--out DIR] [--json FILE]
 *   [--targets q_proj,v_proj] [--template compact|alpaca] [--train-on-inputs]
 *   [--pretrain-steps N] [--steps N] [--lr X]`
 *
 * @module
 */
import { checkOutputFile, COMMON_FLAGS, runCli, upFront } from "./lib/cli.ts";
import { announceData } from "./lib/data_sources.ts";
import { plotSvg } from "./lib/plot.ts";
import { type Check, writeReport } from "./lib/report.ts";
import {
  adamw,
  adapters,
  initLlama,
  type LinearHook,
  type LlamaConfig,
  llamaForward,
  llamaGenerate,
  llamaLoss,
  type LlamaParams,
  Rng,
  type Tensor,
  train,
  warmupCosine,
} from "../mod.ts";

type BioExample = adapters.BioExample;
type EncodedExample = adapters.EncodedExample;
type PromptTemplate = adapters.PromptTemplate;
type Tokenizer = adapters.Tokenizer;
const { BOS_ID, EOS_ID, decode, encode, encodeExample, formatPrompt, makeBatch } = adapters;

const CLI = {
  name: "experiments/instruct.ts",
  summary: "LoRA instruction tuning, the BioInstruct recipe at toy scale: a tiny Llama " +
    "pretrained on the training facts, LoRA vs full fine-tuning vs the base on held-out " +
    "instructions (exact match, token accuracy). Data: generated clinical instruction tasks " +
    "(seeded), written as Alpaca JSON into --out; no files read.",
  flags: {
    ...COMMON_FLAGS,
    targets: { type: "list", default: ["q_proj", "v_proj"], help: "LoRA target modules" },
    template: {
      type: "string",
      default: "compact",
      choices: ["compact", "alpaca"],
      help: "prompt template",
    },
    "train-on-inputs": { type: "boolean", help: "also train on the prompt tokens" },
    "pretrain-steps": { type: "integer", min: 1, help: "base pretraining steps [600 quick, 2000]" },
    steps: { type: "integer", min: 1, help: "fine-tuning steps [400 quick, 1500]" },
    lr: { type: "number", min: 0, default: 2e-2, help: "LoRA learning rate" },
    "full-lr": { type: "number", min: 0, default: 3e-3, help: "full fine-tuning learning rate" },
  },
  json: '{ "before", "after", "full": { exactMatch, tokenAccuracy, ... }, "losses", ' +
    '"fullLosses" }',
} as const;
const flags = runCli(CLI).values;
upFront(CLI.name, () => {
  if (flags.json !== undefined) checkOutputFile("json", flags.json);
  checkOutputFile("out", `${flags.out}/instruct.json`);
});
const QUICK = flags.quick;
const TEMPLATE = flags.template as PromptTemplate;
const TARGETS = flags.targets;
const TRAIN_ON_INPUTS = flags["train-on-inputs"];
const PRE_STEPS = flags["pretrain-steps"] ?? (QUICK ? 600 : 2000);
const TUNE_STEPS = flags.steps ?? (QUICK ? 400 : 1500);
const LR = flags.lr;
const FULL_LR = flags["full-lr"];
const BATCH = 16, R = 4, ALPHA = 8, DROPOUT = 0.05;
/** Generation budget: fixed, not the reference's length (answers have at most 7 tokens). */
const MAX_NEW = 12;
const CFG: LlamaConfig = {
  vocabSize: 0,
  hiddenSize: 64,
  intermediateSize: 128,
  numLayers: 2,
  numHeads: 4,
};

function log(msg: string): void {
  console.error(`[instruct] ${msg}`);
}

function toIds(seqs: number[][]): { shape: number[]; data: Int32Array } {
  const t = Math.max(...seqs.map((s) => s.length));
  const data = new Int32Array(seqs.length * t);
  seqs.forEach((s, r) => data.set(s, r * t));
  return { shape: [seqs.length, t], data };
}

/** Pretrains every weight on the plain corpus: `<s> sentence </s>`, padded, pads ignored. */
function pretrain(
  p: LlamaParams,
  corpus: string[],
  tok: Tokenizer,
  cfg: LlamaConfig,
  rng: Rng,
): number[] {
  const seqs = corpus.map((s) => [BOS_ID, ...encode(tok, s, { strict: true }), EOS_ID]);
  const encoded: EncodedExample[] = seqs.map((ids) => ({ ids, labels: ids, promptLength: 1 }));
  const lr = warmupCosine({ lr: 3e-3, warmupSteps: 20, totalSteps: PRE_STEPS });
  const r = train({
    params: p,
    loss: (q) => {
      const b = makeBatch(rng.choice(encoded.length, BATCH).map((i) => encoded[i]));
      return llamaLoss(q, b.ids, b.targets, cfg);
    },
    optimizer: adamw({ lr, weightDecay: 0.01 }),
    steps: PRE_STEPS,
    label: "pretrain",
  });
  return r.losses;
}

type Model = adapters.PeftModel<LlamaParams>;

/** LoRA tuning of the model's active adapter (base frozen), dropout through the Llama hook. */
function tune(model: Model, trainSet: EncodedExample[], cfg: LlamaConfig, rng: Rng): number[] {
  const lr = warmupCosine({
    lr: LR,
    warmupSteps: Math.round(0.1 * TUNE_STEPS),
    totalSteps: TUNE_STEPS,
  });
  const r = train({
    params: model.trainableParameters(),
    loss: (q: Record<string, Tensor>) => {
      const b = makeBatch(
        rng.choice(trainSet.length, BATCH, { replace: false }).map((i) => trainSet[i]),
      );
      return llamaLoss(model.base, b.ids, b.targets, cfg, {
        linear: model.linearHook({ rng, params: q }),
      });
    },
    optimizer: adamw({ lr, weightDecay: 0 }),
    steps: TUNE_STEPS,
    label: "lora",
  });
  return r.losses;
}

/** Full fine-tuning of every weight on the same data and schedule (a copy of the base). */
function fullTune(base: LlamaParams, trainSet: EncodedExample[], cfg: LlamaConfig, rng: Rng): {
  params: LlamaParams;
  losses: number[];
} {
  const params = Object.fromEntries(
    Object.entries(base).map(([k, t]) => [k, t.clone()]),
  ) as LlamaParams;
  const lr = warmupCosine({
    lr: FULL_LR,
    warmupSteps: Math.round(0.1 * TUNE_STEPS),
    totalSteps: TUNE_STEPS,
  });
  const r = train({
    params,
    loss: (q) => {
      const b = makeBatch(
        rng.choice(trainSet.length, BATCH, { replace: false }).map((i) => trainSet[i]),
      );
      return llamaLoss(q, b.ids, b.targets, cfg);
    },
    optimizer: adamw({ lr, weightDecay: 0 }),
    steps: TUNE_STEPS,
    label: "full",
  });
  return { params, losses: r.losses };
}

interface Eval {
  exactMatch: number;
  /** Exact match per task family. */
  byTask: Record<string, number>;
  tokenAccuracy: number;
  answers: string[];
}

/**
 * Greedy answers that stop at EOS or after `MAX_NEW` tokens (exact match needs both the text
 * and the stop) and teacher-forced next-token accuracy on response tokens. Test text is encoded
 * with the training vocabulary (unknown pieces would become UNK).
 */
function evaluate(
  p: LlamaParams,
  tok: Tokenizer,
  data: BioExample[],
  cfg: LlamaConfig,
  hook?: LinearHook,
): Eval {
  const answers: string[] = [];
  const tally: Record<string, [number, number]> = {};
  let em = 0, hit = 0, count = 0;
  for (const ex of data) {
    const tt = tally[ex.task] ??= [0, 0];
    tt[1]++;
    const prompt = [BOS_ID, ...encode(tok, formatPrompt(ex, TEMPLATE))];
    const gen = llamaGenerate(p, prompt, cfg, {
      maxNewTokens: MAX_NEW,
      stopToken: EOS_ID,
      linear: hook,
    });
    const ans = decode(tok, gen);
    answers.push(ans);
    if (gen[gen.length - 1] === EOS_ID && adapters.exactMatch(ans, ex.output)) {
      em++;
      tt[0]++;
    }
    const e = encodeExample(tok, ex, { template: TEMPLATE });
    const logits = llamaForward(p, e.ids.slice(0, -1), cfg, { linear: hook }).data;
    const v = cfg.vocabSize;
    for (let t = e.promptLength - 1; t < e.ids.length - 1; t++) {
      let best = 0;
      for (let j = 1; j < v; j++) if (logits[t * v + j] > logits[t * v + best]) best = j;
      if (best === e.ids[t + 1]) hit++;
      count++;
    }
  }
  const byTask: Record<string, number> = {};
  for (const [k, [h, n]] of Object.entries(tally)) byTask[k] = h / n;
  return { exactMatch: em / data.length, byTask, tokenAccuracy: hit / count, answers };
}

/** Saves the adapter as PEFT files, reads them back, merges, and compares with the hook. */
async function peftRoundTrip(
  model: Model,
  tok: Tokenizer,
  test: BioExample[],
  cfg: LlamaConfig,
): Promise<Check[]> {
  const dir = `${flags.out}/instruct_adapter`;
  await Deno.mkdir(dir, { recursive: true });
  const files = model.save();
  await Deno.writeTextFile(`${dir}/adapter_config.json`, files.config);
  await Deno.writeFile(`${dir}/adapter_model.safetensors`, files.weights);
  model.loadAdapter(
    await Deno.readTextFile(`${dir}/adapter_config.json`),
    await Deno.readFile(`${dir}/adapter_model.safetensors`),
    "reloaded",
  );
  const mine = model.trainableParameters();
  model.setAdapter("reloaded");
  const read = model.trainableParameters();
  const same = Object.keys(mine).length === Object.keys(read).length &&
    Object.entries(mine).every(([k, t]) => read[k]?.data.every((x, i) => x === t.data[i]));
  const ids = toIds(test.slice(0, 8).map((e) => encodeExample(tok, e, { template: TEMPLATE }).ids));
  const viaHook = llamaForward(model.base, ids, cfg, { linear: model.linearHook() }).data;
  const viaMerge = llamaForward(model.mergeAndUnload(), ids, cfg).data;
  model.setAdapter("default");
  let diff = 0, scale = 0;
  for (let i = 0; i < viaHook.length; i++) {
    diff = Math.max(diff, Math.abs(viaHook[i] - viaMerge[i]));
    scale = Math.max(scale, Math.abs(viaHook[i]));
  }
  // f32 round-off: one rounding of W₀ + ΔW per weight, then dot products of length ≤ the MLP
  // width through every layer; bound the relative logit change by L·(d + d_ff)·u, u = 2⁻²⁴.
  const tol = cfg.numLayers * (cfg.hiddenSize + cfg.intermediateSize) * 2 ** -24;
  const rel = diff / scale;
  return [
    {
      name: "PEFT files round-trip",
      ok: same,
      detail: `${Object.keys(read).length} tensors read back from ${dir}: bit-identical`,
    },
    {
      name: "merged weights (mergeAndUnload) = base + adapter through the hook",
      ok: rel <= tol,
      detail: `max |Δlogit| / max |logit| = ${rel.toExponential(2)} (f32 bound ${
        tol.toExponential(2)
      })`,
    },
  ];
}

function paramCheck(model: Model): { check: Check; fraction: number } {
  let trainable = 0, formula = 0, total = 0;
  for (const t of Object.values(model.trainableParameters())) trainable += t.size;
  for (const m of model.targetModules()) {
    const [out, inp] = model.base[`${m}.weight`].shape;
    formula += adapters.loraParamCount(out, inp, R);
  }
  for (const t of Object.values(model.base)) total += t.size;
  const fraction = trainable / total;
  return {
    fraction,
    check: {
      name: "trainable parameters = Σ r(d_in + d_out)",
      ok: trainable === formula,
      detail: `${trainable} trainable (formula ${formula}) of ${total} base parameters: ` +
        `${(100 * fraction).toFixed(2)}% (${model.printTrainableParameters()})`,
    },
  };
}

function meanOf(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function lossPlot(pre: number[], tuned: number[], full: number[]): string {
  const idx = (xs: number[]): number[] => xs.map((_, i) => i + 1);
  return plotSvg({
    title: "Training loss: pretraining, LoRA (q/v) and full fine-tuning",
    xLabel: "step",
    yLabel: "cross-entropy (nats/token)",
    logY: true,
    series: [
      { name: "pretraining on the plain corpus", x: idx(pre), y: pre },
      {
        name: `LoRA r=${R} on ${TARGETS.join("+")}, response tokens only`,
        x: idx(tuned),
        y: tuned,
      },
      { name: "full fine-tuning, response tokens only", x: idx(full), y: full },
    ],
  });
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const secs = (): string => ((performance.now() - t0) / 1000).toFixed(1);
  const rng = new Rng(flags.seed);
  announceData("instruct", `generated: clinical instruction tasks (seed ${flags.seed})`);
  const { train: trainSet, test, corpus } = adapters.clinicalInstructTasks({ seed: flags.seed });
  await Deno.mkdir(flags.out, { recursive: true });
  const alpaca = (d: BioExample[]): string =>
    JSON.stringify(
      d.map(({ instruction, input, output }) => ({ instruction, input, output })),
      null,
      2,
    );
  await Deno.writeTextFile(`${flags.out}/instruct_train.json`, alpaca(trainSet));
  await Deno.writeTextFile(`${flags.out}/instruct_test.json`, alpaca(test));
  // The vocabulary sees the training side only.
  const texts = [...corpus, ...trainSet.flatMap((e) => [formatPrompt(e, TEMPLATE), e.output])];
  const tok = adapters.buildTokenizer(texts, { level: "word" });
  const cfg = { ...CFG, vocabSize: tok.vocab.length };
  const unknown =
    test.filter((e) => encode(tok, formatPrompt(e, TEMPLATE) + e.output).includes(adapters.UNK_ID))
      .length;
  log(
    `${trainSet.length} train / ${test.length} test examples, vocab ${tok.vocab.length} (train side)`,
  );

  const base = initLlama(cfg, { seed: flags.seed, dtype: "f32" });
  const preLosses = pretrain(base, corpus, tok, cfg, rng.split());
  log(
    `${secs()} s: pretrained ${PRE_STEPS} steps, loss ${preLosses[0].toFixed(3)} -> ${
      preLosses.at(-1)!.toFixed(3)
    }`,
  );
  const before = evaluate(base, tok, test, cfg);
  log(
    `base: exact match ${before.exactMatch.toFixed(3)}, token accuracy ${
      before.tokenAccuracy.toFixed(3)
    }`,
  );

  const model = adapters.getPeftModel(base, {
    r: R,
    lora_alpha: ALPHA,
    lora_dropout: DROPOUT,
    target_modules: TARGETS,
  }, { seed: flags.seed + 1 });
  const probe = toIds([encodeExample(tok, test[0], { template: TEMPLATE }).ids]);
  const plain = llamaForward(base, probe, cfg).data;
  const hooked = llamaForward(base, probe, cfg, { linear: model.linearHook() }).data;
  const initSame = hooked.every((x, i) => x === plain[i]);
  const enc = trainSet.map((e) =>
    encodeExample(tok, e, { template: TEMPLATE, trainOnInputs: TRAIN_ON_INPUTS })
  );
  const losses = tune(model, enc, cfg, rng.split());
  log(
    `${secs()} s: LoRA ${TUNE_STEPS} steps, loss ${losses[0].toFixed(3)} -> ${
      losses.at(-1)!.toFixed(3)
    }`,
  );
  const after = evaluate(base, tok, test, cfg, model.linearHook());
  log(
    `LoRA: exact match ${after.exactMatch.toFixed(3)}, token accuracy ${
      after.tokenAccuracy.toFixed(3)
    }`,
  );
  const fullRun = fullTune(base, enc, cfg, rng.split());
  const full = evaluate(fullRun.params, tok, test, cfg);
  log(
    `${secs()} s: full fine-tuning: exact match ${full.exactMatch.toFixed(3)}, token accuracy ${
      full.tokenAccuracy.toFixed(3)
    }`,
  );

  const first = meanOf(losses.slice(0, 10)), last = meanOf(losses.slice(-10));
  const params = paramCheck(model);
  const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
  const checks: Check[] = [
    {
      name: "held-out inputs are fresh and encoded with the training vocabulary",
      ok: unknown === 0,
      detail:
        `${unknown} of ${test.length} test prompts/answers contain a piece the training side lacks`,
    },
    {
      name: "adapter at init leaves the base output unchanged (B = 0)",
      ok: initSame,
      detail: "logits with the hook equal the base logits bit for bit",
    },
    {
      name: "training loss falls below 50% of its start",
      ok: last < 0.5 * first,
      detail: `mean of first 10 steps ${first.toFixed(3)}, of last 10 ${last.toFixed(3)}`,
    },
    {
      name: "held-out exact match improves over the base model",
      ok: after.exactMatch > before.exactMatch,
      detail: `${pct(before.exactMatch)} -> ${
        pct(after.exactMatch)
      } of ${test.length} (full fine-tuning ${pct(full.exactMatch)})`,
    },
    {
      name: "held-out response-token accuracy improves over the base model",
      ok: after.tokenAccuracy > before.tokenAccuracy,
      detail: `${pct(before.tokenAccuracy)} -> ${pct(after.tokenAccuracy)} (full fine-tuning ${
        pct(full.tokenAccuracy)
      })`,
    },
    params.check,
    ...(await peftRoundTrip(model, tok, test, cfg)),
  ];
  const tasks = Object.keys(after.byTask).sort();
  const show = test.filter((_, i) => i % Math.max(1, Math.floor(test.length / 9)) === 0).slice(
    0,
    9,
  );
  const idx = (e: BioExample): number => test.indexOf(e);
  const json = { before, after, full, losses, fullLosses: fullRun.losses };
  if (flags.json) await Deno.writeTextFile(flags.json, JSON.stringify(json, null, 2));
  await writeReport(flags.out, {
    name: "instruct",
    title: "LoRA instruction tuning on held-out inputs (BioInstruct recipe, toy scale)",
    summary:
      `A ${cfg.numLayers}-layer Llama (d = ${cfg.hiddenSize}, word vocabulary of ${tok.vocab.length} ` +
      `from the training side) pretrained on ${corpus.length} plain sentences of training facts, then ` +
      `LoRA-tuned (r = ${R}, α = ${ALPHA}, dropout ${DROPOUT}, ${TARGETS.join(" + ")}; ` +
      `${
        (100 * params.fraction).toFixed(2)
      }% of the weights trainable) on ${trainSet.length} Alpaca-format ` +
      `instructions, loss on response tokens only; ${test.length} held-out examples over numbers no ` +
      `training example uses, greedy answers stopped at EOS or ${MAX_NEW} tokens. Exact match ` +
      `${pct(before.exactMatch)} (base) -> ${pct(after.exactMatch)} (LoRA) vs ${
        pct(full.exactMatch)
      } ` +
      `(full fine-tuning); token accuracy ${pct(before.tokenAccuracy)} -> ${
        pct(after.tokenAccuracy)
      } vs ` +
      `${pct(full.tokenAccuracy)}; ${secs()} s.`,
    tables: [
      {
        caption: "Held-out results by task family (exact match of greedy answers)",
        header: ["task", "test examples", "base", "LoRA-tuned", "full fine-tuning"],
        rows: [
          ...tasks.map((t) => [
            t,
            test.filter((e) => e.task === t).length,
            (before.byTask[t] ?? 0).toFixed(2),
            after.byTask[t].toFixed(2),
            full.byTask[t].toFixed(2),
          ]),
          [
            "all (exact match)",
            test.length,
            before.exactMatch.toFixed(3),
            after.exactMatch.toFixed(3),
            full.exactMatch.toFixed(3),
          ],
          [
            "all (token accuracy)",
            test.length,
            before.tokenAccuracy.toFixed(3),
            after.tokenAccuracy.toFixed(3),
            full.tokenAccuracy.toFixed(3),
          ],
        ],
      },
      {
        caption: "Example held-out prompts: base, LoRA and fully fine-tuned greedy answers",
        header: ["instruction", "input", "reference", "base", "LoRA", "full"],
        rows: show.map((
          e,
        ) => [
          e.instruction,
          e.input,
          e.output,
          before.answers[idx(e)],
          after.answers[idx(e)],
          full.answers[idx(e)],
        ]),
      },
    ],
    figures: [{
      file: "instruct_loss.svg",
      caption: "Training loss per step (log scale)",
      svg: lossPlot(preLosses, losses, fullRun.losses),
    }],
    checks,
    data: {
      config: cfg,
      lora: { r: R, alpha: ALPHA, dropout: DROPOUT, targets: TARGETS, lr: LR, steps: TUNE_STEPS },
      fullLr: FULL_LR,
      template: TEMPLATE,
      trainOnInputs: TRAIN_ON_INPUTS,
      maxNewTokens: MAX_NEW,
      pretrainLosses: preLosses,
      ...json,
    },
  });
}

await main();
