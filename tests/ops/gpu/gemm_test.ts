import assert from "node:assert/strict";
import { GEMM_TILES, type GemmKernel } from "../../../ops/gpu/gemm.ts";
import { gemmWgsl } from "../../../ops/gpu/gemm_wgsl.ts";
import { matmulGpu } from "../../../ops/gpu/matmul.ts";
import { matmul } from "../../../ops/matmul.ts";
import { map } from "../../../ops/elementwise.ts";
import { astype, Tensor } from "../../../ops/tensor.ts";
import { gpu, maxScaledErr, noGpu, randF32, U32 } from "./_gpu.ts";

/**
 * Checks a GPU product against the f64 CPU product of the same f32 inputs, elementwise with the
 * standard dot-product bound |ĉ − c| ≤ γ_k·(|A||B|), γ_k ≈ k·u for f32 (factor 2 of slack for
 * the FMA/summation order, plus one rounding of the output).
 */
async function checkProduct(
  a: Tensor,
  b: Tensor,
  opts: { transA?: boolean; transB?: boolean; kernel?: GemmKernel },
  label: string,
): Promise<void> {
  const g = gpu!;
  const ga = g.upload(a), gb = g.upload(b);
  const gc = matmulGpu(ga, gb, opts);
  const c = await gc.read();
  const ref = matmul(astype(a, "f64"), astype(b, "f64"), opts);
  const absProd = matmul(map(astype(a, "f64"), Math.abs), map(astype(b, "f64"), Math.abs), opts);
  const k = opts.transA ? a.shape[a.ndim - 2] : a.shape[a.ndim - 1];
  assert.deepEqual(gc.shape, ref.shape, label);
  const err = maxScaledErr(c, ref, absProd);
  assert.ok(err <= 2 * (k + 1) * U32, `${label}: scaled error ${err} > ${2 * (k + 1) * U32}`);
  ga.dispose();
  gb.dispose();
  gc.dispose();
}

// llvmpipe needs 30-70 s to compile each variant of the bk = 16 and the double-buffered 8×8
// tiles, so on a software adapter they get one test below that runs only on a hardware GPU
// (benches/gpu_run.sh runs these tests there; the bench also checks them against the plain
// kernel). Their building blocks are covered here: bk = 16 by medium/skinny, 8×8 by large/tall.
const SLOW_ON_LLVMPIPE: GemmKernel[] = ["large16", "largeDb"];
const KERNELS = (["naive", ...Object.keys(GEMM_TILES)] as GemmKernel[]).filter((k) =>
  !SLOW_ON_LLVMPIPE.includes(k)
);
// Multiples of the tiles (aligned path), multiples of 4 only (vec4 path), odd (scalar path).
const SHAPES: [number, number, number][] = [[64, 128, 32], [36, 68, 20], [33, 70, 19]];

for (const kernel of KERNELS) {
  Deno.test(
    `matmulGpu[${kernel}]: all transposes and bounds modes vs CPU`,
    { ignore: noGpu },
    async () => {
      let seed = 1;
      // Every bounds mode untransposed, every transpose pair on the odd (scalar) shape and both
      // on the multiple-of-4 (vec4) shape: 7 products, each its own pipeline.
      const cases: [number[], boolean, boolean][] = [
        ...SHAPES.map((s): [number[], boolean, boolean] => [s, false, false]),
        [SHAPES[2], true, false],
        [SHAPES[2], false, true],
        [SHAPES[2], true, true],
        [SHAPES[1], true, true],
      ];
      for (const [[m, n, k], transA, transB] of cases) {
        const a = randF32(transA ? [k, m] : [m, k], seed++);
        const b = randF32(transB ? [n, k] : [k, n], seed++);
        const label = `${kernel} ${m}x${n}x${k} ${transA}/${transB}`;
        await checkProduct(a, b, { transA, transB, kernel }, label);
      }
    },
  );
}

Deno.test({
  name: "matmulGpu: large16 and largeDb tiles, every bounds mode and transpose (hardware GPU only)",
  ignore: noGpu || gpu!.info.isFallbackAdapter,
  async fn(): Promise<void> {
    let seed = 500;
    for (const kernel of SLOW_ON_LLVMPIPE) {
      for (const [m, n, k] of [[256, 128, 64], ...SHAPES]) {
        for (const [transA, transB] of [[false, false], [true, false], [false, true]]) {
          const a = randF32(transA ? [k, m] : [m, k], seed++);
          const b = randF32(transB ? [n, k] : [k, n], seed++);
          await checkProduct(a, b, { transA, transB, kernel }, `${kernel} ${m}x${n}x${k}`);
        }
      }
    }
  },
});

Deno.test(
  "matmulGpu: the 128x128 tile on a full-tile aligned shape",
  { ignore: noGpu },
  async () => {
    await checkProduct(
      randF32([128, 64], 7),
      randF32([64, 256], 8),
      { kernel: "large" },
      "large aligned",
    );
    await checkProduct(randF32([256, 24], 9), randF32([24, 128], 10), {
      kernel: "large",
      transB: false,
    }, "large");
  },
);

Deno.test(
  "matmulGpu: vectors and degenerate shapes (1×n, n×1, GEMV paths)",
  { ignore: noGpu },
  async () => {
    let seed = 100;
    const cases: [number[], number[], boolean, boolean][] = [
      [[1, 37], [37, 5], false, false], // row vector · matrix (column GEMV)
      [[1, 40], [9, 40], false, true], // row vector · matrixᵀ (row GEMV)
      [[7, 33], [33, 1], false, false], // matrix · column vector (row GEMV, scalar loads)
      [[8, 32], [32, 1], false, false], // row GEMV with vec4 loads
      [[300, 12], [300, 1], true, false], // Aᵀx, many row slices
      [[5, 1], [1, 6], false, false], // outer product, k = 1
      [[1, 1], [1, 1], false, false],
      [[3, 9], [9, 2], false, false],
    ];
    for (const [sa, sb, transA, transB] of cases) {
      await checkProduct(
        randF32(sa, seed++),
        randF32(sb, seed++),
        { transA, transB },
        `${sa}·${sb}`,
      );
    }
  },
);

Deno.test("matmulGpu: batched GEMM, per-batch and shared B", { ignore: noGpu }, async () => {
  await checkProduct(randF32([3, 10, 7], 1), randF32([3, 7, 5], 2), {}, "batched");
  await checkProduct(randF32([2, 2, 9, 12], 3), randF32([9, 6], 4), { transA: true }, "shared B");
  await checkProduct(randF32([4, 36, 40], 5), randF32([4, 44, 40], 6), {
    transB: true,
    kernel: "medium",
  }, "batched medium");
});

Deno.test("matmulGpu: k = 0 gives zeros; empty outputs; shape errors name the shapes", {
  ignore: noGpu,
}, async () => {
  const g = gpu!;
  const a = g.upload(new Tensor(new Float32Array(0), [3, 0])),
    b = g.upload(new Tensor(new Float32Array(0), [0, 2]));
  const c = matmulGpu(a, b);
  assert.deepEqual(Array.from((await c.read()).data), [0, 0, 0, 0, 0, 0]);
  const e = matmulGpu(b, a, { transA: true, transB: true });
  assert.deepEqual(e.shape, [2, 3]);
  const x = g.upload(randF32([3, 4], 1));
  assert.throws(
    () => matmulGpu(x, x),
    (err: Error) => err instanceof RangeError && /3x4, b is 3x4/.test(err.message),
  );
  assert.throws(() => matmulGpu(x, randF32([4, 4], 2) as never), TypeError);
  for (const t of [a, b, c, e, x]) t.dispose();
});

Deno.test("matmul front end: GpuTensors dispatch to the GPU and return a GpuTensor", {
  ignore: noGpu,
}, async () => {
  const g = gpu!;
  const a = randF32([5, 6], 11), b = randF32([6, 4], 12);
  const ga = g.upload(a), gb = g.upload(b);
  const gc = matmul(ga, gb);
  const ref = matmul(a, b);
  assert.ok(maxScaledErr(await gc.read(), ref) < 1e-5);
  assert.throws(() => matmul(ga, b as never), TypeError);
  for (const t of [ga, gb, gc]) t.dispose();
});

Deno.test("gemmWgsl: named vec4 accumulators, no accumulator array, vec4 workgroup tiles", () => {
  const src = gemmWgsl(GEMM_TILES.large, false, false, "aligned");
  // 8×8 micro-tile = 16 named vec4 registers c0_0 … c7_1.
  for (let r = 0; r < 8; r++) {
    for (let h = 0; h < 2; h++) assert.ok(src.includes(`var c${r}_${h} = vec4<f32>`));
  }
  assert.ok(!/array<vec4<f32>, \d+>\s*;\s*\n\s*var c/.test(src));
  assert.ok(src.includes("var<storage, read> A: array<vec4<f32>>"));
  assert.ok(!src.includes("select("), "the aligned kernel has no bounds checks");
  assert.throws(
    () => gemmWgsl({ bm: 64, bn: 64, bk: 4, tm: 4, tn: 4 }, false, false, "aligned"),
    RangeError,
  );
});

Deno.test("no GPU buffer leaks or WebGPU errors after this file's tests; device released", {
  ignore: noGpu,
}, () => {
  assert.equal(gpu!.stats().liveBuffers, 0);
  assert.deepEqual(gpu!.takeErrors(), [], "WebGPU validation errors");
  // Destroying the device before exit avoids a crash in llvmpipe's teardown.
  gpu!.destroy();
});
