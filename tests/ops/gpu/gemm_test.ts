import assert from "node:assert/strict";
import {
  checkTileFits,
  GEMM_SWEEP,
  GEMM_TILES,
  gemmGpu,
  type GemmKernel,
  tileName,
} from "../../../ops/gpu/gemm.ts";
import {
  type GemmBounds,
  type GemmTile,
  gemmWgsl,
  tileWorkgroupBytes,
} from "../../../ops/gpu/gemm_wgsl.ts";
import { matmulGpu } from "../../../ops/gpu/matmul.ts";
import { matmul } from "../../../ops/matmul.ts";
import { map } from "../../../ops/elementwise.ts";
import { astype, Tensor } from "../../../ops/tensor.ts";
import type { GpuTensor } from "../../../ops/gpu/gpu_tensor.ts";
import { nanFill } from "../../../benches/gpu_measure.ts";
import { gpu, maxScaledErr, noGpu, randF32, U32 } from "./_gpu.ts";

/**
 * Checks a GPU product against the f64 CPU product of the same f32 inputs, elementwise with the
 * standard dot-product bound |ĉ − c| ≤ γ_k·(|A||B|), γ_k ≈ k·u for f32 (factor 2 of slack for
 * the FMA/summation order, plus one rounding of the output).
 */
async function checkProduct(
  a: Tensor,
  b: Tensor,
  opts: { transA?: boolean; transB?: boolean; kernel?: GemmKernel; tile?: GemmTile },
  label: string,
): Promise<void> {
  const g = gpu!;
  const ga = g.upload(a), gb = g.upload(b);
  const gc = opts.tile
    ? tileProduct(ga, gb, opts.transA ?? false, opts.transB ?? false, opts.tile)
    : matmulGpu(ga, gb, opts);
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

/** `op(a)·op(b)` of 2-D GpuTensors with an explicit tile, into a NaN-filled output. */
function tileProduct(
  a: GpuTensor,
  b: GpuTensor,
  transA: boolean,
  transB: boolean,
  tile: GemmTile,
): GpuTensor {
  const [m, k] = transA ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
  const n = transB ? b.shape[0] : b.shape[1];
  const c = a.gpu.empty([m, n]);
  nanFill(c); // an entry the kernel does not write must not pass on a reused buffer
  const args = { m, n, k, batch: 1, transA, transB, strideA: 0, strideB: 0 };
  gemmGpu(a.gpu, args, a.buffer, b.buffer, c.buffer, tile);
  return c;
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

// The clamp-free rows layout on small tiles (the sweep's 8×8 tiles take a minute each to
// compile on llvmpipe): single- and double-buffered, one and two vec4 groups per thread, every
// bounds mode; k of 1, 2, 3 and 4 slices so the unrolled double-buffer loop leaves at each half.
const ROWS_TILES: GemmTile[] = [
  { bm: 32, bn: 32, bk: 8, tm: 4, tn: 4, layout: "rows" },
  { bm: 32, bn: 32, bk: 8, tm: 4, tn: 4, layout: "rows", db: true },
  { bm: 64, bn: 32, bk: 8, tm: 8, tn: 4, layout: "rows", db: true },
];
const ROWS_CASES: [number[], boolean, boolean][] = [
  [[64, 64, 32], false, false], // aligned, 4 slices
  [[64, 64, 8], false, false], // aligned, 1 slice
  [[36, 68, 20], false, false], // vec4, 3 slices
  [[33, 70, 19], false, false], // scalar
  [[33, 70, 19], true, false],
  [[33, 70, 19], false, true],
  [[36, 68, 16], true, true], // vec4, 2 slices
];

for (const tile of ROWS_TILES) {
  Deno.test(`gemmGpu[${tileName(tile)}]: bounds modes, transposes, k-slice counts vs CPU`, {
    ignore: noGpu,
  }, async () => {
    let seed = 900;
    // Two vec4 groups per thread (tm = 8) compile slowly on llvmpipe: an odd slice count and
    // the transposed scatter of both operands (both vec4 bounds) cover what differs.
    const cases = tile.tm === 8 ? [ROWS_CASES[2], ROWS_CASES[6]] : ROWS_CASES;
    for (const [[m, n, k], transA, transB] of cases) {
      const a = randF32(transA ? [k, m] : [m, k], seed++);
      const b = randF32(transB ? [n, k] : [k, n], seed++);
      const label = `${tileName(tile)} ${m}x${n}x${k} ${transA}/${transB}`;
      await checkProduct(a, b, { transA, transB, tile }, label);
    }
  });
}

Deno.test("gemmWgsl rows layout: every workgroup read has one variable index, the thread's", () => {
  for (const tile of GEMM_SWEEP.filter((t) => t.layout === "rows")) {
    for (const [transA, transB] of [[false, false], [true, true]]) {
      const src = gemmWgsl(tile, transA, transB, "aligned");
      const reads = [...src.matchAll(/let [ab]\d+ = (s[AB]\d?)\[([^\]]*)\]\[([^\]]*)\];/g)];
      assert.ok(reads.length >= 2 * tile.bk, `${tileName(tile)}: reads found`);
      for (const [, arr, outer, inner] of reads) {
        assert.match(outer, /^\d+$/, `${tileName(tile)}: outer index ${outer} is a constant`);
        assert.equal(inner, arr.startsWith("sA") ? "ty" : "tx");
      }
      assert.ok(!/cur/.test(src), "no cur-indexed double buffering");
      if (tile.db) assert.ok(src.includes("var<workgroup> sA1") && src.includes("sB1["));
    }
  }
});

Deno.test("gemmWgsl rows layout: k-major scatter rows k and k + 4 land 16 banks apart", () => {
  // A untransposed is scattered k-major: the two halves of a warp write rows k and k + 4 of a
  // column group, 4·(inner length)·4 words apart; an odd inner length puts them 16 banks apart.
  for (const tile of GEMM_SWEEP.filter((t) => t.layout === "rows")) {
    const src = gemmWgsl(tile, false, false, "aligned");
    const inner = Number(/var<workgroup> sA0: array<array<vec4<f32>, (\d+)>/.exec(src)![1]);
    assert.equal((16 * inner) % 32, 16, `${tileName(tile)}: inner length ${inner}`);
  }
});

Deno.test("GEMM_SWEEP: the issue's shapes, each with and without double buffering, both layouts", () => {
  const shapes = new Set(GEMM_SWEEP.map((t) => `${t.bm}x${t.bn}x${t.bk}/${t.tm}x${t.tn}`));
  assert.deepEqual([...shapes].sort(), [
    "128x128x16/8x8",
    "128x128x8/16x8",
    "128x128x8/8x16",
    "128x128x8/8x8",
    "128x64x8/8x8",
    "256x128x8/16x8",
    "64x128x8/8x8",
  ]);
  assert.equal(GEMM_SWEEP.length, shapes.size * 4);
  assert.equal(new Set(GEMM_SWEEP.map(tileName)).size, GEMM_SWEEP.length, "distinct names");
  for (const t of GEMM_SWEEP) {
    const threads = (t.bm / t.tm) * (t.bn / t.tn);
    const want = `${t.bm}x${t.bn}` === "128x128" && t.tm * t.tn === 64
      ? 256
      : t.bm === 256
      ? 256
      : 128;
    assert.equal(threads, want, tileName(t));
  }
});

/** Bytes of the `var<workgroup>` arrays a WGSL source declares (parsed, not computed). */
function declaredWorkgroupBytes(src: string): number {
  let bytes = 0;
  for (const [, decl] of src.matchAll(/var<workgroup> \w+: (array<.*>);/g)) {
    let n = 16;
    for (const [, len] of decl.matchAll(/, (\d+)>/g)) n *= Number(len);
    bytes += n;
  }
  return bytes;
}

Deno.test("tileWorkgroupBytes matches the declarations; tiles over the device limits are refused", {
  ignore: noGpu,
}, () => {
  const g = gpu!;
  const variants: [boolean, boolean, GemmBounds][] = [
    [false, false, "aligned"],
    [true, false, "vec4"],
    [false, true, "scalar"],
  ];
  for (const t of [...GEMM_SWEEP, ...ROWS_TILES, ...Object.values(GEMM_TILES)]) {
    for (const [transA, transB, bounds] of variants) {
      const src = gemmWgsl(t, transA, transB, bounds);
      assert.equal(tileWorkgroupBytes(t, transA, transB), declaredWorkgroupBytes(src), tileName(t));
    }
  }
  const big: GemmTile = { bm: 128, bn: 128, bk: 16, tm: 8, tn: 8, db: true }; // 32 KiB
  const limits = { ...g.limits, maxComputeWorkgroupStorageSize: 16384 };
  assert.throws(
    () => checkTileFits(limits, big),
    (e: Error) =>
      e instanceof RangeError && /32768 bytes of workgroup memory.*16384/.test(e.message),
  );
  assert.throws(
    () => checkTileFits({ ...limits, maxComputeInvocationsPerWorkgroup: 128 }, GEMM_TILES.large),
    (e: Error) => e instanceof RangeError && /256 threads.*128/.test(e.message),
  );
  if (g.limits.maxComputeWorkgroupStorageSize < 32768) {
    const x = g.upload(randF32([128, 128], 1));
    const args = {
      m: 128,
      n: 128,
      k: 128,
      batch: 1,
      transA: false,
      transB: false,
      strideA: 0,
      strideB: 0,
    };
    assert.throws(() => gemmGpu(g, args, x.buffer, x.buffer, x.buffer, big), RangeError);
    x.dispose();
  }
  assert.throws(
    () => gemmWgsl({ ...GEMM_TILES.small, layout: "diagonal" as "rows" }, false, false, "vec4"),
    (e: Error) => e instanceof RangeError && /layout/.test(e.message),
  );
});

Deno.test({
  name: "gemmGpu: every GEMM_SWEEP tile that fits, vec4 and scalar bounds (hardware GPU only)",
  ignore: noGpu || gpu!.info.isFallbackAdapter,
  async fn(): Promise<void> {
    // The bench checks each tile on aligned n = 1024-4096 only; the edges are checked here.
    let seed = 700;
    for (const tile of GEMM_SWEEP) {
      try {
        checkTileFits(gpu!.limits, tile);
      } catch (e) {
        console.warn(`${tileName(tile)}: not on this device: ${(e as Error).message}`);
        continue;
      }
      for (
        const [[m, n, k], transA, transB] of [[[132, 260, 36], false, false], [
          [129, 131, 33],
          true,
          true,
        ]] as const
      ) {
        const a = randF32(transA ? [k, m] : [m, k], seed++);
        const b = randF32(transB ? [n, k] : [k, n], seed++);
        await checkProduct(a, b, { transA, transB, tile }, `${tileName(tile)} ${m}x${n}x${k}`);
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
