import assert from "node:assert/strict";
import { argmax, argmin } from "../../ops/reduce.ts";
import * as lr from "../../mod.ts";
import { grad } from "../../ops/autograd/grad.ts";
import { randn } from "../../ops/random.ts";
import { at, tensor, zeros } from "../../ops/tensor.ts";

Deno.test("argmax/argmin along every axis of a 3-D tensor equal a loop over the axis", () => {
  const x = randn([3, 4, 5], { seed: 4 });
  for (let axis = 0; axis < 3; axis++) {
    const ia = argmax(x, { axis }), ib = argmin(x, { axis });
    const rest = x.shape.filter((_, i) => i !== axis);
    assert.deepEqual(ia.shape, rest);
    for (let p = 0; p < rest[0]; p++) {
      for (let q = 0; q < rest[1]; q++) {
        const idx = (k: number): number[] => [p, q].toSpliced(axis, 0, k);
        const vals = Array.from({ length: x.shape[axis] }, (_, k) => at(x, ...idx(k)));
        assert.equal(at(ia, p, q), vals.indexOf(Math.max(...vals)), `axis ${axis} (${p}, ${q})`);
        assert.equal(at(ib, p, q), vals.indexOf(Math.min(...vals)), `axis ${axis} (${p}, ${q})`);
      }
    }
  }
  // Flattened, negative axis and keepDims.
  const flat = Array.from(x.data);
  assert.deepEqual(argmax(x).shape, []);
  assert.equal(argmax(x).data[0], flat.indexOf(Math.max(...flat)));
  assert.equal(argmin(x).data[0], flat.indexOf(Math.min(...flat)));
  assert.deepEqual(argmax(x, { axis: -1 }).data, argmax(x, { axis: 2 }).data);
  assert.deepEqual(argmax(x, { axis: 1, keepDims: true }).shape, [3, 1, 5]);
  assert.deepEqual(argmax(x, { keepDims: true }).shape, [1, 1, 1]);
});

Deno.test("argmax/argmin: first of ties, first NaN wins; f32; errors", () => {
  assert.deepEqual(Array.from(argmax(tensor([[2, 7, 7], [1, 1, 0]]), { axis: 1 }).data), [1, 0]);
  assert.deepEqual(Array.from(argmin(tensor([[2, 7, 7], [1, 1, 0]]), { axis: 0 }).data), [1, 1, 1]);
  assert.equal(argmax(tensor([1, NaN, 9, NaN])).data[0], 1);
  assert.equal(argmin(tensor([NaN, -1])).data[0], 0);
  assert.equal(argmax(tensor([1, 3, 2], { dtype: "f32" })).data[0], 1);
  assert.throws(() => argmax(zeros([0])), /argmax: empty tensor/);
  assert.throws(() => argmin(tensor([1, 2]), { axis: 1 }), /argmin: axis 1 out of range/);
  assert.throws(
    () => argmax(tensor([1, 2]), { axsi: 0 } as object),
    /argmax: unknown option "axsi"/,
  );
  assert.throws(() => argmax(tensor([1, 2]), 0 as unknown as object), /argmax: options must be/);
});

Deno.test("argmax is public and has no gradient: a traced input is a TypeError", () => {
  assert.equal(lr.argmax(tensor([0, 5, 1])).data[0], 1);
  assert.equal(lr.argmin(tensor([0, 5, -1])).data[0], 2);
  const f = (w: lr.Tensor): lr.Tensor => lr.sum(lr.mul(w, argmax(w)));
  assert.throws(() => grad(f)(tensor([1, 2])), /argmax: argument t is traced by grad/);
});
