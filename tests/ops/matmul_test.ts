import assert from "node:assert/strict";
import { multiply, transpose as mjTranspose } from "mathjs";
import { matmul } from "../../ops/matmul.ts";
import { randn, Rng } from "../../ops/random.ts";
import { Tensor, tensor } from "../../ops/tensor.ts";

/** Row-major data of a matrix as nested arrays (for mathjs). */
function rows(t: Tensor, at = 0): number[][] {
  const [r, c] = t.shape.slice(-2);
  return Array.from(
    { length: r },
    (_, i) => Array.from(t.data.slice(at + i * c, at + (i + 1) * c)),
  );
}

/** max |got - want| ≤ 2(k+2)·u·max(|A||B|) against mathjs's product. */
function assertClose(got: Tensor, at: number, want: number[][], k: number, scale: number): void {
  const u = got.dtype === "f64" ? 2 ** -53 : 2 ** -24;
  const n = want[0]?.length ?? 0;
  want.forEach((row, i) =>
    row.forEach((w, j) => {
      const g = got.data[at + i * n + j];
      assert.ok(Math.abs(g - w) <= 2 * (k + 2) * u * scale, `C[${i}][${j}] = ${g}, want ${w}`);
    })
  );
}

const absMax = (t: Tensor): number =>
  Array.from(t.data).reduce((m, v) => Math.max(m, Math.abs(v)), 0);

Deno.test("matmul agrees with mathjs for all transposes, odd and block-crossing sizes", () => {
  let seed = 10;
  for (const [m, n, k] of [[1, 1, 1], [3, 5, 7], [64, 33, 65], [130, 7, 300], [1, 200, 9]]) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        for (const dtype of ["f64", "f32"] as const) {
          const a = randn(transA ? [k, m] : [m, k], { seed: seed++, dtype });
          const b = randn(transB ? [n, k] : [k, n], { seed: seed++, dtype });
          const c = matmul(a, b, { transA, transB });
          assert.deepEqual(c.shape, [m, n]);
          assert.equal(c.dtype, dtype);
          const A = transA ? mjTranspose(rows(a)) : rows(a);
          const B = transB ? mjTranspose(rows(b)) : rows(b);
          assertClose(c, 0, multiply(A, B) as number[][], k, k * absMax(a) * absMax(b));
        }
      }
    }
  }
});

Deno.test("matmul batches over leading axes, with a shared 2-D b", () => {
  const a = randn([2, 3, 4, 5], { seed: 1 }), b = randn([2, 3, 5, 6], { seed: 2 });
  const shared = randn([5, 6], { seed: 3 });
  const c = matmul(a, b), d = matmul(a, shared);
  assert.deepEqual(c.shape, [2, 3, 4, 6]);
  for (let t = 0; t < 6; t++) {
    const at = t * 20, bt = t * 30;
    const A = rows(tensor(a.data.slice(at, at + 20), { shape: [4, 5] }));
    const B = rows(tensor(b.data.slice(bt, bt + 30), { shape: [5, 6] }));
    const scale = 5 * absMax(a) * Math.max(absMax(b), absMax(shared));
    assertClose(c, t * 24, multiply(A, B) as number[][], 5, scale);
    assertClose(d, t * 24, multiply(A, rows(shared)) as number[][], 5, scale);
  }
});

Deno.test("matmul: empty results and k = 0", () => {
  const e = matmul(randn([0, 3], { seed: 1 }), randn([3, 4], { seed: 2 }));
  assert.deepEqual(e.shape, [0, 4]);
  const z = matmul(randn([3, 0], { seed: 1 }), randn([0, 2], { seed: 2 }));
  assert.deepEqual([...z.data], [0, 0, 0, 0, 0, 0]);
});

Deno.test("matmul: bad input names both shapes or dtypes", () => {
  const a = randn([3, 4], { seed: 1 });
  assert.throws(() => matmul(a, randn([5, 2], { seed: 2 })), {
    name: "RangeError",
    message: /inner dimensions differ: a is 3x4, b is 5x2/,
  });
  assert.throws(() => matmul(a, randn([4, 2], { seed: 2, dtype: "f32" })), {
    name: "TypeError",
    message: /a is f64, b is f32/,
  });
  assert.throws(() => matmul(a, tensor([1, 2, 3, 4])), { name: "RangeError", message: /2-D/ });
  assert.throws(() => matmul(a, a, { transA: "yes" as unknown as boolean }), {
    name: "TypeError",
    message: /matmul: transA must be a boolean, got string yes/,
  });
  assert.throws(() => matmul(randn([2, 3, 4], { seed: 1 }), randn([3, 4, 2], { seed: 1 })), {
    name: "RangeError",
    message: /batch shapes differ/,
  });
});

Deno.test("matmul out: writes the product into out and returns it, batched too", () => {
  const rng = new Rng(31);
  for (const dtype of ["f64", "f32"] as const) {
    const a = randn([3, 5, 4], { seed: rng.int(1000), dtype });
    const b = randn([4, 6], { seed: rng.int(1000), dtype });
    const want = matmul(a, b);
    const out = new Tensor(
      dtype === "f64" ? new Float64Array(90).fill(NaN) : new Float32Array(90).fill(NaN),
      [3, 5, 6],
    );
    const got = matmul(a, b, { out });
    assert.equal(got, out);
    assert.deepEqual(out.data, want.data); // every entry overwritten, NaN fill gone
    // Reused: a second product into the same tensor replaces the first.
    const twice = matmul(a, b, { out, transA: false });
    assert.deepEqual(twice.data, want.data);
  }
});

Deno.test("matmul out: wrong dtype, shape, or memory shared with an operand is refused", () => {
  const a = randn([4, 4], { seed: 1 }), b = randn([4, 3], { seed: 2 });
  assert.throws(() => matmul(a, b, { out: randn([4, 3], { seed: 3, dtype: "f32" }) }), {
    name: "TypeError",
    message: /matmul: out has dtype f32, the product is f64/,
  });
  assert.throws(() => matmul(a, b, { out: randn([3, 4], { seed: 3 }) }), {
    name: "RangeError",
    message: /matmul: out has shape \[3,4\], the product is \[4,3\]/,
  });
  assert.throws(() => matmul(a, b, { out: [1, 2] as unknown as Tensor }), TypeError);
  // out = a (a square product), and out viewing part of b's storage.
  assert.throws(() => matmul(a, a, { out: a }), {
    name: "RangeError",
    message: /matmul: out shares memory with a/,
  });
  const big = new Float64Array(24);
  const bView = new Tensor(big.subarray(0, 12), [4, 3]);
  const outView = new Tensor(big.subarray(8, 20), [4, 3]);
  assert.throws(() => matmul(a, bView, { out: outView }), /out shares memory with b/);
  // Disjoint parts of one buffer are fine.
  const outApart = new Tensor(big.subarray(12, 24), [4, 3]);
  assert.deepEqual(matmul(a, bView, { out: outApart }).data, matmul(a, bView).data);
});
