/** The experiments' timing helpers (issue 13: warm up before timing in every experiment). */
import assert from "node:assert/strict";
import { bestCpuTime, timeWarm, warmupSteps } from "../../../experiments/lib/timing.ts";
import { trainCharLm } from "../../../experiments/lib/char_lm.ts";
import { charLmConfig } from "../../../experiments/lib/char_lm.ts";
import { sgd } from "../../../mod.ts";

/** Runs `f` with `performance.now` replaced by a clock that only `advance` moves. */
function withFakeClock<T>(f: (advance: (ms: number) => void) => T): T {
  const real = performance.now;
  let now = 0;
  performance.now = () => now;
  try {
    return f((ms) => now += ms);
  } finally {
    performance.now = real;
  }
}

Deno.test("timeWarm: the warm-up calls are not timed; median and minimum of the timed ones", () => {
  // A cold call costs 1000 ms, the next ones 4, 1, 9, 2, 3 ms.
  const costs = [1000, 1000, 4, 1, 9, 2, 3];
  let calls = 0;
  const t = withFakeClock((advance) =>
    timeWarm(() => advance(costs[calls++]), { warmup: 2, reps: 5 })
  );
  assert.equal(calls, 7);
  assert.deepEqual(t, { medianMs: 3, minMs: 1, reps: 5, warmupCalls: 2, warmup: true });
  // Defaults: one warm-up call, five timed; an even count takes the mean of the middle two.
  calls = 0;
  const d = withFakeClock((advance) => timeWarm(() => advance([50, 1, 2, 3, 4, 100][calls++])));
  assert.deepEqual([calls, d.medianMs, d.minMs, d.warmupCalls], [6, 3, 1, 1]);
  calls = 0;
  const e = withFakeClock((advance) => timeWarm(() => advance([9, 1, 4][calls++]), { reps: 2 }));
  assert.equal(e.medianMs, 2.5);
});

Deno.test("timeWarm: bad counts and unknown options are errors naming them", () => {
  assert.throws(() => timeWarm(() => 0, { reps: 0 }), /reps must be an integer ≥ 1, got 0/);
  assert.throws(() => timeWarm(() => 0, { warmup: 1.5 }), /warmup must be an integer ≥ 1/);
  assert.throws(
    () => timeWarm(() => 0, { rep: 3 } as unknown as { reps: number }),
    (e) => e instanceof TypeError && /unknown option rep/.test(e.message),
  );
});

Deno.test("warmupSteps: a tenth of the steps, 1..20, always leaving one step timed", () => {
  assert.deepEqual([1, 2, 5, 10, 40, 60, 200, 600].map(warmupSteps), [0, 1, 1, 1, 4, 6, 20, 20]);
  assert.throws(() => warmupSteps(0), /steps must be an integer ≥ 1, got 0/);
});

Deno.test("trainCharLm: msPerStep and tokensPerSec leave out the warm-up steps; trainSeconds has all", () => {
  const ids = new Int32Array(200).map((_, i) => i % 4);
  const config = charLmConfig(4, { hiddenSize: 8, numLayers: 1, numHeads: 2 });
  // afterStep runs inside the timed step: step 0 (cold) costs 1000 ms, the others 2 ms.
  const r = withFakeClock((advance) =>
    trainCharLm({
      corpus: { train: ids, val: ids },
      config,
      optimizer: sgd({ lr: 0.01 }),
      steps: 20,
      batch: 2,
      context: 8,
      seed: 0,
      afterStep: (step) => advance(step === 0 ? 1000 : 2),
      label: "timing",
    })
  );
  assert.equal(r.warmupSteps, 2);
  assert.equal(r.msPerStep, 2);
  assert.equal(r.tokensPerSec, (2 * 8) / 0.002);
  assert.equal(r.trainSeconds, (1000 + 19 * 2) / 1000);
});

Deno.test("bestCpuTime: cold calls are warm-up, samples batch to 10 ms, the best sample per call", () => {
  // A fake CPU clock: the first two calls cost 40 ms each (cold), then 2 ms, with one slow
  // sample (a call of 30 ms) that the minimum must leave out.
  let now = 0, calls = 0;
  const cost = (i: number): number => (i < 2 ? 40 : i === 3 ? 30 : 2);
  const t = bestCpuTime(() => (now += cost(calls++), calls), 3, () => now);
  assert.equal(t.warmupCalls, 2, "two calls reach 50 ms only with the second: 80 ms");
  assert.equal(t.batch, 1, "the warm-up's 40 ms per call needs no batching");
  assert.equal(t.ms, 2, "the best sample is warm");
  assert.equal(calls, 5);
  // Fast calls: warm-up runs until 50 ms, then each sample repeats to ≥ 10 ms.
  now = 0;
  calls = 0;
  const f = bestCpuTime(() => (now += 0.5, calls++), 2, () => now);
  assert.equal(f.warmupCalls, 100);
  assert.equal(f.batch, 20);
  assert.equal(f.ms, 0.5);
  assert.equal(calls, 100 + 2 * 20);
  assert.throws(() => bestCpuTime(() => 0, 0), /runs must be an integer ≥ 1, got 0/);
});
