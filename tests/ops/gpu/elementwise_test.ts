import assert from "node:assert/strict";
import { binaryGpu, type BinaryOp, unaryGpu, type UnaryOp } from "../../../ops/gpu/elementwise.ts";
import { reduceGpu, type ReduceOp } from "../../../ops/gpu/reduce.ts";
import { softmaxGpu } from "../../../ops/gpu/softmax.ts";
import { transposeGpu } from "../../../ops/gpu/transpose.ts";
import { add, div, map, mul, scale, sub } from "../../../ops/elementwise.ts";
import { max, mean, min, sum } from "../../../ops/reduce.ts";
import { transpose } from "../../../ops/shape.ts";
import { astype, Tensor, tensor } from "../../../ops/tensor.ts";
import { gpu, maxScaledErr, noGpu, randF32, U32 } from "./_gpu.ts";

const CPU_UNARY: Record<UnaryOp, (x: number) => number> = {
  abs: Math.abs,
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : x === 0 ? 0 : NaN),
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  square: (x) => x * x,
  relu: (x) => Math.max(x, 0),
  tanh: Math.tanh,
};

async function run(
  t: Tensor,
  f: (
    g: import("../../../ops/gpu/gpu_tensor.ts").GpuTensor,
  ) => import("../../../ops/gpu/gpu_tensor.ts").GpuTensor,
): Promise<Tensor> {
  const g = gpu!.upload(t);
  const out = f(g);
  const r = await out.read();
  g.dispose();
  out.dispose();
  return r;
}

Deno.test("unaryGpu: every op vs Math on the f32 inputs (relative error a few ulps)", {
  ignore: noGpu,
}, async () => {
  const x = randF32([7, 9], 3);
  const pos = astype(map(x, (v) => Math.abs(v) + 0.1), "f32");
  for (const op of Object.keys(CPU_UNARY) as UnaryOp[]) {
    const input = op === "log" || op === "sqrt" ? pos : x;
    const got = await run(input, (g) => unaryGpu(g, op));
    const want = map(astype(input, "f64"), CPU_UNARY[op]);
    const scaleT = map(want, (v) => Math.max(Math.abs(v), 1));
    // exp/log/tanh in WGSL are only accurate to a few ulps (spec: 3 + 2|x| ulp for exp).
    assert.ok(maxScaledErr(got, want, scaleT) < 64 * U32, `${op}`);
  }
});

Deno.test(
  "signGpu semantics: sign(0) = 0, sign(-0) = 0, NaN stays NaN",
  { ignore: noGpu },
  async () => {
    const got = await run(
      tensor([0, -0, 2, -3, NaN], { dtype: "f32" }),
      (g) => unaryGpu(g, "sign"),
    );
    assert.deepEqual(Array.from(got.data.subarray(0, 4)).map(Math.abs), [0, 0, 1, 1]);
    assert.equal(got.data[3], -1);
    assert.ok(Number.isNaN(got.data[4]));
    const g = gpu!.upload(tensor([1]));
    assert.throws(() => unaryGpu(g, "cube" as UnaryOp), RangeError);
    g.dispose();
  },
);

Deno.test("binaryGpu: same shape, row/column vectors, scalars, 3-D broadcast vs CPU", {
  ignore: noGpu,
}, async () => {
  const cpu: Record<BinaryOp, (a: Tensor, b: Tensor | number) => Tensor> = { add, sub, mul, div };
  const pairs: [number[], number[]][] = [
    [[5, 6], [5, 6]],
    [[5, 6], [6]],
    [[5, 6], [5, 1]],
    [[5, 1], [1, 6]],
    [[2, 3, 4], [3, 1]],
    [[4], [2, 3, 4]],
  ];
  let seed = 20;
  for (const op of Object.keys(cpu) as BinaryOp[]) {
    for (const [sa, sb] of pairs) {
      const a = randF32(sa, seed++), b = randF32(sb, seed++);
      const ga = gpu!.upload(a), gb = gpu!.upload(b);
      const gc = binaryGpu(op, ga, gb);
      const want = cpu[op](astype(a, "f64"), astype(b, "f64"));
      assert.deepEqual(gc.shape, want.shape);
      // One correctly rounded f32 operation: relative error ≤ u (WGSL allows 2.5 ulp for /).
      const got = await gc.read();
      assert.ok(maxScaledErr(got, want, map(want, Math.abs)) <= 3 * U32, `${op} ${sa} ${sb}`);
      for (const t of [ga, gb, gc]) t.dispose();
    }
    const a = randF32([3, 4], seed++), ga = gpu!.upload(a);
    const gs = binaryGpu(op, ga, 0.75);
    const want = cpu[op](astype(a, "f64"), 0.75);
    assert.ok(maxScaledErr(await gs.read(), want, map(want, Math.abs)) <= 3 * U32, `${op} scalar`);
    ga.dispose();
    gs.dispose();
  }
});

Deno.test("elementwise front ends dispatch GpuTensors; bad shapes throw RangeError", {
  ignore: noGpu,
}, async () => {
  const a = randF32([4, 3], 1), b = randF32([3], 2);
  const ga = gpu!.upload(a), gb = gpu!.upload(b);
  const outs = [add(ga, gb), sub(ga, 2), mul(ga, gb), div(ga, gb), scale(ga, -2)];
  const wants = [add(a, b), sub(a, 2), mul(a, b), div(a, b), scale(a, -2)];
  for (let i = 0; i < outs.length; i++) {
    assert.ok(
      maxScaledErr(await outs[i].read(), wants[i], map(wants[i], (v) => Math.abs(v) + 1)) <=
        3 * U32,
    );
    outs[i].dispose();
  }
  const gc = gpu!.upload(randF32([4, 2], 3));
  assert.throws(
    () => add(ga, gc),
    (e: Error) => e instanceof RangeError && /4x3 and 4x2/.test(e.message),
  );
  for (const t of [ga, gb, gc]) t.dispose();
});

Deno.test("reduceGpu: sum/mean/max/min/norms along every axis and over all, vs CPU", {
  ignore: noGpu,
}, async () => {
  const x = randF32([6, 300, 5], 9);
  const x64 = astype(x, "f64");
  const cpu: Record<ReduceOp, (axis?: number) => Tensor> = {
    sum: (axis) => sum(x64, { axis }),
    mean: (axis) => mean(x64, { axis }),
    max: (axis) => max(x64, { axis }),
    min: (axis) => min(x64, { axis }),
    norm1: (axis) => sum(map(x64, Math.abs), { axis }),
    norm2: (axis) => map(sum(map(x64, (v) => v * v), { axis }), Math.sqrt),
    normInf: (axis) => max(map(x64, Math.abs), { axis }),
  };
  const g = gpu!.upload(x);
  for (const op of Object.keys(cpu) as ReduceOp[]) {
    for (const axis of [undefined, 0, 1, 2, -1]) {
      const gr = reduceGpu(g, op, { axis });
      const want = cpu[op](axis);
      assert.deepEqual(gr.shape, want.shape, `${op} ${axis}`);
      // f32 sums of n terms: error ≤ n·u·Σ|x| (scaled by the sum of magnitudes).
      const n = axis === undefined ? x.size : x.shape[(axis + 3) % 3];
      const mag = op === "max" || op === "min" || op === "normInf"
        ? cpu.normInf(axis)
        : cpu.norm1(axis);
      const bound = op === "mean" ? mag.data.map((v) => v / n) : mag.data;
      const err = maxScaledErr(await gr.read(), want, new Tensor(bound, want.shape));
      assert.ok(err <= (n + 2) * U32, `${op} axis ${axis}: ${err}`);
      gr.dispose();
    }
  }
  const k = reduceGpu(g, "sum", { axis: 1, keepDims: true });
  assert.deepEqual(k.shape, [6, 1, 5]);
  k.dispose();
  assert.throws(() => reduceGpu(g, "sum", { axis: 3 }), RangeError);
  g.dispose();
  const e = gpu!.upload(new Tensor(new Float32Array(0), [2, 0]));
  assert.throws(() => reduceGpu(e, "max", { axis: 1 }), RangeError);
  const s = sum(e, { axis: 1 });
  assert.deepEqual(Array.from((await s.read()).data), [0, 0]);
  e.dispose();
  s.dispose();
});

Deno.test("softmaxGpu: rows sum to 1, match a shifted-exp CPU reference, no overflow", {
  ignore: noGpu,
}, async () => {
  const x = astype(map(randF32([5, 300], 4), (v) => 30 * v), "f32");
  const got = await run(x, softmaxGpu);
  for (let r = 0; r < 5; r++) {
    const row = Array.from(x.data.subarray(r * 300, r * 300 + 300));
    const m = Math.max(...row),
      e = row.map((v) => Math.exp(v - m)),
      s = e.reduce((p, q) => p + q, 0);
    let total = 0;
    for (let j = 0; j < 300; j++) {
      const g = got.data[r * 300 + j];
      total += g;
      assert.ok(Math.abs(g - e[j] / s) <= 1e-5 * (e[j] / s) + 1e-12, `row ${r} col ${j}`);
    }
    assert.ok(Math.abs(total - 1) < 300 * 4 * U32);
  }
});

Deno.test("transposeGpu: exact, odd shapes and batches", { ignore: noGpu }, async () => {
  for (const shape of [[1, 7], [7, 1], [17, 33], [3, 5, 18]]) {
    const x = randF32(shape, 5);
    const got = await run(x, transposeGpu);
    const want = shape.length === 2 ? transpose(x) : transpose(x, [0, 2, 1]);
    assert.deepEqual(got.shape, want.shape);
    assert.deepEqual(Array.from(got.data), Array.from(want.data));
  }
});

Deno.test("no GPU buffer leaks or WebGPU errors after this file's tests; device released", {
  ignore: noGpu,
}, () => {
  assert.equal(gpu!.stats().liveBuffers, 0);
  assert.deepEqual(gpu!.takeErrors(), [], "WebGPU validation errors");
  // Destroying the device before exit avoids a crash in llvmpipe's teardown.
  gpu!.destroy();
});
