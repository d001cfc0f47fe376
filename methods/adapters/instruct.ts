/**
 * Instruction-tuning data in the Alpaca format (Taori et al. 2023, `instruction` / `input` /
 * `output`), as used by BioInstruct (Tran et al., "BioInstruct: instruction tuning of large
 * language models for biomedical natural language processing", JAMIA 2024). Spec:
 * `specs/compression_optim_attention.md` §11: the Alpaca prompt template, a small word- or
 * character-level tokenizer, next-token labels with the prompt masked by −100 (a flag trains on
 * the prompt too, as alpaca-lora's default), EOS appended, and right-padded batches ready for
 * `llamaLoss`.
 *
 * @module
 */

/** One instruction example in the Alpaca JSON format. */
export interface AlpacaExample {
  /** The task description. */
  instruction: string;
  /** Optional context (empty string when the task has none). */
  input: string;
  /** The reference response. */
  output: string;
}

/**
 * Which prompt wording to use: Alpaca's own, or the same sections without the preamble.
 *
 * @example
 * ```ts
 * import { formatPrompt, type PromptTemplate } from "./instruct.ts";
 * const template: PromptTemplate = "compact";
 * const ex = { instruction: "Add 2 and 3.", input: "", output: "5" };
 * console.log(formatPrompt(ex, template).includes("Add 2 and 3.")); // true
 * ```
 */
export type PromptTemplate = "alpaca" | "compact";

const PREAMBLE_INPUT = "Below is an instruction that describes a task, paired with an input " +
  "that provides further context. Write a response that appropriately completes the request.\n\n";
const PREAMBLE_NO_INPUT = "Below is an instruction that describes a task. " +
  "Write a response that appropriately completes the request.\n\n";

/**
 * The prompt of an example (everything before the response): Alpaca's template with or
 * without the `### Input:` section. `"compact"` keeps the three sections and drops the
 * preamble sentence, which a tiny model only pays for in sequence length.
 *
 * @example
 * ```ts
 * import { formatPrompt } from "./instruct.ts";
 * const p = formatPrompt({ instruction: "Expand.", input: "BP", output: "blood pressure" }, "compact");
 * console.log(JSON.stringify(p)); // "### Instruction:\nExpand.\n\n### Input:\nBP\n\n### Response:\n"
 * ```
 */
export function formatPrompt(ex: AlpacaExample, template: PromptTemplate = "alpaca"): string {
  checkExample("formatPrompt", ex);
  if (template !== "alpaca" && template !== "compact") {
    throw new RangeError(`formatPrompt: template must be "alpaca" or "compact", got ${template}`);
  }
  const hasInput = ex.input.length > 0;
  const pre = template === "compact" ? "" : hasInput ? PREAMBLE_INPUT : PREAMBLE_NO_INPUT;
  const input = hasInput ? `### Input:\n${ex.input}\n\n` : "";
  return `${pre}### Instruction:\n${ex.instruction}\n\n${input}### Response:\n`;
}

/**
 * Throws a TypeError naming `fn` unless `ex` has string `instruction`, `input` and `output`.
 *
 * @example
 * ```ts
 * import { checkExample } from "./instruct.ts";
 * checkExample("demo", { instruction: "Say hi.", input: "", output: "hi" }); // passes
 * ```
 */
export function checkExample(fn: string, ex: unknown): asserts ex is AlpacaExample {
  const e = ex as Record<string, unknown> | null;
  for (const k of ["instruction", "input", "output"]) {
    if (typeof e !== "object" || e === null || typeof e[k] !== "string") {
      throw new TypeError(
        `${fn}: example field "${k}" must be a string, got ${JSON.stringify(ex)}`,
      );
    }
  }
}

/**
 * Parses an Alpaca JSON data file (an array of `{ instruction, input?, output }`); a missing
 * `input` reads as `""`, as in the Alpaca release. Anything else is a TypeError naming the entry.
 *
 * @example
 * ```ts
 * import { parseAlpacaJson } from "./instruct.ts";
 * const d = parseAlpacaJson('[{"instruction": "Expand.", "output": "heart rate"}]');
 * console.log(d[0].input === ""); // true
 * ```
 */
export function parseAlpacaJson(text: string): AlpacaExample[] {
  const raw: unknown = JSON.parse(text);
  if (!Array.isArray(raw)) throw new TypeError("parseAlpacaJson: the file is not a JSON array");
  return raw.map((e, i) => {
    const ex = { input: "", ...(e as object) } as Record<string, unknown>;
    checkExample(`parseAlpacaJson: entry ${i}`, ex);
    return { instruction: ex.instruction, input: ex.input, output: ex.output } as AlpacaExample;
  });
}

/** A tokenizer vocabulary with the four special tokens at ids 0–3. */
export interface Tokenizer {
  /** `"word"`: words (with their leading space), single digits, punctuation runs, whitespace. */
  readonly level: "word" | "char";
  /** Token strings by id; ids 0–3 are `<pad>`, `<s>`, `</s>`, `<unk>`. */
  readonly vocab: readonly string[];
  /** Id of each token string. */
  readonly index: ReadonlyMap<string, number>;
}

/**
 * Padding id.
 *
 * @example
 * ```ts
 * import { PAD_ID } from "./instruct.ts";
 * const padded = [7, 8, PAD_ID, PAD_ID];
 * console.log(padded.filter((id) => id !== PAD_ID).length); // 2
 * ```
 */
export const PAD_ID = 0;
/**
 * Beginning-of-sequence id.
 *
 * @example
 * ```ts
 * import { BOS_ID } from "./instruct.ts";
 * console.log(BOS_ID); // 1
 * ```
 */
export const BOS_ID = 1;
/**
 * End-of-sequence id.
 *
 * @example
 * ```ts
 * import { EOS_ID } from "./instruct.ts";
 * const generated = [5, 9, EOS_ID];
 * console.log(generated.indexOf(EOS_ID)); // 2
 * ```
 */
export const EOS_ID = 2;
/**
 * Unknown-piece id.
 *
 * @example
 * ```ts
 * import { UNK_ID } from "./instruct.ts";
 * console.log(UNK_ID); // 3
 * ```
 */
export const UNK_ID = 3;
const SPECIALS = ["<pad>", "<s>", "</s>", "<unk>"];

// A word keeps its leading space (as SentencePiece's "▁"), numbers split into single digits
// (as Llama's tokenizer) so that arithmetic answers are composed digit by digit, and every
// whitespace character that is not a word's leading space is its own piece: the pieces of a
// text always concatenate back to the text.
const WORD_PIECES = / ?[A-Za-z]+| ?[0-9]| ?[^\sA-Za-z0-9]+|\s/g;

/**
 * Splits text into pieces (words with their leading space, digits, punctuation runs, single
 * whitespace characters; or characters). Their concatenation is the text.
 *
 * @example
 * ```ts
 * import { splitPieces } from "./instruct.ts";
 * console.log(splitPieces("Take 25 mg.\n", "word")); // ["Take", " 2", "5", " mg", ".", "\n"]
 * ```
 */
export function splitPieces(text: string, level: "word" | "char"): string[] {
  if (typeof text !== "string") throw new TypeError(`splitPieces: text must be a string`);
  if (level === "char") return [...text];
  if (level !== "word") {
    throw new RangeError(`splitPieces: level must be "word" or "char", got ${String(level)}`);
  }
  return text.match(WORD_PIECES) ?? [];
}

/**
 * A tokenizer whose vocabulary is every piece of `texts` (the specials first, then pieces in
 * order of first appearance, so the ids are reproducible).
 *
 * @example
 * ```ts
 * import { buildTokenizer } from "./instruct.ts";
 * const tok = buildTokenizer(["blood pressure"], { level: "word" });
 * console.log(tok.vocab); // ["<pad>", "<s>", "</s>", "<unk>", "blood", " pressure"]
 * ```
 */
export function buildTokenizer(
  texts: Iterable<string>,
  opts: { level?: "word" | "char" } = {},
): Tokenizer {
  const level = opts.level ?? "word";
  const vocab = [...SPECIALS];
  const index = new Map(vocab.map((t, i) => [t, i]));
  for (const text of texts) {
    for (const p of splitPieces(text, level)) {
      if (!index.has(p)) {
        index.set(p, vocab.length);
        vocab.push(p);
      }
    }
  }
  return { level, vocab, index };
}

/**
 * Token ids of `text` (no specials added). A piece outside the vocabulary maps to `<unk>`, or
 * throws a RangeError naming it with `strict`.
 *
 * @example
 * ```ts
 * import { buildTokenizer, decode, encode } from "./instruct.ts";
 * const tok = buildTokenizer(["heart rate"]);
 * console.log(encode(tok, "heart rate"), encode(tok, "rate")); // [4, 5] [3]
 * ```
 */
export function encode(tok: Tokenizer, text: string, opts: { strict?: boolean } = {}): number[] {
  return splitPieces(text, tok.level).map((p) => {
    const id = tok.index.get(p);
    if (id !== undefined) return id;
    if (opts.strict) throw new RangeError(`encode: piece ${JSON.stringify(p)} is not in the vocab`);
    return UNK_ID;
  });
}

/**
 * The text of token `ids`; special tokens are dropped unless `keepSpecial`. An id outside the
 * vocabulary is a RangeError.
 *
 * @example
 * ```ts
 * import { buildTokenizer, decode, EOS_ID } from "./instruct.ts";
 * const tok = buildTokenizer(["ab"], { level: "char" });
 * console.log(decode(tok, [4, 5, EOS_ID]), decode(tok, [4, EOS_ID], { keepSpecial: true })); // ab a</s>
 * ```
 */
export function decode(
  tok: Tokenizer,
  ids: readonly number[],
  opts: { keepSpecial?: boolean } = {},
): string {
  let s = "";
  for (const id of ids) {
    if (!Number.isInteger(id) || id < 0 || id >= tok.vocab.length) {
      throw new RangeError(`decode: id ${id} is not in [0, ${tok.vocab.length})`);
    }
    if (id < SPECIALS.length && !opts.keepSpecial) continue;
    s += tok.vocab[id];
  }
  return s;
}

/** Options of {@link encodeExample}. */
export interface EncodeOptions {
  /** Prompt wording (default `"alpaca"`). */
  template?: PromptTemplate;
  /**
   * Also train on the prompt tokens (alpaca-lora's `train_on_inputs=True`). Default false:
   * prompt labels are `ignoreIndex`, so the loss is on the response (and EOS) only.
   */
  trainOnInputs?: boolean;
  /** Longest allowed sequence (alpaca-lora `cutoff_len`, default 256); longer is a RangeError. */
  cutoff?: number;
  /** Label of a position that does not count (default −100, PyTorch's `ignore_index`). */
  ignoreIndex?: number;
}

/** A tokenized example: `ids` is `<s> prompt response </s>`, `labels` has the same length. */
export interface EncodedExample {
  /** Token ids. */
  ids: number[];
  /** Per-position labels (transformers convention: equal to `ids`, the prompt masked). */
  labels: number[];
  /** Number of prompt tokens, `<s>` included. */
  promptLength: number;
}

/**
 * Tokenizes one example as alpaca-lora does: `<s>` + prompt + response + `</s>`, labels equal
 * to the ids with the prompt positions set to `ignoreIndex` (unless `trainOnInputs`). Nothing
 * is truncated: a sequence over `cutoff` is a RangeError naming its length.
 *
 * @example
 * ```ts
 * import { buildTokenizer, encodeExample, formatPrompt } from "./instruct.ts";
 * const ex = { instruction: "Expand.", input: "HR", output: "heart rate" };
 * const tok = buildTokenizer([formatPrompt(ex, "compact") + ex.output]);
 * const e = encodeExample(tok, ex, { template: "compact" });
 * console.log(e.labels.slice(e.promptLength), e.labels[0]); // [13, 14, 2] -100
 * ```
 */
export function encodeExample(
  tok: Tokenizer,
  ex: AlpacaExample,
  opts: EncodeOptions = {},
): EncodedExample {
  const prompt = [BOS_ID, ...encode(tok, formatPrompt(ex, opts.template))];
  // The response is tokenized on its own, as the prompt's last piece is a newline: the split
  // at the prompt boundary is then the same as tokenizing the whole text at once.
  const ids = [...prompt, ...encode(tok, ex.output), EOS_ID];
  const cutoff = opts.cutoff ?? 256;
  if (ids.length > cutoff) {
    throw new RangeError(`encodeExample: ${ids.length} tokens exceed the cutoff ${cutoff}`);
  }
  const ignore = opts.ignoreIndex ?? -100;
  const labels = ids.map((id, i) => (i < prompt.length && !opts.trainOnInputs ? ignore : id));
  return { ids, labels, promptLength: prompt.length };
}

/** Integer ids `[B, T]` in the form `llamaForward` / `llamaLoss` accept. */
export interface IdBatch {
  /** `[B, T]`. */
  shape: number[];
  /** Row-major ids. */
  data: Int32Array;
}

/**
 * A right-padded next-token batch: row b's `ids` are the example's tokens but the last, its
 * `targets` the tokens shifted by one with masked labels kept masked; padding gets `PAD_ID` as
 * input and `ignoreIndex` as target, so it never counts (and, being after the real tokens, is
 * never attended to by them under the causal mask).
 *
 * @example
 * ```ts
 * import { makeBatch } from "./instruct.ts";
 * const b = makeBatch([{ ids: [1, 5, 6, 2], labels: [-100, -100, 6, 2], promptLength: 2 }]);
 * console.log(b.ids.data, b.targets.data); // Int32Array(3) [1, 5, 6] Int32Array(3) [-100, 6, 2]
 * ```
 */
export function makeBatch(
  examples: readonly EncodedExample[],
  opts: { ignoreIndex?: number } = {},
): { ids: IdBatch; targets: IdBatch } {
  if (examples.length === 0) throw new RangeError("makeBatch: no examples");
  const ignore = opts.ignoreIndex ?? -100;
  let t = 0;
  for (const [i, e] of examples.entries()) {
    if (e.ids.length < 2 || e.labels.length !== e.ids.length) {
      throw new RangeError(
        `makeBatch: example ${i} has ${e.ids.length} ids and ${e.labels.length} labels`,
      );
    }
    t = Math.max(t, e.ids.length - 1);
  }
  const b = examples.length;
  const ids = new Int32Array(b * t).fill(PAD_ID), targets = new Int32Array(b * t).fill(ignore);
  examples.forEach((e, r) => {
    for (let j = 0; j + 1 < e.ids.length; j++) {
      ids[r * t + j] = e.ids[j];
      targets[r * t + j] = e.labels[j + 1];
    }
  });
  return { ids: { shape: [b, t], data: ids }, targets: { shape: [b, t], data: targets } };
}
