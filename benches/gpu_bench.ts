/**
 * GPU benchmarks (one prepared run per GPU visit, see `benches/gpu_run.sh`).
 *
 * - `deno run -A benches/gpu_bench.ts --report [--quick] [--out DIR]`: measures GEMM TFLOP/s at
 *   n = 1024, 2048, 4096 (our register-blocked kernel, each tile configuration, and the plain
 *   16×16 tiled kernel as the floor; ratio to cuBLAS fp32's ~51 TFLOP/s on the H200), GEMV GB/s
 *   (`A·x` and `Aᵀ·x`), and `randomizedSvdGpu` rank 64 of 8192×8192. GPU time excludes
 *   uploads: each measurement enqueues `reps` launches in one command buffer, then waits once.
 *   Prints a table and writes `DIR/gpu_bench.json`. `--quick` uses tiny sizes (for the software
 *   adapter, to check the script works); `--fallback` accepts a software adapter.
 * - `deno bench -A benches/gpu_bench.ts`: the same GEMM groups as `Deno.bench` cases, with the
 *   plain kernel as baseline; registered only when a hardware GPU exists (CI has none).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { type Gpu, requestGpu } from "../ops/gpu/device.ts";
import type { GemmKernel } from "../ops/gpu/gemm.ts";
import type { GpuTensor } from "../ops/gpu/gpu_tensor.ts";
import { matmulGpu } from "../ops/gpu/matmul.ts";
import { randomizedSvdGpu } from "../ops/gpu/randomized_svd.ts";
import { Tensor } from "../ops/tensor.ts";

const CUBLAS_TFLOPS = 51;

interface Row {
  what: string;
  size: string;
  ms: number;
  rate: number;
  unit: string;
  note: string;
}

/** Uniform [-1, 1) f32 data from a small LCG: benches need speed, not statistical quality. */
function fill(gpu: Gpu, shape: number[], seed: number): GpuTensor {
  const n = shape.reduce((p, d) => p * d, 1), data = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s / 2 ** 31 - 1;
  }
  return gpu.upload(new Tensor(data, shape));
}

/** Mean milliseconds per launch of `op` over `reps` launches enqueued back to back. */
async function time(gpu: Gpu, op: () => GpuTensor, reps: number): Promise<number> {
  op().dispose(); // compile + warm up
  await gpu.sync();
  const t0 = performance.now();
  for (let r = 0; r < reps; r++) op().dispose();
  await gpu.sync();
  return (performance.now() - t0) / reps;
}

async function readAndDispose(t: GpuTensor): Promise<Float32Array> {
  const data = (await t.read()).data as Float32Array;
  t.dispose();
  return data;
}

function relDiff(x: Float32Array, y: Float32Array): number {
  let d = 0, m = 0;
  for (let i = 0; i < x.length; i++) {
    const e = Math.abs(x[i] - y[i]);
    if (!(e <= d)) d = e; // NaN-sticky
    m = Math.max(m, Math.abs(y[i]));
  }
  return d / (m || 1);
}

async function gemmRow(
  gpu: Gpu,
  a: GpuTensor,
  b: GpuTensor,
  ref: Float32Array,
  n: number,
  kernel: GemmKernel,
  quick: boolean,
): Promise<Row> {
  const reps = quick ? 2 : kernel === "naive" ? 3 : 20;
  const ms = await time(gpu, () => matmulGpu(a, b, { kernel }), reps);
  const tflops = 2 * n ** 3 / (ms * 1e-3) / 1e12;
  // A wrong fast kernel is worthless: every config is checked against the plain kernel.
  const diff = relDiff(await readAndDispose(matmulGpu(a, b, { kernel })), ref);
  const note = `${(tflops / CUBLAS_TFLOPS * 100).toFixed(1)}% of cuBLAS fp32; ` +
    `max diff vs naive / max(C) = ${diff.toExponential(1)}`;
  const errors = gpu.takeErrors();
  if (errors.length) console.error(`gemm ${kernel} n=${n}: WebGPU errors: ${errors.join("; ")}`);
  console.error(
    `gemm ${kernel} n=${n}: ${ms.toFixed(3)} ms, ${tflops.toFixed(2)} TFLOP/s, ${note}`,
  );
  const what = `gemm ${kernel}`, unit = "TFLOP/s";
  return {
    what,
    size: `${n}`,
    ms,
    rate: tflops,
    unit,
    note: errors.length ? `INVALID: ${errors[0]}` : note,
  };
}

/** Where `record` writes: set by `report` before any measurement. */
let recordPath = "";
const recorded: Row[][] = [];

/**
 * Writes every row measured so far to `gpu_bench.json` (partial results survive a visit that
 * runs out of time or crashes in a later section).
 */
async function record(section: Row[]): Promise<void> {
  if (!recorded.includes(section)) recorded.push(section);
  if (!recordPath) return;
  const json = { date: new Date().toISOString(), partial: true, rows: recorded.flat() };
  await Deno.writeTextFile(recordPath, JSON.stringify(json, null, 2));
}

async function gemmRows(gpu: Gpu, sizes: number[], quick: boolean): Promise<Row[]> {
  const rows: Row[] = [];
  for (const n of sizes) {
    const a = fill(gpu, [n, n], 1), b = fill(gpu, [n, n], 2);
    const kernels: GemmKernel[] = n >= 2048
      ? ["auto", "large", "largeDb", "large16", "tall", "medium", "naive"]
      : quick
      ? ["auto", "naive"]
      : ["auto", "large", "largeDb", "tall", "medium", "naive"];
    const ref = await readAndDispose(matmulGpu(a, b, { kernel: "naive" }));
    for (const kernel of kernels) {
      try {
        rows.push(await gemmRow(gpu, a, b, ref, n, kernel, quick));
      } catch (e) {
        // One failing configuration must not cost the rest of a (rare, timed) GPU visit.
        console.error(`gemm ${kernel} n=${n}: FAILED ${String(e)}`);
        rows.push({
          what: `gemm ${kernel}`,
          size: `${n}`,
          ms: NaN,
          rate: 0,
          unit: "",
          note: `FAILED: ${e}`,
        });
      }
      await record(rows);
    }
    if (n === sizes[sizes.length - 1]) {
      for (const [transA, transB] of [[true, false], [false, true]]) {
        const ms = await time(gpu, () => matmulGpu(a, b, { transA, transB }), quick ? 2 : 20);
        const tflops = 2 * n ** 3 / (ms * 1e-3) / 1e12;
        const what = `gemm auto ${transA ? "Aᵀ·B" : "A·Bᵀ"}`;
        rows.push({ what, size: `${n}`, ms, rate: tflops, unit: "TFLOP/s", note: "" });
        console.error(`${what} n=${n}: ${tflops.toFixed(2)} TFLOP/s`);
        await record(rows);
      }
    }
    a.dispose();
    b.dispose();
  }
  return rows;
}

async function gemvRows(gpu: Gpu, sizes: number[], quick: boolean): Promise<Row[]> {
  const rows: Row[] = [];
  for (const n of sizes) {
    const a = fill(gpu, [n, n], 3), x = fill(gpu, [n, 1], 4), xt = fill(gpu, [1, n], 5);
    for (
      const [what, op] of [
        ["gemv A·x", () => matmulGpu(a, x)],
        ["gemv xᵀ·A", () => matmulGpu(xt, a)],
      ] as const
    ) {
      const ms = await time(gpu, op, quick ? 2 : 50);
      const gbs = 4 * (n * n + 2 * n) / (ms * 1e-3) / 1e9;
      rows.push({ what, size: `${n}x${n}`, ms, rate: gbs, unit: "GB/s", note: "" });
      console.error(`${what} n=${n}: ${ms.toFixed(3)} ms, ${gbs.toFixed(0)} GB/s`);
      await record(rows);
    }
    for (const t of [a, x, xt]) t.dispose();
  }
  return rows;
}

async function rsvdRows(gpu: Gpu, n: number, k: number, quick: boolean): Promise<Row[]> {
  const rows: Row[] = [];
  const a = fill(gpu, [n, n], 6);
  for (const powerIters of [2, "auto"] as const) {
    const run = async (): Promise<void> => {
      const r = await randomizedSvdGpu(gpu, a, k, { powerIters, seed: 0 });
      await gpu.sync();
      for (const t of [r.u, r.s, r.vt]) t.dispose();
    };
    await run();
    const reps = quick ? 1 : 5, t0 = performance.now();
    for (let i = 0; i < reps; i++) await run();
    const ms = (performance.now() - t0) / reps;
    const note = `powerIters ${powerIters}; torch.svd_lowrank ≈ 6 ms (niter 2)`;
    rows.push({ what: "randomizedSvdGpu", size: `${n}x${n} k=${k}`, ms, rate: 0, unit: "", note });
    console.error(`randomizedSvdGpu ${n} k=${k} powerIters=${powerIters}: ${ms.toFixed(2)} ms`);
    await record(rows);
  }
  a.dispose();
  return rows;
}

async function report(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      report: { type: "boolean" },
      quick: { type: "boolean", default: false },
      fallback: { type: "boolean", default: false },
      out: { type: "string", default: "out" },
    },
  });
  const quick = values.quick!;
  const gpu = await requestGpu({
    allowFallback: values.fallback || quick,
    powerPreference: "high-performance",
  });
  if (!gpu) {
    console.error("gpu_bench: no GPU adapter (use --fallback for a software one)");
    Deno.exit(2);
  }
  console.error(`gpu_bench: ${gpu.info.description || gpu.info.device} (${gpu.info.vendor})`);
  await Deno.mkdir(values.out!, { recursive: true });
  recordPath = `${values.out}/gpu_bench.json`;
  const sections: [string, () => Promise<Row[]>][] = [
    ["gemm", () => gemmRows(gpu, quick ? [64, 128] : [1024, 2048, 4096], quick)],
    ["gemv", () => gemvRows(gpu, quick ? [256] : [8192, 16384], quick)],
    ["randomizedSvd", () => rsvdRows(gpu, quick ? 256 : 8192, quick ? 8 : 64, quick)],
  ];
  const rows: Row[] = [];
  for (const [name, run] of sections) {
    try {
      rows.push(...await run());
    } catch (e) {
      console.error(`gpu_bench: section ${name} FAILED: ${String(e)}`);
      rows.push({ what: name, size: "", ms: NaN, rate: 0, unit: "", note: `FAILED: ${e}` });
    }
  }
  const table = rows.map((r) =>
    `| ${r.what} | ${r.size} | ${r.ms.toFixed(3)} | ${
      r.rate ? r.rate.toPrecision(3) : ""
    } ${r.unit} | ${r.note} |`
  );
  console.log(`| op | size | ms | rate | note |\n|---|---|---|---|---|\n${table.join("\n")}`);
  const json = { date: new Date().toISOString(), adapter: gpu.info, limits: gpu.limits, rows };
  await Deno.writeTextFile(`${values.out}/gpu_bench.json`, JSON.stringify(json, null, 2));
  gpu.destroy();
}

async function registerBenches(): Promise<void> {
  const gpu = await requestGpu({ powerPreference: "high-performance" });
  const ignore = gpu === null;
  for (const n of [1024, 4096]) {
    const group = `gpu gemm ${n}`;
    let a: GpuTensor | null = null, b: GpuTensor | null = null;
    const operands = (): [GpuTensor, GpuTensor] => {
      a ??= fill(gpu!, [n, n], 1);
      b ??= fill(gpu!, [n, n], 2);
      return [a, b];
    };
    for (const kernel of ["naive", "auto"] as const) {
      Deno.bench({
        name: `${kernel} ${n}`,
        group,
        baseline: kernel === "naive",
        ignore,
        n: 10,
        warmup: 2,
        async fn(): Promise<void> {
          const [x, y] = operands();
          for (let r = 0; r < 5; r++) matmulGpu(x, y, { kernel }).dispose();
          await gpu!.sync();
        },
      });
    }
  }
}

if (Deno.args.includes("--report")) await report(Deno.args);
else await registerBenches();
