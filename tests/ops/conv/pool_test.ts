import assert from "node:assert/strict";
import { adaptiveAvgPool2d, avgPool2d, maxPool2d } from "../../../ops/conv/pool.ts";
import { flatten } from "../../../ops/conv/flatten.ts";
import { gradcheck } from "../../../ops/autograd/gradcheck.ts";
import { grad } from "../../../ops/autograd/grad.ts";
import { mul } from "../../../ops/autograd/ops_arith.ts";
import { sum } from "../../../ops/autograd/ops_reduce.ts";
import { astype, type Tensor, tensor } from "../../../ops/tensor.ts";
import { rnd } from "./_ref.ts";

/** Pooling by definition: every window listed explicitly, reduced by `f` over its in-range values. */
function refPool(
  x: Tensor,
  oh: number,
  ow: number,
  win: (o: number, axis: 0 | 1) => [number, number],
  f: (vals: number[], y0: number, y1: number, x0: number, x1: number) => number,
): number[] {
  const [n, c, h, w] = x.shape, out: number[] = [];
  for (let p = 0; p < n * c; p++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        const [y0, y1] = win(i, 0), [x0, x1] = win(j, 1), vals: number[] = [];
        for (let y = y0; y < y1; y++) {
          for (let xx = x0; xx < x1; xx++) {
            if (y >= 0 && y < h && xx >= 0 && xx < w) vals.push(x.data[p * h * w + y * w + xx]);
          }
        }
        out.push(f(vals, y0, y1, x0, x1));
      }
    }
  }
  return out;
}

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number, msg: string): void => {
  assert.equal(a.length, b.length, msg);
  for (let i = 0; i < a.length; i++) {
    assert.ok(Math.abs(a[i] - b[i]) <= tol, `${msg}[${i}]: ${a[i]} vs ${b[i]}`);
  }
};

const POOL_CASES = [
  { k: [2, 2], s: [2, 2], p: [0, 0], x: [2, 3, 6, 7] },
  { k: [3, 2], s: [2, 1], p: [1, 1], x: [1, 2, 7, 5] },
  { k: [3, 3], s: [1, 2], p: [1, 0], x: [2, 1, 5, 8] },
] as const;

Deno.test("maxPool2d / avgPool2d: kernel, stride and padding equal the definition", () => {
  POOL_CASES.forEach((c, t) => {
    const x = rnd([...c.x], t),
      opts = {
        kernel: [...c.k] as [number, number],
        stride: [...c.s] as [number, number],
        padding: [...c.p] as [number, number],
      };
    const oh = Math.floor((c.x[2] + 2 * c.p[0] - c.k[0]) / c.s[0]) + 1;
    const ow = Math.floor((c.x[3] + 2 * c.p[1] - c.k[1]) / c.s[1]) + 1;
    const win = (
      o: number,
      a: 0 | 1,
    ): [number, number] => [o * c.s[a] - c.p[a], o * c.s[a] - c.p[a] + c.k[a]];
    const mx = maxPool2d(x, opts), av = avgPool2d(x, opts);
    assert.deepEqual(mx.shape, [c.x[0], c.x[1], oh, ow]);
    close(mx.data, refPool(x, oh, ow, win, (v) => Math.max(...v)), 0, `max case ${t}`);
    close(
      av.data,
      refPool(x, oh, ow, win, (v) => v.reduce((a, b) => a + b, 0) / (c.k[0] * c.k[1])),
      1e-15,
      `avg case ${t}`,
    );
    const probe = rnd([c.x[0], c.x[1], oh, ow], 50 + t);
    for (const f of [maxPool2d, avgPool2d]) {
      const r = gradcheck((x: Tensor) => sum(mul(f(x, opts), probe)), [x], { minScale: 1 });
      assert.ok(r.ok, `${f.name} case ${t}: ${JSON.stringify(r)}`);
    }
  });
});

Deno.test("maxPool2d: stride defaults to the kernel; gradient goes to the first maximum; NaN propagates", () => {
  const x = tensor([1, 1, 0, 2, 1, 1, 0, 0, 3, 3, 3, 3, 0, 0, 3, 3], { shape: [1, 1, 4, 4] });
  assert.deepEqual([...maxPool2d(x, { kernel: 2 }).data], [1, 2, 3, 3]);
  assert.deepEqual(maxPool2d(x, { kernel: 2, stride: 1 }).shape, [1, 1, 3, 3]);
  const gx = gradcheck((x: Tensor) => sum(maxPool2d(x, { kernel: 2 })), [rnd([1, 1, 4, 4], 3)]);
  assert.ok(gx.ok);
  // Ties (the 1s of the first window, the 3s of the last two): the first in row-major order wins.
  const gTie = grad((x: Tensor) => sum(maxPool2d(x, { kernel: 2 })))(x);
  assert.deepEqual([...gTie.data], [1, 0, 0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0]);
  const y = maxPool2d(tensor([1, NaN, 2, 0], { shape: [1, 1, 2, 2] }), { kernel: 2 });
  assert.ok(Number.isNaN(y.data[0]));
  // Padding is −∞: an all-negative input never pools to a padded 0.
  const neg = maxPool2d(tensor([-5, -6, -7, -8], { shape: [1, 1, 2, 2] }), {
    kernel: 2,
    stride: 1,
    padding: 1,
  });
  assert.deepEqual([...neg.data], [-5, -5, -6, -5, -5, -6, -7, -7, -8]);
});

Deno.test("avgPool2d: padding counts as zeros in the divisor (count_include_pad)", () => {
  const x = tensor([4, 8, 12, 16], { shape: [1, 1, 2, 2] });
  assert.deepEqual([...avgPool2d(x, { kernel: 2, stride: 2, padding: 1 }).data], [1, 2, 3, 4]);
});

Deno.test("adaptiveAvgPool2d: global, dividing and non-dividing output sizes, with gradients", () => {
  const x = rnd([2, 3, 6, 5], 7);
  for (const [oh, ow] of [[1, 1], [3, 5], [2, 1], [4, 3], [6, 5]]) {
    const win = (size: number, out: number) => (i: number): [number, number] => [
      Math.floor((i * size) / out),
      Math.ceil(((i + 1) * size) / out),
    ];
    const wy = win(6, oh), wx = win(5, ow);
    const ref = refPool(
      x,
      oh,
      ow,
      (o, a) => (a === 0 ? wy(o) : wx(o)),
      (v) => v.reduce((a, b) => a + b, 0) / v.length,
    );
    const got = adaptiveAvgPool2d(x, [oh, ow]);
    assert.deepEqual(got.shape, [2, 3, oh, ow]);
    close(got.data, ref, 1e-15, `${oh}x${ow}`);
    const probe = rnd([2, 3, oh, ow], oh * 10 + ow);
    assert.ok(
      gradcheck((x: Tensor) => sum(mul(adaptiveAvgPool2d(x, [oh, ow]), probe)), [x], {
        minScale: 1,
      }).ok,
    );
  }
  // Global pooling is the channel mean; a number means both axes.
  const g = adaptiveAvgPool2d(x, 1);
  let s = 0;
  for (let i = 0; i < 30; i++) s += x.data[i];
  assert.ok(Math.abs(g.data[0] - s / 30) < 1e-15);
  assert.equal(astype(adaptiveAvgPool2d(astype(x, "f32"), 2), "f32").dtype, "f32");
});

Deno.test("pools: bad input is a RangeError/TypeError naming the shapes", () => {
  const x = rnd([1, 2, 4, 4], 0);
  assert.throws(
    () => maxPool2d(x, { kernel: 5 }),
    /kernel \(span 5\) is larger than the padded input along H.*x 1x2x4x4, kernel 5x5/,
  );
  assert.throws(
    () => avgPool2d(x, { kernel: 2, padding: 2 }),
    /padding 2x2 is more than half the kernel/,
  );
  assert.throws(() => avgPool2d(x, { kernel: 2, padding: -1 }), RangeError);
  assert.throws(
    () => maxPool2d(x, { kernel: 2, stride: 0.5 }),
    /stride must be positive integers, got 0.5/,
  );
  assert.throws(() => maxPool2d(x, { kernel: 2, size: 2 } as never), /unknown option "size"/);
  assert.throws(() => maxPool2d(x, {} as never), /kernel option is required/);
  assert.throws(
    () => maxPool2d(rnd([2, 4, 4], 0), { kernel: 2 }),
    /\[N, C, H, W\], got shape 2x4x4/,
  );
  assert.throws(() => adaptiveAvgPool2d(x, 0), RangeError);
});

Deno.test("flatten: startDim/endDim, negative axes, gradient, bad axes", () => {
  const x = rnd([2, 3, 4, 5], 1);
  assert.deepEqual(flatten(x).shape, [2, 60]);
  assert.deepEqual(flatten(x, { startDim: 0 }).shape, [120]);
  assert.deepEqual(flatten(x, { startDim: 1, endDim: 2 }).shape, [2, 12, 5]);
  assert.deepEqual(flatten(x, { startDim: -2 }).shape, [2, 3, 20]);
  assert.deepEqual([...flatten(x).data], [...x.data]);
  const probe = rnd([2, 60], 2);
  assert.ok(gradcheck((x: Tensor) => sum(mul(flatten(x), probe)), [x]).ok);
  assert.throws(() => flatten(x, { startDim: 4 }), /startDim = 4 is not an axis of x 2x3x4x5/);
  assert.throws(() => flatten(x, { startDim: 2, endDim: 1 }), /comes after/);
  assert.throws(() => flatten(x, { start: 1 } as never), TypeError);
});
