/**
 * Instruction tasks whose held-out answers follow from the held-out input but never occur in
 * the training data (issue 14: the earlier set's test answers all stood in the pretraining
 * corpus). Three families with rule-computed answers, scored by exact match:
 *
 * - `extraction`: "Extract the dose." / `take 35 mg of ibuprofen twice a day` → `35 mg`;
 * - `conversion`: grams ↔ milligrams, `7 g` → `7000 mg` and back (copy digits, add or drop
 *   `000`);
 * - `classification`: a heart rate `130 bpm` → `tachycardia` (> 100), `bradycardia` (< 60),
 *   `normal` otherwise.
 *
 * The numbers are split by a seeded permutation into disjoint train and test pools before any
 * example is made, so every test input is fresh and every test answer of the extraction and
 * conversion families is a string that no training example, and no sentence of the
 * pretraining corpus (built from the training pool only), contains. Words (drug names,
 * frequencies, instruction paraphrases) are shared: the model must copy and apply a rule, not
 * recall.
 *
 * @module
 */
import { Rng } from "../../ops/random.ts";
import type { BioExample } from "./instruct_data.ts";

const DRUGS = ["ibuprofen", "metformin", "lisinopril", "amoxicillin", "atorvastatin", "warfarin"];
const FREQUENCIES = ["once a day", "twice a day", "three times a day", "every night"];
const INSTRUCTIONS: Record<string, string[]> = {
  extraction: ["Extract the dose.", "What dose is prescribed?"],
  toMg: ["Convert the dose to milligrams.", "Express this amount in mg."],
  toG: ["Convert the dose to grams.", "Express this amount in g."],
  classification: ["Classify the heart rate.", "Is this heart rate normal?"],
};

/** Options of {@link clinicalInstructTasks}. */
export interface ClinicalTaskOptions {
  /** Seed of the pools, the paraphrases and the sentence templates (default 0). */
  seed?: number;
  /** Share of each number pool held out for the test split (default 0.25). */
  testFraction?: number;
}

/** The two splits and the pretraining corpus (training pool only). */
export interface ClinicalTasks {
  /** Training examples. */
  train: BioExample[];
  /** Held-out examples over numbers no training example uses. */
  test: BioExample[];
  /** Plain sentences stating the training facts, no instruction wording. */
  corpus: string[];
}

/** The category of a heart rate in beats per minute. */
function heartRateClass(bpm: number): string {
  return bpm > 100 ? "tachycardia" : bpm < 60 ? "bradycardia" : "normal";
}

function pools(values: number[], frac: number, rng: Rng): { train: number[]; test: number[] } {
  const perm = rng.permutation(values.length);
  const nTest = Math.round(frac * values.length);
  return {
    test: perm.slice(0, nTest).map((i) => values[i]),
    train: perm.slice(nTest).map((i) => values[i]),
  };
}

function range(lo: number, hi: number): number[] {
  return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
}

/**
 * The three task families over disjoint number pools: doses 5–995 mg in steps of 5
 * (extraction), 1–99 g (conversion, both directions), heart rates 30–180 bpm
 * (classification).
 *
 * @example
 * ```ts
 * import { clinicalInstructTasks } from "./instruct_tasks.ts";
 * const { train, test, corpus } = clinicalInstructTasks({ seed: 0 });
 * const seen = new Set([...train.map((e) => e.output), ...corpus]);
 * console.log(test.filter((e) => e.task !== "classification").every((e) => !seen.has(e.output)));
 * // true
 * ```
 */
export function clinicalInstructTasks(opts: ClinicalTaskOptions = {}): ClinicalTasks {
  const rng = new Rng(opts.seed ?? 0);
  const frac = opts.testFraction ?? 0.25;
  if (!(frac > 0 && frac < 1)) {
    throw new RangeError(`clinicalInstructTasks: testFraction must be in (0, 1), got ${frac}`);
  }
  const pick = <T>(xs: readonly T[]): T => xs[rng.int(xs.length)];
  const doses = pools(range(1, 199).map((i) => 5 * i), frac, rng);
  const grams = pools(range(1, 99), frac, rng);
  const rates = pools(range(30, 180), frac, rng);
  const make = (split: "train" | "test"): { ex: BioExample[]; corpus: string[] } => {
    const ex: BioExample[] = [], corpus: string[] = [];
    for (const d of doses[split]) {
      const drug = pick(DRUGS), freq = pick(FREQUENCIES);
      const input = `take ${d} mg of ${drug} ${freq}`;
      ex.push({
        task: "extraction",
        instruction: pick(INSTRUCTIONS.extraction),
        input,
        output: `${d} mg`,
      });
      corpus.push(`The patient was told to ${input}.`);
    }
    for (const g of grams[split]) {
      ex.push({
        task: "conversion",
        instruction: pick(INSTRUCTIONS.toMg),
        input: `${g} g`,
        output: `${g}000 mg`,
      });
      ex.push({
        task: "conversion",
        instruction: pick(INSTRUCTIONS.toG),
        input: `${g}000 mg`,
        output: `${g} g`,
      });
      corpus.push(`${g} g is ${g}000 mg.`);
    }
    for (const n of rates[split]) {
      const input = `${n} bpm`;
      ex.push({
        task: "classification",
        instruction: pick(INSTRUCTIONS.classification),
        input,
        output: heartRateClass(n),
      });
      corpus.push(`A heart rate of ${input} is ${heartRateClass(n)}.`);
    }
    return { ex, corpus };
  };
  const train = make("train"), test = make("test");
  return { train: train.ex, test: test.ex, corpus: train.corpus };
}
