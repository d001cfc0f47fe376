import assert from "node:assert/strict";
import { randn, Rng } from "../../../ops/random.ts";
import { tensor } from "../../../ops/tensor.ts";
import {
  dareLinear,
  dareTies,
  magnitudePrune,
  randomPrune,
  taskArithmetic,
  ties,
} from "../../../methods/adapters/peft_merge_utils.ts";
import { combineLoras } from "../../../methods/adapters/peft_weighted.ts";
import { loraFromFactors } from "../../../methods/adapters/lora.ts";
import { maxDiff } from "./helpers.ts";

const arr = (t: { data: ArrayLike<number> }): number[] => Array.from(t.data);

Deno.test("TIES by hand: top-density trim, sign election (total / frequency), disjoint mean", () => {
  assert.deepEqual(arr(magnitudePrune(tensor([1, -3, 2, 0.5]), 0.5)), [0, -3, 2, 0]);
  assert.deepEqual(arr(magnitudePrune(tensor([1, -3]), 0)), [0, 0]);
  assert.deepEqual(arr(magnitudePrune(tensor([1, -3]), 1)), [1, -3]);
  assert.throws(() => magnitudePrune(tensor([1]), 1.5), /density must be in \[0, 1\], got 1.5/);
  // Trimmed: [4, 0, 2, 0] and [−3, 0, 0, 5]; sums 1, 0, 2, 5 elect +; weights 1 and 2.
  const t1 = tensor([4, -1, 2, 0]), t2 = tensor([-3, 2, 1, 5]);
  assert.deepEqual(arr(ties([t1, t2], [1, 2], 0.5)), [4, 0, 2, 10]);
  // Sum −3 elects −, sign count +1 elects +.
  const one = [tensor([-5]), tensor([1]), tensor([1])];
  assert.deepEqual(arr(ties(one, [1, 1, 1], 1, "total")), [-5]);
  assert.deepEqual(arr(ties(one, [1, 1, 1], 1, "frequency")), [1]);
  assert.deepEqual(arr(taskArithmetic([t1, t2], [1, 2])), [-2, 3, 4, 10]);
  assert.throws(() => ties([t1, tensor([1, 2])], [1, 1], 1), /shapes differ: 4 and 2/);
});

Deno.test("DARE: seeded drop with rescale 1/density; dare_linear / dare_ties; density 1 is exact", () => {
  const t = randn([400], { seed: 1 });
  const p = randomPrune(t, 0.3, new Rng(5));
  assert.deepEqual(arr(p), arr(randomPrune(t, 0.3, new Rng(5))));
  let kept = 0;
  for (let i = 0; i < t.size; i++) {
    if (p.data[i] !== 0) {
      kept++;
      assert.ok(Math.abs(p.data[i] - t.data[i] / 0.3) < 1e-12);
    }
  }
  // Binomial(400, 0.3): mean 120, sd 9.2; ±5 sd.
  assert.ok(Math.abs(kept - 120) < 46, `kept ${kept}`);
  const u = randn([400], { seed: 2 });
  assert.deepEqual(
    arr(dareLinear([t, u], [1, 2], 1, new Rng(0))),
    arr(taskArithmetic([t, u], [1, 2])),
  );
  assert.deepEqual(arr(dareTies([t, u], [1, 2], 1, new Rng(0))), arr(ties([t, u], [1, 2], 1)));
  assert.notDeepEqual(
    arr(dareLinear([t, u], [1, 2], 0.5, new Rng(0))),
    arr(taskArithmetic([t, u], [1, 2])),
  );
});

Deno.test("combineLoras ties / dare / magnitude_prune merge the A's and the B's with weights √(w·s)", () => {
  const s1 = loraFromFactors(randn([2, 5], { seed: 1 }), randn([4, 2], { seed: 2 }), { alpha: 4 });
  const s2 = loraFromFactors(randn([2, 5], { seed: 3 }), randn([4, 2], { seed: 4 }), { alpha: 1 });
  const f = [Math.sqrt(0.5 * 2), Math.sqrt(3 * 0.5)];
  const c = combineLoras([s1, s2], [0.5, 3], "ties", { density: 0.6 });
  assert.equal(c.scale, 1);
  assert.ok(maxDiff(c.params.a, ties([s1.params.a, s2.params.a], f, 0.6)) === 0);
  assert.ok(maxDiff(c.params.b, ties([s1.params.b, s2.params.b], f, 0.6)) === 0);
  const fq = combineLoras([s1, s2], [0.5, 3], "ties", {
    density: 0.6,
    majoritySignMethod: "frequency",
  });
  assert.ok(maxDiff(fq.params.a, ties([s1.params.a, s2.params.a], f, 0.6, "frequency")) === 0);
  const mp = combineLoras([s1, s2], [0.5, 3], "magnitude_prune", { density: 0.5 });
  const want = taskArithmetic(
    [magnitudePrune(s1.params.b, 0.5), magnitudePrune(s2.params.b, 0.5)],
    f,
  );
  assert.ok(maxDiff(mp.params.b, want) === 0);
  const d1 = combineLoras([s1, s2], [0.5, 3], "dare_ties", { density: 0.5, seed: 9 });
  const d2 = combineLoras([s1, s2], [0.5, 3], "dare_ties", { density: 0.5, seed: 9 });
  const d3 = combineLoras([s1, s2], [0.5, 3], "dare_linear", { density: 0.5, seed: 10 });
  assert.deepEqual(arr(d1.params.a), arr(d2.params.a));
  assert.ok(maxDiff(d1.params.a, d3.params.a) > 0);
  assert.throws(() => combineLoras([s1, s2], [1, 1], "ties"), /"ties" needs opts.density/);
  assert.throws(
    () => combineLoras([s1, s2], [1, 1], "bogus" as never),
    /is not one of cat, svd, linear/,
  );
});
