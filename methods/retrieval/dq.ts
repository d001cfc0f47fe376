/**
 * The DQ-LoRe exemplar-selection pipeline (Xiong et al., ICLR 2024; spec
 * `specs/compression_optim_attention.md` §8, steps 2–4) with pluggable parts: an encoder, a
 * first-query generator (an LLM, or a stand-in), and an exact inner-product index.
 *
 * @module
 */
import { Tensor } from "../../ops/tensor.ts";
import { choiceOption, intOption, knownKeys } from "./_options.ts";
import { InnerProductIndex } from "./index.ts";
import { loreRerank, type LoreScore } from "./lore.ts";

/** Maps texts to embeddings, one row per text (`texts.length × d`). */
export type Encoder = (texts: readonly string[]) => Tensor;

/** A training example that can go into a prompt: its question and worked solution (CoT). */
export interface Exemplar {
  /** The question. */
  question: string;
  /** The worked solution (chain of thought). */
  solution: string;
}

/**
 * The first query (spec §8 step 2): given the question and the initial exemplars, returns the
 * generated chain of thought (for example {@link openAiChatGenerator}'s LLM call).
 */
export type FirstQueryGenerator = (
  question: string,
  exemplars: readonly Exemplar[],
) => Promise<string>;

/** Options of {@link dqLore}. */
export interface DqLoreOptions {
  /** The encoder; must be the one that built `index`. */
  encoder: Encoder;
  /** Index over `encoder(exemplars.map(exemplarText))`, row i = exemplar i. */
  index: InnerProductIndex;
  /** The exemplar pool, in index order. */
  exemplars: readonly Exemplar[];
  /** The first-query generator. */
  generate: FirstQueryGenerator;
  /**
   * Index the first query retrieves its initial exemplars from with `encoder([question])`
   * (default `index`); e.g. an index over the exemplars' questions alone.
   */
  questionIndex?: InnerProductIndex;
  /** Initial exemplars given to the first query (default 8). */
  initial?: number;
  /** Candidates retrieved by the second query (default 16, the authors' script). */
  m?: number;
  /** Exemplars selected (default 8). */
  n?: number;
  /** LoRe's principal directions (default 128). */
  k?: number;
  /** LoRe's score (default `"dot"`). */
  score?: LoreScore;
  /** Re-rank the M candidates with LoRe (default true); false keeps the second query's top n. */
  rerank?: boolean;
}

/** What {@link dqLore} did for one question. */
export interface DqLoreResult {
  /** Ids of the initial exemplars given to the first query. */
  initial: number[];
  /** The first query's generated text. */
  firstQuery: string;
  /** Ids of the top-M candidates of the second query, best first. */
  candidates: number[];
  /** Ids of the selected exemplars, in prompt order. */
  selected: number[];
}

/**
 * The text an exemplar is indexed and re-encoded by: question and solution on separate lines
 * (also the `q ⊕ c` of the second query).
 *
 * @example
 * ```ts
 * import { exemplarText } from "./dq.ts";
 * console.log(exemplarText({ question: "1+1?", solution: "2" })); // "1+1?\n2"
 * ```
 */
export function exemplarText(e: Exemplar): string {
  return `${e.question}\n${e.solution}`;
}

/**
 * Selects exemplars for `question` by DQ-LoRe: (1) the initial exemplars by `encoder([q])` from
 * `questionIndex`; (2) the first query `c = generate(q, initial)`; (3) the second query
 * `e_q = encoder([q ⊕ c])` and its top-M exemplars by inner product; (4) LoRe re-ranking of
 * those M by {@link loreRerank} and the top n. The candidates' embeddings are their index rows:
 * with the same encoder that is exactly the re-encoding of their "question + CoT" text.
 *
 * Cites: Xiong, Zeng et al., "DQ-LoRe", ICLR 2024; spec §8.
 *
 * @throws {TypeError} for an unknown or mistyped option, or a generator that does not resolve
 * to a string; {@link RangeError} for an encoder output of the wrong shape or a pool of another
 * size than the index.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { dqLore, exemplarText } from "./dq.ts";
 * import { InnerProductIndex } from "./index.ts";
 * // A toy encoder: counts of "+" and "*" and a constant.
 * const encoder = (texts: readonly string[]) =>
 *   tensor(texts.map((t) => [t.split("+").length - 1, t.split("*").length - 1, 1]));
 * const exemplars = [
 *   { question: "a", solution: "1+1" }, { question: "b", solution: "2*3" },
 *   { question: "c", solution: "2*3*4" }, { question: "d", solution: "1+2+3" },
 * ];
 * const index = new InnerProductIndex(encoder(exemplars.map(exemplarText)));
 * const r = await dqLore("q", {
 *   encoder, index, exemplars, generate: async () => "4*5", m: 4, n: 2, initial: 1,
 * });
 * console.log(r.selected); // [2, 1]
 * ```
 */
export async function dqLore(question: string, opts: DqLoreOptions): Promise<DqLoreResult> {
  const fn = "dqLore";
  const o = checkDqOptions(opts);
  if (typeof question !== "string") {
    throw new TypeError(`${fn}: question must be a string, got ${typeof question}`);
  }
  const initial = o.questionIndex.search(encodeOne(o.encoder, question), o.initial).ids[0];
  const firstQuery = await o.generate(question, initial.map((i) => o.exemplars[i]));
  if (typeof firstQuery !== "string") {
    throw new TypeError(`${fn}: generate must resolve to a string, got ${typeof firstQuery}`);
  }
  const eq = encodeOne(o.encoder, exemplarText({ question, solution: firstQuery }));
  const candidates = o.index.search(eq, o.m).ids[0];
  const selected = o.rerank
    ? loreRerank(eq, o.index.rows(candidates), { k: o.k, n: o.n, score: o.score })
      .map((j) => candidates[j])
    : candidates.slice(0, o.n);
  return { initial, firstQuery, candidates, selected };
}

type CheckedDq = Required<DqLoreOptions>;

function checkDqOptions(opts: DqLoreOptions): CheckedDq {
  const fn = "dqLore";
  knownKeys(fn, opts, [
    "encoder",
    "index",
    "exemplars",
    "generate",
    "questionIndex",
    "initial",
    "m",
    "n",
    "k",
    "score",
    "rerank",
  ]);
  for (const f of ["encoder", "generate"] as const) {
    if (typeof opts[f] !== "function") throw new TypeError(`${fn}: ${f} must be a function`);
  }
  for (const f of ["index", "questionIndex"] as const) {
    if (opts[f] !== undefined && !(opts[f] instanceof InnerProductIndex)) {
      throw new TypeError(`${fn}: ${f} must be an InnerProductIndex`);
    }
  }
  if (opts.index === undefined) throw new TypeError(`${fn}: index must be an InnerProductIndex`);
  if (!Array.isArray(opts.exemplars) || opts.exemplars.length !== opts.index.size) {
    throw new RangeError(
      `${fn}: exemplars must be an array of ${opts.index.size} (the index size), got ${
        Array.isArray(opts.exemplars) ? opts.exemplars.length : typeof opts.exemplars
      }`,
    );
  }
  const questionIndex = opts.questionIndex ?? opts.index;
  if (questionIndex.size !== opts.index.size) {
    throw new RangeError(
      `${fn}: questionIndex has ${questionIndex.size} rows, index has ${opts.index.size}`,
    );
  }
  if (opts.rerank !== undefined && typeof opts.rerank !== "boolean") {
    throw new TypeError(`${fn}: rerank must be a boolean, got ${String(opts.rerank)}`);
  }
  return {
    ...opts,
    questionIndex,
    initial: intOption(fn, "initial", opts.initial, 8),
    m: intOption(fn, "m", opts.m, 16),
    n: intOption(fn, "n", opts.n, 8),
    k: intOption(fn, "k", opts.k, 128),
    score: choiceOption(fn, "score", opts.score, ["dot", "cosine"]),
    rerank: opts.rerank ?? true,
  };
}

function encodeOne(encoder: Encoder, text: string): Tensor {
  const e = encoder([text]);
  if (!(e instanceof Tensor) || e.ndim !== 2 || e.shape[0] !== 1) {
    throw new RangeError(
      `dqLore: the encoder must return a 1 x d Tensor for one text, got ${
        e instanceof Tensor ? `shape [${e.shape.join(", ")}]` : typeof e
      }`,
    );
  }
  return e;
}
