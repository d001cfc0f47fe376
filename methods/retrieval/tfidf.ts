/**
 * TF-IDF document vectors (Salton & Buckley, "Term-weighting approaches in automatic text
 * retrieval", IP&M 24, 1988), with scikit-learn's `TfidfVectorizer` conventions: lower-cased
 * tokens of two or more letters/digits, smoothed idf `ln((1 + N)/(1 + df)) + 1`, L2-normalised
 * rows, vocabulary in sorted order.
 *
 * @module
 */
import { intOption, knownKeys } from "./_options.ts";
import type { Csr } from "./sparse.ts";

/** Options of {@link fitTfidf}. */
export interface TfidfOptions {
  /** Keep only terms found in at least this many fitted documents (default 2). */
  minDf?: number;
  /** Term frequency `1 + ln(tf)` instead of the raw count (default false). */
  sublinearTf?: boolean;
}

/** A fitted TF-IDF vocabulary. */
export interface TfidfModel {
  /** Term → column, columns in sorted term order. */
  vocabulary: Map<string, number>;
  /** Smoothed inverse document frequency of each column. */
  idf: Float64Array;
  /** Whether term frequencies are sub-linear. */
  sublinearTf: boolean;
}

const TOKEN = /[\p{L}\p{N}_]{2,}/gu;

/**
 * The tokens of `text`: lower-cased runs of two or more letters, digits or underscores
 * (scikit-learn's default `token_pattern`).
 *
 * @example
 * ```ts
 * import { tokenize } from "./tfidf.ts";
 * console.log(tokenize("Natalia sold 48 clips, a half.")); // ["natalia", "sold", "48", "clips", "half"]
 * ```
 */
export function tokenize(text: string): string[] {
  if (typeof text !== "string") {
    throw new TypeError(`tokenize: text must be a string, got ${typeof text}`);
  }
  return text.toLowerCase().match(TOKEN) ?? [];
}

/**
 * Fits the vocabulary and idf weights on `texts`.
 *
 * @throws {TypeError} for a non-string text or an unknown/mistyped option; {@link RangeError}
 * for `minDf < 1` or when no term reaches `minDf`.
 *
 * @example
 * ```ts
 * import { fitTfidf } from "./tfidf.ts";
 * const m = fitTfidf(["the cat sat", "the dog sat", "a bird"]);
 * console.log([...m.vocabulary.keys()]); // ["sat", "the"]
 * ```
 */
export function fitTfidf(texts: readonly string[], opts: TfidfOptions = {}): TfidfModel {
  knownKeys("fitTfidf", opts, ["minDf", "sublinearTf"]);
  const minDf = intOption("fitTfidf", "minDf", opts.minDf, 2);
  const sublinearTf = opts.sublinearTf ?? false;
  if (typeof sublinearTf !== "boolean") {
    throw new TypeError(`fitTfidf: sublinearTf must be a boolean, got ${String(sublinearTf)}`);
  }
  const df = new Map<string, number>();
  for (const t of texts) for (const w of new Set(tokenize(t))) df.set(w, (df.get(w) ?? 0) + 1);
  const terms = [...df.keys()].filter((w) => df.get(w)! >= minDf).sort();
  if (terms.length === 0) {
    throw new RangeError(
      `fitTfidf: no term occurs in ${minDf} or more of the ${texts.length} texts`,
    );
  }
  const n = texts.length;
  const idf = Float64Array.from(terms, (w) => Math.log((1 + n) / (1 + df.get(w)!)) + 1);
  return { vocabulary: new Map(terms.map((w, i) => [w, i])), idf, sublinearTf };
}

/**
 * The L2-normalised TF-IDF rows of `texts` under a fitted model, as a CSR matrix
 * (`texts.length × vocabulary size`). Unknown terms are ignored (they have no column); a text
 * without any known term is a zero row.
 *
 * @example
 * ```ts
 * import { fitTfidf, tfidfTransform } from "./tfidf.ts";
 * const m = fitTfidf(["the cat sat", "the dog sat"], { minDf: 1 });
 * const x = tfidfTransform(m, ["the cat"]);
 * console.log(x.rows, x.cols, x.indices); // 1 4 Int32Array [0, 3]
 * ```
 */
export function tfidfTransform(model: TfidfModel, texts: readonly string[]): Csr {
  const indptr = new Int32Array(texts.length + 1);
  const indices: number[] = [], values: number[] = [];
  texts.forEach((t, i) => {
    const counts = new Map<number, number>();
    for (const w of tokenize(t)) {
      const j = model.vocabulary.get(w);
      if (j !== undefined) counts.set(j, (counts.get(j) ?? 0) + 1);
    }
    const cols = [...counts.keys()].sort((a, b) => a - b);
    const row = cols.map((j) => {
      const tf = counts.get(j)!;
      return (model.sublinearTf ? 1 + Math.log(tf) : tf) * model.idf[j];
    });
    const norm = Math.hypot(...row);
    cols.forEach((j, p) => {
      indices.push(j);
      values.push(row[p] / norm);
    });
    indptr[i + 1] = indices.length;
  });
  return {
    rows: texts.length,
    cols: model.idf.length,
    indptr,
    indices: Int32Array.from(indices),
    values: Float64Array.from(values),
  };
}
