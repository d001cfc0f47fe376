import assert from "node:assert/strict";
import { conv2d } from "../../../ops/conv/conv2d.ts";
import { conv2dGpu, conv2dGpuGrid } from "../../../ops/gpu/conv2d.ts";
import { astype, type Tensor } from "../../../ops/tensor.ts";
import { refConv2d, type RefOpts } from "../conv/_ref.ts";
import { gpu, maxScaledErr, noGpu, randF32, U32 } from "./_gpu.ts";

// Small shapes covering every option; sizes not multiples of the 16×16 tile (edge masking), a
// K of 144 > 16 (several k-steps) and more than one tile of output channels (og 20).
const CASES: { name: string; x: number[]; w: number[]; o: Partial<RefOpts>; bias: boolean }[] = [
  {
    name: "3x3 pad 1 bias",
    x: [2, 16, 9, 7],
    w: [20, 16, 3, 3],
    o: { padding: [1, 1] },
    bias: true,
  },
  {
    name: "stride/dilation",
    x: [1, 3, 11, 10],
    w: [5, 3, 3, 2],
    o: { stride: [2, 3], dilation: [2, 2], padding: [1, 2] },
    bias: false,
  },
  {
    name: "groups 2",
    x: [2, 4, 6, 5],
    w: [6, 2, 3, 3],
    o: { groups: 2, padding: [1, 0] },
    bias: true,
  },
  {
    name: "depthwise 5x5",
    x: [1, 3, 8, 8],
    w: [3, 1, 5, 5],
    o: { groups: 3, padding: [2, 2] },
    bias: false,
  },
  { name: "1x1", x: [2, 5, 4, 3], w: [7, 5, 1, 1], o: {}, bias: true },
];

Deno.test("conv2d on GpuTensors equals the CPU definition within the f32 dot-product bound", {
  ignore: noGpu,
}, async () => {
  const g = gpu!;
  let seed = 1;
  for (const c of CASES) {
    const x = randF32(c.x, seed++), w = randF32(c.w, seed++);
    const b = c.bias ? randF32([c.w[0]], seed++) : undefined;
    const gx = g.upload(x), gw = g.upload(w), gb = b && g.upload(b);
    const gy = conv2d(gx, gw, { ...c.o, bias: gb });
    const y = await gy.read();
    const o: RefOpts = {
      stride: c.o.stride ?? [1, 1],
      padding: c.o.padding ?? [0, 0],
      dilation: c.o.dilation ?? [1, 1],
      groups: c.o.groups ?? 1,
    };
    const f64 = (t: Tensor | undefined): Tensor | undefined => t && astype(t, "f64");
    const ref = refConv2d(f64(x)!, f64(w)!, o, f64(b));
    const scale = refConv2d(f64(x)!, f64(w)!, o, f64(b), true);
    assert.deepEqual(gy.shape, ref.shape, c.name);
    // The CPU f32 path must agree too (same front end, other backend).
    assert.deepEqual(conv2d(x, w, { ...c.o, bias: b }).shape, ref.shape);
    const k = c.w[1] * c.w[2] * c.w[3] + 1;
    const err = maxScaledErr(y, ref, scale);
    assert.ok(err <= 2 * (k + 1) * U32, `${c.name}: scaled error ${err} > ${2 * (k + 1) * U32}`);
    for (const t of [gx, gw, gb, gy]) t?.dispose();
  }
});

Deno.test("conv2d on GpuTensors: the same checks as the CPU path", { ignore: noGpu }, () => {
  const g = gpu!;
  const x = g.upload(randF32([1, 4, 5, 5], 1)), w = g.upload(randF32([2, 3, 3, 3], 2));
  assert.throws(() => conv2dGpu(x, w), /3 channels per group.*x 1x4x5x5, weight 2x3x3x3/);
  assert.throws(() => conv2dGpu(x, w, { padding: -1 }), RangeError);
  assert.throws(() => conv2dGpu(x, w, { pad: 1 } as never), /unknown option "pad"/);
  assert.throws(() => conv2d(x, randF32([2, 4, 3, 3], 0) as never), TypeError);
  x.dispose();
  w.dispose();
});

Deno.test("conv2d on GpuTensors: column tiles on a 2-D grid, row tiles x groups on z", {
  ignore: noGpu,
}, async () => {
  const g = gpu!;
  // 2 x 9 x 7 = 126 positions = 8 column tiles on a grid 3 wide (3 x 3, one idle workgroup);
  // og = 34 (three row tiles) in each of 2 groups.
  const x = randF32([2, 4, 9, 7], 13), w = randF32([68, 2, 3, 3], 14), b = randF32([68], 15);
  const gx = g.upload(x), gw = g.upload(w), gb = g.upload(b);
  for (const maxPerDim of [3, 65535]) {
    const y = await conv2dGpuGrid(gx, gw, { groups: 2, padding: 1, bias: gb }, maxPerDim).read();
    const o: RefOpts = { stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 2 };
    const f64 = (t: Tensor): Tensor => astype(t, "f64");
    const ref = refConv2d(f64(x), f64(w), o, f64(b));
    const scale = refConv2d(f64(x), f64(w), o, f64(b), true);
    const err = maxScaledErr(y, ref, scale);
    assert.ok(err <= 2 * 20 * U32, `maxPerDim ${maxPerDim}: ${err}`);
  }
  for (const t of [gx, gw, gb]) t.dispose();
});

Deno.test("no WebGPU errors after this file's tests; device released", { ignore: noGpu }, () => {
  assert.deepEqual(gpu!.takeErrors(), [], "WebGPU validation errors");
  // Destroying the device before exit avoids a crash in llvmpipe's teardown ("double free or
  // corruption" at process exit, seen when a file left its device alive).
  gpu!.destroy();
});
