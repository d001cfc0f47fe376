import assert from "node:assert/strict";
import { Rng } from "../../../ops/random.ts";
import type { Tensor } from "../../../ops/tensor.ts";
import { valueAndGrad } from "../../../ops/autograd/grad.ts";
import * as ad from "../../../ops/autograd/ops.ts";
import { initLlama, llamaForward, llamaLoss } from "../../../ops/nn/llama.ts";
import { train } from "../../../ops/nn/train.ts";
import { adamw } from "../../../ops/optim/adam.ts";
import {
  BOS_ID,
  buildTokenizer,
  decode,
  encode,
  encodeExample,
  EOS_ID,
  formatPrompt,
  makeBatch,
  PAD_ID,
  parseAlpacaJson,
  splitPieces,
  UNK_ID,
} from "../../../methods/adapters/instruct.ts";
import {
  bioCorpus,
  bioInstructExamples,
  exactMatch,
  splitTrainTest,
} from "../../../methods/adapters/instruct_data.ts";
import { lora, type LoraState } from "../../../methods/adapters/lora.ts";
import { llamaLoraHook, llamaTargetModules } from "../../../methods/adapters/instruct_lora.ts";

const ALL = bioInstructExamples({ seed: 0 });
const TEXTS = [...bioCorpus(), ...ALL.flatMap((e) => [formatPrompt(e), e.output])];

Deno.test("tokenizer: decode(encode(text)) is the text, word and char level", () => {
  for (const level of ["word", "char"] as const) {
    const tok = buildTokenizer(TEXTS, { level });
    for (const t of TEXTS) assert.equal(decode(tok, encode(tok, t, { strict: true })), t);
    assert.equal(new Set(tok.vocab).size, tok.vocab.length, "vocabulary entries are unique");
  }
});

Deno.test("splitPieces: pieces concatenate to any text; digits are single tokens", () => {
  const rng = new Rng(3);
  const alphabet = "ab Z09.,:#\n\t-/()µé ";
  for (let trial = 0; trial < 200; trial++) {
    let s = "";
    for (let i = rng.int(30); i > 0; i--) s += alphabet[rng.int(alphabet.length)];
    const pieces = splitPieces(s, "word");
    assert.equal(pieces.join(""), s);
    for (const p of pieces) if (/[0-9]/.test(p)) assert.match(p, /^ ?[0-9]$/);
  }
  assert.deepEqual(splitPieces("3000 mg", "word"), ["3", "0", "0", "0", " mg"]);
});

Deno.test("tokenizer: unknown pieces map to <unk>, or throw with strict; bad ids throw", () => {
  const tok = buildTokenizer(["heart rate"]);
  assert.deepEqual(encode(tok, "heart pressure"), [tok.index.get("heart"), UNK_ID]);
  assert.throws(() => encode(tok, "heart pressure", { strict: true }), /" pressure"/);
  assert.throws(() => decode(tok, [tok.vocab.length]), RangeError);
  assert.throws(() => splitPieces("x", "byte" as "word"), RangeError);
});

Deno.test("formatPrompt: Alpaca's template with and without an input", () => {
  const ex = { instruction: "Expand the medical abbreviation.", input: "BP", output: "x" };
  assert.equal(
    formatPrompt(ex),
    "Below is an instruction that describes a task, paired with an input that provides further " +
      "context. Write a response that appropriately completes the request.\n\n" +
      "### Instruction:\nExpand the medical abbreviation.\n\n### Input:\nBP\n\n### Response:\n",
  );
  assert.equal(
    formatPrompt({ ...ex, input: "" }),
    "Below is an instruction that describes a task. Write a response that appropriately " +
      "completes the request.\n\n### Instruction:\nExpand the medical abbreviation.\n\n" +
      "### Response:\n",
  );
  assert.ok(formatPrompt(ex).endsWith(formatPrompt(ex, "compact")));
  assert.throws(() => formatPrompt(ex, "vicuna" as "alpaca"), RangeError);
  assert.throws(() => formatPrompt({ instruction: "a", output: "b" } as never), TypeError);
});

Deno.test("parseAlpacaJson: missing input reads as empty; malformed entries are named", () => {
  const d = parseAlpacaJson(
    '[{"instruction":"a","output":"b"},{"instruction":"c","input":"d","output":"e"}]',
  );
  assert.deepEqual(d, [
    { instruction: "a", input: "", output: "b" },
    { instruction: "c", input: "d", output: "e" },
  ]);
  assert.throws(() => parseAlpacaJson('[{"instruction":"a"}]'), /entry 0.*output/);
  assert.throws(() => parseAlpacaJson("{}"), TypeError);
});

Deno.test("encodeExample: prompt labels are -100, response and EOS labels are the ids", () => {
  const tok = buildTokenizer(TEXTS);
  for (const ex of ALL.slice(0, 40)) {
    const e = encodeExample(tok, ex);
    const promptIds = [BOS_ID, ...encode(tok, formatPrompt(ex))];
    assert.deepEqual(e.ids, [...promptIds, ...encode(tok, ex.output), EOS_ID]);
    assert.equal(e.promptLength, promptIds.length);
    // The same split as tokenizing the whole text at once.
    assert.deepEqual(e.ids.slice(1, -1), encode(tok, formatPrompt(ex) + ex.output));
    e.labels.forEach((l, i) => assert.equal(l, i < e.promptLength ? -100 : e.ids[i]));
    assert.deepEqual(encodeExample(tok, ex, { trainOnInputs: true }).labels, e.ids);
  }
  assert.throws(() => encodeExample(tok, ALL[0], { cutoff: 10 }), /exceed the cutoff 10/);
});

Deno.test("makeBatch: shifted targets, right padding ignored, rows unchanged by padding", () => {
  const tok = buildTokenizer(TEXTS);
  const exs = [ALL[0], ALL[30], ALL[100]].map((e) =>
    encodeExample(tok, e, { template: "compact" })
  );
  const b = makeBatch(exs);
  const t = Math.max(...exs.map((e) => e.ids.length)) - 1;
  assert.deepEqual(b.ids.shape, [3, t]);
  exs.forEach((e, r) => {
    for (let j = 0; j < t; j++) {
      const real = j + 1 < e.ids.length;
      assert.equal(b.ids.data[r * t + j], real ? e.ids[j] : PAD_ID);
      assert.equal(b.targets.data[r * t + j], real ? e.labels[j + 1] : -100);
    }
  });
  // The batched loss is the token-weighted mean of the per-example losses: padding changes
  // nothing (causal mask, ignored targets).
  const cfg = {
    vocabSize: tok.vocab.length,
    hiddenSize: 16,
    intermediateSize: 32,
    numLayers: 1,
    numHeads: 2,
  };
  const p = initLlama(cfg, { seed: 1, std: 0.2 });
  let sum = 0, n = 0;
  for (const e of exs) {
    const one = makeBatch([e]);
    const k = one.targets.data.filter((x) => x !== -100).length;
    sum += k * llamaLoss(p, one.ids, one.targets, cfg).data[0];
    n += k;
  }
  const batched = llamaLoss(p, b.ids, b.targets, cfg).data[0];
  assert.ok(Math.abs(batched - sum / n) <= 1e-12 * Math.max(1, Math.abs(batched)), `${batched}`);
  assert.throws(() => makeBatch([]), RangeError);
});

Deno.test("masked loss = mean over response positions only; prompt labels do not matter", () => {
  const tok = buildTokenizer(TEXTS);
  const cfg = {
    vocabSize: tok.vocab.length,
    hiddenSize: 16,
    intermediateSize: 32,
    numLayers: 1,
    numHeads: 2,
  };
  const p = initLlama(cfg, { seed: 2, std: 0.2 });
  const e = encodeExample(tok, ALL[5], { template: "compact" });
  const { ids, targets } = makeBatch([e]);
  const masked = llamaLoss(p, ids, targets, cfg).data[0];
  // Independent reference: log-softmax by hand over the response positions.
  const logits = llamaForward(p, e.ids.slice(0, -1), cfg).data, v = cfg.vocabSize;
  let ref = 0;
  for (let t = e.promptLength - 1; t < e.ids.length - 1; t++) {
    let m = -Infinity, s = 0;
    for (let j = 0; j < v; j++) m = Math.max(m, logits[t * v + j]);
    for (let j = 0; j < v; j++) s += Math.exp(logits[t * v + j] - m);
    ref += m + Math.log(s) - logits[t * v + e.ids[t + 1]];
  }
  ref /= e.ids.length - e.promptLength;
  assert.ok(Math.abs(masked - ref) <= 1e-12 * Math.abs(ref), `${masked} vs ${ref}`);
  // Spec §11 property 5: the reference above reads no prompt label, so the masked loss does
  // not depend on them; training on inputs (prompt labels counted) changes it.
  const all = makeBatch([encodeExample(tok, ALL[5], { template: "compact", trainOnInputs: true })]);
  assert.notEqual(llamaLoss(p, all.ids, all.targets, cfg).data[0], masked);
});

Deno.test("bioInstructExamples: deterministic by seed; every answer is correct", () => {
  assert.deepEqual(bioInstructExamples({ seed: 7 }), bioInstructExamples({ seed: 7 }));
  const other = bioInstructExamples({ seed: 8 });
  assert.deepEqual(other.map((e) => e.output), ALL.map((e) => e.output));
  assert.ok(other.some((e, i) => e.instruction !== ALL[i].instruction), "wording depends on seed");
  const systems: Record<string, string> = {
    "chest pain": "cardiac",
    palpitations: "cardiac",
    edema: "cardiac",
    syncope: "cardiac",
    cough: "respiratory",
    wheezing: "respiratory",
    dyspnea: "respiratory",
    hemoptysis: "respiratory",
    headache: "neurological",
    seizure: "neurological",
    numbness: "neurological",
    vertigo: "neurological",
    nausea: "gastrointestinal",
    vomiting: "gastrointestinal",
    diarrhea: "gastrointestinal",
    dysphagia: "gastrointestinal",
  };
  const perDay: Record<string, number> = { once: 1, twice: 2, three: 3, four: 4 };
  const corpus = new Set(bioCorpus());
  const counts: Record<string, number> = {};
  for (const e of ALL) {
    counts[e.task] = (counts[e.task] ?? 0) + 1;
    if (e.task === "abbreviation") {
      const initials = e.output.split(" ").map((w) => w[0].toUpperCase()).join("");
      assert.equal(initials, e.input);
      assert.ok(corpus.has(`${e.input} stands for ${e.output}.`));
    } else if (e.task === "conversion") {
      const [x, unit] = e.input.split(" ");
      const want = unit === "g" ? `${Number(x) * 1000} mg` : `${Number(x) / 1000} g`;
      assert.equal(e.output, want);
      assert.ok(corpus.has(`${e.input} is ${e.output}.`));
    } else if (e.task === "dose") {
      const [d, , freq] = e.input.split(" ");
      assert.equal(e.output, `${Number(d) * perDay[freq]} mg`);
      assert.ok(corpus.has(`${e.input} is ${e.output} per day.`));
    } else {
      assert.equal(e.task, "classification");
      const items = e.input.split(", ");
      assert.equal(items.length, 2);
      for (const s of items) {
        assert.equal(systems[s], e.output);
        assert.ok(corpus.has(`${s} is a ${e.output} symptom.`));
      }
    }
    assert.ok(exactMatch(` ${e.output}\n`, e.output));
  }
  assert.deepEqual(counts, { abbreviation: 24, conversion: 60, dose: 36, classification: 48 });
  assert.equal(new Set(ALL.map((e) => e.instruction + "|" + e.input)).size, ALL.length);
});

Deno.test("splitTrainTest: seeded, disjoint, complete", () => {
  const items = Array.from({ length: 50 }, (_, i) => i);
  const a = splitTrainTest(items, 0.3, 4), b = splitTrainTest(items, 0.3, 4);
  assert.deepEqual(a, b);
  assert.equal(a.test.length, 15);
  assert.deepEqual([...a.train, ...a.test].sort((x, y) => x - y), items);
  assert.notDeepEqual(splitTrainTest(items, 0.3, 5).test, a.test);
  assert.throws(() => splitTrainTest(items, 1, 0), /testFraction/);
});

Deno.test("LoRA on q/v: a short instruction-tuning run lowers the loss, base frozen", () => {
  const data = ALL.filter((e) => e.task === "conversion").slice(0, 8);
  const tok = buildTokenizer(data.flatMap((e) => [formatPrompt(e, "compact"), e.output]));
  const cfg = {
    vocabSize: tok.vocab.length,
    hiddenSize: 16,
    intermediateSize: 32,
    numLayers: 1,
    numHeads: 2,
  };
  const base = initLlama(cfg, { seed: 0, std: 0.3 });
  const frozen = Object.fromEntries(Object.entries(base).map(([k, t]) => [k, t.clone()]));
  const rng = new Rng(0);
  const names = llamaTargetModules(cfg);
  assert.deepEqual(names, ["model.layers.0.self_attn.q_proj", "model.layers.0.self_attn.v_proj"]);
  const states: Record<string, LoraState> = {};
  for (const n of names) states[n] = lora.init(base[`${n}.weight`], { r: 4, alpha: 8 }, rng);
  const batch = makeBatch(data.map((e) => encodeExample(tok, e, { template: "compact" })));
  const lossOf = (q: Record<string, Record<string, Tensor>>): Tensor => {
    const cur: Record<string, LoraState> = {};
    for (const n of names) cur[n] = { ...states[n], params: q[n] as LoraState["params"] };
    const hook = llamaLoraHook(cur);
    return llamaLoss(base, batch.ids, batch.targets, cfg, { linear: hook });
  };
  const params = Object.fromEntries(names.map((n) => [n, states[n].params]));
  // Spec §11 property 3: at step 1 (B = 0) ∂L/∂A = 0 and ∂L/∂B ≠ 0.
  const g = valueAndGrad(lossOf)(params).grad as Record<string, Record<string, Tensor>>;
  for (const n of names) {
    assert.ok(g[n].a.data.every((x) => x === 0));
    assert.ok(g[n].b.data.some((x) => x !== 0));
  }
  const r = train({
    params,
    loss: lossOf,
    optimizer: adamw({ lr: 3e-2, weightDecay: 0 }),
    steps: 40,
  });
  assert.ok(r.losses.at(-1)! < 0.5 * r.losses[0], `${r.losses[0]} -> ${r.losses.at(-1)}`);
  for (const [k, t] of Object.entries(base)) {
    assert.deepEqual(t.data, frozen[k].data, `${k} frozen`);
  }
});

Deno.test("llamaLoraHook: equals the merged weight; dropout acts only with an rng", () => {
  const cfg = { vocabSize: 12, hiddenSize: 8, intermediateSize: 16, numLayers: 2, numHeads: 2 };
  const p = initLlama(cfg, { seed: 4, std: 0.3 });
  const rng = new Rng(1);
  const states: Record<string, LoraState> = {};
  for (const n of llamaTargetModules(cfg, ["v_proj", "down_proj"])) {
    const st = lora.init(p[`${n}.weight`], { r: 2, alpha: 4 }, rng);
    for (let i = 0; i < st.params.b.size; i++) st.params.b.data[i] = rng.normal();
    states[n] = st;
  }
  const merged = { ...p };
  for (const [n, st] of Object.entries(states)) {
    merged[`${n}.weight`] = ad.add(p[`${n}.weight`], lora.delta(st));
  }
  const ids = [1, 5, 7, 2, 9];
  const a = llamaForward(p, ids, cfg, { linear: llamaLoraHook(states) }).data;
  const b = llamaForward(merged, ids, cfg).data;
  const scale = Math.max(...b.map(Math.abs));
  a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) <= 1e-12 * scale, `${x} vs ${b[i]}`));
  const noRng = llamaForward(p, ids, cfg, { linear: llamaLoraHook(states, { dropout: 0.5 }) });
  assert.deepEqual(noRng.data, a);
  const dropped = llamaForward(p, ids, cfg, {
    linear: llamaLoraHook(states, { dropout: 0.5, rng: new Rng(2) }),
  });
  assert.ok(dropped.data.some((x, i) => x !== a[i]));
  assert.throws(() => llamaLoraHook(states, { dropout: 1 }), /dropout/);
  assert.throws(() => llamaTargetModules(cfg, ["qkv"]), /"qkv"/);
});
