/**
 * One SubGM iteration (residuals, signs, sub-gradient, update) on the dense Gaussian design at
 * d = 50, m = 3000 and d = 100, m = 5000 with r' = d: ours with packed f64 and packed f32
 * storage (one fused streaming pass) and full f64 storage, against a naive two-pass version
 * over full f64 storage (baseline: what one writes by hand). Where a real (non-fallback) WebGPU
 * adapter exists, the GPU pass (f32 design) joins each group, and a GPU-only group at
 * d = 100, m = 20000 measures the memory-bound case (bytes per iteration: 2·m·d(d+1)/2·4).
 * numpy is timed separately by `benches/numpy_subgm.py` in the same sitting. Results:
 * `benches/RESULTS.md`, section "SubGM".
 */
import { requestGpu } from "../ops/gpu/device.ts";
import { Rng } from "../ops/random.ts";
import { evaluateFactored, factoredWork } from "../recovery/objective.ts";
import { generateProblem, type RecoveryProblem } from "../recovery/problem.ts";
import type { DenseDesign } from "../recovery/dense.ts";
import { type GpuRecoveryProblem, toGpuProblem } from "../recovery/subgm_gpu.ts";

const gpu = await requestGpu(); // real adapters only: a software rasterizer says nothing here

/** Naive iteration: r = A·vec(UUᵀ) − y, then S = Σ sign(r_i) A_i, D = (2/m)·S·U (two passes). */
function naiveStep(a: Float64Array, y: Float64Array, u: Float64Array, d: number, m: number): void {
  const k = d, x = new Float64Array(d * d), s = new Float64Array(d * d), g = new Float64Array(m);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      let v = 0;
      for (let c = 0; c < k; c++) v += u[i * k + c] * u[j * k + c];
      x[i * d + j] = v;
    }
  }
  for (let i = 0; i < m; i++) {
    let v = 0;
    for (let j = 0; j < d * d; j++) v += a[i * d * d + j] * x[j];
    g[i] = Math.sign(v - y[i]);
  }
  for (let i = 0; i < m; i++) for (let j = 0; j < d * d; j++) s[j] += g[i] * a[i * d * d + j];
  for (let i = 0; i < d; i++) {
    for (let c = 0; c < k; c++) {
      let v = 0;
      for (let j = 0; j < d; j++) v += s[i * d + j] * u[j * k + c];
      u[i * k + c] -= 1e-3 * (2 / m) * v;
    }
  }
}

function ourStep(
  p: RecoveryProblem,
  u: Float64Array,
  k: number,
  work: ReturnType<typeof factoredWork>,
): void {
  evaluateFactored(p, u, u, k, "l1", work);
  for (let i = 0; i < u.length; i++) u[i] -= 1e-3 * work.gl[i];
}

async function gpuStep(
  p: GpuRecoveryProblem,
  u: Float64Array,
  k: number,
  gl: Float64Array,
): Promise<void> {
  await p.op.residualGradient(u, k, p.y, "sign", gl);
  for (let i = 0; i < u.length; i++) u[i] -= 1e-3 * gl[i] / p.op.m;
}

for (const [d, m] of [[50, 3000], [100, 5000]]) {
  const group = `SubGM iteration d=${d} m=${m} r'=${d}`;
  const noise = { kind: "outlier", p: 0.2 } as const;
  const base = { d, rstar: 3, m, noise, seed: 1 };
  const full = generateProblem({ ...base, storage: "full" });
  const variants: [string, RecoveryProblem][] = [
    ["packed f64", generateProblem(base)],
    ["packed f32", generateProblem({ ...base, dtype: "f32" })],
    ["full f64", full],
  ];
  const rng = new Rng(2), k = d;
  const u0 = new Float64Array(d * k).map(() => 0.1 * rng.normal());
  const few = { n: d >= 100 ? 10 : 30, warmup: 2 };
  const a = (full.op as DenseDesign).data as Float64Array;
  Deno.bench(`naive two-pass full f64 d=${d}`, { group, baseline: true, ...few }, () => {
    naiveStep(a, full.y, u0.slice(), d, m);
  });
  for (const [name, p] of variants) {
    const work = factoredWork(p, k), u = u0.slice();
    Deno.bench(`ours ${name} d=${d}`, { group, ...few }, () => {
      ourStep(p, u, k, work);
    });
  }
  if (gpu) {
    const gp = toGpuProblem(gpu, variants[1][1]), u = u0.slice(), gl = new Float64Array(d * k);
    Deno.bench(`ours GPU f32 packed d=${d}`, { group, ...few }, async () => {
      await gpuStep(gp, u, k, gl);
    });
  }
}

if (gpu) {
  const d = 100, m = 20000, k = d;
  const gp = toGpuProblem(gpu, generateProblem({ d, rstar: 3, m, dtype: "f32", seed: 1 }));
  const u = new Float64Array(d * k).fill(0.01), gl = new Float64Array(d * k);
  Deno.bench(`ours GPU f32 packed d=100 m=20000 (${(2 * m * 5050 * 4 / 1e6).toFixed(0)} MB/iter)`, {
    group: "SubGM GPU iteration d=100 m=20000",
    n: 30,
    warmup: 3,
  }, async () => {
    await gpuStep(gp, u, k, gl);
  });
}
