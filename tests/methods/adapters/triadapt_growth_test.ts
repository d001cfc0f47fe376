import assert from "node:assert/strict";
import { valueAndGrad } from "../../../ops/autograd/grad.ts";
import { add, mul, sum } from "../../../ops/autograd/ops.ts";
import { adam } from "../../../ops/optim/adam.ts";
import { randn, Rng } from "../../../ops/random.ts";
import type { Tensor } from "../../../ops/tensor.ts";
import {
  growAdapter,
  triAdapt,
  triAdaptRank,
  type TriAdaptState,
} from "../../../methods/adapters/triadapt.ts";
import {
  growOptimizerState_,
  triAdaptGrowStep,
} from "../../../methods/adapters/triadapt_growth.ts";

type Tree = Record<string, Record<string, Tensor>>;

/** Loss Σ_i Σ G_i ⊙ ΔW_i over the adapters of a tree `{ l0: params, l1: params, … }`. */
function lossOf(states: TriAdaptState[]): (t: Tree) => Tensor {
  const g = states.map((s, i) => randn([...s.shape], { seed: 50 + i }));
  return (t: Tree): Tensor =>
    states
      .map((s, i) => sum(mul(triAdapt.delta({ ...s, params: t[`l${i}`] }), g[i])))
      .reduce((x, y) => add(x, y));
}

function nonZeroStrips(s: TriAdaptState, seed: number): TriAdaptState {
  const params = { ...s.params };
  for (const k of Object.keys(params)) {
    if (k.startsWith("c")) params[k] = randn([...params[k].shape], { seed: seed++ });
  }
  return { ...s, params };
}

Deno.test("TriAdapt growth keeps the Adam moments of existing rows, columns and strips; new ones 0", () => {
  const w = randn([5, 4], { seed: 0 });
  const states = [0, 1].map((i) =>
    nonZeroStrips(growAdapter(triAdapt.init(w, { initRank: 2 }, new Rng(i)), 1, new Rng(9)), 3)
  );
  const opt = adam({ lr: 0.05 });
  const tree: Tree = { l0: { ...states[0].params }, l1: { ...states[1].params } };
  const os = opt.init(tree);
  const f = valueAndGrad(lossOf(states));
  for (let k = 0; k < 3; k++) opt.step_(tree, f(tree).grad as Tree, os);
  const before: TriAdaptState = { ...states[1], params: tree.l1 };
  const old = { m: { ...os.m }, v: { ...os.v } };
  const after = growAdapter(before, 2, new Rng(4)); // rank 3 → 5, new strips cl2/cu2
  growOptimizerState_(os, "l1", before, after);
  for (const slot of ["m", "v"] as const) {
    const a0 = old[slot]["l1.a"], a1 = os[slot]["l1.a"];
    assert.deepEqual(a1.shape, [5, 4]);
    for (let i = 0; i < 5 * 4; i++) {
      assert.equal(a1.data[i], i < 12 ? a0.data[i] : 0, `${slot} a[${i}]`);
    }
    const b0 = old[slot]["l1.b"], b1 = os[slot]["l1.b"];
    assert.deepEqual(b1.shape, [5, 5]);
    for (let i = 0; i < 5; i++) {
      for (let j = 0; j < 5; j++) {
        assert.equal(b1.data[i * 5 + j], j < 3 ? b0.data[i * 3 + j] : 0, `${slot} b[${i},${j}]`);
      }
    }
    for (const k of ["cl0", "cu0", "cl1", "cu1"]) {
      assert.equal(os[slot][`l1.${k}`], old[slot][`l1.${k}`], `${slot} ${k} kept`);
      assert.ok(os[slot][`l1.${k}`].data.some((x) => x !== 0));
    }
    assert.deepEqual(os[slot]["l1.cl2"].shape, [2, 5]);
    assert.ok(
      os[slot]["l1.cl2"].data.every((x) => x === 0) &&
        os[slot]["l1.cu2"].data.every((x) => x === 0),
    );
    assert.equal(os[slot]["l0.a"], old[slot]["l0.a"], "the other adapter is untouched");
  }
  // Training goes on over the grown tree.
  tree.l1 = after.params;
  const f2 = valueAndGrad(lossOf([states[0], after]));
  opt.step_(tree, f2(tree).grad as Tree, os);
  assert.equal(os.step, 4);
  // Misuse is reported.
  assert.throws(() => growOptimizerState_(os, "l1", after, before), /is not a growth of before/);
  const { a, b } = before.params;
  assert.throws(
    () => growOptimizerState_({ m: { "l1.a": a, "l1.b": b } }, "l1", before, after),
    /state has no entry "l1.cl0"/,
  );
  assert.throws(
    () => growOptimizerState_({ m: { "l1.a": b, "l1.b": b } }, "l1", before, after),
    /state entry "l1.a" is 5x3, the parameter was 3x4/,
  );
});

Deno.test("triAdaptGrowStep: scores q − q_prev, K-th-largest threshold over several matrices", () => {
  const w = randn([6, 5], { seed: 1 });
  const st = [0, 1, 2].map((i) => triAdapt.init(w, { initRank: 1 }, new Rng(i)));
  // q = ‖C‖_F / 1 = |c| for a 1×1 C = cl0 + cu0.
  st[0].params.cl0.data[0] = 0.5;
  st[1].params.cl0.data[0] = 0.3;
  st[2].params.cu0.data[0] = -0.4;
  // T = 100: t₀ = 10, Δt = 2. Step 60: μ = 5/9; target 3·4 = 12, now 3 ⇒ gap 9 ⇒ K = 5 → 3.
  const all = triAdaptGrowStep(st, [0, 0, 0], 60, { total: 100, referenceRank: 4 }, new Rng(0));
  assert.deepEqual(all.grown, [0, 1, 2]);
  assert.deepEqual(all.q, [0.5, 0.3, 0.4]);
  assert.deepEqual(all.states.map(triAdaptRank), [3, 3, 3]); // increment ⌊4/2⌋ = 2
  // Target 6 ⇒ gap 3 ⇒ K = ⌊5/3⌋ = 1: only the largest score grows; q_prev changes the winner.
  const one = triAdaptGrowStep(st, [0, 0, 0], 60, { total: 100, rankTarget: 6 }, new Rng(0));
  assert.deepEqual(one.grown, [0]);
  assert.deepEqual(one.states.map(triAdaptRank), [5, 1, 1]); // default increment 8/2
  assert.equal(one.states[1], st[1]);
  const prev = triAdaptGrowStep(
    st,
    [0.45, 0, 0],
    60,
    { total: 100, rankTarget: 6, increment: 1 },
    new Rng(0),
  );
  assert.deepEqual(prev.grown, [2]);
  // Not a growth step (off-interval, or in warm-up): nothing changes.
  assert.deepEqual(triAdaptGrowStep(st, [0, 0, 0], 61, { total: 100 }, new Rng(0)).grown, []);
  assert.deepEqual(triAdaptGrowStep(st, [0, 0, 0], 10, { total: 100 }, new Rng(0)).grown, []);
  assert.deepEqual(
    triAdaptGrowStep(st, [0, 0, 0], 20, { total: 100, warmup: 30 }, new Rng(0)).grown,
    [],
  );
  // compensate keeps ΔW; initStd sets the new rows' spread.
  const g = triAdaptGrowStep(st, [0, 0, 0], 60, {
    total: 100,
    rankTarget: 6,
    compensate: true,
    initStd: 3,
  }, new Rng(0));
  const d0 = triAdapt.delta(st[0]), d1 = triAdapt.delta(g.states[0]);
  for (let i = 0; i < d0.size; i++) assert.ok(Math.abs(d0.data[i] - d1.data[i]) < 1e-15);
  const fresh = Array.from(g.states[0].params.a.data.subarray(5));
  assert.ok(Math.max(...fresh.map(Math.abs)) > 0.5, "initStd 3 gives large new rows");
  assert.throws(
    () => triAdaptGrowStep(st, [0, 0, 0], 60, { total: 100, bogus: 1 } as never, new Rng(0)),
    /unknown option "bogus"/,
  );
  assert.throws(
    () => triAdaptGrowStep(st, [0], 60, { total: 100 }, new Rng(0)),
    /qPrev has 1 entries for 3 states/,
  );
});
