// Forward values of the differentiable ops against independent references (naive loops, the
// CPU ops, closed forms) and their stability/error behaviour.
import assert from "node:assert/strict";
import { matmul as cpuMatmul, randn, type Tensor, tensor } from "../../../ops/mod.ts";
import * as ad from "../../../ops/autograd/ops.ts";
import { arith } from "../../../ops/autograd/kernels.ts";
import * as ew from "../../../ops/elementwise.ts";

const U = 2 ** -53;

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) {
    assert.ok(
      Math.abs(a[i] - b[i]) <= tol * Math.max(1, Math.abs(b[i])),
      `${what}[${i}]: ${a[i]} vs ${b[i]}`,
    );
  }
}

Deno.test("softmax, logSoftmax and crossEntropy are stable for huge logits", () => {
  const x = tensor([[1000, 1001, 999], [-1000, -1000, -1000]]);
  const s = ad.softmax(x), ls = ad.logSoftmax(x);
  const e = [Math.exp(-1), 1, Math.exp(-2)], z = e[0] + e[1] + e[2];
  close(s.data, [...e.map((v) => v / z), 1 / 3, 1 / 3, 1 / 3], 4 * U, "softmax");
  close(
    ls.data,
    [...e.map((v) => Math.log(v / z)), ...Array(3).fill(-Math.log(3))],
    8 * U,
    "logSoftmax",
  );
  const ce = ad.crossEntropy(x, [1, 2]);
  close(ce.data, [(-Math.log(1 / z) + Math.log(3)) / 2], 8 * U, "crossEntropy");
  const none = ad.crossEntropy(x, [0, 0], { reduction: "none" });
  assert.deepEqual(none.shape, [2]);
  close(none.data, [1 + Math.log(z), Math.log(3)], 8 * U, "per-row");
  const ign = ad.crossEntropy(x, [1, -1], { ignoreIndex: -1 });
  close(ign.data, [Math.log(z)], 8 * U, "ignoreIndex mean counts only kept rows");
  assert.throws(
    () => ad.crossEntropy(x, [1, 2], { ignoreIndex: 2 }),
    /ignoreIndex must be an integer outside \[0, 3\)/,
  );
  assert.throws(() => ad.crossEntropy(x, [0]), /1 targets for logits of shape 2x3/);
  assert.throws(() => ad.crossEntropy(x, [0, 3]), /targets\[1\] = 3/);
  assert.throws(() => ad.crossEntropy(x, [0, 1.5]), /targets\[1\] = 1.5/);
});

Deno.test("softmax along a middle axis sums to one on that axis", () => {
  const s = ad.softmax(randn([2, 3, 4], { seed: 1 }), { axis: 1 });
  for (let o = 0; o < 2; o++) {
    for (let j = 0; j < 4; j++) {
      let t = 0;
      for (let k = 0; k < 3; k++) t += s.data[o * 12 + k * 4 + j];
      assert.ok(Math.abs(t - 1) < 4 * U);
    }
  }
});

Deno.test("layerNorm and rmsNorm match their definitions", () => {
  const x = randn([3, 5], { seed: 2 }), w = randn([5], { seed: 3 }), b = randn([5], { seed: 4 });
  const ln = ad.layerNorm(x, w, b, { eps: 1e-3 }), rms = ad.rmsNorm(x, w, { eps: 1e-3 });
  for (let r = 0; r < 3; r++) {
    const row = Array.from(x.data.slice(r * 5, r * 5 + 5));
    const mu = row.reduce((s, v) => s + v, 0) / 5;
    const varr = row.reduce((s, v) => s + (v - mu) ** 2, 0) / 5;
    const ms = row.reduce((s, v) => s + v * v, 0) / 5;
    close(
      ln.data.slice(r * 5, r * 5 + 5),
      row.map((v, k) => ((v - mu) / Math.sqrt(varr + 1e-3)) * w.data[k] + b.data[k]),
      32 * U,
      "layerNorm",
    );
    close(
      rms.data.slice(r * 5, r * 5 + 5),
      row.map((v, k) => (v / Math.sqrt(ms + 1e-3)) * w.data[k]),
      32 * U,
      "rms",
    );
  }
  assert.throws(() => ad.rmsNorm(x, undefined, { eps: -1 }), /eps must be a non-negative/);
});

Deno.test("rope is a rotation whose scores depend only on the position difference", () => {
  const d = 8, q = randn([1, d], { seed: 5 }), k = randn([1, d], { seed: 6 });
  const at = (t: Tensor, pos: number): Tensor => ad.rope(t, { offset: pos });
  const dot = (a: Tensor, b: Tensor): number =>
    Array.from(a.data).reduce((s, v, i) => s + v * b.data[i], 0);
  const norm = (a: Tensor): number => Math.sqrt(dot(a, a));
  assert.ok(Math.abs(norm(at(q, 11)) - norm(q)) < 8 * U * norm(q));
  const s1 = dot(at(q, 7), at(k, 3)), s2 = dot(at(q, 104), at(k, 100));
  assert.ok(Math.abs(s1 - s2) < 1e-12 * Math.max(1, Math.abs(s1)), `${s1} vs ${s2}`);
  // the properties above also hold for the identity: check the rotation itself (half-split
  // pairs (i, i + D/2), angle pos·θ^(−2i/D), θ = 10000) entry by entry
  const half = d / 2, pos = 7, rq = at(q, pos).data;
  for (let i = 0; i < half; i++) {
    const ang = pos * 10000 ** (-2 * i / d), a = q.data[i], b = q.data[half + i];
    const tol = 8 * U * (Math.abs(a) + Math.abs(b));
    assert.ok(Math.abs(rq[i] - (a * Math.cos(ang) - b * Math.sin(ang))) <= tol, `rope[${i}]`);
    assert.ok(Math.abs(rq[half + i] - (b * Math.cos(ang) + a * Math.sin(ang))) <= tol);
  }
  // rows of a [T, D] input get positions 0..T-1, as offsets do one row at a time
  const seq = randn([3, d], { seed: 7 });
  const all = ad.rope(seq);
  for (let t = 0; t < 3; t++) {
    close(
      all.data.slice(t * d, (t + 1) * d),
      at(ad.sliceRows(seq, t, t + 1), t).data,
      0,
      `row ${t}`,
    );
  }
  assert.throws(() => ad.rope(randn([2, 3], { seed: 0 })), /even D/);
});

Deno.test("matmul with a shared right operand equals the CPU matmul; linear checks shapes", () => {
  const a = randn([2, 3, 4], { seed: 8 }), b = randn([5, 4], { seed: 9 });
  close(
    ad.matmul(a, b, { transB: true }).data,
    cpuMatmul(a, b, { transB: true }).data,
    0,
    "shared",
  );
  assert.throws(() => ad.matmul(a, randn([3, 5], { seed: 0 })), /inner dimensions differ/);
  assert.throws(
    () => ad.linear(a, randn([5, 3], { seed: 3 })),
    /x is 2x3x4 but weight 5x3 takes 3 inputs/,
  );
  assert.throws(
    () => ad.linear(randn([2, 5], { seed: 1 }), randn([3, 5], { seed: 2 }), tensor([1])),
    /bias must have shape \[3\]/,
  );
});

Deno.test("where broadcasts condition and branches; gather and slicing validate", () => {
  const w = ad.where(tensor([[1], [0]]), tensor([1, 2, 3]), tensor([[10], [20]]));
  assert.deepEqual(w.shape, [2, 3]);
  assert.deepEqual(Array.from(w.data), [1, 2, 3, 20, 20, 20]);
  assert.throws(() => ad.where(tensor([1, 0]), tensor([1, 2, 3]), 0), /do not broadcast/);
  assert.throws(
    () => ad.gather(tensor([[1, 2]]), [1]),
    /indices\[0\] = 1 is not an index in \[0, 1\)/,
  );
  assert.throws(() => ad.gather(tensor([[1, 2]]), "0" as never), /integer array or tensor/);
  assert.throws(() => ad.sliceAxis(tensor([1, 2]), 0, 1, 3), /range \[1, 3\) is invalid/);
  assert.throws(() => ad.mse(tensor([1, 2]), tensor([1])), /pred is 2, target is 1/);
});

Deno.test("the monomorphic arith kernels agree exactly with the CPU front ends", () => {
  const a = randn([3, 4, 5], { seed: 11 });
  const bs: (Tensor | number)[] = [
    randn([3, 4, 5], { seed: 12 }),
    randn([5], { seed: 13 }),
    randn([4, 5], { seed: 14 }),
    randn([4, 1], { seed: 15 }), // not a suffix: general path
    2.5,
  ];
  for (const op of ["add", "sub", "mul", "div"] as const) {
    for (const b of bs) {
      const ours = arith(op, a, b), ref = ew[op](a, b);
      assert.deepEqual(ours.shape, ref.shape);
      assert.deepEqual(ours.data, ref.data, `${op} with ${typeof b === "number" ? b : b.shape}`);
    }
  }
  const f = tensor([1, 2], { dtype: "f32" });
  assert.equal(arith("add", f, tensor([1, 1], { dtype: "f32" })).dtype, "f32");
  assert.throws(() => arith("add", f, tensor([1, 1])), /dtypes differ/);
  assert.throws(() => arith("mul", a, randn([3], { seed: 0 })), /do not broadcast/);
});
