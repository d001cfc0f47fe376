/** TrajectoryBooster: one flat bank per ≥2-D parameter, push then boost. */
import assert from "node:assert/strict";
import { matmul, randn, reshape, type Tensor, tensor, zeros } from "../../../mod.ts";
import { flatBankOptions, TrajectoryBooster } from "../../../methods/distill/mod.ts";
import { maxDiff } from "./_helpers.ts";

const params = (): { w1: Tensor; b1: Tensor; head: { w: Tensor } } => ({
  w1: zeros([30, 20]),
  b1: zeros([20]),
  head: { w: zeros([4, 5]) },
});

Deno.test("TrajectoryBooster: banks for ≥2-D leaves only, with the flat-bank sizes (L = 300 above D = 500)", () => {
  const b = new TrajectoryBooster(params());
  assert.deepEqual([...b.banks.keys()].sort(), ["head.w", "w1"]);
  assert.deepEqual([b.banks.get("w1")!.length, b.banks.get("w1")!.period], [300, 300]);
  assert.deepEqual(flatBankOptions(20), { length: 16, period: 16 });
  assert.equal(b.banks.get("head.w")!.length, 16);
  const all = new TrajectoryBooster(params(), { minNdim: 1 });
  assert.equal(all.banks.size, 3);
});

Deno.test("TrajectoryBooster: pushes every step, then boosts by the subspace of past gradients", () => {
  const p = { w: zeros([4, 5]) }; // D = 20, L = 16, SVD every 16 pushes
  const b = new TrajectoryBooster(p, { factor: 0.5 });
  const bank = b.banks.get("w")!;
  // Past gradients live in a 2-D subspace.
  const dirs = [randn([20], { seed: 1 }), randn([20], { seed: 2 })];
  const mk = (t: number): Tensor =>
    reshape(
      tensor(Array.from({ length: 20 }, (_, i) =>
        Math.cos(t) * dirs[0].data[i] + Math.sin(t) * dirs[1].data[i])),
      [4, 5],
    );
  for (let t = 0; t < 15; t++) {
    const g = mk(t);
    assert.deepEqual(b.boost({ w: g }).w.data, g.data, `no subspace yet at push ${t + 1}`);
  }
  const g = mk(15);
  const out = b.boost({ w: g }).w; // 16th push fires the SVD, and this gradient is boosted
  assert.equal(bank.count, 16);
  assert.equal(bank.rank, 2);
  // g lies in the subspace: boosted by exactly 1 + factor.
  assert.ok(maxDiff(out.data, g.data.map((v) => 1.5 * v)) < 1e-12);
  // A gradient orthogonal to both directions is unchanged.
  const u = bank.basis!;
  const z = randn([20], { seed: 3 });
  const c = matmul(u, reshape(z, [20, 1]), { transA: true });
  const orth = tensor(
    Array.from(z.data, (v, i) => v - u.data[2 * i] * c.data[0] - u.data[2 * i + 1] * c.data[1]),
  );
  const o = b.boost({ w: reshape(orth, [4, 5]) }).w;
  assert.ok(maxDiff(o.data, orth.data) < 1e-12);
  assert.equal(bank.count, 17);
});

Deno.test("TrajectoryBooster: grads missing a banked path, and bad options, are errors", () => {
  const b = new TrajectoryBooster(params());
  assert.throws(
    () => b.boost({ w1: zeros([30, 20]), b1: zeros([20]) }),
    /lack the banked paths head.w/,
  );
  assert.throws(
    () => new TrajectoryBooster(params(), { rank: 2 } as never),
    /unknown option "rank"/,
  );
  assert.throws(() => new TrajectoryBooster(params(), { energy: 2 }), /energy/);
});

Deno.test("TrajectoryBooster: the energy option sets each bank's kept share", () => {
  const p = { w: zeros([2, 5]) }; // D = 10, L = 8
  const run = (energy: number): number => {
    const b = new TrajectoryBooster(p, { energy });
    // Pushes along e0 (energy 90 each) and e1 (energy 10 each): 90 % of the energy on e0.
    for (let t = 0; t < 8; t++) {
      const g = new Float64Array(10);
      g[t % 2] = t % 2 === 0 ? Math.sqrt(90) : Math.sqrt(10);
      b.boost({ w: tensor(g, { shape: [2, 5] }) });
    }
    return b.banks.get("w")!.rank;
  };
  assert.equal(run(0.98), 2);
  assert.equal(run(0.85), 1);
});
