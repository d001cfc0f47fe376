import assert from "node:assert/strict";
import * as ad from "../../ops/autograd/ops.ts";
import { max, mean, min, sum } from "../../ops/reduce.ts";
import { elementaryNorm, frobenius } from "../../ops/norm.ts";
import { reshape } from "../../ops/shape.ts";
import { arange, at, tensor, zeros } from "../../ops/tensor.ts";

Deno.test("sum/mean/max/min along every axis of a 3-d tensor", () => {
  const x = reshape(arange(0, 24), [2, 3, 4]);
  const s1 = sum(x, { axis: 1 });
  assert.deepEqual(s1.shape, [2, 4]);
  for (let i = 0; i < 2; i++) {
    for (let k = 0; k < 4; k++) {
      let ref = 0;
      for (let j = 0; j < 3; j++) ref += at(x, i, j, k);
      assert.equal(at(s1, i, k), ref);
    }
  }
  assert.deepEqual(sum(x, { axis: -1, keepDims: true }).shape, [2, 3, 1]);
  assert.equal(mean(x).data[0], 11.5);
  assert.deepEqual(
    Array.from(max(x, { axis: 0 }).data),
    Array.from({ length: 12 }, (_, i) => 12 + i),
  );
  assert.equal(min(x).data[0], 0);
  assert.throws(() => sum(x, { axis: 3 }), /axis 3 out of range for a 3-D tensor/);
  assert.throws(() => max(zeros([0])), RangeError);
  assert.equal(sum(zeros([0])).data[0], 0);
});

Deno.test("max propagates NaN", () => {
  assert.ok(Number.isNaN(max(tensor([1, NaN, 3])).data[0]));
});

Deno.test("max/min along an axis propagate NaN wherever it sits in the slice (f64 and f32)", () => {
  // 3 × 4: NaN first in column 0, middle of column 1, last of column 2; column 3 has none.
  const rows = [[NaN, 5, -1, 2], [7, NaN, 4, -3], [1, 2, NaN, 9]];
  for (const dtype of ["f64", "f32"] as const) {
    const x = tensor(rows, { dtype });
    for (const [op, ref] of [[max, Math.max], [min, Math.min]] as const) {
      // axis 0 runs the strided accumulator, axis 1 (and the transpose's) the contiguous fold.
      const cols = op(x, { axis: 0 }).data;
      for (let j = 0; j < 4; j++) {
        const want = ref(...rows.map((r) => r[j]));
        if (Number.isNaN(want)) assert.ok(Number.isNaN(cols[j]), `${dtype} col ${j}`);
        else assert.equal(cols[j], want, `${dtype} col ${j}`);
      }
      const perRow = op(x, { axis: 1 }).data;
      rows.forEach((_, i) => assert.ok(Number.isNaN(perRow[i]), `${dtype} row ${i}`));
      assert.ok(Number.isNaN(op(x).data[0]), `${dtype} all`);
    }
  }
});

Deno.test("reduction options are checked at run time: mean(x, 0), misspelled keys, wrong types", () => {
  const x = tensor([[1, 2], [3, 5]]);
  for (const op of [sum, mean, max, min]) {
    const call = (o: unknown) => () => op(x, o as { axis: number });
    assert.throws(call(0), /options must be an object such as \{ axis: … \}, got 0/);
    assert.throws(call({ axes: 0 }), /unknown option "axes" \(known: axis, keepDims\)/);
    assert.throws(call({ axis: "0" }), /option axis must be a number, got "0"/);
    assert.throws(call({ keepDims: 1 }), /option keepDims must be a boolean, got 1/);
    assert.throws(call(0), (e: Error) => e instanceof TypeError && e.message.startsWith(op.name));
  }
  assert.deepEqual(Array.from(mean(x, { axis: 0 }).data), [2, 3.5]);
  // The public (differentiable) front end reaches the same check.
  assert.throws(() => ad.mean(x, 0 as unknown as { axis: number }), /mean: options must be/);
});

Deno.test("norms: frobenius is overflow-safe; 1 and inf norms of matrices and vectors", () => {
  const close = (x: number, y: number): boolean => Math.abs(x - y) <= 4 * 2 ** -53 * Math.abs(y);
  assert.ok(close(frobenius(tensor([3e200, 4e200])), 5e200));
  assert.ok(close(frobenius(tensor([3e-200, 4e-200])), 5e-200));
  assert.ok(close(frobenius(tensor([1e-310, 1e-310])), Math.SQRT2 * 1e-310));
  assert.equal(frobenius(zeros([3])), 0);
  const a = tensor([[1, -2], [-3, 4]]);
  assert.equal(elementaryNorm(a, 1), 6);
  assert.equal(elementaryNorm(a, "inf"), 7);
  assert.equal(elementaryNorm(a, "max"), 4);
  assert.equal(elementaryNorm(tensor([1, -2, 2]), 1), 5);
  assert.equal(elementaryNorm(tensor([1, -2, 2]), 2), 3);
  assert.throws(() => elementaryNorm(a, 2), /order 2 is not supported for shape 2x2/);
});
