/** The shared char-level LM pipeline: windows, the validation sample, evaluation, training. */
import assert from "node:assert/strict";
import { adamw, initLlama, llamaLoss, Rng, sgd } from "../../../mod.ts";
import {
  charLmConfig,
  evalLoss,
  evalWindowStarts,
  randomWindows,
  trainCharLm,
} from "../../../experiments/lib/char_lm.ts";

const ids = new Int32Array(400).map((_, i) => (i * 7 + (i >> 3)) % 6);
const cfg = charLmConfig(6, { hiddenSize: 8, numLayers: 2, numHeads: 2 });

Deno.test("randomWindows: targets are the inputs shifted by one, inside the ids", () => {
  const b = randomWindows(ids, 5, 16, new Rng(3));
  assert.deepEqual(b.ids.shape, [5, 16]);
  for (let r = 0; r < 5; r++) {
    const x = b.ids.data.subarray(r * 16, r * 16 + 16),
      y = b.targets.data.subarray(r * 16, r * 16 + 16);
    assert.deepEqual(Array.from(x.subarray(1)), Array.from(y.subarray(0, 15)));
  }
  assert.throws(() => randomWindows(new Int32Array(10), 1, 10, new Rng(0)), /window of 10/);
});

Deno.test("evalWindowStarts: fixed by its seed, non-overlapping, all windows when count is large", () => {
  const a = evalWindowStarts(1000, 32, 5, 7), b = evalWindowStarts(1000, 32, 5, 7);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, evalWindowStarts(1000, 32, 5, 8));
  for (let i = 1; i < a.length; i++) assert.ok(a[i] - a[i - 1] >= 32 && a[i] % 32 === 0);
  assert.deepEqual(evalWindowStarts(100, 32, 50, 0), [0, 32, 64]); // 99 targets hold 3 windows
});

Deno.test("evalLoss: the mean over windows, whatever the batch size", () => {
  const p = initLlama(cfg, { seed: 1 });
  const starts = [0, 40, 200, 320];
  const whole = evalLoss(p, cfg, ids, starts, 16, 4);
  assert.ok(Math.abs(evalLoss(p, cfg, ids, starts, 16, 3) - whole) < 1e-12);
  let sum = 0;
  for (const s of starts) {
    sum += llamaLoss(
      p,
      Array.from(ids.subarray(s, s + 16)),
      Array.from(ids.subarray(s + 1, s + 17)),
      cfg,
    ).data[0];
  }
  assert.ok(Math.abs(sum / 4 - whole) < 1e-12);
});

Deno.test("trainCharLm: learns, reports, calls afterStep and uses the given loss", () => {
  let after = 0, lossCalls = 0;
  const r = trainCharLm({
    corpus: { train: ids, val: ids },
    config: cfg,
    optimizer: adamw({ lr: 0.02, weightDecay: 0 }),
    steps: 30,
    batch: 4,
    context: 16,
    seed: 0,
    evalEvery: 10,
    afterStep: () => after++,
    loss: (p, b) => (lossCalls++, llamaLoss(p, b.ids, b.targets, cfg)),
    label: "test",
  });
  assert.equal(after, 30);
  assert.equal(lossCalls, 30);
  assert.deepEqual(r.valCurve.map(([s]) => s), [10, 20, 30]);
  assert.ok(r.valCurve[2][1] < r.valCurve[0][1] && r.valCurve[2][1] < Math.log(6) - 0.3);
  assert.ok(r.trainSeconds > 0 && r.tokensPerSec > 0);
});

Deno.test("trainCharLm: parameters that are not trainable stay bit-identical (zero gradient)", () => {
  const params = initLlama(cfg, { seed: 2, dtype: "f32" });
  const frozen = "model.layers.1.mlp.up_proj.weight";
  const before = params[frozen].data.slice(), head = params["lm_head.weight"].data.slice();
  trainCharLm({
    corpus: { train: ids, val: ids },
    config: cfg,
    params,
    optimizer: sgd({ lr: 0.1 }),
    trainable: (k) => !k.startsWith("model.layers.1."),
    steps: 3,
    batch: 2,
    context: 8,
    seed: 0,
    label: "test",
  });
  assert.deepEqual(params[frozen].data, before);
  assert.notDeepEqual(params["lm_head.weight"].data, head);
});
