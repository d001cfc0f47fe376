/**
 * GSM8K structure labels (operator sequences, edit-distance similarity), record checks, and the
 * percentile bootstrap; the real-data test reads `../shared/data/gsm8k` when it is there.
 */
import assert, { deepEqual as assertEquals } from "node:assert/strict";
import fc from "fast-check";
import { readJsonLines } from "../../../ops/io/jsonl.ts";
import { Rng } from "../../../ops/random.ts";
import {
  editDistance,
  gsm8kExemplars,
  operatorSequence,
  stripAnnotations,
  structureSimilarity,
} from "../../../methods/retrieval/gsm8k.ts";
import { bootstrapMean } from "../../../methods/retrieval/bootstrap.ts";
import { throwsWith } from "../../ops/linalg/_factor_helpers.ts";
import { sharedData } from "../../ops/io/shared_data.ts";

// Ignored (with the reason printed) only when ../shared/data is absent; a missing file fails.
const { path: DATA, missing: NO_DATA } = sharedData("gsm8k");

Deno.test("operatorSequence: binary operators of each annotation's left side, signs skipped", () => {
  const sol = "Natalia sold 48/2 = <<48/2=24>>24 clips in May.\n" +
    "Natalia sold 48+24 = <<48+24=72>>72 clips.\n#### 72";
  assertEquals(operatorSequence(sol), ["/", "+"]);
  assertEquals(operatorSequence("<<100-50-30-15=5>>"), ["-", "-", "-"]);
  assertEquals(operatorSequence("<<(75/100)*100=75>>"), ["/", "*"]);
  assertEquals(operatorSequence("<<-3*-2=6>> <<2*(-1+4)=6>> <<0.2*50=10>>"), ["*", "*", "+", "*"]);
  assertEquals(operatorSequence("<<10 - 4 = 6>>"), ["-"]); // spaces
  assertEquals(operatorSequence("<<+3+3=6>> <<560//10=56>>"), ["+", "/"]); // as in the data
  assertEquals(operatorSequence("<<7>>"), []); // no operator, no "="
  assertEquals(operatorSequence("no annotations: 3 + 4 = 7"), []); // only <<…>> counts
  assertEquals(stripAnnotations("48/2 = <<48/2=24>>24 and <<1+1=2>>2"), "48/2 = 24 and 2");
});

Deno.test("editDistance is a metric and structureSimilarity lies in [0, 1]", () => {
  assertEquals(editDistance([], ["+"]), 1);
  assertEquals(editDistance(["*", "+", "/"], ["+", "/", "-"]), 2);
  assertEquals(structureSimilarity([], []), 1);
  assertEquals(structureSimilarity(["+"], []), 0);
  assertEquals(structureSimilarity(["*", "/"], ["*", "/"]), 1);
  const seq = fc.array(fc.constantFrom("+", "-", "*", "/"), { maxLength: 9 });
  fc.assert(
    fc.property(seq, seq, seq, (a, b, c) => {
      const ab = editDistance(a, b);
      assert.equal(ab, editDistance(b, a));
      assert.ok(ab >= Math.abs(a.length - b.length) && ab <= Math.max(a.length, b.length));
      assert.ok(editDistance(a, c) <= ab + editDistance(b, c));
      assert.equal(ab === 0, a.join() === b.join());
      const s = structureSimilarity(a, b);
      assert.ok(s >= 0 && s <= 1);
    }),
    { numRuns: 300, seed: 8 },
  );
});

Deno.test("gsm8kExemplars: records become exemplars; a bad row names the source and line", () => {
  assertEquals(gsm8kExemplars([{ question: "q", answer: "a" }], "f.jsonl"), [
    { question: "q", solution: "a" },
  ]);
  throwsWith(
    () => gsm8kExemplars([{ question: "q", answer: "a" }, { question: "q" }], "f.jsonl"),
    TypeError,
    "f.jsonl: line 2 is not a GSM8K record",
  );
  throwsWith(() => gsm8kExemplars([null], "g"), TypeError, "g: line 1");
});

Deno.test("bootstrapMean: percentile interval near mean ± 1.96·sd/√n, and each option seen", () => {
  const rng = new Rng(4);
  const v = Array.from({ length: 400 }, () => rng.uniform());
  const mean = v.reduce((a, x) => a + x, 0) / v.length;
  const sd = Math.sqrt(v.reduce((a, x) => a + (x - mean) ** 2, 0) / (v.length - 1));
  const half = 1.96 * sd / Math.sqrt(v.length);
  const r = bootstrapMean(v, { seed: 1 });
  assert.ok(Math.abs(r.mean - mean) <= 1e-15);
  assert.ok(Math.abs(r.ci[0] - (mean - half)) < 0.15 * half, `lo ${r.ci[0]}`);
  assert.ok(Math.abs(r.ci[1] - (mean + half)) < 0.15 * half, `hi ${r.ci[1]}`);
  assertEquals(bootstrapMean(v, { seed: 1 }), r); // reproducible
  assert.notDeepEqual(bootstrapMean(v, { seed: 2 }).ci, r.ci);
  const narrow = bootstrapMean(v, { seed: 1, level: 0.5 });
  assert.ok(narrow.ci[1] - narrow.ci[0] < 0.5 * (r.ci[1] - r.ci[0]));
  // With few resamples the quantiles are coarse order statistics of those resamples.
  const few = bootstrapMean(v, { seed: 1, samples: 3 });
  assert.notDeepEqual(few.ci, r.ci);
  assertEquals(bootstrapMean([2, 2, 2]).ci, [2, 2]);
  throwsWith(() => bootstrapMean([]), RangeError, "values is empty");
  throwsWith(() => bootstrapMean(undefined as never), TypeError, "values must be an array");
  throwsWith(() => bootstrapMean([1, NaN]), RangeError, "values[1] is NaN");
  throwsWith(() => bootstrapMean([1], { level: 1 }), RangeError, "level must be in (0, 1), got 1");
  throwsWith(() => bootstrapMean([1], { samples: 0 }), RangeError, "samples");
  throwsWith(() => bootstrapMean([1], { B: 9 } as never), TypeError, 'unknown option "B"');
});

Deno.test({
  name: "GSM8K: every annotation parses; operator counts match an independent scan",
  ignore: NO_DATA,
  fn: () => {
    for (const split of ["train", "test"]) {
      const path = `${DATA}/${split}.jsonl`;
      const ex = gsm8kExemplars(readJsonLines(path), path);
      assertEquals(ex.length, split === "train" ? 7473 : 1319);
      let ours = 0, ref = 0;
      for (const e of ex) {
        ours += operatorSequence(e.solution).length;
        for (const [, body] of e.solution.matchAll(/<<([^>]*)>>/g)) {
          const lhs = body.slice(0, body.lastIndexOf("="));
          assert.match(lhs, /^[\d.+\-*/() ]+$/, `${path}: ${body}`);
          // Operators are the symbol characters minus the signs: a symbol right after "(",
          // another symbol (the data's Python "//" is one division) or at the start.
          ref += (lhs.match(/[+\-*/]/g) ?? []).length -
            (lhs.replace(/ /g, "").match(/(?<=^|[(+\-*/])[+\-*/]/g) ?? []).length;
        }
      }
      assertEquals(ours, ref);
      assert.ok(ours > (split === "train" ? 25000 : 4000));
    }
  },
});
