import assert from "node:assert/strict";
import {
  arange,
  astype,
  at,
  eye,
  full,
  ones,
  scalar,
  Tensor,
  tensor,
  toArray,
  zeros,
} from "../../ops/tensor.ts";

Deno.test("tensor infers shape from nested arrays and copies data", () => {
  const src = [[1, 2, 3], [4, 5, 6]];
  const t = tensor(src);
  assert.deepEqual(t.shape, [2, 3]);
  assert.equal(t.dtype, "f64");
  src[0][0] = 99;
  assert.equal(at(t, 0, 0), 1);
  assert.deepEqual(toArray(t), [[1, 2, 3], [4, 5, 6]]);
});

Deno.test("tensor with explicit shape and dtype; typed arrays keep f32", () => {
  const t = tensor([1, 2, 3, 4, 5, 6], { shape: [3, 2], dtype: "f32" });
  assert.ok(t.data instanceof Float32Array);
  assert.equal(at(t, 2, 1), 6);
  assert.equal(tensor(new Float32Array([1, 2])).dtype, "f32");
  assert.equal(tensor(7).ndim, 0);
});

Deno.test("tensor rejects ragged, non-numeric and mis-shaped input", () => {
  assert.throws(() => tensor([[1, 2], [3]]), RangeError);
  assert.throws(() => tensor([1, "x" as unknown as number]), TypeError);
  assert.throws(
    () => tensor([1, 2, 3], { shape: [2, 2] }),
    /3 elements cannot take shape \[2, 2\]/,
  );
  assert.throws(() => tensor([1], { dtype: "f16" as "f32" }), TypeError);
  assert.throws(() => zeros([2, -1]), /invalid extent -1/);
  assert.throws(() => zeros([1.5]), RangeError);
  assert.throws(() => new Tensor(new Float64Array(3), [2, 2]), /data has 3 elements/);
});

Deno.test("constructors: zeros, ones, full, eye, arange, scalar", () => {
  assert.deepEqual(Array.from(zeros([2, 2]).data), [0, 0, 0, 0]);
  assert.deepEqual(Array.from(ones([3], { dtype: "f32" }).data), [1, 1, 1]);
  assert.deepEqual(Array.from(full([2], -3).data), [-3, -3]);
  assert.deepEqual(toArray(eye(2, 3)), [[1, 0, 0], [0, 1, 0]]);
  assert.deepEqual(Array.from(arange(1, 2, 0.25).data), [1, 1.25, 1.5, 1.75]);
  assert.deepEqual(Array.from(arange(3, 0, -1).data), [3, 2, 1]);
  assert.equal(arange(0, 0).size, 0);
  assert.throws(() => arange(0, 1, 0), RangeError);
  assert.equal(scalar(2).data[0], 2);
  assert.deepEqual(zeros([0, 3]).shape, [0, 3]);
  // errors name the function that was called, not the shared helper
  assert.throws(() => eye(-1), { name: "RangeError", message: /^eye: n must be .* got -1/ });
  assert.throws(() => eye(2, 2.5), /eye: m must be a non-negative integer, got 2.5/);
  assert.throws(() => ones([2, -1]), /ones: shape \[2, -1\] has an invalid extent -1/);
  assert.throws(() => zeros([1], { dtype: "i8" as "f32" }), {
    name: "TypeError",
    message: /^zeros:/,
  });
});

Deno.test("at: negative indices, range and arity errors", () => {
  const t = tensor([[1, 2], [3, 4]]);
  assert.equal(at(t, -1, -2), 3);
  assert.throws(() => at(t, 2, 0), /index 2 out of range for axis 0 of extent 2/);
  assert.throws(() => at(t, 0), /has 1 axes/);
});

Deno.test("astype rounds f64 to f32 and rows/cols need a matrix", () => {
  const t = astype(tensor([0.1]), "f32");
  assert.equal(t.data[0], Math.fround(0.1));
  assert.equal(tensor([[1, 2, 3]]).cols, 3);
  assert.throws(() => tensor([1, 2]).rows, /not 2-D/);
});

Deno.test("new Tensor rejects data that is not a Float64Array or Float32Array", () => {
  const bad: [unknown, string][] = [
    [[1, 2, 3], "got an Array"],
    [new Int32Array(3), "got a Int32Array"],
    [new Uint8Array(3), "got a Uint8Array"],
    [null, "got null"],
  ];
  for (const [data, message] of bad) {
    assert.throws(
      () => new Tensor(data as Float64Array, [3]),
      (e: Error) =>
        e instanceof TypeError && e.message.includes(`Tensor: data must be`) &&
        e.message.includes(message),
    );
  }
  assert.equal(new Tensor(new Float32Array(3), [3]).dtype, "f32");
  assert.equal(new Tensor(new Float64Array(3), [3]).dtype, "f64");
});
