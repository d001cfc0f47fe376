/**
 * One GEMM row of the GPU bench: check (NaN-filled output, f64 samples, reference), compile
 * errors, then timing (see `gpu_measure.ts`, `gpu_check.ts`; issue 22).
 *
 * @module
 */
import type { Gpu } from "../ops/gpu/device.ts";
import type { GemmGpuArgs } from "../ops/gpu/gemm_naive.ts";
import type { GpuTensor } from "../ops/gpu/gpu_tensor.ts";
import { checkGemm, type GemmProblem } from "./gpu_check.ts";
import { timeLaunches, type Timing } from "./gpu_measure.ts";

/** cuBLAS fp32 GEMM on the H200, for the ratio column (to be replaced by a same-card run). */
export const CUBLAS_TFLOPS = 51;

/** One measured (or skipped) configuration. */
export interface Row {
  what: string;
  size: string;
  ms: number;
  rate: number;
  unit: string;
  /** `ok`, `WRONG`, `INVALID`, `FAILED` or `SKIPPED`. */
  status: string;
  /** Timing method and launches per sample. */
  timing: string;
  note: string;
}

/** Everything one GEMM size shares: operands on the GPU and their host copies. */
export interface GemmCase {
  gpu: Gpu;
  n: number;
  p: GemmProblem;
  a: GpuTensor;
  b: GpuTensor;
  ref: Float32Array | null;
}

/**
 * The `gemmGpu` arguments of the square product of `c`.
 *
 * @example
 * ```ts
 * import { gemmArgs } from "./gpu_gemm_row.ts";
 * const p = { m: 4, n: 4, k: 4, transA: true, transB: false, a: new Float32Array(16), b: new Float32Array(16) };
 * console.log(gemmArgs({ n: 4, p } as never).transA); // true
 * ```
 */
export function gemmArgs(c: Pick<GemmCase, "n" | "p">): GemmGpuArgs {
  const { n, p } = c;
  return { m: n, n, k: n, batch: 1, transA: p.transA, transB: p.transB, strideA: 0, strideB: 0 };
}

/**
 * A short description of a timing: method, launches per sample, the samples.
 *
 * @example
 * ```ts
 * import { timingNote } from "./gpu_gemm_row.ts";
 * console.log(timingNote({ ms: 2, method: "timestamp", reps: 8, samples: [2, 2, 2.1] }));
 * // timestamp R=8 samples 2.00/2.00/2.10
 * ```
 */
export function timingNote(t: Timing): string {
  return `${t.method} R=${t.reps} samples ${t.samples.map((x) => x.toPrecision(3)).join("/")}`;
}

/**
 * A row without a time (a wrong, invalid, failed or skipped configuration), also logged.
 *
 * @example
 * ```ts
 * import { untimedRow } from "./gpu_gemm_row.ts";
 * console.log(untimedRow("gemm x", "64", "SKIPPED", "budget spent").status); // SKIPPED
 * ```
 */
export function untimedRow(what: string, size: string, status: string, note: string): Row {
  console.error(`${what} ${size}: ${status} ${note}`);
  return { what, size, ms: NaN, rate: 0, unit: "", status, timing: "", note };
}

/**
 * Checks then times one GEMM configuration given as `launchInto(out)` (encodes C into `out`).
 * The check runs first (its launch also compiles the pipeline, whose error scope is then
 * awaited), so a wrong or invalid kernel is never reported as fast: a check off the f32 error
 * bound (a kernel that writes nothing included: its output stays NaN) is `WRONG`, a compile or
 * validation error is `INVALID` with the message.
 *
 * @example
 * ```ts
 * import { measureGemm } from "./gpu_gemm_row.ts";
 * import { requestGpu } from "../ops/gpu/device.ts";
 * import { Tensor } from "../ops/tensor.ts";
 * const gpu = await requestGpu({ allowFallback: true });
 * if (gpu) {
 *   const data = new Float32Array([1, 2, 3, 4]);
 *   const p = { m: 2, n: 2, k: 2, transA: false, transB: false, a: data, b: data };
 *   const t = gpu.upload(new Tensor(data, [2, 2]));
 *   const c = { gpu, n: 2, p, a: t, b: t, ref: null };
 *   const row = await measureGemm(c, "gemm none", () => {}, { targetMs: 1 });
 *   console.log(row.status); // WRONG
 *   t.dispose();
 *   gpu.destroy();
 * }
 * ```
 */
export async function measureGemm(
  c: GemmCase,
  what: string,
  launchInto: (out: GpuTensor) => void,
  opts: { targetMs: number; crossCheck?: boolean },
): Promise<Row> {
  const { gpu, n } = c;
  const size = `${n}`;
  const keysBefore = new Set(gpu.pipelineKeys());
  gpu.takeErrors();
  const check = await checkGemm(gpu, c.p, launchInto, c.ref);
  const compileErrors = (await Promise.all(
    gpu.pipelineKeys().filter((k) => !keysBefore.has(k)).map((k) => gpu.pipelineError(k)),
  )).filter((e) => e !== null);
  const errors = [...compileErrors, ...gpu.takeErrors().filter((e) => !compileErrors.includes(e))];
  if (errors.length) return untimedRow(what, size, "INVALID", errors.join("; "));
  if (check.status === "WRONG") return untimedRow(what, size, "WRONG", check.note);
  const out = gpu.empty([n, n]);
  try {
    const t = await timeLaunches(gpu, () => launchInto(out), { targetMs: opts.targetMs });
    const tflops = 2 * n ** 3 / (t.ms * 1e-3) / 1e12;
    let note = `${(tflops / CUBLAS_TFLOPS * 100).toFixed(1)}% of cuBLAS fp32 (H200 ~51); ` +
      `worst error/tolerance ${check.worst.toExponential(1)}`;
    if (opts.crossCheck && t.method === "timestamp") {
      // The timestamp and the wall-clock difference must agree: say both once per size.
      const w = await timeLaunches(gpu, () => launchInto(out), {
        targetMs: opts.targetMs,
        method: "wallclock",
      });
      note += `; wallclock R/3R ${w.ms.toPrecision(3)} ms (ratio ${(w.ms / t.ms).toFixed(2)})`;
    }
    console.error(
      `${what} n=${n}: ${check.status} ${t.ms.toFixed(3)} ms, ${
        tflops.toFixed(2)
      } TFLOP/s, ${note}`,
    );
    return {
      what,
      size,
      ms: t.ms,
      rate: tflops,
      unit: "TFLOP/s",
      status: check.status,
      timing: timingNote(t),
      note,
    };
  } finally {
    out.dispose();
  }
}
