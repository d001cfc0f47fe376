/**
 * SubGM with the design on a GPU (WebGPU, f32): the same iteration, schedule and
 * initialization as {@link subgm} (Ma & Fattahi, JMLR 24(96), 2023; spec §5), with the
 * streaming pass over the design done by {@link GpuDenseDesign}. Asynchronous, because reading
 * results back from a GPU is.
 *
 * @module
 */
import type { Gpu } from "../ops/gpu/device.ts";
import type { Tensor } from "../ops/tensor.ts";
import { DenseDesign } from "./dense.ts";
import { GpuDenseDesign } from "./dense_gpu.ts";
import { type DescentResult, runDescentAsync } from "./descent.ts";
import type { RecoveryProblem } from "./problem.ts";
import { defaultAlpha, type SubgmOptions } from "./subgm.ts";

/** A PSD recovery problem whose design lives on a GPU. */
export interface GpuRecoveryProblem {
  /** The design on the GPU. */
  op: GpuDenseDesign;
  /** Measurements (f64 on the CPU; the GPU gets an f32 copy). */
  y: Float64Array;
  /** Always false: the GPU path covers the PSD problem `X = UUᵀ`. */
  asymmetric: false;
  /** The truth, when known (for the relative error). */
  xStar?: Tensor;
}

/**
 * Uploads a PSD problem with a symmetric dense design to `gpu` (f32). Dispose the result's
 * `op` when done.
 *
 * @example
 * ```ts
 * import { requestGpu } from "../ops/gpu/device.ts";
 * import { generateProblem } from "./problem.ts";
 * import { toGpuProblem } from "./subgm_gpu.ts";
 * const gpu = await requestGpu({ allowFallback: true });
 * if (gpu) {
 *   const g = toGpuProblem(gpu, generateProblem({ d: 4, rstar: 1, m: 20, dtype: "f32" }));
 *   console.log(g.op.kind); // gaussian-packed-gpu-f32
 *   g.op.dispose();
 *   gpu.destroy();
 * }
 * ```
 */
export function toGpuProblem(gpu: Gpu, problem: RecoveryProblem): GpuRecoveryProblem {
  if (!(problem?.op instanceof DenseDesign) || !problem.op.symmetric || problem.asymmetric) {
    throw new TypeError("toGpuProblem: the problem must be PSD with a symmetric DenseDesign");
  }
  return {
    op: GpuDenseDesign.fromDesign(gpu, problem.op),
    y: problem.y,
    asymmetric: false,
    xStar: problem.xStar,
  };
}

/**
 * Runs SubGM with the design on the GPU; options and result as {@link subgm}. Residuals are
 * f32-accurate, so the relative error levels off near 1e-6 (CPU f64: 1e-9).
 *
 * @example
 * ```ts
 * import { requestGpu } from "../ops/gpu/device.ts";
 * import { generateProblem } from "./problem.ts";
 * import { subgmGpu, toGpuProblem } from "./subgm_gpu.ts";
 * const gpu = await requestGpu({ allowFallback: true });
 * if (gpu) {
 *   const p = toGpuProblem(gpu, generateProblem({ d: 6, rstar: 1, m: 80, seed: 1, dtype: "f32" }));
 *   const r = await subgmGpu(p, { rank: 1, alpha: 1e-3, iters: 20 });
 *   console.log(r.iters, r.stopReason); // 20 iters
 *   p.op.dispose();
 *   gpu.destroy();
 * }
 * ```
 */
export async function subgmGpu(
  problem: GpuRecoveryProblem,
  opts: SubgmOptions,
): Promise<DescentResult> {
  if (!(problem?.op instanceof GpuDenseDesign)) {
    throw new TypeError("subgmGpu: problem.op must be a GpuDenseDesign (see toGpuProblem)");
  }
  if (opts === null || typeof opts !== "object") {
    throw new TypeError(`subgmGpu: options must be an object, got ${String(opts)}`);
  }
  const { op, y } = problem;
  return await runDescentAsync("subgmGpu", problem, {
    rank: opts.rank,
    alpha: opts.alpha ?? defaultAlpha(problem),
    iters: opts.iters ?? 2000,
    seed: opts.seed,
    schedule: opts.schedule ?? { kind: "geometric", eta0: opts.eta0 ?? 0.3, rho: opts.rho ?? 0.99 },
    init: opts.init,
    onIter: opts.onIter,
    errorEvery: opts.errorEvery,
  }, async (s) => {
    const res = await op.residualGradient(s.l, s.k, y, "sign", s.work.gl);
    const inv = 1 / op.m;
    for (let i = 0; i < s.work.gl.length; i++) s.work.gl[i] *= inv;
    let f = 0;
    for (let i = 0; i < res.length; i++) f += Math.abs(res[i]);
    s.work.res.set(res);
    return f * inv;
  });
}
