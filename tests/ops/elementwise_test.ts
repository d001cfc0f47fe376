import assert from "node:assert/strict";
import {
  add,
  add_,
  axpy_,
  broadcastShape,
  div,
  map,
  mul,
  scale,
  scale_,
  sub,
} from "../../ops/elementwise.ts";
import { reshape } from "../../ops/shape.ts";
import { arange, at, tensor, toArray } from "../../ops/tensor.ts";

Deno.test("broadcasting follows NumPy rules on every axis", () => {
  assert.deepEqual(broadcastShape("t", [2, 1, 4], [3, 1]), [2, 3, 4]);
  assert.throws(() => broadcastShape("add", [2, 3], [4]), /shapes 2x3 and 4 do not broadcast/);
  const x = reshape(arange(0, 8), [2, 1, 4]);
  const y = reshape(arange(0, 3), [3, 1]);
  const z = add(x, y);
  assert.deepEqual(z.shape, [2, 3, 4]);
  for (let i = 0; i < 2; i++) {
    for (let j = 0; j < 3; j++) {
      for (let k = 0; k < 4; k++) assert.equal(at(z, i, j, k), at(x, i, 0, k) + at(y, j, 0));
    }
  }
});

Deno.test("binary ops with rows, columns and scalars", () => {
  const a = tensor([[1, 2], [3, 4]]);
  assert.deepEqual(toArray(sub(a, tensor([1, 2]))), [[0, 0], [2, 2]]);
  assert.deepEqual(toArray(mul(a, tensor([[10], [100]]))), [[10, 20], [300, 400]]);
  assert.deepEqual(toArray(div(a, 2)), [[0.5, 1], [1.5, 2]]);
  assert.deepEqual(toArray(scale(a, -1)), [[-1, -2], [-3, -4]]);
  assert.deepEqual(toArray(map(a, (v, i) => v * i)), [[0, 2], [6, 12]]);
  assert.throws(
    () => add(a, tensor([[1, 2]], { dtype: "f32" })),
    /dtypes differ: a is f64, b is f32/,
  );
  assert.throws(() => add([1] as never, a), /a must be a Tensor, got an Array/);
});

Deno.test("f32 results are rounded to f32", () => {
  const a = tensor([0.1], { dtype: "f32" });
  const r = add(a, a);
  assert.equal(r.dtype, "f32");
  assert.equal(r.data[0], Math.fround(Math.fround(0.1) + Math.fround(0.1)));
});

Deno.test("in-place ops mutate and return the first operand", () => {
  const a = tensor([1, 2]);
  assert.equal(axpy_(a, tensor([1, 1]), 3), a);
  assert.deepEqual(Array.from(a.data), [4, 5]);
  add_(a, tensor([1, 1]));
  scale_(a, 2);
  assert.deepEqual(Array.from(a.data), [10, 12]);
  assert.throws(() => add_(a, tensor([1])), /shapes differ: a is 2, b is 1/);
});

Deno.test("scale_ and axpy_ reject a non-number factor instead of filling with NaN", () => {
  const a = tensor([1, 2]), b = tensor([3, 4]);
  assert.throws(
    () => scale_(a, "abc" as unknown as number),
    /scale_: s must be a number, got "abc"/,
  );
  assert.throws(
    () => axpy_(a, b, "2" as unknown as number),
    /axpy_: alpha must be a number, got "2"/,
  );
  assert.throws(() => scale(a, "abc" as unknown as number), TypeError);
  assert.deepEqual(Array.from(a.data), [1, 2], "a is untouched");
  assert.deepEqual(Array.from(axpy_(a, b).data), [4, 6], "alpha defaults to 1");
});
