/**
 * Experiment: DQ-LoRe exemplar selection on GSM8K without an LLM (issue 19; Xiong et al., ICLR
 * 2024; spec `specs/compression_optim_attention.md` §8).
 *
 * The reasoning-structure label of a solution is its sequence of arithmetic operators in the
 * `<<…>>` annotations; a selection of n = 8 train exemplars for a test question scores the mean
 * structure similarity (1 − normalised edit distance of operator sequences) of the exemplars
 * to the question's gold solution. Encoder: LSA (TF-IDF over the pool's questions + solutions,
 * annotations stripped, then a 256-dimensional truncated SVD). Methods:
 *
 * - `random`: 8 pool exemplars at random; `random-lore`: LoRe picks 8 of 16 random ones.
 * - `question`: top 8 by question similarity; `question-lore`: LoRe re-ranks the top M = 16.
 * - `dq-neighbour`: dual query with the first-query text taken from the top-1 question
 *   neighbour's solution (a stand-in for an LLM's chain of thought); `dq-gold`: the gold
 *   solution as the first-query text (an upper bound); each with `-lore` (the `dqLore`
 *   pipeline, LoRe on the top M = 16, k = 128 as the authors' script).
 * - `…-lore-kval`: LoRe with the k chosen on validation queries (500 questions held out of
 *   train, never in the pool) from k ∈ {1, 2, 4, 8, 16}.
 *
 * Test questions are scored once; intervals are 95 % percentile bootstraps over questions, and
 * LoRe's effect is the paired bootstrap of the per-question difference.
 *
 * `deno run -A experiments/dqlore.ts [--quick] [--data DIR] [--queries N] [--val N]
 *   [--seed N] [--out DIR] [--json FILE]`
 *
 * @module
 */
import { readJsonLines, Rng, type Tensor } from "../mod.ts";
import {
  bootstrapMean,
  dqLore,
  type Exemplar,
  exemplarText,
  fitLsa,
  gsm8kExemplars,
  InnerProductIndex,
  loreRerank,
  loreScores,
  lsaTransform,
  operatorSequence,
  stripAnnotations,
  structureSimilarity,
} from "../methods/retrieval/mod.ts";
import {
  checkInputDir,
  checkOutputFile,
  COMMON_FLAGS,
  exitWith,
  runCli,
} from "./lib/strict_cli.ts";
import { announceData, sharedData } from "./lib/data_sources.ts";
import { plotSvg } from "./lib/plot.ts";
import { type Check, writeReport } from "./lib/report.ts";

const cli = runCli({
  name: "experiments/dqlore.ts",
  summary: "DQ-LoRe exemplar selection on GSM8K, scored by operator-sequence structure match.",
  flags: {
    ...COMMON_FLAGS,
    data: { type: "string", default: sharedData("gsm8k"), help: "GSM8K folder (train/test)" },
    queries: {
      type: "integer",
      min: 1,
      help: "test questions scored (the first N; default all 1319, 400 with --quick)",
    },
    val: {
      type: "integer",
      min: 1,
      help: "validation questions held out of train to choose k (default 500, 150 --quick)",
    },
  },
  json: '{ "queries", "methods": { "<name>": { "structureMatch", "ci": [lo, hi] } }, ' +
    '"loreEffect": { "<base>": { "delta", "ci" } }, "kSelected", "validation" }',
});
const F = cli.values;
const M = 16, N = 8, K_SCRIPT = 128, DIM = 256, K_GRID = [1, 2, 4, 8, 16];
const BOOT = { samples: 2000, seed: F.seed };

function log(msg: string): void {
  console.error(`[dqlore] ${msg}`);
}

interface Data {
  pool: Exemplar[];
  val: Exemplar[];
  test: Exemplar[];
}

function loadData(): Data {
  // Outputs first: a bad --json is reported whether or not the data folder exists.
  if (F.json !== undefined) checkOutputFile("json", F.json);
  checkInputDir("data", F.data);
  const read = (split: string): Exemplar[] => {
    const path = `${F.data}/${split}.jsonl`;
    return gsm8kExemplars(readJsonLines(path), path);
  };
  const train = read("train"), test = read("test");
  const nVal = F.val ?? (F.quick ? 150 : 500);
  const nTest = F.queries ?? Math.min(F.quick ? 400 : test.length, test.length);
  if (nTest > test.length) {
    throw new RangeError(`--queries ${nTest}: ${F.data}/test.jsonl has ${test.length} questions`);
  }
  if (nVal >= train.length) {
    throw new RangeError(`--val ${nVal}: ${F.data}/train.jsonl has only ${train.length} questions`);
  }
  announceData("dqlore", `${F.data}/{train,test}.jsonl`);
  // Validation questions leave the pool, so no validation question can retrieve itself.
  const perm = new Rng(F.seed).permutation(train.length);
  const isVal = new Set(perm.slice(0, nVal));
  return {
    pool: train.filter((_, i) => !isVal.has(i)),
    val: perm.slice(0, nVal).map((i) => train[i]),
    test: test.slice(0, nTest),
  };
}

/** What every method needs: the encoder, both indexes, the pool's labels. */
interface Setup {
  pool: Exemplar[];
  encode: (texts: readonly string[]) => Tensor;
  exemplarIndex: InnerProductIndex;
  questionIndex: InnerProductIndex;
  poolOps: string[][];
}

/** Exemplars as a model would see them: the solution without calculator annotations. */
const plain = (e: Exemplar): Exemplar => ({
  question: e.question,
  solution: stripAnnotations(e.solution),
});

function buildSetup(pool: Exemplar[]): Setup {
  const t0 = performance.now();
  const texts = pool.map((e) => exemplarText(plain(e)));
  const model = fitLsa(texts, { dim: DIM, seed: F.seed });
  const encode = (t: readonly string[]): Tensor => lsaTransform(model, t);
  log(
    `LSA: ${pool.length} exemplars, vocabulary ${model.components.shape[1]}, dim ${DIM} (${
      ((performance.now() - t0) / 1000).toFixed(1)
    } s)`,
  );
  return {
    pool,
    encode,
    exemplarIndex: new InnerProductIndex(encode(texts)),
    questionIndex: new InnerProductIndex(encode(pool.map((e) => e.question))),
    poolOps: pool.map((e) => operatorSequence(e.solution)),
  };
}

/** Per-question selections (pool ids) of every method for one query set. */
type Selections = Map<string, number[][]>;

function push(sel: Selections, name: string, ids: number[]): void {
  if (ids.length !== N || new Set(ids).size !== N) {
    throw new Error(`${name}: selection of ${ids.length} ids with duplicates or wrong size`);
  }
  sel.set(name, [...(sel.get(name) ?? []), ids]);
}

/** LoRe of `ids` (rows of `index`) against `query`, mapped back to pool ids. */
function lore(query: Tensor, index: InnerProductIndex, ids: number[], k: number): number[] {
  return loreRerank(query, index.rows(ids), { k, n: N }).map((j) => ids[j]);
}

async function select(s: Setup, queries: Exemplar[], ks: number[], rng: Rng): Promise<Selections> {
  const sel: Selections = new Map();
  const gens = {
    neighbour: (_q: string, ex: readonly Exemplar[]) => Promise.resolve(plain(ex[0]).solution),
    gold: (q: string) => Promise.resolve(plain(queries.find((e) => e.question === q)!).solution),
  };
  for (const [qi, ex] of queries.entries()) {
    const eq = s.encode([ex.question]);
    const rand = rng.permutation(s.pool.length).slice(0, M);
    push(sel, "random", rand.slice(0, N));
    push(sel, "random-lore", lore(eq, s.questionIndex, rand, K_SCRIPT));
    const top = s.questionIndex.search(eq, M).ids[0];
    push(sel, "question", top.slice(0, N));
    push(sel, "question-lore", lore(eq, s.questionIndex, top, K_SCRIPT));
    for (const k of ks) push(sel, `question-lore@${k}`, lore(eq, s.questionIndex, top, k));
    for (const [name, generate] of Object.entries(gens)) {
      const r = await dqLore(ex.question, {
        encoder: s.encode,
        index: s.exemplarIndex,
        questionIndex: s.questionIndex,
        exemplars: s.pool,
        generate,
        initial: 1,
        m: M,
        n: N,
        k: K_SCRIPT,
      });
      push(sel, `dq-${name}`, r.candidates.slice(0, N));
      push(sel, `dq-${name}-lore`, r.selected);
      const e2 = s.encode([exemplarText({ question: ex.question, solution: r.firstQuery })]);
      for (const k of ks) {
        push(sel, `dq-${name}-lore@${k}`, lore(e2, s.exemplarIndex, r.candidates, k));
      }
    }
    if ((qi + 1) % 100 === 0) log(`  ${qi + 1}/${queries.length} questions`);
  }
  return sel;
}

/** Per-question structure match of each method's selections to the gold solutions. */
function score(s: Setup, queries: Exemplar[], sel: Selections): Map<string, number[]> {
  const gold = queries.map((e) => operatorSequence(e.solution));
  const out = new Map<string, number[]>();
  for (const [name, perQ] of sel) {
    out.set(
      name,
      perQ.map((ids, q) =>
        ids.reduce((a, id) => a + structureSimilarity(s.poolOps[id], gold[q]), 0) / N
      ),
    );
  }
  return out;
}

const mean = (v: number[]): number => v.reduce((a, x) => a + x, 0) / v.length;
const r3 = (x: number): number => Math.round(x * 1000) / 1000;

/** k with the best validation mean per LoRe base (ties: the smaller k). */
function chooseK(val: Map<string, number[]>, bases: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const b of bases) {
    out[b] = K_GRID.reduce((best, k) =>
      mean(val.get(`${b}-lore@${k}`)!) > mean(val.get(`${b}-lore@${best}`)!) ? k : best
    );
  }
  return out;
}

/** Property 2 on real embeddings: with k = 128 ≥ rank, LoRe's scores are centred inner products. */
function centredCheck(s: Setup, queries: Exemplar[]): Check {
  let worst = 0;
  for (const ex of queries.slice(0, 20)) {
    const eq = s.encode([ex.question]);
    const ids = s.questionIndex.search(eq, M).ids[0];
    const c = s.questionIndex.rows(ids), d = c.shape[1];
    const got = loreScores(eq, c, { k: K_SCRIPT });
    const mu = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      mu[j] = eq.data[j];
      for (let i = 0; i < M; i++) mu[j] += c.data[i * d + j];
      mu[j] /= M + 1;
    }
    for (let i = 0; i < M; i++) {
      let ref = 0;
      for (let j = 0; j < d; j++) ref += (eq.data[j] - mu[j]) * (c.data[i * d + j] - mu[j]);
      worst = Math.max(worst, Math.abs(got[i] - ref));
    }
  }
  return {
    name: "LoRe with k = 128 equals the centred inner product (spec §8 property 2, real data)",
    ok: worst < 1e-12,
    detail: `max |s_i − ⟨e_q − μ, e_i − μ⟩| = ${worst.toExponential(2)} over 20 questions × 16`,
  };
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const data = loadData();
  log(`pool ${data.pool.length}, validation ${data.val.length}, test ${data.test.length}`);
  const s = buildSetup(data.pool);
  const bases = ["question", "dq-neighbour", "dq-gold"];

  log("validation: LoRe k sweep");
  const valScores = score(s, data.val, await select(s, data.val, K_GRID, new Rng(F.seed + 1)));
  const kSel = chooseK(valScores, bases);
  log(`chosen k on validation: ${JSON.stringify(kSel)}`);

  log("test: every method, scored once");
  const ksTest = [...new Set(Object.values(kSel))];
  const testScores = score(s, data.test, await select(s, data.test, ksTest, new Rng(F.seed + 2)));
  const names = [
    "random",
    "random-lore",
    ...bases.flatMap((b) => [b, `${b}-lore`, `${b}-lore-kval`]),
  ];
  const perQ = (name: string): number[] =>
    name.endsWith("-kval")
      ? testScores.get(`${name.slice(0, -5)}@${kSel[name.slice(0, -10)]}`)!
      : testScores.get(name)!;
  const methods: Record<string, { structureMatch: number; ci: [number, number] }> = {};
  for (const name of names) {
    const b = bootstrapMean(perQ(name), BOOT);
    methods[name] = { structureMatch: r3(b.mean), ci: [r3(b.ci[0]), r3(b.ci[1])] };
  }
  const diff = (a: string, b: string): { delta: number; ci: [number, number] } => {
    const d = bootstrapMean(perQ(a).map((v, i) => v - perQ(b)[i]), BOOT);
    return { delta: r3(d.mean), ci: [r3(d.ci[0]), r3(d.ci[1])] };
  };
  const loreEffect: Record<string, { delta: number; ci: [number, number] }> = {
    random: diff("random-lore", "random"),
  };
  for (const b of bases) {
    loreEffect[b] = diff(`${b}-lore`, b);
    loreEffect[`${b} (k from validation)`] = diff(`${b}-lore-kval`, b);
  }
  const validation: Record<string, Record<string, number>> = {};
  for (const b of bases) {
    validation[b] = { none: r3(mean(valScores.get(b)!)) };
    for (const k of K_GRID) validation[b][`k${k}`] = r3(mean(valScores.get(`${b}-lore@${k}`)!));
  }
  const result = { queries: data.test.length, methods, loreEffect, kSelected: kSel, validation };
  if (F.json !== undefined) await Deno.writeTextFile(F.json, JSON.stringify(result, null, 2));

  const helps = Object.entries(loreEffect).filter(([, e]) => e.ci[0] > 0).map(([b]) => b);
  const hurts = Object.entries(loreEffect).filter(([, e]) => e.ci[1] < 0).map(([b]) => b);
  const verdict =
    `LoRe re-ranking helped (paired 95 % CI above 0) for: ${helps.join(", ") || "none"}; ` +
    `hurt (CI below 0) for: ${hurts.join(", ") || "none"}; otherwise no detectable effect.`;
  const checks: Check[] = [
    centredCheck(s, data.test),
    {
      name: "retrieval by question beats random exemplars (paired CI above 0)",
      ok: diff("question", "random").ci[0] > 0,
      detail: JSON.stringify(diff("question", "random")),
    },
    {
      name: "the gold-solution dual query beats question similarity (the DQ upper bound)",
      ok: diff("dq-gold", "question").ci[0] > 0,
      detail: JSON.stringify(diff("dq-gold", "question")),
    },
  ];
  const figures = [{
    file: "dqlore_k.svg",
    caption: "Validation structure match vs LoRe's k (M = 16, n = 8); dashed: no re-ranking",
    svg: plotSvg({
      title: "LoRe k sweep on validation (GSM8K)",
      xLabel: "k (principal directions kept)",
      yLabel: "mean structure match",
      logX: true,
      series: bases.flatMap((b) => [
        {
          name: `${b}-lore`,
          x: K_GRID,
          y: K_GRID.map((k) => validation[b][`k${k}`]),
          mode: "both" as const,
        },
        { name: `${b} (none)`, x: [1, 16], y: [validation[b].none, validation[b].none] },
      ]),
    }),
  }, {
    file: "dqlore_methods.svg",
    caption:
      "Test structure match per method: mean and 95 % bootstrap interval (x = the table's #)",
    svg: plotSvg({
      title: "Exemplar selection on GSM8K test",
      xLabel: "method (table order)",
      yLabel: "mean structure match",
      // One vertical segment per method: interval ends and the mean as points.
      series: names.map((n, i) => ({
        name: `${i + 1} ${n}`,
        x: [i + 1, i + 1, i + 1],
        y: [methods[n].ci[0], methods[n].structureMatch, methods[n].ci[1]],
        mode: "both" as const,
      })),
    }),
  }];
  await writeReport(F.out, {
    name: "dqlore",
    title: "DQ-LoRe exemplar selection on GSM8K (structure match, no LLM)",
    summary: `${data.test.length} test questions, pool ${data.pool.length} train exemplars, ` +
      `LSA dim ${DIM}, M ${M}, n ${N}. ${verdict} k chosen on ${data.val.length} validation ` +
      `questions: ${JSON.stringify(kSel)}. ${((performance.now() - t0) / 1000).toFixed(1)} s.`,
    tables: [{
      caption: "Test: mean structure match of the 8 selected exemplars (95 % bootstrap CI)",
      header: ["#", "method", "structure match", "CI low", "CI high"],
      rows: names.map((n, i) => [i + 1, n, methods[n].structureMatch, ...methods[n].ci]),
    }, {
      caption: "LoRe effect: paired difference (with LoRe − without) on test",
      header: ["base", "delta", "CI low", "CI high"],
      rows: Object.entries(loreEffect).map(([b, e]) => [b, e.delta, ...e.ci]),
    }],
    figures,
    checks,
    data: result,
  });
}

try {
  await main();
} catch (e) {
  exitWith("experiments/dqlore.ts", e);
}
