import assert from "node:assert/strict";
import { conv2d, conv2dOutShape } from "../../../ops/conv/conv2d.ts";
import { conv2dPath } from "../../../ops/conv/conv2d_cpu.ts";
import { conv2dGeom } from "../../../ops/conv/conv_geom.ts";
import { gradcheck } from "../../../ops/autograd/gradcheck.ts";
import { valueAndGrad } from "../../../ops/autograd/grad.ts";
import { mul } from "../../../ops/autograd/ops_arith.ts";
import { sum } from "../../../ops/autograd/ops_reduce.ts";
import { astype, type DType, type Tensor } from "../../../ops/tensor.ts";
import { refConv2d, type RefOpts, rnd, scaledErr } from "./_ref.ts";

interface Case {
  name: string;
  x: number[];
  w: number[];
  o: Partial<RefOpts>;
  path: "gemm" | "pointwise" | "depthwise";
  bias?: boolean;
}

// Every kernel path with every option, odd sizes so that no window lines up by accident.
const CASES: Case[] = [
  {
    name: "3x3 pad 1",
    x: [2, 3, 7, 6],
    w: [4, 3, 3, 3],
    o: { padding: [1, 1] },
    path: "gemm",
    bias: true,
  },
  {
    name: "stride 2, pad [1,2]",
    x: [1, 2, 9, 8],
    w: [3, 2, 3, 2],
    o: { stride: [2, 3], padding: [1, 2] },
    path: "gemm",
  },
  {
    name: "dilation [2,1]",
    x: [2, 2, 8, 7],
    w: [2, 2, 3, 3],
    o: { dilation: [2, 1], padding: [2, 0] },
    path: "gemm",
    bias: true,
  },
  {
    name: "dilation [1,3] groups 2",
    x: [1, 4, 7, 11],
    w: [2, 2, 2, 3],
    o: { dilation: [1, 3], padding: [0, 1], groups: 2 },
    path: "gemm",
  },
  {
    name: "groups 2",
    x: [2, 4, 6, 5],
    w: [6, 2, 3, 3],
    o: { groups: 2, padding: [1, 1] },
    path: "gemm",
    bias: true,
  },
  { name: "1x1", x: [2, 5, 4, 3], w: [3, 5, 1, 1], o: {}, path: "pointwise", bias: true },
  {
    name: "1x1 groups 3 stride 2",
    x: [1, 6, 5, 5],
    w: [3, 2, 1, 1],
    o: { groups: 3, stride: [2, 2] },
    path: "gemm",
  },
  { name: "1x1 groups 2", x: [2, 4, 3, 3], w: [6, 2, 1, 1], o: { groups: 2 }, path: "pointwise" },
  {
    name: "depthwise 5x5 pad 2",
    x: [2, 3, 7, 6],
    w: [3, 1, 5, 5],
    o: { groups: 3, padding: [2, 2] },
    path: "depthwise",
    bias: true,
  },
  {
    name: "depthwise x2 stride 2 dil 2",
    x: [1, 2, 9, 9],
    w: [4, 1, 3, 3],
    o: { groups: 2, stride: [2, 2], dilation: [2, 2], padding: [1, 2] },
    path: "depthwise",
  },
];

function fullOpts(o: Partial<RefOpts>): RefOpts {
  return {
    stride: o.stride ?? [1, 1],
    padding: o.padding ?? [0, 0],
    dilation: o.dilation ?? [1, 1],
    groups: o.groups ?? 1,
  };
}

function run(
  c: Case,
  dtype: DType,
  seed: number,
): { got: Tensor; ref: Tensor; scale: Tensor; k: number } {
  const x = rnd(c.x, seed, dtype), w = rnd(c.w, seed + 1, dtype);
  const bias = c.bias ? rnd([c.w[0]], seed + 2, dtype) : undefined;
  const o = fullOpts(c.o);
  const got = conv2d(x, w, { ...c.o, bias });
  const x64 = astype(x, "f64"), w64 = astype(w, "f64"), b64 = bias && astype(bias, "f64");
  return {
    got,
    ref: refConv2d(x64, w64, o, b64),
    scale: refConv2d(x64, w64, o, b64, true),
    k: c.w[1] * c.w[2] * c.w[3] + 1,
  };
}

for (const dtype of ["f64", "f32"] as const) {
  Deno.test(`conv2d ${dtype}: every path and option equals the direct definition`, () => {
    const u = dtype === "f64" ? 2 ** -53 : 2 ** -24;
    CASES.forEach((c, i) => {
      const g = conv2dGeom("t", c.x, c.w, undefined, c.o);
      assert.equal(conv2dPath(g), c.path, c.name);
      const { got, ref, scale, k } = run(c, dtype, 10 * i);
      assert.equal(got.dtype, dtype);
      assert.deepEqual(got.shape, ref.shape, c.name);
      // Standard dot-product bound |ŝ − s| ≤ γ_k Σ|w||x|, γ_k ≈ k·u; factor 2 for FMA/order.
      const err = scaledErr(got, ref, scale);
      assert.ok(err <= 2 * (k + 1) * u, `${c.name}: scaled error ${err} > ${2 * (k + 1) * u}`);
    });
  });
}

Deno.test("conv2d: gradients of x, weight and bias match central differences on every path", () => {
  CASES.forEach((c, i) => {
    const x = rnd(c.x, 100 + i), w = rnd(c.w, 200 + i), b = rnd([c.w[0]], 300 + i);
    const probe = rnd(conv2dOutShape(c.x, c.w, c.o), 400 + i);
    const f = (x: Tensor, w: Tensor, b: Tensor): Tensor =>
      sum(mul(conv2d(x, w, { ...c.o, bias: b }), probe));
    // The gradients are O(1)-O(10); the central difference's round-off is u·|f|/ε ≈ 1e-9, so
    // entries below 1 are compared absolutely (minScale 1). A wrong tap is off by O(1).
    const r = gradcheck(f, [x, w, b], { tol: 1e-6, minScale: 1 });
    assert.ok(r.ok, `${c.name}: ${JSON.stringify(r)}`);
  });
});

Deno.test("conv2d f32 backward: gradients agree with the f64 ones to f32 accuracy", () => {
  CASES.forEach((c, i) => {
    const probe = rnd(conv2dOutShape(c.x, c.w, c.o), 500 + i);
    const args = [rnd(c.x, 600 + i), rnd(c.w, 700 + i), rnd([c.w[0]], 800 + i)];
    const grads = (dtype: DType): Tensor[] => {
      const f = (x: Tensor, w: Tensor, b: Tensor): Tensor =>
        sum(mul(conv2d(x, w, { ...c.o, bias: b }), astype(probe, dtype)));
      const [x, w, b] = args.map((t) => astype(t, dtype));
      return valueAndGrad(f, { argnums: [0, 1, 2] })(x, w, b)
        .grad as Tensor[];
    };
    const g32 = grads("f32"), g64 = grads("f64");
    g32.forEach((g, k) => {
      assert.equal(g.dtype, "f32");
      // Each entry is a sum of at most (output positions · channels) products of O(1) values.
      let e = 0, s = 0;
      for (let j = 0; j < g.size; j++) {
        e = Math.max(e, Math.abs(g.data[j] - g64[k].data[j]));
        s = Math.max(s, Math.abs(g64[k].data[j]));
      }
      assert.ok(e <= 1e-5 * Math.max(s, 1), `${c.name} input ${k}: ${e} vs scale ${s}`);
    });
  });
});

Deno.test("conv2d: gradient of one operand alone (others constant)", () => {
  const x = rnd([1, 2, 5, 5], 1), w = rnd([3, 2, 3, 3], 2), probe = rnd([1, 3, 3, 3], 3);
  assert.ok(gradcheck((w: Tensor) => sum(mul(conv2d(x, w), probe)), [w]).ok);
  assert.ok(gradcheck((x: Tensor) => sum(mul(conv2d(x, w), probe)), [x]).ok);
});

Deno.test("conv2d: output shape rule and the examples of PyTorch's conv arithmetic", () => {
  assert.deepEqual(conv2dOutShape([1, 1, 5, 5], [1, 1, 3, 3], { stride: 2, padding: 1 }), [
    1,
    1,
    3,
    3,
  ]);
  assert.deepEqual(conv2dOutShape([1, 1, 7, 7], [1, 1, 3, 3], { dilation: 2 }), [1, 1, 3, 3]);
  assert.deepEqual(conv2dOutShape([1, 1, 6, 6], [1, 1, 3, 3], { stride: 2 }), [1, 1, 2, 2]);
});

Deno.test("conv2d: bad input names the shapes and the offending value", () => {
  const x = rnd([1, 4, 5, 5], 0), w = rnd([2, 4, 3, 3], 1);
  const throwsRange = (f: () => unknown, re: RegExp): void =>
    assert.throws(f, (e: unknown) => e instanceof RangeError && re.test((e as Error).message));
  throwsRange(
    () => conv2d(x, rnd([2, 3, 3, 3], 1)),
    /3 channels per group.*x 1x4x5x5, weight 2x3x3x3/,
  );
  throwsRange(() => conv2d(x, w, { groups: 3 }), /groups = 3 must divide/);
  throwsRange(
    () => conv2d(x, rnd([3, 2, 3, 3], 1), { groups: 2 }),
    /groups = 2 must divide the 4 input and 3 output/,
  );
  throwsRange(() => conv2d(x, w, { padding: -1 }), /padding must be non-negative integers, got -1/);
  throwsRange(() => conv2d(x, w, { stride: 1.5 }), /stride must be positive integers, got 1.5/);
  throwsRange(
    () => conv2d(x, w, { stride: [1, 0] }),
    /stride must be positive integers, got \[1,0\]/,
  );
  throwsRange(
    () => conv2d(x, w, { dilation: 3 }),
    /larger than the padded input along H \(5 \+ 2·0\): x 1x4x5x5, weight 2x4x3x3/,
  );
  throwsRange(() => conv2d(x, rnd([2, 4, 6, 6], 1), { padding: 0 }), /span 6/);
  throwsRange(() => conv2d(rnd([4, 5, 5], 0), w), /x must be \[N, C, H, W\]/);
  throwsRange(() => conv2d(x, w, { bias: rnd([3], 0) }), /bias must be \[2\], got 3/);
  assert.throws(() => conv2d(x, w, { strides: 2 } as never), TypeError);
  assert.throws(() => conv2d(x, w, { stride: "2" } as never), TypeError);
  assert.throws(() => conv2d(x, astype(w, "f32")), /dtypes differ/);
  assert.throws(() => conv2d(x, [1] as never), TypeError);
  // Padding that makes the window fit is accepted (kernel 6 on 5 + 2·1).
  assert.deepEqual(conv2d(x, rnd([2, 4, 6, 6], 1), { padding: 1 }).shape, [1, 2, 2, 2]);
});
