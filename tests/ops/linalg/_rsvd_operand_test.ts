import assert, { deepEqual as assertEquals } from "node:assert/strict";
import { rsvdOperand } from "../../../ops/linalg/_rsvd_operand.ts";
import { Tensor } from "../../../ops/tensor.ts";
import { naiveT, randMat, throwsWith } from "./_factor_helpers.ts";

// Shapes around the 16×16 tiles and the four-row / two-element unrolls (remainders of each).
const SHAPES = [[1, 1], [1, 7], [7, 1], [3, 5], [4, 4], [5, 3], [17, 33], [33, 18], [37, 64]];

Deno.test("rsvdOperand: aᵀ is the naive transpose; f64 input read in place, f32 copied", () => {
  for (const [m, n] of SHAPES) {
    for (const dtype of ["f64", "f32"] as const) {
      const t = randMat(m, n, m * 100 + n, dtype);
      const op = rsvdOperand(t, true);
      assertEquals(op.e, 0);
      assertEquals(Array.from(op.at!), Array.from(naiveT(t.data, m, n)), `${m}x${n} ${dtype}`);
      assertEquals(Array.from(op.a), Array.from(t.data));
      assert(op.a instanceof Float64Array && (dtype === "f64") === (op.a === t.data));
      assertEquals(rsvdOperand(t, false).at, null);
    }
  }
});

Deno.test("rsvdOperand: the scaling sees the largest entry anywhere, with and without aᵀ", () => {
  // One entry of 2^1000 (products could overflow) among O(1) ones: e = 1000 whatever its
  // position (tile, unrolled rows, remainder rows and columns); without it, e = 0.
  for (const [m, n] of [[5, 7], [6, 3], [9, 2]]) {
    for (let pos = 0; pos < m * n; pos++) {
      const t = randMat(m, n, pos);
      t.data[pos] = -(2 ** 1000);
      for (const transpose of [true, false]) {
        const op = rsvdOperand(t, transpose);
        assertEquals(op.e, 1000, `${m}x${n} at ${pos}, transpose ${transpose}`);
        assertEquals(op.a[pos], -1);
        if (transpose) {
          const i = Math.floor(pos / n), j = pos % n;
          assertEquals(op.at![j * m + i], -1);
          // Scaling by a power of two is exact: the copies are the scaled input, exactly.
          assertEquals(Array.from(op.at!), Array.from(naiveT(op.a, m, n)));
        }
        assertEquals(Array.from(op.a), Array.from(t.data, (v) => v * 2 ** -1000));
      }
    }
  }
  // The threshold: max|a|·8·max(m, n) ≥ 2^1000 (here 2^996·8·2 = 2^1000).
  const t = new Tensor(new Float64Array([2 ** 996, 1]), [1, 2]);
  assertEquals(rsvdOperand(t, true).e, 996);
  t.data[0] = 2 ** 995;
  assertEquals(rsvdOperand(t, true).e, 0);
});

Deno.test("rsvdOperand: a non-finite entry anywhere is a RangeError naming a and its index", () => {
  for (const [m, n] of [[5, 7], [6, 3], [1, 3]]) {
    for (const bad of [NaN, Infinity, -Infinity]) {
      for (let pos = 0; pos < m * n; pos++) {
        const t = randMat(m, n, pos);
        t.data[pos] = bad;
        for (const transpose of [true, false]) {
          throwsWith(
            () => rsvdOperand(t, transpose),
            RangeError,
            `randomizedSvd: a has a non-finite entry ${bad} at flat index ${pos}`,
          );
        }
      }
    }
  }
});
