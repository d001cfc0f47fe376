import assert from "node:assert/strict";
import { valueAndGrad } from "../../../ops/autograd/grad.ts";
import { gradcheck } from "../../../ops/autograd/gradcheck.ts";
import { mul, sum } from "../../../ops/autograd/ops.ts";
import { miniBatches, takeRows } from "../../../ops/io/batches.ts";
import { randn, Rng } from "../../../ops/random.ts";
import { type Tensor, tensor } from "../../../ops/tensor.ts";
import { throwsExactly } from "./shared_data.ts";

const M = "miniBatches";
const lists = (it: Iterable<Int32Array>): number[][] => [...it].map((b) => [...b]);

Deno.test("miniBatches: one epoch covers every index exactly once, in batchSize pieces", () => {
  for (const n of [0, 1, 9, 10, 11]) {
    const batches = lists(miniBatches(n, { batchSize: 3, seed: 5 }));
    assert.deepEqual(batches.map((b) => b.length), [
      ...Array(Math.floor(n / 3)).fill(3),
      ...(n % 3 ? [n % 3] : []),
    ]);
    assert.deepEqual(batches.flat().sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i));
  }
});

Deno.test("miniBatches: the order is the seeded Rng permutation; seeds matter", () => {
  const perm = new Rng(42).permutation(50);
  assert.deepEqual(lists(miniBatches(50, { batchSize: 7, seed: 42 })).flat(), perm);
  assert.deepEqual(
    lists(miniBatches(50, { batchSize: 7, seed: 42 })),
    lists(miniBatches(50, { batchSize: 7, seed: 42 })),
  );
  assert.notDeepEqual(
    lists(miniBatches(50, { batchSize: 7, seed: 42 })).flat(),
    lists(miniBatches(50, { batchSize: 7, seed: 43 })).flat(),
  );
  // No seed, no rng: seed 0.
  assert.deepEqual(lists(miniBatches(20, { batchSize: 4 })).flat(), new Rng(0).permutation(20));
});

Deno.test("miniBatches: rng is used and advanced (a new order each epoch)", () => {
  const rng = new Rng(9), ref = new Rng(9);
  const e1 = lists(miniBatches(30, { batchSize: 8, rng })).flat();
  const e2 = lists(miniBatches(30, { batchSize: 8, rng })).flat();
  assert.deepEqual(e1, ref.permutation(30));
  assert.deepEqual(e2, ref.permutation(30));
  assert.notDeepEqual(e1, e2);
});

Deno.test("miniBatches: the permutation is drawn at the call, not at the first batch", () => {
  const rng = new Rng(3);
  const first = miniBatches(10, { batchSize: 10, rng });
  const second = miniBatches(10, { batchSize: 10, rng });
  const ref = new Rng(3);
  assert.deepEqual([...second.next().value!], [...(ref.permutation(10), ref.permutation(10))]);
  assert.deepEqual([...first.next().value!], new Rng(3).permutation(10));
});

Deno.test("miniBatches: shuffle false gives 0..n-1 in order", () => {
  assert.deepEqual(lists(miniBatches(7, { batchSize: 3, shuffle: false })), [
    [0, 1, 2],
    [3, 4, 5],
    [6],
  ]);
});

Deno.test("miniBatches: dropLast leaves out the short last batch", () => {
  assert.deepEqual(lists(miniBatches(7, { batchSize: 3, shuffle: false, dropLast: true })), [
    [0, 1, 2],
    [3, 4, 5],
  ]);
  const b = lists(miniBatches(10, { batchSize: 4, seed: 1, dropLast: true }));
  assert.deepEqual(b.map((x) => x.length), [4, 4]);
  assert.deepEqual(b.flat(), new Rng(1).permutation(10).slice(0, 8));
  // n divisible: nothing dropped.
  assert.equal(lists(miniBatches(8, { batchSize: 4, dropLast: true })).flat().length, 8);
});

Deno.test("miniBatches: each batch is a fresh array", () => {
  const [a, b] = [...miniBatches(4, { batchSize: 2, shuffle: false })];
  a[0] = 99;
  assert.deepEqual([...b], [2, 3]);
  assert.notEqual(a.buffer, b.buffer);
});

Deno.test("miniBatches: bad arguments", () => {
  const cases: [() => unknown, typeof TypeError | typeof RangeError, string][] = [
    [() => miniBatches(5, undefined as never), TypeError, `${M}: opts.batchSize is required`],
    [
      () => miniBatches(5, { batchSize: 2, sed: 1 } as never),
      TypeError,
      `${M}: unknown option "sed" (known: batchSize, seed, rng, shuffle, dropLast)`,
    ],
    [
      () => miniBatches(-1, { batchSize: 2 }),
      RangeError,
      `${M}: n must be a non-negative integer, got -1`,
    ],
    [
      () => miniBatches(2.5, { batchSize: 2 }),
      RangeError,
      `${M}: n must be a non-negative integer, got 2.5`,
    ],
    [
      () => miniBatches(5, { batchSize: 0 }),
      RangeError,
      `${M}: batchSize must be a positive integer, got 0`,
    ],
    [
      () => miniBatches(5, {} as never),
      RangeError,
      `${M}: batchSize must be a positive integer, got undefined`,
    ],
    [
      () => miniBatches(5, { batchSize: 2, shuffle: 1 } as never),
      TypeError,
      `${M}: shuffle must be a boolean, got 1`,
    ],
    [
      () => miniBatches(5, { batchSize: 2, dropLast: "yes" } as never),
      TypeError,
      `${M}: dropLast must be a boolean, got yes`,
    ],
    [
      () => miniBatches(5, { batchSize: 2, seed: 1, rng: new Rng(1) }),
      TypeError,
      `${M}: give seed or rng, not both`,
    ],
    [
      () => miniBatches(5, { batchSize: 2, shuffle: false, seed: 1 }),
      TypeError,
      `${M}: seed and rng have no effect with shuffle: false`,
    ],
    [
      () => miniBatches(5, { batchSize: 2, rng: {} as never }),
      TypeError,
      `${M}: rng must be an Rng, got [object Object]`,
    ],
    [
      () => miniBatches(5, { batchSize: 2, seed: 0.5 }),
      TypeError,
      "Rng: seed must be an integer, got 0.5",
    ],
    [
      () => miniBatches(3, { batchSize: 4, dropLast: true }),
      RangeError,
      `${M}: dropLast with batchSize 4 > n 3 would give no batch at all`,
    ],
  ];
  for (const [f, cls, msg] of cases) throwsExactly(f, cls, msg);
});

Deno.test("takeRows: gathers rows of any rank in the given order, keeps dtype", () => {
  const v = tensor([10, 11, 12, 13]);
  assert.deepEqual([...takeRows(v, new Int32Array([3, 0, 3])).data], [13, 10, 13]);
  const x = randn([5, 2, 3], { seed: 1, dtype: "f32" });
  const idx = new Int32Array([4, 1]);
  const y = takeRows(x, idx);
  assert.deepEqual(y.shape, [2, 2, 3]);
  assert.equal(y.dtype, "f32");
  for (let i = 0; i < 2; i++) {
    assert.deepEqual([...y.data.subarray(i * 6, i * 6 + 6)], [
      ...x.data.subarray(idx[i] * 6, idx[i] * 6 + 6),
    ]);
  }
  assert.deepEqual(takeRows(x, new Int32Array(0)).shape, [0, 2, 3]);
});

Deno.test("takeRows: differentiable (gradient scatters back into the rows, gradcheck)", () => {
  const x = randn([4, 3], { seed: 2 });
  const w = randn([3, 3], { seed: 3 });
  const idx = new Int32Array([2, 0, 2]);
  const f = (t: Tensor): Tensor => sum(mul(takeRows(t, idx), w));
  const r = gradcheck(f, [x]);
  assert.ok(r.ok, `max error ${r.maxError}`);
  const { grad } = valueAndGrad(f)(x);
  const g = (grad as Tensor).data;
  // Row 2 is taken twice, row 0 once, rows 1 and 3 never.
  for (let j = 0; j < 3; j++) {
    assert.ok(Math.abs(g[2 * 3 + j] - (w.data[j] + w.data[6 + j])) < 1e-12);
    assert.ok(Math.abs(g[j] - w.data[3 + j]) < 1e-12);
    assert.equal(g[3 + j], 0);
    assert.equal(g[9 + j], 0);
  }
});

Deno.test("takeRows: bad arguments", () => {
  const x = tensor([[1, 2], [3, 4]]);
  throwsExactly(
    () => takeRows(x, new Int32Array([2])),
    RangeError,
    "takeRows: idx[0] = 2 is not an index in [0, 2)",
  );
  throwsExactly(
    () => takeRows(x, new Int32Array([0, -1])),
    RangeError,
    "takeRows: idx[1] = -1 is not an index in [0, 2)",
  );
  throwsExactly(
    () => takeRows(x, [0] as never),
    TypeError,
    "takeRows: idx must be an Int32Array, got 0",
  );
  throwsExactly(
    () => takeRows(tensor(3), new Int32Array([0])),
    RangeError,
    "takeRows: t is a scalar; it has no rows",
  );
  throwsExactly(
    () => takeRows([[1]] as never, new Int32Array([0])),
    TypeError,
    "takeRows: t must be a Tensor, got an Array",
  );
});
