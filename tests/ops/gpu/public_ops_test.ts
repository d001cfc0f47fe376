// The differentiable front ends that mod.ts exports still dispatch GpuTensors to the GPU (the
// same names on both backends), and a traced tensor cannot be uploaded: GpuTensors are not
// traced, so an upload inside grad would cut the gradient silently.
import assert from "node:assert/strict";
import {
  add,
  div,
  type GpuTensor,
  grad,
  matmul,
  max,
  mean,
  min,
  mul,
  scale,
  sub,
  sum,
  type Tensor,
} from "../../../mod.ts";
import { gpu, maxScaledErr, noGpu, randF32, U32 } from "./_gpu.ts";

type Pair = [string, (x: Tensor, y: Tensor) => Tensor, (x: GpuTensor, y: GpuTensor) => GpuTensor];
const pairs: Pair[] = [
  ["add", (x, y) => add(x, y), (x, y) => add(x, y)],
  ["sub", (x, y) => sub(x, y), (x, y) => sub(x, y)],
  ["mul", (x, y) => mul(x, y), (x, y) => mul(x, y)],
  ["div", (x, y) => div(x, add(mul(y, y), 1)), (x, y) => div(x, add(mul(y, y), 1))],
  ["scale", (x) => scale(x, 3), (x) => scale(x, 3)],
  ["matmul", (x, y) => matmul(x, y, { transB: true }), (x, y) => matmul(x, y, { transB: true })],
  ["sum", (x) => sum(x, { axis: 1 }), (x) => sum(x, { axis: 1 })],
  ["mean", (x) => mean(x), (x) => mean(x)],
  ["max", (x) => max(x, { axis: 0 }), (x) => max(x, { axis: 0 })],
  ["min", (x) => min(x), (x) => min(x)],
];

Deno.test(
  "public op names dispatch GpuTensors and agree with the CPU",
  { ignore: noGpu },
  async () => {
    const x = randF32([6, 5], 1), y = randF32([6, 5], 2);
    const gx = gpu!.upload(x), gy = gpu!.upload(y);
    for (const [name, cpu, onGpu] of pairs) {
      const want = cpu(x, y);
      const got = await onGpu(gx, gy).read();
      assert.deepEqual(got.shape, want.shape, name);
      assert.ok(maxScaledErr(got, want) <= 64 * U32 * 8, `${name}: ${maxScaledErr(got, want)}`);
    }
    gx.dispose();
    gy.dispose();
  },
);

Deno.test("uploading a traced tensor inside grad is a TypeError", { ignore: noGpu }, () => {
  const f = (w: Tensor): Tensor => {
    gpu!.upload(w);
    return sum(w);
  };
  assert.throws(() => grad(f)(randF32([2, 2], 3)), /Gpu\.upload: argument t is traced/);
});

Deno.test("no WebGPU errors after this file's tests; device released", { ignore: noGpu }, () => {
  assert.deepEqual(gpu!.takeErrors(), [], "WebGPU validation errors");
  // Destroying the device before exit avoids a crash in llvmpipe's teardown ("double free or
  // corruption" at process exit, seen when a file left its device alive).
  gpu!.destroy();
});
