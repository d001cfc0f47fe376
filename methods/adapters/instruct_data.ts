/**
 * A small synthetic biomedical instruction set in the Alpaca format, standing in for
 * BioInstruct's GPT-4-generated one (Tran et al., JAMIA 2024; spec
 * `specs/compression_optim_attention.md` §11, "small scale: 1–5k synthetic instruction
 * triples"). Four task families with answers that code computes, so greedy answers can be
 * scored by exact match: abbreviation expansion, unit conversion (g ↔ mg), total daily dose
 * (dose × frequency) and classifying a symptom list by organ system. A plain-text corpus states
 * the same facts without any instruction wording, for pretraining a base model that "knows"
 * them but has never seen the instruction format.
 *
 * @module
 */
import { Rng } from "../../ops/random.ts";
import type { AlpacaExample } from "./instruct.ts";

/** An instruction example with its task family (not part of the Alpaca fields). */
export interface BioExample extends AlpacaExample {
  /** `"abbreviation" | "conversion" | "dose" | "classification"`. */
  task: string;
}

// Expansions whose word initials spell the abbreviation (checked by the tests).
const ABBREVIATIONS: [string, string][] = [
  ["BP", "blood pressure"],
  ["HR", "heart rate"],
  ["RR", "respiratory rate"],
  ["MI", "myocardial infarction"],
  ["CHF", "congestive heart failure"],
  ["COPD", "chronic obstructive pulmonary disease"],
  ["DM", "diabetes mellitus"],
  ["CT", "computed tomography"],
  ["MRI", "magnetic resonance imaging"],
  ["ICU", "intensive care unit"],
  ["UTI", "urinary tract infection"],
  ["CBC", "complete blood count"],
  ["DVT", "deep vein thrombosis"],
  ["PE", "pulmonary embolism"],
  ["SOB", "shortness of breath"],
  ["ED", "emergency department"],
  ["BMI", "body mass index"],
  ["CKD", "chronic kidney disease"],
  ["AF", "atrial fibrillation"],
  ["CAD", "coronary artery disease"],
  ["TIA", "transient ischemic attack"],
  ["ARDS", "acute respiratory distress syndrome"],
  ["BUN", "blood urea nitrogen"],
  ["RA", "rheumatoid arthritis"],
];

/**
 * Symptoms of each organ system (the classification task's lexicon).
 *
 * @example
 * ```ts
 * import { SYMPTOMS } from "./instruct_data.ts";
 * console.log(Object.keys(SYMPTOMS).length, SYMPTOMS.cardiac.includes("chest pain")); // 4 true
 * ```
 */
export const SYMPTOMS: Readonly<Record<string, readonly string[]>> = {
  cardiac: ["chest pain", "palpitations", "edema", "syncope"],
  respiratory: ["cough", "wheezing", "dyspnea", "hemoptysis"],
  neurological: ["headache", "seizure", "numbness", "vertigo"],
  gastrointestinal: ["nausea", "vomiting", "diarrhea", "dysphagia"],
};

const FREQUENCIES: [string, number][] = [
  ["once a day", 1],
  ["twice a day", 2],
  ["three times a day", 3],
  ["four times a day", 4],
];

const INSTRUCTIONS: Record<string, string[]> = {
  abbreviation: ["Expand the medical abbreviation.", "What does this abbreviation stand for?"],
  toMg: ["Convert the dose to milligrams.", "Express this amount in mg."],
  toG: ["Convert the dose to grams.", "Express this amount in g."],
  dose: ["Compute the total daily dose.", "How much is taken per day?"],
  classification: [
    "Classify the symptoms by organ system.",
    "Which organ system do these symptoms point to?",
  ],
};

/** Largest gram amount of the conversion task. */
const MAX_GRAMS = 30;

/**
 * Every instruction example of the four families (one per task instance, the instruction
 * wording drawn from two paraphrases by `seed`), in a fixed order: 24 abbreviations, 60
 * conversions, 36 doses, 48 symptom pairs.
 *
 * @example
 * ```ts
 * import { bioInstructExamples } from "./instruct_data.ts";
 * const all = bioInstructExamples({ seed: 0 });
 * console.log(all.length, all[0].input, all[0].output); // 168 BP blood pressure
 * ```
 */
export function bioInstructExamples(opts: { seed?: number } = {}): BioExample[] {
  const rng = new Rng(opts.seed ?? 0);
  const pick = (kind: string): string => INSTRUCTIONS[kind][rng.int(INSTRUCTIONS[kind].length)];
  const out: BioExample[] = [];
  for (const [abbr, full] of ABBREVIATIONS) {
    out.push({
      task: "abbreviation",
      instruction: pick("abbreviation"),
      input: abbr,
      output: full,
    });
  }
  for (let g = 1; g <= MAX_GRAMS; g++) {
    const mg = `${g * 1000} mg`;
    out.push({ task: "conversion", instruction: pick("toMg"), input: `${g} g`, output: mg });
    out.push({ task: "conversion", instruction: pick("toG"), input: mg, output: `${g} g` });
  }
  for (let d = 1; d <= 9; d++) {
    for (const [freq, k] of FREQUENCIES) {
      const input = `${d} mg ${freq}`;
      out.push({ task: "dose", instruction: pick("dose"), input, output: `${d * k} mg` });
    }
  }
  for (const [system, list] of Object.entries(SYMPTOMS)) {
    for (const a of list) {
      for (const b of list) {
        if (a === b) continue;
        const input = `${a}, ${b}`;
        out.push({
          task: "classification",
          instruction: pick("classification"),
          input,
          output: system,
        });
      }
    }
  }
  return out;
}

/**
 * The pretraining corpus: one plain sentence per fact the instruction tasks need (what each
 * abbreviation stands for, each g ↔ mg equality, each daily dose, each symptom's system), with
 * no instruction wording.
 *
 * @example
 * ```ts
 * import { bioCorpus } from "./instruct_data.ts";
 * const c = bioCorpus();
 * console.log(c[0], c.length); // BP stands for blood pressure. 136
 * ```
 */
export function bioCorpus(): string[] {
  const out: string[] = [];
  for (const [abbr, full] of ABBREVIATIONS) out.push(`${abbr} stands for ${full}.`);
  for (let g = 1; g <= MAX_GRAMS; g++) {
    out.push(`${g} g is ${g * 1000} mg.`);
    out.push(`${g * 1000} mg is ${g} g.`);
  }
  for (let d = 1; d <= 9; d++) {
    for (const [freq, k] of FREQUENCIES) out.push(`${d} mg ${freq} is ${d * k} mg per day.`);
  }
  for (const [system, list] of Object.entries(SYMPTOMS)) {
    for (const s of list) out.push(`${s} is a ${system} symptom.`);
  }
  return out;
}

/**
 * A seeded train/test split: a random permutation, the first `round(testFraction · n)` to
 * test. The same seed gives the same split.
 *
 * @example
 * ```ts
 * import { splitTrainTest } from "./instruct_data.ts";
 * const { train, test } = splitTrainTest([1, 2, 3, 4], 0.25, 0);
 * console.log(train.length, test.length); // 3 1
 * ```
 */
export function splitTrainTest<T>(
  items: readonly T[],
  testFraction: number,
  seed: number,
): { train: T[]; test: T[] } {
  if (!(testFraction > 0 && testFraction < 1)) {
    throw new RangeError(`splitTrainTest: testFraction must be in (0, 1), got ${testFraction}`);
  }
  const perm = new Rng(seed).permutation(items.length);
  const nTest = Math.round(testFraction * items.length);
  return {
    train: perm.slice(nTest).map((i) => items[i]),
    test: perm.slice(0, nTest).map((i) => items[i]),
  };
}

/**
 * Exact match of a generated answer with the reference, ignoring surrounding whitespace (as
 * the usual SQuAD-style normalisation does, without the lower-casing: units are case-sensitive).
 *
 * @example
 * ```ts
 * import { exactMatch } from "./instruct_data.ts";
 * console.log(exactMatch(" 3000 mg\n", "3000 mg"), exactMatch("300 mg", "3000 mg")); // true false
 * ```
 */
export function exactMatch(answer: string, reference: string): boolean {
  return answer.trim() === reference.trim();
}
