/** Exact inner-product index: brute-force agreement, ties, batches, rows, bad input. */
import assert, { deepEqual as assertEquals } from "node:assert/strict";
import fc from "fast-check";
import { grad } from "../../../ops/autograd/grad.ts";
import { mul, sum } from "../../../ops/autograd/ops.ts";
import { scalar, Tensor, tensor } from "../../../ops/tensor.ts";
import { InnerProductIndex } from "../../../methods/retrieval/index.ts";
import { randMat, throwsWith } from "../../ops/linalg/_factor_helpers.ts";

/** Brute force: every score by a plain loop, stable sort. */
function brute(v: Tensor, q: ArrayLike<number>, m: number): number[] {
  const [n, d] = v.shape;
  const s = Array.from({ length: n }, (_, i) => {
    let t = 0;
    for (let j = 0; j < d; j++) t += v.data[i * d + j] * q[j];
    return t;
  });
  return s.map((_, i) => i).sort((a, b) => s[b] - s[a] || a - b).slice(0, m);
}

Deno.test("InnerProductIndex.search: the top m of a brute-force scan, per query of a batch", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 40 }),
      fc.integer({ min: 1, max: 6 }),
      fc.integer({ min: 1, max: 50 }),
      fc.integer({ min: 0, max: 999 }),
      (n, d, m, seed) => {
        // Small integers make exact ties common.
        const v = randMat(n, d, seed);
        for (let i = 0; i < v.data.length; i++) v.data[i] = Math.round(v.data[i]);
        const q = randMat(3, d, seed + 1);
        for (let i = 0; i < q.data.length; i++) q.data[i] = Math.round(q.data[i]);
        const r = new InnerProductIndex(v).search(q, m);
        for (let b = 0; b < 3; b++) {
          const qb = q.data.subarray(b * d, (b + 1) * d);
          assertEquals(r.ids[b], brute(v, qb, m));
          assert.equal(r.ids[b].length, Math.min(m, n));
          r.ids[b].forEach((id, t) => {
            let s = 0;
            for (let j = 0; j < d; j++) s += v.data[id * d + j] * qb[j];
            assert.equal(r.scores[b][t], s);
          });
        }
      },
    ),
    { numRuns: 80, seed: 5 },
  );
});

Deno.test("InnerProductIndex: a 1-D query, exact ties by lower id, rows, no normalisation", () => {
  const index = new InnerProductIndex(tensor([[1, 0], [0, 1], [1, 1], [3, 3]]));
  assertEquals(index.size, 4);
  assertEquals(index.dim, 2);
  // [3, 3] wins on inner product although [1, 1] points the same way (no normalisation).
  assertEquals(index.search(tensor([1, 1]), 2).ids, [[3, 2]]);
  assertEquals(index.search(tensor([[1, -1]]), 4).ids, [[0, 2, 3, 1]]);
  assertEquals(index.rows([3, 0]).data, Float64Array.of(3, 3, 1, 0));
  // f32 vectors are kept as f64 copies; later changes to the input do not leak in.
  const src = new Tensor(Float32Array.of(1, 2), [1, 2]);
  const i2 = new InnerProductIndex(src);
  src.data[0] = 100;
  assertEquals(i2.vectors.data, Float64Array.of(1, 2));
});

Deno.test("InnerProductIndex: bad input names the argument and the value", () => {
  const index = new InnerProductIndex(tensor([[1, 0], [0, 1]]));
  throwsWith(() => new InnerProductIndex(tensor([1, 2])), RangeError, "vectors must be a matrix");
  throwsWith(
    () => new InnerProductIndex(new Tensor(new Float64Array(0), [0, 2])),
    RangeError,
    "at least 1 row",
  );
  throwsWith(() => new InnerProductIndex(tensor([[NaN]])), RangeError, "non-finite entry NaN");
  throwsWith(
    () => index.search(tensor([1, 2, 3]), 1),
    RangeError,
    "queries must be 2 or Bx2, got 3",
  );
  throwsWith(() => index.search(tensor([1, 2]), 0), RangeError, "m must be an integer >= 1, got 0");
  throwsWith(() => index.search(tensor([1, Infinity]), 1), RangeError, "queries has a non-finite");
  throwsWith(() => index.rows([2]), RangeError, "id 2 is outside 0..1");
  throwsWith(
    () => grad((q: Tensor) => sum(mul(q, scalar(index.search(q, 1).ids[0][0]))))(tensor([1, 2])),
    TypeError,
    "InnerProductIndex.search: argument queries is traced",
  );
});
