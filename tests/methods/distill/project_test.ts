/** projectOnto and trajectoryBoost: §10 property 5, gradients by finite differences. */
import assert from "node:assert/strict";
import {
  gradcheck,
  matmul,
  mul,
  randn,
  reshape,
  sum,
  svd,
  type Tensor,
  tensor,
} from "../../../mod.ts";
import { projectOnto, trajectoryBoost } from "../../../methods/distill/mod.ts";
import { maxDiff, projector, U64 } from "./_helpers.ts";

const orthonormal = (d: number, r: number, seed: number): Tensor => svd(randn([d, r], { seed })).u;

/** (I − P)·x with the explicit D×D projector. */
function residual(u: Tensor, x: Tensor): Float64Array {
  const px = matmul(projector(u), reshape(x, [x.size, 1]));
  return Float64Array.from(x.data, (v, i) => v - px.data[i]);
}

Deno.test("projectOnto: equals x·UUᵀ with the explicit projector, along the last axis", () => {
  const u = orthonormal(7, 3, 1), x = randn([4, 7], { seed: 2 });
  const want = matmul(x, projector(u));
  const got = projectOnto(u, x);
  assert.deepEqual(got.shape, [4, 7]);
  assert.ok(maxDiff(got.data, want.data) < 20 * 7 * U64 * 10);
  const one = projectOnto(u, randn([7], { seed: 3 }));
  assert.deepEqual(one.shape, [7]);
});

Deno.test("trajectoryBoost: Uᵀg' = 1.1·Uᵀg and (I − P)g' = (I − P)g (property 5)", () => {
  const d = 12, u = orthonormal(d, 4, 4), g = randn([3, 4], { seed: 5 }); // any shape, D = 12
  const boosted = trajectoryBoost(u, g);
  assert.deepEqual(boosted.shape, [3, 4]);
  const flat = (t: Tensor): Tensor => tensor(Array.from(t.data));
  const c = matmul(u, reshape(flat(g), [d, 1]), { transA: true });
  const c2 = matmul(u, reshape(flat(boosted), [d, 1]), { transA: true });
  assert.ok(maxDiff(c2.data, c.data.map((v) => 1.1 * v)) < 1e-13);
  assert.ok(maxDiff(residual(u, flat(boosted)), residual(u, flat(g))) < 1e-13);
  // The residual is not trivially zero: g has a component outside the subspace.
  assert.ok(Math.max(...residual(u, flat(g)).map(Math.abs)) > 0.1);
});

Deno.test("trajectoryBoost: the factor option scales the in-subspace part by 1 + factor", () => {
  const u = orthonormal(6, 2, 6), g = randn([6], { seed: 7 });
  const c = matmul(u, reshape(g, [6, 1]), { transA: true });
  for (const factor of [0, 0.5, -1]) {
    const b = trajectoryBoost(u, g, { factor });
    const cb = matmul(u, reshape(b, [6, 1]), { transA: true });
    assert.ok(maxDiff(cb.data, c.data.map((v) => (1 + factor) * v)) < 1e-13, `factor ${factor}`);
  }
  assert.deepEqual(trajectoryBoost(null, g).data, g.data);
});

Deno.test("projectOnto / trajectoryBoost: gradients in x and the basis pass gradcheck", () => {
  const u = randn([5, 2], { seed: 8 }), x = randn([3, 5], { seed: 9 });
  const w = randn([3, 5], { seed: 10 });
  const f = (a: Tensor, b: Tensor): Tensor => sum(mul(projectOnto(a, b), w));
  assert.ok(gradcheck(f, [u, x]).ok);
  const h = (a: Tensor, g: Tensor): Tensor => sum(mul(trajectoryBoost(a, g, { factor: 0.3 }), w));
  assert.ok(gradcheck(h, [randn([15, 2], { seed: 11 }), x]).ok); // g is read flat: D = 15
});

Deno.test("projectOnto / trajectoryBoost: bad input is an error naming it", () => {
  assert.throws(() => projectOnto(randn([4, 2]), randn([5])), /basis must be 5×r.*\[4,2\]/);
  assert.throws(
    () => trajectoryBoost(null, randn([2]), { gain: 1 } as never),
    /unknown option "gain"/,
  );
  assert.throws(() => trajectoryBoost(null, randn([2]), { factor: NaN }), /factor/);
});
