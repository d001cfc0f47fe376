/**
 * GPU benchmarks (one prepared run per GPU visit, see `benches/gpu_run.sh`).
 *
 * - `deno run -A benches/gpu_bench.ts --report [--quick] [--fallback] [--out DIR] [--budget S]`:
 *   GEMM TFLOP/s at n = 4096, 2048, 1024 (largest first: it matters most) for `"auto"`, the
 *   plain 16×16 kernel (the floor) and every tile of `GEMM_SWEEP`; then GEMV GB/s (`A·x`,
 *   `xᵀ·A`) and `randomizedSvdGpu` rank 64 of 8192². Timing and checks follow issue 22 (see
 *   `gpu_measure.ts`, `gpu_check.ts`): GPU timestamps (else the R/3R wall-clock difference),
 *   ~1 s warm-up, median of 3; every GEMM output is NaN-filled before its check run and a
 *   configuration off the f32 error bound is reported `WRONG` (exit status 1); a pipeline that
 *   fails to compile is `INVALID` with its message; a tile beyond the device's workgroup limits
 *   is `SKIPPED`. Work not started within `--budget` seconds (default 240) is `SKIPPED: budget`.
 *   Every row is written to `DIR/gpu_bench.json` as soon as it is measured (partial results
 *   survive a cut-off visit); the table goes to stdout. `--quick` uses tiny sizes and two small
 *   tiles (to check the script on the software adapter); `--fallback` accepts a software adapter.
 * - `deno bench -A benches/gpu_bench.ts`: the same GEMM groups as `Deno.bench` cases, with the
 *   plain kernel as baseline; registered only when a hardware GPU exists (CI has none).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { type Gpu, requestGpu } from "../ops/gpu/device.ts";
import { GEMM_SWEEP, gemmGpu, type GemmKernel, tileName } from "../ops/gpu/gemm.ts";
import type { GemmTile } from "../ops/gpu/gemm_wgsl.ts";
import type { GpuTensor } from "../ops/gpu/gpu_tensor.ts";
import { matmulGpu } from "../ops/gpu/matmul.ts";
import { randomizedSvdGpu } from "../ops/gpu/randomized_svd.ts";
import { Tensor } from "../ops/tensor.ts";
import type { GemmProblem } from "./gpu_check.ts";
import {
  gemmArgs,
  type GemmCase,
  measureGemm,
  type Row,
  timingNote,
  untimedRow,
} from "./gpu_gemm_row.ts";
import { median, nanFill, timeLaunches, warmUp } from "./gpu_measure.ts";

/** Uniform [-1, 1) f32 data from a small LCG: benches need speed, not statistical quality. */
function lcgData(n: number, seed: number): Float32Array {
  const data = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s / 2 ** 31 - 1;
  }
  return data;
}

/** Seconds since the bench started and the budget; `over()` once the budget is spent. */
class Budget {
  readonly #t0 = performance.now();
  constructor(readonly seconds: number) {}
  over(): boolean {
    return (performance.now() - this.#t0) / 1e3 > this.seconds;
  }
}

function skipped(what: string, size: string, why: string): Row {
  return untimedRow(what, size, "SKIPPED", why);
}

/** Where `record` writes: set by `report` before any measurement. */
let recordPath = "";
let recordHeader: Record<string, unknown> = {};
const recorded: Row[] = [];

/**
 * Appends `row` and rewrites `gpu_bench.json` (partial results survive a visit that runs out of
 * time or crashes in a later section).
 */
async function record(rows: Row[], row: Row): Promise<void> {
  rows.push(row);
  recorded.push(row);
  if (!recordPath) return;
  const json = { ...recordHeader, date: new Date().toISOString(), partial: true, rows: recorded };
  await Deno.writeTextFile(recordPath, JSON.stringify(json, null, 2));
}

function failedRow(what: string, size: string, e: unknown): Row {
  const msg = e instanceof Error ? e.message : String(e);
  // A tile beyond this device's workgroup limits is not a failure of the kernel.
  const status = e instanceof RangeError && /workgroup|threads/.test(msg) ? "SKIPPED" : "FAILED";
  return untimedRow(what, size, status, msg);
}

async function gemmRows(
  gpu: Gpu,
  sizes: number[],
  tiles: readonly GemmTile[],
  budget: Budget,
  quick: boolean,
): Promise<Row[]> {
  const rows: Row[] = [];
  const targetMs = quick ? 5 : 50;
  for (const n of sizes) {
    const p: GemmProblem = {
      m: n,
      n,
      k: n,
      transA: false,
      transB: false,
      a: lcgData(n * n, 1),
      b: lcgData(n * n, 2),
    };
    const c: GemmCase = {
      gpu,
      n,
      p,
      a: gpu.upload(new Tensor(p.a, [n, n])),
      b: gpu.upload(new Tensor(p.b, [n, n])),
      ref: null,
    };
    if (n === sizes[0]) {
      const out = gpu.empty([n, n]);
      const launches = await warmUp(
        gpu,
        () => gemmGpu(gpu, gemmArgs(c), c.a.buffer, c.b.buffer, out.buffer),
        quick ? 100 : 1000,
      );
      out.dispose();
      console.error(`gpu_bench: warmed up with ${launches} GEMM launches at n=${n}`);
    }
    // The plain kernel first: checked against f64 samples, it is the full-output reference.
    const configs: (GemmKernel | GemmTile)[] = ["naive", "auto", ...tiles];
    for (const kernel of configs) {
      const what = `gemm ${typeof kernel === "string" ? kernel : tileName(kernel)}`;
      if (budget.over()) {
        await record(rows, skipped(what, `${n}`, `budget of ${budget.seconds} s spent`));
        continue;
      }
      try {
        const launchInto = (out: GpuTensor): void =>
          gemmGpu(gpu, gemmArgs(c), c.a.buffer, c.b.buffer, out.buffer, kernel);
        const row = await measureGemm(c, what, launchInto, {
          targetMs,
          crossCheck: kernel === "auto",
        });
        await record(rows, row);
        if (kernel === "naive" && row.status === "ok") c.ref = await referenceOutput(c);
      } catch (e) {
        // One failing configuration must not cost the rest of a (rare, timed) GPU visit.
        await record(rows, failedRow(what, `${n}`, e));
      }
    }
    if (n === sizes[0]) await transposedRows(c, budget, targetMs, rows);
    c.a.dispose();
    c.b.dispose();
  }
  return rows;
}

/** The plain kernel's output, NaN-filled first, as the full-output reference. */
async function referenceOutput(c: GemmCase): Promise<Float32Array> {
  const out = c.gpu.empty([c.n, c.n]);
  nanFill(out);
  gemmGpu(c.gpu, gemmArgs(c), c.a.buffer, c.b.buffer, out.buffer, "naive");
  const data = (await out.read()).data as Float32Array;
  out.dispose();
  return data;
}

/** `auto` with Aᵀ·B and A·Bᵀ at the largest size (checked against f64 samples only). */
async function transposedRows(
  c: GemmCase,
  budget: Budget,
  targetMs: number,
  rows: Row[],
): Promise<void> {
  for (const [transA, transB] of [[true, false], [false, true]]) {
    const what = `gemm auto ${transA ? "Aᵀ·B" : "A·Bᵀ"}`;
    if (budget.over()) {
      await record(rows, skipped(what, `${c.n}`, `budget of ${budget.seconds} s spent`));
      continue;
    }
    try {
      const t: GemmCase = { ...c, p: { ...c.p, transA, transB }, ref: null };
      const launchInto = (out: GpuTensor): void =>
        gemmGpu(c.gpu, gemmArgs(t), c.a.buffer, c.b.buffer, out.buffer);
      await record(rows, await measureGemm(t, what, launchInto, { targetMs }));
    } catch (e) {
      await record(rows, failedRow(what, `${c.n}`, e));
    }
  }
}

async function gemvRows(gpu: Gpu, sizes: number[], budget: Budget, quick: boolean): Promise<Row[]> {
  const rows: Row[] = [];
  for (const n of sizes) {
    const ah = lcgData(n * n, 3), xh = lcgData(n, 4);
    const a = gpu.upload(new Tensor(ah, [n, n]));
    const x = gpu.upload(new Tensor(xh, [n, 1])), xt = gpu.upload(new Tensor(xh, [1, n]));
    for (
      const [what, op, transposed] of [
        ["gemv A·x", () => matmulGpu(a, x), false],
        ["gemv xᵀ·A", () => matmulGpu(xt, a), true],
      ] as const
    ) {
      const size = `${n}x${n}`;
      if (budget.over()) {
        await record(rows, skipped(what, size, `budget of ${budget.seconds} s spent`));
        continue;
      }
      const status = await checkGemv(gpu, op, ah, xh, n, transposed);
      const t = await timeLaunches(gpu, () => op().dispose(), { targetMs: quick ? 5 : 50 });
      const gbs = 4 * (n * n + 2 * n) / (t.ms * 1e-3) / 1e9;
      const note = `worst error/tolerance ${status.worst.toExponential(1)}`;
      console.error(
        `${what} n=${n}: ${status.status} ${t.ms.toFixed(3)} ms, ${gbs.toFixed(0)} GB/s`,
      );
      await record(rows, {
        what,
        size,
        ms: t.ms,
        rate: gbs,
        unit: "GB/s",
        status: status.status,
        timing: timingNote(t),
        note,
      });
    }
    for (const t of [a, x, xt]) t.dispose();
  }
  return rows;
}

/**
 * Checks a GEMV against f64 on the host. Its output buffer comes from the pool inside
 * `matmulGpu`, so a NaN-filled buffer of the output's size is released just before: the pool
 * hands out the most recently released buffer of a size first.
 */
async function checkGemv(
  gpu: Gpu,
  op: () => GpuTensor,
  a: Float32Array,
  x: Float32Array,
  n: number,
  transposed: boolean,
): Promise<{ status: "ok" | "WRONG"; worst: number }> {
  const poison = gpu.empty([n]);
  nanFill(poison);
  poison.dispose();
  const y = op();
  const out = (await y.read()).data;
  y.dispose();
  let worst = 0;
  for (let i = 0; i < n; i++) {
    let exact = 0, abs = 0;
    for (let r = 0; r < n; r++) {
      const v = (transposed ? a[r * n + i] : a[i * n + r]) * x[r];
      exact += v;
      abs += Math.abs(v);
    }
    const ratio = Math.abs(out[i] - exact) / (2 * (n + 1) * 2 ** -24 * abs);
    if (!(ratio <= worst)) worst = Number.isNaN(ratio) ? Infinity : ratio;
  }
  return { status: worst <= 1 ? "ok" : "WRONG", worst };
}

async function rsvdRows(
  gpu: Gpu,
  n: number,
  k: number,
  budget: Budget,
  quick: boolean,
): Promise<Row[]> {
  const rows: Row[] = [];
  const a = gpu.upload(new Tensor(lcgData(n * n, 6), [n, n]));
  for (const powerIters of [2, "auto"] as const) {
    const what = "randomizedSvdGpu", size = `${n}x${n} k=${k}`;
    if (budget.over()) {
      await record(rows, skipped(what, size, `budget of ${budget.seconds} s spent`));
      continue;
    }
    // End to end, as torch.svd_lowrank is timed: it reads small factors back mid-way, so the
    // wall clock includes those waits by design. Warm-up run, then the median of 3.
    const run = async (): Promise<number> => {
      const t0 = performance.now();
      const r = await randomizedSvdGpu(gpu, a, k, { powerIters, seed: 0 });
      await gpu.sync();
      const ms = performance.now() - t0;
      for (const t of [r.u, r.s, r.vt]) t.dispose();
      return ms;
    };
    await run();
    const samples: number[] = [];
    for (let i = 0; i < (quick ? 1 : 3); i++) samples.push(await run());
    const ms = median(samples);
    const note = `powerIters ${powerIters}; torch.svd_lowrank ≈ 6 ms (niter 2)`;
    console.error(`${what} ${size} powerIters=${powerIters}: ${ms.toFixed(2)} ms`);
    await record(rows, {
      what,
      size,
      ms,
      rate: 0,
      unit: "",
      status: "ok",
      timing: `wall clock, median of ${samples.length}`,
      note,
    });
  }
  a.dispose();
  return rows;
}

/** The two small tiles of `--quick` (the sweep's 8×8 tiles take a minute each on llvmpipe). */
const QUICK_TILES: readonly GemmTile[] = [
  { bm: 32, bn: 32, bk: 8, tm: 4, tn: 4, layout: "flat" },
  { bm: 32, bn: 32, bk: 8, tm: 4, tn: 4, layout: "rows", db: true },
];

async function report(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      report: { type: "boolean" },
      quick: { type: "boolean", default: false },
      fallback: { type: "boolean", default: false },
      out: { type: "string", default: "out" },
      budget: { type: "string", default: "240" },
    },
  });
  const quick = values.quick!;
  const budget = new Budget(Number(values.budget));
  if (!(budget.seconds > 0)) {
    console.error(`gpu_bench: --budget must be a positive number of seconds, got ${values.budget}`);
    Deno.exit(2);
  }
  const gpu = await requestGpu({
    allowFallback: values.fallback || quick,
    powerPreference: "high-performance",
  });
  if (!gpu) {
    console.error("gpu_bench: no GPU adapter (use --fallback for a software one)");
    Deno.exit(2);
  }
  console.error(
    `gpu_bench: ${gpu.info.description || gpu.info.device} (${gpu.info.vendor}), ` +
      `timestamps ${gpu.hasTimestamps ? "yes" : "no"}`,
  );
  await Deno.mkdir(values.out!, { recursive: true });
  recordPath = `${values.out}/gpu_bench.json`;
  recordHeader = { adapter: gpu.info, limits: gpu.limits, timestamps: gpu.hasTimestamps };
  // Visit order (issue 22): the 4096 GEMM sweep first, then GEMV, then randomizedSvd.
  const sections: [string, () => Promise<Row[]>][] = [
    [
      "gemm",
      () =>
        gemmRows(
          gpu,
          quick ? [128, 64] : [4096, 2048, 1024],
          quick ? QUICK_TILES : GEMM_SWEEP,
          budget,
          quick,
        ),
    ],
    ["gemv", () => gemvRows(gpu, quick ? [256] : [8192, 16384], budget, quick)],
    ["randomizedSvd", () => rsvdRows(gpu, quick ? 256 : 8192, quick ? 8 : 64, budget, quick)],
  ];
  const rows: Row[] = [];
  for (const [name, run] of sections) {
    try {
      rows.push(...await run());
    } catch (e) {
      console.error(`gpu_bench: section ${name} FAILED: ${String(e)}`);
      await record(rows, failedRow(name, "", e));
    }
  }
  const table = recorded.map((r) =>
    `| ${r.what} | ${r.size} | ${r.ms.toFixed(3)} | ${
      r.rate ? r.rate.toPrecision(3) : ""
    } ${r.unit} | ${r.status} | ${r.timing} | ${r.note} |`
  );
  console.log(
    `| op | size | ms | rate | status | timing | note |\n|---|---|---|---|---|---|---|\n` +
      table.join("\n"),
  );
  const json = { ...recordHeader, date: new Date().toISOString(), partial: false, rows: recorded };
  await Deno.writeTextFile(recordPath, JSON.stringify(json, null, 2));
  gpu.destroy();
  const wrong = recorded.filter((r) => r.status === "WRONG" || r.status === "INVALID");
  if (wrong.length) {
    console.error(`gpu_bench: ${wrong.length} configuration(s) WRONG or INVALID`);
    Deno.exit(1);
  }
}

async function registerBenches(): Promise<void> {
  const gpu = await requestGpu({ powerPreference: "high-performance" });
  const ignore = gpu === null;
  for (const n of [1024, 4096]) {
    const group = `gpu gemm ${n}`;
    let a: GpuTensor | null = null, b: GpuTensor | null = null;
    const operands = (): [GpuTensor, GpuTensor] => {
      a ??= gpu!.upload(new Tensor(lcgData(n * n, 1), [n, n]));
      b ??= gpu!.upload(new Tensor(lcgData(n * n, 2), [n, n]));
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
