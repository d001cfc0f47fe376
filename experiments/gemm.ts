/**
 * GEMM throughput vs size: our CPU GEMM (WebAssembly SIMD, f64 and f32) against ml-matrix
 * `mmul` and a naive triple loop, in GFLOP/s (2n³ flops per n×n product, best of several runs
 * since the machine is shared). Checks that ours is right (against the naive loop), beats
 * ml-matrix at the largest size, and that f32 is faster than f64 there.
 *
 * `deno run -A experiments/gemm.ts [--quick] [--seed N] [--out DIR] [--json FILE] [--max-n N]`
 * (`--help` lists the flags and JSON fields).
 *
 * @module
 */
import { Matrix } from "ml-matrix";
import process from "node:process";
import { gemmBackend, matmul, randn, type Tensor } from "../mod.ts";
import { checkOutputFile, COMMON_FLAGS, runCli, upFront } from "./lib/cli.ts";
import { announceData } from "./lib/data_sources.ts";
import { plotSvg, type Series } from "./lib/plot.ts";
import { type Check, writeReport } from "./lib/report.ts";

const SPEC = {
  name: "experiments/gemm.ts",
  summary: "GEMM throughput (GFLOP/s) vs n: ours (f64, f32) against ml-matrix and a naive loop, " +
    "warm calls only.",
  flags: {
    ...COMMON_FLAGS,
    "max-n": { type: "integer", min: 32, help: "largest n [default: 1024, quick 512]" },
  },
  json: '{ "backend", "seed", "quick", "rows": [{ "n", "oursF64", "oursF32", "mlMatrix", ' +
    '"naive", "cpuOursF64", "cpuMlMatrix" }] } (GFLOP/s)',
} as const;
const flags = runCli(SPEC).values;
upFront(SPEC.name, () => {
  if (flags.json !== undefined) checkOutputFile("json", flags.json);
  checkOutputFile("out", `${flags.out}/gemm.json`);
});
announceData("gemm", `generated: random matrices (seed ${flags.seed})`);
const maxN = flags["max-n"] ?? (flags.quick ? 512 : 1024);
const sizes = [32, 64, 128, 256, 512, 768, 1024, 1536, 2048].filter((n) => n <= maxN);
/** The naive loop and ml-matrix need seconds per call beyond this size. */
const slowMax = flags.quick ? 256 : 1024;

function naive(a: Tensor, b: Tensor): Float64Array {
  const [m, k] = a.shape, n = b.shape[1];
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const v = a.data[i * k + p];
      for (let j = 0; j < n; j++) c[i * n + j] += v * b.data[p * n + j];
    }
  }
  return c;
}

function toMl(t: Tensor): Matrix {
  const [r, c] = t.shape;
  return new Matrix(
    Array.from({ length: r }, (_, i) => Array.from(t.data.slice(i * c, (i + 1) * c))),
  );
}

/** CPU seconds this process has used (all threads). */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/**
 * GFLOP/s over repeated calls (at least 2 runs, 3 below n = 512, about `budget` s): the best
 * wall-clock run, and flops per second of process CPU time, which a busy shared machine
 * disturbs much less (valid for single-threaded code).
 *
 * A pair, not `{ wall, cpu }`: V8 15.0 (Deno 2.9.6) code that rebuilt that object at a
 * deoptimization gave every object it rebuilt the same two number boxes (found by
 * tests/ops/cpu/v8_box_scan.ts in 2 of 4 quick runs), so the f64 figures kept across the next
 * calls could read another call's. Array elements hold no such boxes (v8_field_alias_repro.ts).
 */
function gflops(n: number, f: () => void, budget: number): [wall: number, cpu: number] {
  // Warm up for at least 50 ms: JIT and wasm tier-up (background compile threads would
  // otherwise be billed to the CPU-time figure), memory growth.
  for (const t0 = performance.now(); performance.now() - t0 < 50;) f();
  let best = Infinity, spent = 0, runs = 0;
  const cpu0 = cpuSeconds();
  while (runs < (n < 512 ? 3 : 2) || (spent < budget && runs < 100_000)) {
    const t = performance.now();
    f();
    const dt = (performance.now() - t) / 1e3;
    best = Math.min(best, dt);
    spent += dt;
    runs++;
  }
  const flop = 2 * n ** 3;
  return [flop / best / 1e9, flop * runs / (cpuSeconds() - cpu0) / 1e9];
}

const budget = flags.quick ? 0.25 : 1;
interface Row {
  n: number;
  oursF64: number;
  oursF32: number;
  mlMatrix: number;
  naive: number;
  /** Per CPU-second (see gflops). */
  cpuOursF64: number;
  cpuMlMatrix: number;
}
const rows: Row[] = [];
let worstErr = 0;
for (const n of sizes) {
  const a = randn([n, n], { seed: flags.seed }), b = randn([n, n], { seed: flags.seed + 1 });
  const a32 = randn([n, n], { seed: flags.seed, dtype: "f32" });
  const b32 = randn([n, n], { seed: flags.seed + 1, dtype: "f32" });
  const slow = n <= slowMax;
  const ma = slow ? toMl(a) : null, mb = slow ? toMl(b) : null;
  const [f64Wall, f64Cpu] = gflops(n, () => matmul(a, b), budget);
  const [mlWall, mlCpu] = slow ? gflops(n, () => ma!.mmul(mb!), budget) : [NaN, NaN];
  const row: Row = {
    n,
    oursF64: f64Wall,
    oursF32: gflops(n, () => matmul(a32, b32), budget)[0],
    mlMatrix: mlWall,
    naive: slow ? gflops(n, () => naive(a, b), budget)[0] : NaN,
    cpuOursF64: f64Cpu,
    cpuMlMatrix: mlCpu,
  };
  if (n <= 256) {
    // Forward error against the naive loop, relative to n·u·|A||B| (≤ 1 means within bound).
    const ref = naive(a, b), got = matmul(a, b).data;
    const scale = n * 2 ** -53 * Math.max(...a.data.map(Math.abs)) *
      Math.max(...b.data.map(Math.abs));
    for (let i = 0; i < ref.length; i++) {
      worstErr = Math.max(worstErr, Math.abs(got[i] - ref[i]) / scale);
    }
  }
  rows.push(row);
  console.error(
    `n=${n}: ours f64 ${row.oursF64.toFixed(1)}, f32 ${row.oursF32.toFixed(1)}, ` +
      `ml-matrix ${row.mlMatrix.toFixed(2)}, naive ${row.naive.toFixed(2)} GFLOP/s`,
  );
}

const fmt = (x: number): string | number => Number.isFinite(x) ? Number(x.toFixed(2)) : "—";
const top = rows.filter((r) => Number.isFinite(r.mlMatrix)).at(-1)!;
const last = rows.at(-1)!;
const checks: Check[] = [
  {
    name: "ours (f64) beats ml-matrix at the largest size both ran",
    ok: top.oursF64 > top.mlMatrix,
    detail: `n=${top.n}: ${top.oursF64.toFixed(1)} vs ${top.mlMatrix.toFixed(2)} GFLOP/s ` +
      `(${(top.oursF64 / top.mlMatrix).toFixed(1)}×)`,
  },
  {
    name: "f32 is faster than f64 at the largest size",
    ok: last.oursF32 > last.oursF64,
    detail: `n=${last.n}: f32 ${last.oursF32.toFixed(1)} vs f64 ${last.oursF64.toFixed(1)} GFLOP/s`,
  },
  {
    name: "ours agrees with the naive loop within n·u·max|A|·max|B| per element",
    ok: worstErr <= 1,
    detail: `worst error / bound = ${worstErr.toExponential(2)} (n ≤ 256)`,
  },
];
const series = (name: string, key: keyof Row): Series => ({
  name,
  x: rows.map((r) => r.n),
  y: rows.map((r) => r[key]),
  mode: "both",
});
const svg = plotSvg({
  title: `GEMM throughput (n×n·n×n), ${gemmBackend()} kernel`,
  xLabel: "n",
  yLabel: "GFLOP/s",
  logX: true,
  logY: true,
  series: [
    series("ours f64", "oursF64"),
    series("ours f32", "oursF32"),
    series("ml-matrix mmul", "mlMatrix"),
    series("naive loop", "naive"),
  ],
});
const report = {
  name: "gemm",
  title: "CPU GEMM throughput",
  summary: `Our ${gemmBackend()} GEMM reaches ${top.oursF64.toFixed(1)} GFLOP/s (f64) at ` +
    `n=${top.n}, ${(top.oursF64 / top.mlMatrix).toFixed(1)}× ml-matrix; f32 ` +
    `${last.oursF32.toFixed(1)} GFLOP/s at n=${last.n}. Shared machine: best of several runs.`,
  tables: [{
    caption: "GFLOP/s (best of runs)",
    header: [
      "n",
      "ours f64",
      "ours f32",
      "ml-matrix",
      "naive",
      "ours f64 / ml-matrix",
      "ours f64 / ml-matrix (CPU time)",
    ],
    rows: rows.map((r) => [
      r.n,
      fmt(r.oursF64),
      fmt(r.oursF32),
      fmt(r.mlMatrix),
      fmt(r.naive),
      fmt(r.oursF64 / r.mlMatrix),
      fmt(r.cpuOursF64 / r.cpuMlMatrix),
    ]),
  }],
  figures: [{ file: "gemm_gflops.svg", caption: "GFLOP/s vs n (log–log)", svg }],
  checks,
  data: { backend: gemmBackend(), seed: flags.seed, quick: flags.quick, rows },
};
if (flags.json) await Deno.writeTextFile(flags.json, JSON.stringify(report.data, null, 2));
await writeReport(flags.out, report);
