/** gradStats and the EMA (spec §10 property 4). */
import assert from "node:assert/strict";
import { grad, gradcheck, mul, randn, sum, type Tensor, tensor } from "../../../mod.ts";
import { Ema, EmaStats, gradStats } from "../../../methods/distill/mod.ts";
import { maxDiff } from "./_helpers.ts";

Deno.test("gradStats: mean and population variance over the sample axis, any trailing shape", () => {
  const g = randn([6, 2, 3], { seed: 1 });
  const { m, v } = gradStats(g);
  assert.deepEqual(m.shape, [2, 3]);
  for (let k = 0; k < 6; k++) {
    const xs = Array.from({ length: 6 }, (_, s) => g.data[s * 6 + k]);
    const mean = xs.reduce((a, x) => a + x, 0) / 6;
    const vari = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / 6;
    assert.ok(Math.abs(m.data[k] - mean) < 1e-15 && Math.abs(v.data[k] - vari) < 1e-14);
  }
  const probe = randn([2, 3], { seed: 2 });
  assert.ok(gradcheck((x: Tensor) => sum(mul(gradStats(x).v, probe)), [g]).ok);
  assert.throws(() => gradStats(randn([0, 3])), /at least one sample/);
});

Deno.test("Ema: the first value is 0.05·x₁; after n constant inputs it is (1 − 0.95ⁿ)·x", () => {
  const x = tensor([2, -3, 0.5]);
  const ema = new Ema();
  const first = ema.update(x);
  assert.ok(maxDiff(first.data, x.data.map((v) => 0.05 * v)) < 1e-15);
  for (let n = 2; n <= 40; n++) {
    const out = ema.update(x);
    assert.ok(maxDiff(out.data, x.data.map((v) => (1 - 0.95 ** n) * v)) < 1e-14, `n = ${n}`);
  }
  assert.equal(ema.count, 40);
});

Deno.test("Ema: the decay option is used (β = 0.5: 0.5x, then 0.75x)", () => {
  const ema = new Ema({ decay: 0.5 });
  assert.deepEqual(ema.update(tensor([4])).data, new Float64Array([2]));
  assert.deepEqual(ema.update(tensor([4])).data, new Float64Array([3]));
  assert.throws(() => new Ema({ decay: 1.5 }), /decay.*1.5/);
  assert.throws(() => new Ema({ beta: 0.9 } as never), /unknown option "beta"/);
  assert.throws(() => ema.update(tensor([1, 2])), /shape \[2\], the average \[1\]/);
});

Deno.test("Ema: the update is differentiable in the new input only (∂x̄/∂x = 1 − β); the stored value is detached", () => {
  const ema = new Ema();
  ema.update(tensor([1, 1]));
  const g = grad((x: Tensor) => sum(ema.update(x)))(tensor([3, 5]));
  assert.ok(maxDiff(g.data, [0.05, 0.05]) < 1e-16);
  // Using the stored average inside a later grad does not reach back to that x.
  const later = grad((x: Tensor) => sum(mul(x, ema.value!)))(tensor([1, 1]));
  assert.ok(maxDiff(later.data, ema.value!.data) < 1e-16);
});

Deno.test("EmaStats: m and v are averaged separately", () => {
  const s = new EmaStats({ decay: 0.9 });
  const out = s.update({ m: tensor([10]), v: tensor([20]) });
  assert.ok(Math.abs(out.m.data[0] - 1) < 1e-14 && Math.abs(out.v.data[0] - 2) < 1e-14);
});

Deno.test("Ema: two updates inside one grad do not chain: the stored past is a constant", () => {
  const ema = new Ema();
  const g = grad((x: Tensor) => {
    ema.update(x);
    return sum(ema.update(x));
  })(tensor([1]));
  // Only the second update's (1 − β) reaches x; chaining would add β(1 − β) = 0.0475.
  assert.ok(Math.abs(g.data[0] - 0.05) < 1e-16, `${g.data[0]}`);
});
