/**
 * The DQ-LoRe pipeline with a deterministic toy encoder and a recording generator: each step
 * (initial retrieval, first query, second query, LoRe) checked against a direct computation,
 * and each option seen.
 */
import assert, { deepEqual as assertEquals } from "node:assert/strict";
import { Rng } from "../../../ops/random.ts";
import { type Tensor, tensor } from "../../../ops/tensor.ts";
import {
  dqLore,
  type DqLoreOptions,
  type Exemplar,
  exemplarText,
} from "../../../methods/retrieval/dq.ts";
import { InnerProductIndex } from "../../../methods/retrieval/index.ts";
import { loreRerank } from "../../../methods/retrieval/lore.ts";

const D = 6;

/** A fixed random embedding per word, summed over the words of a text. */
function toyEncoder(): (texts: readonly string[]) => Tensor {
  const table = new Map<string, number[]>();
  return (texts) =>
    tensor(texts.map((t) => {
      const v = new Array(D).fill(0);
      for (const w of t.split(/\s+/).filter(Boolean)) {
        if (!table.has(w)) {
          const rng = new Rng([...w].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7));
          table.set(w, Array.from({ length: D }, () => rng.normal()));
        }
        table.get(w)!.forEach((x, j) => (v[j] += x));
      }
      return v;
    }));
}

const WORDS = ["add", "times", "half", "each", "total", "left", "apples", "cost", "more", "less"];

function pool(n: number): Exemplar[] {
  const rng = new Rng(3);
  const pick = (k: number): string => Array.from({ length: k }, () => WORDS[rng.int(10)]).join(" ");
  return Array.from({ length: n }, () => ({ question: pick(5), solution: pick(8) }));
}

function setup(): { opts: DqLoreOptions; calls: { q: string; ex: readonly Exemplar[] }[] } {
  const encoder = toyEncoder();
  const exemplars = pool(40);
  const calls: { q: string; ex: readonly Exemplar[] }[] = [];
  const opts: DqLoreOptions = {
    encoder,
    exemplars,
    index: new InnerProductIndex(encoder(exemplars.map(exemplarText))),
    questionIndex: new InnerProductIndex(encoder(exemplars.map((e) => e.question))),
    generate: (q, ex) => {
      calls.push({ q, ex });
      return Promise.resolve("half each times left");
    },
  };
  return { opts, calls };
}

Deno.test("dqLore: initial retrieval, first query, second query and LoRe, step by step", async () => {
  const { opts, calls } = setup();
  const q = "apples cost more times";
  const r = await dqLore(q, opts);
  const enc = opts.encoder;
  const initial = opts.questionIndex!.search(enc([q]), 8).ids[0];
  assertEquals(r.initial, initial);
  assertEquals(calls, [{ q, ex: initial.map((i) => opts.exemplars[i]) }]);
  assertEquals(r.firstQuery, "half each times left");
  const eq = enc([`${q}\nhalf each times left`]);
  const cands = opts.index.search(eq, 16).ids[0];
  assertEquals(r.candidates, cands);
  // LoRe on the re-encoded candidates ("question + CoT" texts): the index rows are exactly that.
  const reEncoded = enc(cands.map((i) => exemplarText(opts.exemplars[i])));
  assertEquals(r.selected, loreRerank(eq, reEncoded, { n: 8 }).map((j) => cands[j]));
  assertEquals(r.selected.length, 8);
  assert.notDeepEqual(r.selected, cands.slice(0, 8)); // re-ranking changed the order here
});

Deno.test("dqLore options: rerank, initial, m, n, k, score and questionIndex each have an effect", async () => {
  const { opts, calls } = setup();
  const q = "apples cost more times";
  const base = await dqLore(q, opts);
  assertEquals((await dqLore(q, { ...opts, rerank: false })).selected, base.candidates.slice(0, 8));
  await dqLore(q, { ...opts, initial: 3 });
  assertEquals(calls.at(-1)!.ex.length, 3);
  const m5 = await dqLore(q, { ...opts, m: 5 });
  assertEquals(m5.candidates, base.candidates.slice(0, 5));
  assertEquals(m5.selected.length, 5);
  assertEquals((await dqLore(q, { ...opts, n: 3 })).selected, base.selected.slice(0, 3));
  const eq = opts.encoder([`${q}\nhalf each times left`]);
  const rows = opts.index.rows(base.candidates);
  const all = (await dqLore(q, { ...opts, n: 16 })).selected;
  for (const extra of [{ k: 1 }, { score: "cosine" as const }]) {
    const want = loreRerank(eq, rows, { n: 16, ...extra }).map((j) => base.candidates[j]);
    assert.notDeepEqual(want, all);
    assertEquals((await dqLore(q, { ...opts, n: 16, ...extra })).selected, want);
  }
  const { questionIndex: _, ...noQ } = opts;
  const viaIndex = await dqLore(q, noQ);
  assertEquals(viaIndex.initial, opts.index.search(opts.encoder([q]), 8).ids[0]);
  assert.notDeepEqual(viaIndex.initial, base.initial);
});

Deno.test("dqLore: bad options and a misbehaving encoder or generator are clear errors", async () => {
  const { opts } = setup();
  const rejects = (o: unknown, ctor: typeof Error, text: string): Promise<void> =>
    assert.rejects(dqLore("q", o as DqLoreOptions), (e: Error) => {
      assert.ok(e instanceof ctor, `${e}`);
      assert.ok(e.message.includes(text), e.message);
      return true;
    });
  await rejects({ ...opts, M: 4 }, TypeError, 'unknown option "M"');
  await rejects({ ...opts, encoder: 3 }, TypeError, "encoder must be a function");
  await rejects({ ...opts, index: {} }, TypeError, "index must be an InnerProductIndex");
  await rejects({ ...opts, exemplars: opts.exemplars.slice(1) }, RangeError, "array of 40");
  await rejects({ ...opts, m: 0 }, RangeError, "m must be an integer >= 1, got 0");
  await rejects({ ...opts, rerank: "yes" }, TypeError, "rerank must be a boolean");
  await rejects({ ...opts, score: "l1" }, TypeError, 'got "l1"');
  await rejects({ ...opts, generate: () => Promise.resolve(3) }, TypeError, "resolve to a string");
  await rejects({ ...opts, encoder: () => tensor([1, 2]) }, RangeError, "1 x d Tensor");
  const small = new InnerProductIndex(tensor([[1, 0, 0, 0, 0, 0]]));
  await rejects({ ...opts, questionIndex: small }, RangeError, "questionIndex has 1 rows");
});
