/**
 * Experiment: LoRA instruction tuning, the BioInstruct recipe at toy scale (Tran et al., JAMIA
 * 2024; spec `specs/compression_optim_attention.md` §11 and `specs/adapters.md` §1, §3).
 *
 * 1. Data: the synthetic biomedical instruction set of `instruct_data.ts` (abbreviations,
 *    g ↔ mg conversion, daily dose, symptom classification), split train/test by `--seed` and
 *    written as Alpaca JSON (`instruct_train.json`, `instruct_test.json`) into `--out`.
 * 2. Base model: the tiny Llama decoder is *pretrained* (all weights, next-token loss) on the
 *    plain-text corpus that states the same facts without any instruction wording. A randomly
 *    initialised base would leave nothing for a q/v-only adapter to steer: instruction tuning is
 *    meant to teach the format and the task on top of knowledge the base already has, and the
 *    held-out examples (new abbreviations, amounts, doses, symptom pairs) can only be answered
 *    from that knowledge.
 * 3. LoRA (r = 4, α = 8, the spec's small-scale values; dropout 0.05) on q_proj and v_proj of
 *    every layer, the base frozen; loss on response tokens only (prompt labels −100); AdamW with
 *    linear warm-up then cosine decay.
 * 4. Checks: the loss falls, held-out exact match and token accuracy beat the base model, the
 *    trainable count is LoRA's `r (d_in + d_out)` per module, and the adapter saved as PEFT
 *    files round-trips and, merged into the base, gives the hook's logits to f32 round-off.
 *
 * `deno run -A experiments/instruct.ts [--quick] [--seed N] [--out DIR] [--json FILE]
 *   [--targets q_proj,v_proj] [--template compact|alpaca] [--train-on-inputs]`
 *
 * @module
 */
import { commonFlags, numberFlag } from "./lib/cli.ts";
import { plotSvg } from "./lib/plot.ts";
import { type Check, writeReport } from "./lib/report.ts";
import { Rng } from "../ops/random.ts";
import type { Tensor } from "../ops/tensor.ts";
import {
  initLlama,
  type LinearHook,
  type LlamaConfig,
  llamaForward,
  llamaGenerate,
  llamaLoss,
  type LlamaParams,
} from "../ops/nn/llama.ts";
import { train } from "../ops/nn/train.ts";
import { adamw } from "../ops/optim/adam.ts";
import { warmupCosine } from "../ops/optim/schedule.ts";
import {
  BOS_ID,
  buildTokenizer,
  decode,
  encode,
  type EncodedExample,
  encodeExample,
  EOS_ID,
  formatPrompt,
  makeBatch,
  type PromptTemplate,
  type Tokenizer,
} from "../methods/adapters/instruct.ts";
import {
  bioCorpus,
  type BioExample,
  bioInstructExamples,
  exactMatch,
  splitTrainTest,
} from "../methods/adapters/instruct_data.ts";
import { lora, loraParamCount, type LoraState } from "../methods/adapters/lora.ts";
import { llamaLoraHook, llamaTargetModules } from "../methods/adapters/instruct_lora.ts";
import { mergePeftLora, readPeftLora, writePeftLora } from "../methods/adapters/peft.ts";
import { loraStatesFromPeft, peftLoraFromStates } from "../methods/adapters/peft_export.ts";

const { flags, rest } = commonFlags(Deno.args);
const QUICK = flags.quick;
const TEMPLATE = String(rest.template ?? "compact") as PromptTemplate;
const TARGETS = String(rest.targets ?? "q_proj,v_proj").split(",");
const TRAIN_ON_INPUTS = rest["train-on-inputs"] === true;
const PRE_STEPS = numberFlag(rest, "pretrain-steps", QUICK ? 600 : 2000);
const TUNE_STEPS = numberFlag(rest, "steps", QUICK ? 400 : 1500);
const LR = numberFlag(rest, "lr", 2e-2);
const BATCH = 16, R = 4, ALPHA = 8, DROPOUT = 0.05;
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
function pretrain(p: LlamaParams, tok: Tokenizer, cfg: LlamaConfig, rng: Rng): number[] {
  const seqs = bioCorpus().map((s) => [BOS_ID, ...encode(tok, s, { strict: true }), EOS_ID]);
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

type Adapters = Record<string, LoraState>;

function tune(
  p: LlamaParams,
  states: Adapters,
  train_: EncodedExample[],
  cfg: LlamaConfig,
  rng: Rng,
): number[] {
  const params: Record<string, Record<string, Tensor>> = {};
  for (const [k, st] of Object.entries(states)) params[k] = st.params;
  const lr = warmupCosine({
    lr: LR,
    warmupSteps: Math.round(0.1 * TUNE_STEPS),
    totalSteps: TUNE_STEPS,
  });
  const r = train({
    params,
    loss: (q) => {
      const cur: Adapters = {};
      for (const [k, st] of Object.entries(states)) {
        cur[k] = { ...st, params: q[k] as LoraState["params"] };
      }
      const b = makeBatch(
        rng.choice(train_.length, BATCH, { replace: false }).map((i) => train_[i]),
      );
      return llamaLoss(p, b.ids, b.targets, cfg, {
        linear: llamaLoraHook(cur, { dropout: DROPOUT, rng }),
      });
    },
    optimizer: adamw({ lr, weightDecay: 0 }),
    steps: TUNE_STEPS,
    label: "lora",
  });
  return r.losses;
}

interface Eval {
  exactMatch: number;
  /** Exact match per task family. */
  byTask: Record<string, number>;
  tokenAccuracy: number;
  answers: string[];
}

/** Greedy answers (exact match) and teacher-forced next-token accuracy on response tokens. */
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
    const prompt = [BOS_ID, ...encode(tok, formatPrompt(ex, TEMPLATE), { strict: true })];
    const maxNew = encode(tok, ex.output).length + 3;
    const gen = llamaGenerate(p, prompt, cfg, {
      maxNewTokens: maxNew,
      stopToken: EOS_ID,
      linear: hook,
    });
    const ans = decode(tok, gen);
    answers.push(ans);
    // An answer counts only if the model also stopped: "3000 mg and more" is not "3000 mg".
    if (gen[gen.length - 1] === EOS_ID && exactMatch(ans, ex.output)) {
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
  base: LlamaParams,
  states: Adapters,
  tok: Tokenizer,
  test: BioExample[],
  cfg: LlamaConfig,
): Promise<Check[]> {
  const dir = `${flags.out}/instruct_adapter`;
  await Deno.mkdir(dir, { recursive: true });
  const files = writePeftLora(peftLoraFromStates(states, {
    target_modules: TARGETS,
    lora_dropout: DROPOUT,
    task_type: "CAUSAL_LM",
  }));
  await Deno.writeTextFile(`${dir}/adapter_config.json`, files.config);
  await Deno.writeFile(`${dir}/adapter_model.safetensors`, files.weights);
  const back = readPeftLora(
    await Deno.readTextFile(`${dir}/adapter_config.json`),
    await Deno.readFile(`${dir}/adapter_model.safetensors`),
  );
  const read = loraStatesFromPeft(back);
  const same =
    Object.entries(states).every(([k, st]) =>
      read[k] !== undefined && read[k].scale === st.scale &&
      read[k].params.a.data.every((x, i) => x === st.params.a.data[i]) &&
      read[k].params.b.data.every((x, i) => x === st.params.b.data[i])
    ) && Object.keys(read).length === Object.keys(states).length;
  const merged = Object.fromEntries(mergePeftLora(new Map(Object.entries(base)), back));
  const ids = toIds(test.slice(0, 8).map((e) => encodeExample(tok, e, { template: TEMPLATE }).ids));
  const viaHook = llamaForward(base, ids, cfg, { linear: llamaLoraHook(read) }).data;
  const viaMerge = llamaForward(merged, ids, cfg).data;
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
      detail: `${Object.keys(read).length} modules read back from ${dir}: factors bit-identical, ` +
        `scale ${Object.values(read)[0].scale}`,
    },
    {
      name: "merged weights = base + adapter through the hook",
      ok: rel <= tol,
      detail: `max |Δlogit| / max |logit| = ${rel.toExponential(2)} (f32 bound ${
        tol.toExponential(2)
      })`,
    },
  ];
}

function paramCheck(base: LlamaParams, states: Adapters): { check: Check; fraction: number } {
  let trainable = 0, formula = 0, total = 0;
  for (const st of Object.values(states)) {
    for (const t of Object.values(st.params)) trainable += t.size;
    formula += loraParamCount(st.shape[0], st.shape[1], st.r);
  }
  for (const t of Object.values(base)) total += t.size;
  const fraction = trainable / total;
  return {
    fraction,
    check: {
      name: "trainable parameters = Σ r(d_in + d_out)",
      ok: trainable === formula,
      detail: `${trainable} trainable (formula ${formula}) of ${total} base parameters: ` +
        `${(100 * fraction).toFixed(2)}%`,
    },
  };
}

function meanOf(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function lossPlot(pre: number[], tuned: number[]): string {
  const idx = (xs: number[]): number[] => xs.map((_, i) => i + 1);
  return plotSvg({
    title: "Training loss: pretraining (all weights) and LoRA instruction tuning (q/v)",
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
    ],
  });
}

/** Which task families the tuned model answers (≥ 50% exact match) and which it does not. */
function taskVerdict(byTask: Record<string, number>): string {
  const names = Object.keys(byTask).sort();
  const good = names.filter((t) => byTask[t] >= 0.5), bad = names.filter((t) => byTask[t] < 0.5);
  return `Held-out exact match >= 50% after tuning: ${good.join(", ") || "none"}; below: ` +
    `${bad.join(", ") || "none"} (abbreviations, doses and symptom systems of unseen instances ` +
    `are only stated in the pretraining corpus; conversions need only copying digits).`;
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const secs = (): string => ((performance.now() - t0) / 1000).toFixed(1);
  const rng = new Rng(flags.seed);
  const all = bioInstructExamples({ seed: flags.seed });
  const { train: trainSet, test } = splitTrainTest(all, 0.25, flags.seed + 1);
  await Deno.mkdir(flags.out, { recursive: true });
  const alpaca = (d: BioExample[]): string =>
    JSON.stringify(
      d.map(({ instruction, input, output }) => ({ instruction, input, output })),
      null,
      2,
    );
  await Deno.writeTextFile(`${flags.out}/instruct_train.json`, alpaca(trainSet));
  await Deno.writeTextFile(`${flags.out}/instruct_test.json`, alpaca(test));
  const texts = [...bioCorpus(), ...all.flatMap((e) => [formatPrompt(e, TEMPLATE), e.output])];
  const tok = buildTokenizer(texts, { level: "word" });
  const cfg = { ...CFG, vocabSize: tok.vocab.length };
  log(`${trainSet.length} train / ${test.length} test examples, vocab ${tok.vocab.length}`);

  const base = initLlama(cfg, { seed: flags.seed, dtype: "f32" });
  const preLosses = pretrain(base, tok, cfg, rng.split());
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

  const states: Adapters = {};
  const initRng = rng.split();
  for (const name of llamaTargetModules(cfg, TARGETS)) {
    states[name] = lora.init(base[`${name}.weight`], { r: R, alpha: ALPHA }, initRng);
  }
  const probe = toIds([encodeExample(tok, test[0], { template: TEMPLATE }).ids]);
  const plain = llamaForward(base, probe, cfg).data;
  const hooked = llamaForward(base, probe, cfg, { linear: llamaLoraHook(states) }).data;
  const initSame = hooked.every((x, i) => x === plain[i]);
  const enc = trainSet.map((e) =>
    encodeExample(tok, e, { template: TEMPLATE, trainOnInputs: TRAIN_ON_INPUTS })
  );
  const losses = tune(base, states, enc, cfg, rng.split());
  const hook = llamaLoraHook(states);
  log(
    `${secs()} s: tuned ${TUNE_STEPS} steps, loss ${losses[0].toFixed(3)} -> ${
      losses.at(-1)!.toFixed(3)
    }`,
  );
  const after = evaluate(base, tok, test, cfg, hook);
  log(
    `tuned: exact match ${after.exactMatch.toFixed(3)}, token accuracy ${
      after.tokenAccuracy.toFixed(3)
    }`,
  );

  const first = meanOf(losses.slice(0, 10)), last = meanOf(losses.slice(-10));
  const params = paramCheck(base, states);
  const checks: Check[] = [
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
      detail: `${(100 * before.exactMatch).toFixed(1)}% -> ${
        (100 * after.exactMatch).toFixed(1)
      }% of ${test.length}`,
    },
    {
      name: "held-out response-token accuracy improves over the base model",
      ok: after.tokenAccuracy > before.tokenAccuracy,
      detail: `${(100 * before.tokenAccuracy).toFixed(1)}% -> ${
        (100 * after.tokenAccuracy).toFixed(1)
      }%`,
    },
    params.check,
    ...(await peftRoundTrip(base, states, tok, test, cfg)),
  ];
  const tasks = Object.keys(after.byTask).sort();
  const show = test.slice(0, 8);
  await writeReport(flags.out, {
    name: "instruct",
    title: "LoRA instruction tuning (BioInstruct recipe, toy scale)",
    summary: `A ${cfg.numLayers}-layer Llama (d = ${cfg.hiddenSize}, word vocabulary of ` +
      `${tok.vocab.length}) pretrained on ${bioCorpus().length} plain biomedical fact sentences, ` +
      `then LoRA-tuned (r = ${R}, α = ${ALPHA}, dropout ${DROPOUT}, ${TARGETS.join(" + ")}; ` +
      `${(100 * params.fraction).toFixed(2)}% of the weights trainable) on ${trainSet.length} ` +
      `Alpaca-format instructions with the loss on response tokens only. Held-out exact match ` +
      `${(100 * before.exactMatch).toFixed(1)}% (base) -> ${
        (100 * after.exactMatch).toFixed(1)
      }% ` +
      `(tuned); ${secs()} s. ${taskVerdict(after.byTask)}`,
    tables: [
      {
        caption: "Held-out results by task family (exact match of greedy answers)",
        header: ["task", "test examples", "base", "LoRA-tuned"],
        rows: [
          ...tasks.map((t) => [
            t,
            test.filter((e) => e.task === t).length,
            (before.byTask[t] ?? 0).toFixed(2),
            after.byTask[t].toFixed(2),
          ]),
          [
            "all (exact match)",
            test.length,
            before.exactMatch.toFixed(3),
            after.exactMatch.toFixed(3),
          ],
          [
            "all (token accuracy)",
            test.length,
            before.tokenAccuracy.toFixed(3),
            after.tokenAccuracy.toFixed(3),
          ],
        ],
      },
      {
        caption: "Example held-out prompts: base vs tuned greedy answers",
        header: ["instruction", "input", "reference", "base", "tuned"],
        rows: show.map((
          e,
          i,
        ) => [e.instruction, e.input, e.output, before.answers[i], after.answers[i]]),
      },
    ],
    figures: [{
      file: "instruct_loss.svg",
      caption: "Training loss per step (log scale)",
      svg: lossPlot(preLosses, losses),
    }],
    checks,
    data: {
      config: cfg,
      lora: { r: R, alpha: ALPHA, dropout: DROPOUT, targets: TARGETS, lr: LR, steps: TUNE_STEPS },
      template: TEMPLATE,
      trainOnInputs: TRAIN_ON_INPUTS,
      pretrainLosses: preLosses,
      tuneLosses: losses,
      before,
      after,
    },
  });
  if (flags.json) {
    await Deno.writeTextFile(flags.json, JSON.stringify({ before, after, losses }, null, 2));
  }
}

await main();
