import assert from "node:assert/strict";
import { clinicalInstructTasks } from "../../../methods/adapters/instruct_tasks.ts";
import { buildTokenizer, encode, formatPrompt } from "../../../methods/adapters/instruct.ts";

Deno.test("clinical tasks: answers follow the rule; test numbers and answers never in training data", () => {
  const { train, test, corpus } = clinicalInstructTasks({ seed: 3 });
  assert.deepEqual(clinicalInstructTasks({ seed: 3 }), { train, test, corpus });
  assert.notDeepEqual(clinicalInstructTasks({ seed: 4 }).test, test);
  for (const e of [...train, ...test]) {
    const n = Number(/\d+/.exec(e.input)![0]);
    if (e.task === "extraction") assert.equal(e.output, `${n} mg`);
    else if (e.task === "conversion") {
      assert.equal(e.output, e.input.endsWith(" g") ? `${n}000 mg` : `${n / 1000} g`);
    } else assert.equal(e.output, n > 100 ? "tachycardia" : n < 60 ? "bradycardia" : "normal");
  }
  const numbers = (xs: typeof train) =>
    new Set(xs.map((e) => `${e.task}:${/\d+/.exec(e.input)![0]}`));
  const trainNums = numbers(train);
  for (const k of numbers(test)) assert.ok(!trainNums.has(k), `${k} in both splits`);
  const seen = new Set(train.map((e) => e.output));
  for (const e of test.filter((x) => x.task !== "classification")) {
    assert.ok(!seen.has(e.output), e.output);
    const whole = new RegExp(`(^|[^0-9])${e.output}([^0-9]|$)`);
    assert.ok(!corpus.some((s) => whole.test(s)), `${e.output} stated in the corpus`);
  }
  // Each family is in both splits, about a quarter held out.
  for (const t of ["extraction", "conversion", "classification"]) {
    const a = train.filter((e) => e.task === t).length, b = test.filter((e) => e.task === t).length;
    assert.ok(b > 0 && Math.abs(b / (a + b) - 0.25) < 0.02, `${t}: ${a}/${b}`);
  }
  // round(199/2) doses + 2·round(99/2) conversions + round(151/2) rates = 100 + 100 + 76.
  assert.equal(clinicalInstructTasks({ testFraction: 0.5 }).test.length, 276);
  assert.throws(
    () => clinicalInstructTasks({ testFraction: 1 }),
    /testFraction must be in \(0, 1\), got 1/,
  );
  // A vocabulary from the training side only still covers every test prompt and answer.
  const tok = buildTokenizer([
    ...corpus,
    ...train.flatMap((e) => [formatPrompt(e, "compact"), e.output]),
  ]);
  for (const e of test) encode(tok, formatPrompt(e, "compact") + e.output, { strict: true });
});
