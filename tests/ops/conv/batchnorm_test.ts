import assert from "node:assert/strict";
import { batchNorm2d } from "../../../ops/conv/batchnorm.ts";
import { gradcheck } from "../../../ops/autograd/gradcheck.ts";
import { mul } from "../../../ops/autograd/ops_arith.ts";
import { sum } from "../../../ops/autograd/ops_reduce.ts";
import { astype, ones, type Tensor, tensor, zeros } from "../../../ops/tensor.ts";
import { rnd } from "./_ref.ts";

/** Mean and biased variance of channel `ch`, by definition. */
function stats(x: Tensor, ch: number): [number, number] {
  const [n, c, h, w] = x.shape, vals: number[] = [];
  for (let b = 0; b < n; b++) {
    for (let q = 0; q < h * w; q++) vals.push(x.data[(b * c + ch) * h * w + q]);
  }
  const mu = vals.reduce((a, b) => a + b, 0) / vals.length;
  return [mu, vals.reduce((a, v) => a + (v - mu) ** 2, 0) / vals.length];
}

Deno.test("batchNorm2d training: batch statistics, affine, running update with momentum", () => {
  const x = rnd([3, 2, 4, 5], 1), w = rnd([2], 2), b = rnd([2], 3);
  const rm = tensor([0.5, -0.5]), rv = tensor([2, 3]);
  const r = batchNorm2d(x, {
    weight: w,
    bias: b,
    runningMean: rm,
    runningVar: rv,
    training: true,
    momentum: 0.3,
    eps: 1e-3,
  });
  const m = 3 * 4 * 5;
  for (let ch = 0; ch < 2; ch++) {
    const [mu, v] = stats(x, ch);
    const yMu = stats(r.y, ch);
    // y has mean β and variance γ²·σ²/(σ² + ε) per channel.
    assert.ok(Math.abs(yMu[0] - b.data[ch]) < 1e-12);
    assert.ok(Math.abs(yMu[1] - (w.data[ch] ** 2 * v) / (v + 1e-3)) < 1e-12);
    assert.ok(Math.abs(r.runningMean!.data[ch] - (0.7 * rm.data[ch] + 0.3 * mu)) < 1e-15);
    assert.ok(
      Math.abs(r.runningVar!.data[ch] - (0.7 * rv.data[ch] + (0.3 * v * m) / (m - 1))) < 1e-14,
    );
  }
  // The given statistics are not modified (values, not hidden in-place updates).
  assert.deepEqual([...rm.data], [0.5, -0.5]);
  // Without running statistics nothing is returned for them; default affine is γ = 1, β = 0.
  const plain = batchNorm2d(x, { training: true });
  assert.equal(plain.runningMean, undefined);
  assert.ok(Math.abs(stats(plain.y, 1)[0]) < 1e-14);
});

Deno.test("batchNorm2d eval: running statistics; momentum default 0.1 and eps default 1e-5", () => {
  const x = rnd([2, 2, 3, 3], 4);
  const rm = tensor([1, -1]), rv = tensor([4, 0.25]);
  const r = batchNorm2d(x, {
    runningMean: rm,
    runningVar: rv,
    weight: tensor([2, 1]),
    bias: tensor([0, 1]),
  });
  for (let i = 0; i < x.size; i++) {
    const ch = Math.floor(i / 9) % 2;
    const want = ch === 0
      ? (2 * (x.data[i] - 1)) / Math.sqrt(4 + 1e-5)
      : (x.data[i] + 1) / Math.sqrt(0.25 + 1e-5) + 1;
    assert.ok(Math.abs(r.y.data[i] - want) < 1e-13, `${i}`);
  }
  assert.equal(r.runningMean, rm);
  const t = batchNorm2d(x, { runningMean: zeros([2]), runningVar: ones([2]), training: true });
  assert.ok(Math.abs(t.runningMean!.data[0] - 0.1 * stats(x, 0)[0]) < 1e-15);
});

Deno.test("batchNorm2d: gradients in training and eval mode (x, weight, bias)", () => {
  const x = rnd([2, 3, 3, 2], 5), w = rnd([3], 6), b = rnd([3], 7), probe = rnd([2, 3, 3, 2], 8);
  const rm = rnd([3], 9), rv = tensor([0.5, 1, 2]);
  for (const training of [true, false]) {
    const f = (x: Tensor, w: Tensor, b: Tensor): Tensor =>
      sum(
        mul(
          batchNorm2d(x, { weight: w, bias: b, training, runningMean: rm, runningVar: rv }).y,
          probe,
        ),
      );
    const r = gradcheck(f, [x, w, b], { minScale: 1, tol: 1e-6 });
    assert.ok(r.ok, `training ${training}: ${JSON.stringify(r)}`);
  }
  // Without weight/bias (x only).
  assert.ok(
    gradcheck((x: Tensor) => sum(mul(batchNorm2d(x, { training: true }).y, probe)), [x], {
      minScale: 1,
      tol: 1e-6,
    }).ok,
  );
});

Deno.test("batchNorm2d: f32 stays f32", () => {
  const x = astype(rnd([2, 2, 2, 2], 1), "f32");
  const r = batchNorm2d(x, {
    training: true,
    runningMean: zeros([2], { dtype: "f32" }),
    runningVar: ones([2], { dtype: "f32" }),
  });
  assert.equal(r.y.dtype, "f32");
  assert.equal(r.runningVar!.dtype, "f32");
});

Deno.test("batchNorm2d: bad input", () => {
  const x = rnd([2, 3, 2, 2], 0);
  assert.throws(() => batchNorm2d(x), /eval mode \(training: false\) needs runningMean/);
  assert.throws(
    () => batchNorm2d(x, { training: true, weight: ones([2]) }),
    /weight must be \[3\] f64 for x 2x3x2x2, got 2/,
  );
  assert.throws(() => batchNorm2d(x, { training: true, momentum: 1.5 }), /momentum = 1.5/);
  assert.throws(() => batchNorm2d(x, { training: true, eps: 0 }), /eps = 0/);
  assert.throws(
    () => batchNorm2d(x, { training: true, mom: 0.1 } as never),
    /unknown option "mom"/,
  );
  assert.throws(() => batchNorm2d(x, { training: true, runningMean: zeros([3]) }), /together/);
  assert.throws(
    () => batchNorm2d(rnd([1, 3, 1, 1], 0), { training: true }),
    /more than one value per channel/,
  );
  assert.throws(() => batchNorm2d(x, { training: 1 } as never), TypeError);
});
