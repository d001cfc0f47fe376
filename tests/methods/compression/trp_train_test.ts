import assert from "node:assert/strict";
import { randn } from "../../../ops/random.ts";
import { matrixRank } from "../../../ops/linalg/rank.ts";
import { type Tensor, zeros } from "../../../ops/tensor.ts";
import { trpProject, TrpRegularizer, trpReshape } from "../../../methods/compression/mod.ts";

function kernels(seed: number): Record<string, Tensor> {
  return { a: randn([8, 6, 3, 3], { seed }), b: randn([6, 4, 3, 3], { seed: seed + 1 }) };
}

Deno.test("TrpRegularizer.project_: overwrites with R⁻¹(U_kΣ_kV_kᵀ) at the energy rank, stores U_kV_kᵀ", () => {
  const ks = kernels(0), before = ks.a.clone();
  const trp = new TrpRegularizer({ energy: 0.6, nuclear: 0.5 });
  const ranks = trp.project_(0, ks)!;
  const ref = trpProject(before, { criterion: { energy: 0.6 } });
  assert.deepEqual(ranks.a, ref.ranks);
  assert.deepEqual(trp.ranks, ranks);
  assert.ok(ks.a.data.every((v, i) => v === ref.weight.data[i]));
  assert.ok(matrixRank(trpReshape(ks.a, "nc")[0]) <= ranks.a[0]);
  const g = { a: zeros([8, 6, 3, 3]), b: zeros([6, 4, 3, 3]) };
  trp.addNuclear_(0, g);
  assert.ok(g.a.data.every((v, i) => Math.abs(v - 0.5 * ref.subgradient.data[i]) < 1e-15));
});

Deno.test("TrpRegularizer options each have their effect: energy, period, nuclear, project, scheme", () => {
  const low = new TrpRegularizer({ energy: 0.3 }).project_(0, kernels(1))!.a[0];
  const high = new TrpRegularizer({ energy: 0.99 }).project_(0, kernels(1))!.a[0];
  assert.ok(low < high, `${low} vs ${high}`);
  // period 3: steps 0 and 3 project and add λS, steps 1, 2 do neither.
  const per = new TrpRegularizer({ period: 3, nuclear: 1 });
  const ks = kernels(2);
  assert.notEqual(per.project_(0, ks), null);
  for (const step of [1, 2]) {
    const snapshot = ks.a.clone();
    assert.equal(per.project_(step, ks), null);
    assert.ok(ks.a.data.every((v, i) => v === snapshot.data[i]));
    const g = { a: zeros([8, 6, 3, 3]), b: zeros([6, 4, 3, 3]) };
    per.addNuclear_(step, g);
    assert.ok(g.a.data.every((v) => v === 0), `step ${step}`);
  }
  assert.notEqual(per.project_(3, ks), null);
  // nuclear 0: no sub-gradient is added.
  const off = new TrpRegularizer({ nuclear: 0 });
  off.project_(0, kernels(3));
  const g0 = { a: zeros([8, 6, 3, 3]), b: zeros([6, 4, 3, 3]) };
  off.addNuclear_(0, g0);
  assert.ok(g0.a.data.every((v) => v === 0));
  // project false: kernels untouched, the sub-gradient is still stored and added.
  const nuOnly = new TrpRegularizer({ project: false, nuclear: 1 });
  const ks2 = kernels(4), keep = ks2.a.clone();
  nuOnly.project_(0, ks2);
  assert.ok(ks2.a.data.every((v, i) => v === keep.data[i]));
  const g1 = { a: zeros([8, 6, 3, 3]), b: zeros([6, 4, 3, 3]) };
  nuOnly.addNuclear_(0, g1);
  assert.ok(g1.a.data.some((v) => v !== 0));
  // scheme nd: one rank per output filter, each filter projected on its own.
  assert.equal(new TrpRegularizer({ scheme: "nd" }).project_(0, kernels(5))!.a.length, 8);
  assert.equal(new TrpRegularizer({ scheme: "vh" }).options.scheme, "vh");
});

Deno.test("TrpRegularizer defaults are the code's (e 0.9, m 1, λ 3e-4, NC, projecting) and bad options throw", () => {
  assert.deepEqual(new TrpRegularizer().options, {
    scheme: "nc",
    energy: 0.9,
    period: 1,
    nuclear: 3e-4,
    project: true,
  });
  assert.throws(() => new TrpRegularizer({ lambda: 1 } as never), TypeError);
  assert.throws(() => new TrpRegularizer({ energy: "0.9" } as never), TypeError);
  assert.throws(() => new TrpRegularizer({ project: 1 } as never), TypeError);
  assert.throws(() => new TrpRegularizer({ energy: 1.2 }), RangeError);
  assert.throws(() => new TrpRegularizer({ period: 0 }), RangeError);
  assert.throws(() => new TrpRegularizer({ nuclear: -1 }), RangeError);
  const trp = new TrpRegularizer();
  assert.throws(() => trp.isProjectionStep(-1), RangeError);
  trp.project_(0, kernels(6));
  assert.throws(() => trp.addNuclear_(0, { a: zeros([1]) }), /grads.a/);
});
