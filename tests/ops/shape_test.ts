import assert from "node:assert/strict";
import { concat, reshape, slice, sliceCols, sliceRows, transpose } from "../../ops/shape.ts";
import { arange, at, tensor, toArray } from "../../ops/tensor.ts";
import { randn } from "../../ops/random.ts";

Deno.test("reshape infers -1 and rejects bad sizes", () => {
  const t = reshape(arange(0, 12), [3, -1]);
  assert.deepEqual(t.shape, [3, 4]);
  assert.throws(() => reshape(arange(0, 12), [5, -1]), /cannot reshape 12 to \[5, -1\]/);
  assert.throws(() => reshape(arange(0, 12), [-1, -1]), /only one extent/);
  assert.throws(() => reshape(arange(0, 12), [2, 2]), RangeError);
});

Deno.test("transpose of matrices matches index definition, including blocked sizes", () => {
  for (const [m, n] of [[1, 1], [1, 7], [7, 1], [33, 65], [64, 32]]) {
    const a = randn([m, n], { seed: m * 100 + n });
    const t = transpose(a);
    assert.deepEqual(t.shape, [n, m]);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) assert.equal(at(t, j, i), at(a, i, j));
  }
});

Deno.test("transpose with axes permutes an N-d tensor", () => {
  const x = reshape(arange(0, 24), [2, 3, 4]);
  const y = transpose(x, [2, 0, 1]);
  assert.deepEqual(y.shape, [4, 2, 3]);
  for (let i = 0; i < 2; i++) {
    for (let j = 0; j < 3; j++) {
      for (let k = 0; k < 4; k++) assert.equal(at(y, k, i, j), at(x, i, j, k));
    }
  }
  assert.throws(() => transpose(x, [0, 0, 1]), /not a permutation/);
  assert.throws(() => transpose(x), /pass axes/);
});

Deno.test("slicing rows, columns and blocks", () => {
  const a = tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
  assert.deepEqual(toArray(sliceRows(a, 1, 2)), [[4, 5, 6]]);
  assert.deepEqual(toArray(sliceCols(a, 0, 2)), [[1, 2], [4, 5], [7, 8]]);
  assert.deepEqual(toArray(slice(a, [1, 3], [2, 3])), [[6], [9]]);
  assert.deepEqual(sliceRows(a, 3, 3).shape, [0, 3]);
  assert.throws(() => sliceCols(a, 2, 1), /column range \[2, 1\) is invalid for extent 3/);
  assert.throws(() => sliceRows(a, 0, 4), RangeError);
});

Deno.test("concat along rows and columns, with errors naming shapes", () => {
  const a = tensor([[1, 2]]), b = tensor([[3, 4], [5, 6]]);
  assert.deepEqual(toArray(concat([a, b])), [[1, 2], [3, 4], [5, 6]]);
  assert.deepEqual(toArray(concat([tensor([[1], [2]]), tensor([[3, 4], [5, 6]])], 1)), [[1, 3, 4], [
    2,
    5,
    6,
  ]]);
  assert.throws(() => concat([a, tensor([[1, 2, 3]])]), /1x2 and 1x3 differ off axis 0/);
  assert.throws(() => concat([a, tensor([[1, 2]], { dtype: "f32" })]), TypeError);
  assert.throws(() => concat([]), RangeError);
});

Deno.test("transpose with axes equals the index formula for every permutation (runs and elements)", () => {
  const perms = (n: number): number[][] =>
    n === 1
      ? [[0]]
      : perms(n - 1).flatMap((p) =>
        Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)])
      );
  for (const shape of [[2, 3, 4, 5], [3, 1, 2], [4, 2], [2, 3, 0]]) {
    const x = tensor(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i), {
      shape,
    });
    for (const axes of perms(shape.length)) {
      const y = transpose(x, axes);
      assert.deepEqual(y.shape, axes.map((a) => shape[a]));
      const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
      for (let k = 0; k < y.size; k++) {
        let rest = k, src = 0;
        for (let d = y.ndim - 1; d >= 0; d--) {
          src += (rest % y.shape[d]) * strides[axes[d]];
          rest = Math.floor(rest / y.shape[d]);
        }
        assert.equal(y.data[k], src, `shape ${shape} axes ${axes} at ${k}`);
      }
    }
  }
});
