/**
 * Character-level text corpora (for example `../shared/data/tinyshakespeare/input.txt`): the
 * vocabulary of distinct characters, an encoder/decoder, and the contiguous train/validation
 * split (first part train, last part validation).
 *
 * @module
 */
import { checkOptionKeys } from "./_text_lines.ts";

/** Options of {@link charCorpusFromText} and {@link readCharCorpus}. */
export interface CharCorpusOptions {
  /**
   * Fraction of the characters, taken from the end, that form the validation part (default
   * 0.1, in [0, 1)). Train gets the first `floor(n · (1 − valFraction))` characters.
   */
  valFraction?: number;
}

/** A character-level corpus: text, vocabulary, codec and the encoded split. */
export interface CharCorpus {
  /** The whole text, unchanged. */
  text: string;
  /** The distinct characters (Unicode code points) of the text, sorted by code point. */
  vocab: string[];
  /** Ids (indices into `vocab`) of the characters of `s`; a RangeError on a character outside it. */
  encode(s: string): Int32Array;
  /** The string of the ids; a RangeError on an id outside `[0, vocab.length)`. */
  decode(ids: ArrayLike<number>): string;
  /** Ids of the first part of the text. */
  train: Int32Array;
  /** Ids of the last part of the text. */
  val: Int32Array;
}

function checkValFraction(fn: string, v: unknown): number {
  if (v === undefined) return 0.1;
  if (typeof v !== "number") {
    throw new TypeError(`${fn}: valFraction must be a number, got ${typeof v}`);
  }
  if (!(v >= 0 && v < 1)) {
    throw new RangeError(`${fn}: valFraction must be a number in [0, 1), got ${String(v)}`);
  }
  return v;
}

function buildVocab(text: string): { vocab: string[]; idOf: Map<number, number> } {
  const seen = new Set<number>();
  for (const ch of text) seen.add(ch.codePointAt(0)!);
  const points = [...seen].sort((a, b) => a - b); // code point order, as Python's sorted(set(text))
  const idOf = new Map<number, number>();
  points.forEach((p, i) => idOf.set(p, i));
  return { vocab: points.map((p) => String.fromCodePoint(p)), idOf };
}

function makeEncode(idOf: Map<number, number>): (s: string) => Int32Array {
  return (s: string): Int32Array => {
    if (typeof s !== "string") throw new TypeError(`encode: s must be a string, got ${typeof s}`);
    const ids = new Int32Array(s.length); // at most one code point per UTF-16 unit
    let n = 0;
    for (const ch of s) {
      const id = idOf.get(ch.codePointAt(0)!);
      if (id === undefined) {
        const what = JSON.stringify(ch);
        throw new RangeError(`encode: character ${what} at position ${n} is not in the vocabulary`);
      }
      ids[n++] = id;
    }
    return n === s.length ? ids : ids.slice(0, n);
  };
}

function makeDecode(vocab: readonly string[]): (ids: ArrayLike<number>) => string {
  return (ids: ArrayLike<number>): string => {
    const parts = new Array<string>(ids.length);
    for (let i = 0; i < ids.length; i++) {
      const ch = vocab[ids[i]];
      if (!Number.isInteger(ids[i]) || ch === undefined) {
        throw new RangeError(
          `decode: ids[${i}] = ${ids[i]} is not an id in [0, ${vocab.length})`,
        );
      }
      parts[i] = ch;
    }
    return parts.join("");
  };
}

function corpus(fn: string, text: unknown, opts: CharCorpusOptions, source: string): CharCorpus {
  checkOptionKeys(fn, opts, ["valFraction"]);
  const valFraction = checkValFraction(fn, opts.valFraction);
  if (typeof text !== "string") {
    throw new TypeError(`${fn}: text must be a string, got ${typeof text}`);
  }
  const { vocab, idOf } = buildVocab(text);
  const encode = makeEncode(idOf);
  const ids = encode(text);
  const nTrain = Math.floor(ids.length * (1 - valFraction));
  if (nTrain === 0 || (valFraction > 0 && nTrain === ids.length)) {
    throw new RangeError(
      `${fn}: ${source}: too few characters (${ids.length}) for valFraction ${valFraction}: ` +
        `train would get ${nTrain}, validation ${ids.length - nTrain}`,
    );
  }
  return {
    text,
    vocab,
    encode,
    decode: makeDecode(vocab),
    train: ids.slice(0, nTrain),
    val: ids.slice(nTrain),
  };
}

/**
 * Builds a character-level corpus of `text`: the vocabulary is the sorted set of its characters
 * (code points), and its ids are split into the first `floor(n · (1 − valFraction))` for
 * training and the rest for validation (the split of `../shared/data/tinyshakespeare`). A
 * RangeError when a part that should be non-empty would be empty (including empty text); a
 * TypeError on an unknown option key.
 *
 * @example
 * ```ts
 * import { charCorpusFromText } from "./text_corpus.ts";
 * const c = charCorpusFromText("hello world", { valFraction: 0.2 });
 * console.log(c.vocab.join(""), c.train.length, c.val.length); // " dehlorw" 8 3
 * console.log(c.decode(c.encode("lower"))); // lower
 * ```
 */
export function charCorpusFromText(text: string, opts: CharCorpusOptions = {}): CharCorpus {
  return corpus("charCorpusFromText", text, opts, "<text>");
}

/**
 * Reads a UTF-8 text file as a character-level corpus (see {@link charCorpusFromText}).
 * Synchronous; `await` on the result is harmless.
 *
 * @example
 * ```ts
 * import { readCharCorpus } from "./text_corpus.ts";
 * const path = Deno.makeTempFileSync({ suffix: ".txt" });
 * Deno.writeTextFileSync(path, "abcabcabca");
 * const c = readCharCorpus(path);
 * console.log(c.vocab, c.train.length, c.val.length); // [ "a", "b", "c" ] 9 1
 * Deno.removeSync(path);
 * ```
 */
export function readCharCorpus(path: string, opts: CharCorpusOptions = {}): CharCorpus {
  checkOptionKeys("readCharCorpus", opts, ["valFraction"]);
  return corpus("readCharCorpus", Deno.readTextFileSync(path), opts, path);
}
