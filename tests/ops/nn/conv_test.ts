import assert from "node:assert/strict";
import {
  applyBatchNorm2d,
  applyConv2d,
  applySmallCnn,
  initBatchNorm2d,
  initConv2d,
  initSmallCnn,
} from "../../../ops/nn/conv.ts";
import { conv2d } from "../../../ops/conv/conv2d.ts";
import { gradcheck } from "../../../ops/autograd/gradcheck.ts";
import { mul } from "../../../ops/autograd/ops_arith.ts";
import { sum } from "../../../ops/autograd/ops_reduce.ts";
import { randn } from "../../../ops/random.ts";
import { Rng } from "../../../ops/random.ts";
import type { Tensor } from "../../../ops/tensor.ts";

Deno.test("initConv2d: PyTorch bounds 1/sqrt(fanIn), groups, bias, seed, rng, dtype", () => {
  const p = initConv2d(8, 16, [3, 2], { seed: 3 });
  assert.deepEqual(p.weight.shape, [16, 8, 3, 2]);
  const bound = 1 / Math.sqrt(8 * 3 * 2);
  const w = [...p.weight.data], b = [...p.bias!.data];
  assert.ok(w.every((v) => Math.abs(v) <= bound) && b.every((v) => Math.abs(v) <= bound));
  // Uniform on [-bound, bound]: variance bound²/3 (768 draws: within 15%).
  const v = w.reduce((a, x) => a + x * x, 0) / w.length;
  assert.ok(Math.abs(v / (bound ** 2 / 3) - 1) < 0.15, `variance ratio ${v / (bound ** 2 / 3)}`);
  const dw = initConv2d(4, 8, 5, { groups: 4, bias: false, dtype: "f32" });
  assert.deepEqual(dw.weight.shape, [8, 1, 5, 5]);
  assert.equal(dw.bias, undefined);
  assert.equal(dw.weight.dtype, "f32");
  assert.ok([...dw.weight.data].every((x) => Math.abs(x) <= 1 / 5 + 1e-7));
  assert.deepEqual([...initConv2d(8, 16, [3, 2], { seed: 3 }).weight.data], w);
  assert.notDeepEqual([...initConv2d(8, 16, [3, 2], { seed: 4 }).weight.data], w);
  const r1 = new Rng(9), r2 = new Rng(9);
  assert.deepEqual([...initConv2d(2, 2, 1, { rng: r1 }).weight.data], [
    ...initConv2d(2, 2, 1, { rng: r2 }).weight.data,
  ]);
  assert.throws(() => initConv2d(3, 4, 3, { groups: 2 }), /groups = 2 must divide inChannels 3/);
  assert.throws(() => initConv2d(0, 4, 3), /inChannels must be a positive integer, got 0/);
  assert.throws(() => initConv2d(3, 4, 3, { stride: 2 } as never), /unknown option "stride"/);
});

Deno.test("applyConv2d is conv2d with the layer's bias and the given options", () => {
  const p = initConv2d(4, 6, 3, { seed: 1, groups: 2 }), x = randn([2, 4, 7, 7], { seed: 2 });
  const opts = { stride: 2, padding: 1, dilation: 1, groups: 2 };
  assert.deepEqual([...applyConv2d(p, x, opts).data], [
    ...conv2d(x, p.weight, { ...opts, bias: p.bias }).data,
  ]);
  assert.throws(() => applyConv2d(p, x, { bias: p.bias } as never), /unknown option "bias"/);
});

Deno.test("applyBatchNorm2d: training updates the state (momentum seen), eval uses it", () => {
  const { params, state } = initBatchNorm2d(3);
  const x = randn([4, 3, 2, 2], { seed: 1 });
  const a = applyBatchNorm2d(params, state, x, { training: true });
  const b = applyBatchNorm2d(params, state, x, { training: true, momentum: 0.5 });
  assert.ok(Math.abs(b.state.runningMean.data[0] - 5 * a.state.runningMean.data[0]) < 1e-14);
  const e = applyBatchNorm2d(params, state, x);
  assert.equal(e.state, state);
  assert.deepEqual(
    [...e.y.data].map((v, i) => v - x.data[i] / Math.sqrt(1 + 1e-5)).every((d) =>
      Math.abs(d) < 1e-15
    ),
    true,
  );
  const e2 = applyBatchNorm2d(params, state, x, { eps: 0.5 });
  assert.ok(Math.abs(e2.y.data[0] - x.data[0] / Math.sqrt(1.5)) < 1e-15);
  assert.throws(
    () => applyBatchNorm2d(params, state, x, { train: true } as never),
    /unknown option "train"/,
  );
});

Deno.test("small CNN: shapes, stride-2 stages, state update, eval mode, hook, gradients", () => {
  const { params, state } = initSmallCnn({ inChannels: 2, numClasses: 3, widths: [3, 4] }, {
    seed: 0,
  });
  assert.deepEqual(params.stages.map((s) => s.conv.weight.shape), [[3, 2, 3, 3], [4, 3, 3, 3]]);
  assert.equal(params.stages[0].conv.bias, undefined);
  const x = randn([3, 2, 6, 6], { seed: 1 });
  const shapes: number[][] = [];
  const r = applySmallCnn(params, state, x, {
    training: true,
    conv: (i, h, p, o) => {
      shapes.push([i, ...h.shape, o.stride as number]);
      return conv2d(h, p.weight, o);
    },
  });
  // Stage 0 keeps 6x6 (stride 1), stage 1 halves it.
  assert.deepEqual(shapes, [[0, 3, 2, 6, 6, 1], [1, 3, 3, 6, 6, 2]]);
  assert.deepEqual(r.logits.shape, [3, 3]);
  assert.notEqual(r.state.stages[0].runningMean.data[0], 0);
  // Eval mode uses the running statistics: different logits from training mode, state unchanged.
  const ev = applySmallCnn(params, r.state, x);
  assert.equal(ev.state.stages[0], r.state.stages[0]);
  assert.ok(Math.abs(ev.logits.data[0] - r.logits.data[0]) > 1e-6);
  // Momentum and eps reach the batch norms.
  const m = applySmallCnn(params, state, x, { training: true, momentum: 1 });
  assert.notEqual(m.state.stages[1].runningVar.data[0], r.state.stages[1].runningVar.data[0]);
  const e = applySmallCnn(params, state, x, { training: true, eps: 10 });
  assert.notEqual(e.logits.data[0], r.logits.data[0]);
  // Gradients of every parameter kind (conv weight, bn γ/β, head) through the whole network.
  const probe = randn([3, 3], { seed: 5 });
  const [w0, g1, b1, hw] = [
    params.stages[0].conv.weight,
    params.stages[1].bn.weight,
    params.stages[1].bn.bias,
    params.head.weight,
  ];
  const f = (w0: Tensor, g1: Tensor, b1: Tensor, hw: Tensor): Tensor => {
    const p = {
      stages: [
        { conv: { weight: w0 }, bn: params.stages[0].bn },
        { conv: params.stages[1].conv, bn: { weight: g1, bias: b1 } },
      ],
      head: { weight: hw, bias: params.head.bias },
    };
    return sum(mul(applySmallCnn(p, state, x, { training: true }).logits, probe));
  };
  const res = gradcheck(f, [w0, g1, b1, hw], { minScale: 1, tol: 1e-6 });
  assert.ok(res.ok, JSON.stringify(res));
  assert.throws(() => applySmallCnn(params, { stages: [] }, x), /state has 0 stages, params 2/);
  assert.throws(
    () => applySmallCnn(params, state, x, { stride: 1 } as never),
    /unknown option "stride"/,
  );
  assert.throws(
    () => initSmallCnn({ inChannels: 1, numClasses: 2, widths: [] }),
    /widths must be a non-empty array/,
  );
});
