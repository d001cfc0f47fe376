/** CrossDomainStream and CrossClassStream: the composition of EMAs, banks and losses. */
import assert from "node:assert/strict";
import { grad, gradcheck, mul, randn, reshape, sum, type Tensor } from "../../../mod.ts";
import {
  crossClassLoss,
  CrossClassStream,
  crossDomainLoss,
  CrossDomainStream,
  EmaStats,
  gradStats,
} from "../../../methods/distill/mod.ts";
import { maxDiff } from "./_helpers.ts";

const batch = (b: number, seed: number): Tensor => randn([b, 2, 3], { seed });

Deno.test("CrossDomainStream: loss = crossDomainLoss of the EMAs, projected once the bank has a subspace", () => {
  const stream = new CrossDomainStream(6, { length: 3, period: 3 });
  const emaS = new EmaStats(), emaM = new EmaStats();
  let sawBasis = false;
  for (let t = 0; t < 7; t++) {
    const gs = batch(4, t), gm = batch(5, 100 + t);
    const bases = { m: stream.bankM.basis, v: stream.bankV.basis };
    sawBasis ||= bases.m !== null;
    const want = crossDomainLoss(
      emaS.update(gradStats(reshape(gs, [4, 6]))),
      emaM.update(gradStats(reshape(gm, [5, 6]))),
      bases,
    );
    const got = stream.loss(gs, gm);
    assert.ok(
      Math.abs(got.data[0] - want.data[0]) <= 1e-15 * Math.max(1, want.data[0]),
      `step ${t}`,
    );
    stream.push();
    // The bank holds the source EMAs, column count mod L.
    const col = t % 3, b = stream.bankM.matrix();
    const m = stream.src.m.value!;
    assert.ok(maxDiff(Array.from({ length: 6 }, (_, i) => b.data[i * 3 + col]), m.data) === 0);
  }
  assert.ok(sawBasis);
  assert.equal(stream.bankM.svdCount, 2);
  assert.equal(stream.bankV.svdCount, 2);
});

Deno.test("CrossDomainStream: options reach the EMAs and the banks; defaults are the spec's", () => {
  const d = new CrossDomainStream(10);
  assert.deepEqual([d.bankM.length, d.bankM.period, d.bankM.energy, d.src.m.decay], [
    8,
    80,
    0.98,
    0.95,
  ]);
  const s = new CrossDomainStream(10, { decay: 0.5, length: 4, period: 2, energy: 0.9 });
  assert.deepEqual([s.bankV.length, s.bankV.period, s.bankV.energy, s.mix.v.decay], [
    4,
    2,
    0.9,
    0.5,
  ]);
  assert.throws(() => new CrossDomainStream(10, { ema: 1 } as never), /unknown option "ema"/);
});

Deno.test("CrossDomainStream: differentiable in both gradient batches (gradcheck), errors named", () => {
  const probe = randn([], { seed: 9 });
  const f = (a: Tensor, b: Tensor): Tensor => mul(new CrossDomainStream(6).loss(a, b), probe);
  assert.ok(gradcheck(f, [batch(3, 1), batch(4, 2)]).ok);
  const s = new CrossDomainStream(6);
  assert.throws(() => s.push(), /call loss first/);
  assert.throws(() => s.loss(randn([4, 5]), batch(4, 0)), /6 entries per sample, got \[4,5\]/);
});

Deno.test("CrossClassStream: loss = crossClassLoss of the EMA per-class statistics; push feeds the reference mean row", () => {
  const opts = { newClasses: [2], refClasses: [0, 1], length: 2, period: 2 };
  const stream = new CrossClassStream(3, 4, opts);
  const ema = new EmaStats();
  for (let t = 0; t < 3; t++) {
    const g = randn([5, 3, 4], { seed: t });
    const want = crossClassLoss(ema.update(gradStats(g)), {
      newClasses: [2],
      refClasses: [0, 1],
      bases: { m: stream.bankM.basis, v: stream.bankV.basis },
    });
    assert.ok(Math.abs(stream.loss(g).data[0] - want.data[0]) < 1e-15 * Math.max(1, want.data[0]));
    stream.push();
    const m = stream.stats.m.value!, b = stream.bankM.matrix();
    for (let j = 0; j < 4; j++) {
      assert.ok(Math.abs(b.data[j * 2 + (t % 2)] - (m.data[j] + m.data[4 + j]) / 2) < 1e-16);
    }
  }
  assert.equal(stream.bankM.svdCount, 1);
  // Only the new class's rows receive gradient.
  const fresh = new CrossClassStream(3, 4, { newClasses: [2], refClasses: [0, 1] });
  const g = grad((x: Tensor) => sum(fresh.loss(x)))(randn([5, 3, 4], { seed: 7 }));
  for (let s = 0; s < 5; s++) {
    assert.ok(g.data.slice(s * 12, s * 12 + 8).every((v) => v === 0));
    assert.ok(g.data.slice(s * 12 + 8, s * 12 + 12).some((v) => v !== 0));
  }
});

Deno.test("CrossClassStream: bad classes and shapes are errors naming them", () => {
  assert.throws(
    () => new CrossClassStream(3, 4, { newClasses: [3], refClasses: [0] }),
    /newClasses has 3/,
  );
  assert.throws(
    () => new CrossClassStream(3, 4, { newClasses: [0], refClasses: [0] }),
    /both new and reference/,
  );
  assert.throws(
    () => new CrossClassStream(1, 4, { newClasses: [0], refClasses: [0] }),
    /classes must be/,
  );
  const s = new CrossClassStream(3, 4, { newClasses: [2], refClasses: [0] });
  assert.throws(() => s.push(), /call loss first/);
  assert.throws(() => s.loss(randn([5, 4, 3])), /\[B, 3, 4\], got \[5,4,3\]/);
});
