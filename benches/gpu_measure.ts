/**
 * Trustworthy GPU measurements for `benches/gpu_bench.ts` (issue 22): a timing that excludes
 * the ~11 ms of `onSubmittedWorkDone`/`mapAsync` latency of Deno 2.9.6, and a correctness check
 * that cannot pass on a stale buffer.
 *
 * - {@link timeLaunches}: GPU timestamps around R back-to-back launches where the device has the
 *   "timestamp-query" feature; else wall-clock the submit-and-wait of R and of 3R encoded
 *   launches and divide the difference by 2R (the fixed submit + wait latency cancels). R grows until the timed work is at least
 *   `targetMs`; the result is the median of 3 samples.
 * - {@link warmUp}: about a second of real work first, so clocks have ramped up.
 * - {@link nanFill}: outputs are NaN-filled before every check run, because the pool hands out
 *   buffers last-in-first-out and a kernel that writes nothing would otherwise "pass" on a
 *   buffer that already holds a correct result.
 *
 * @module
 */
import type { Gpu } from "../ops/gpu/device.ts";
import type { GpuTensor } from "../ops/gpu/gpu_tensor.ts";

/** How a per-launch time was measured. */
export type TimingMethod = "timestamp" | "wallclock";

/** Options of {@link timeLaunches}. */
export interface TimingOptions {
  /** `"auto"` (default): timestamps when the device has them, else wall-clock differences. */
  method?: TimingMethod | "auto";
  /** Least milliseconds of timed work per sample (default 50). */
  targetMs?: number;
  /** Most launches per sample (default 4096). */
  maxReps?: number;
  /** Samples whose median is reported (default 3). */
  samples?: number;
}

/** A per-launch time. */
export interface Timing {
  /** Median milliseconds per launch. */
  ms: number;
  /** How it was measured. */
  method: TimingMethod;
  /** Launches per sample (R). */
  reps: number;
  /** Every sample's milliseconds per launch. */
  samples: number[];
}

/** What {@link timeLaunches} needs of a Gpu (a plain object in tests). */
export type TimingGpu = Pick<Gpu, "sync" | "flush" | "encoder" | "device" | "hasTimestamps">;

const TIMING_KEYS = ["method", "targetMs", "maxReps", "samples"];

function positiveInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) {
    throw new RangeError(`timeLaunches: ${name} must be a positive integer, got ${v}`);
  }
  return v;
}

/**
 * Milliseconds per launch of `launch` (which encodes one unit of GPU work on `gpu` and returns
 * at once), measured as the module doc describes.
 *
 * @example
 * ```ts
 * import { timeLaunches } from "./gpu_measure.ts";
 * import { requestGpu } from "../ops/gpu/device.ts";
 * import { matmulGpu } from "../ops/gpu/matmul.ts";
 * import { tensor } from "../ops/tensor.ts";
 * const gpu = await requestGpu({ allowFallback: true });
 * if (gpu) {
 *   const a = gpu.upload(tensor([[1, 2], [3, 4]], { dtype: "f32" }));
 *   const t = await timeLaunches(gpu, () => matmulGpu(a, a).dispose(), { targetMs: 5 });
 *   console.log(t.ms > 0, t.samples.length); // true 3
 *   a.dispose();
 *   gpu.destroy();
 * }
 * ```
 */
export async function timeLaunches(
  gpu: TimingGpu,
  launch: () => void,
  opts: TimingOptions = {},
): Promise<Timing> {
  for (const k of Object.keys(opts)) {
    if (!TIMING_KEYS.includes(k)) throw new TypeError(`timeLaunches: unknown option ${k}`);
  }
  const want = opts.method ?? "auto";
  if (!["auto", "timestamp", "wallclock"].includes(want)) {
    throw new TypeError(`timeLaunches: method must be auto, timestamp or wallclock, got ${want}`);
  }
  if (want === "timestamp" && !gpu.hasTimestamps) {
    throw new RangeError("timeLaunches: method timestamp, but the device has no timestamp-query");
  }
  const method: TimingMethod = want === "auto"
    ? (gpu.hasTimestamps ? "timestamp" : "wallclock")
    : want;
  const targetMs = opts.targetMs ?? 50;
  if (!(targetMs > 0)) throw new RangeError(`timeLaunches: targetMs must be > 0, got ${targetMs}`);
  const maxReps = positiveInt("maxReps", opts.maxReps ?? 4096);
  const count = positiveInt("samples", opts.samples ?? 3);
  const once = method === "timestamp"
    ? (r: number) => stampedMs(gpu, launch, r)
    : (r: number) => wallDiffMs(gpu, launch, r);
  let reps = 1;
  for (;;) {
    const per = await once(reps);
    if (per * reps >= targetMs || reps >= maxReps) break;
    // Aim a little past the target; a non-positive (noise-only) estimate doubles R.
    const grow = per > 0 ? Math.ceil(1.2 * targetMs / (per * reps)) : 2;
    reps = Math.min(maxReps, reps * Math.max(2, grow));
  }
  const samples: number[] = [];
  for (let i = 0; i < count; i++) samples.push(await once(reps));
  return { ms: median(samples), method, reps, samples };
}

/** The median of `xs` (mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new RangeError("median: no values");
  const s = [...xs].sort((a, b) => a - b), h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/**
 * GPU time of `reps` launches from two timestamps: the beginning of an empty pass encoded just
 * before them and the end of an empty pass just after (wgpu writes pass timestamps at the
 * bottom of the pipe, i.e. after all earlier work has finished). The resolved values are read
 * as nanoseconds: true where the Vulkan timestampPeriod is 1 (llvmpipe; NVIDIA reports 1), and
 * the bench's `auto` row times both methods so that a different period shows as a ratio ≠ 1.
 */
async function stampedMs(gpu: TimingGpu, launch: () => void, reps: number): Promise<number> {
  const d = gpu.device;
  const querySet = d.createQuerySet({ type: "timestamp", count: 2 });
  const resolved = d.createBuffer({
    size: 16,
    usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
  });
  const staging = d.createBuffer({
    size: 16,
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  try {
    gpu.flush();
    gpu.encoder().beginComputePass({
      timestampWrites: { querySet, beginningOfPassWriteIndex: 0 },
    }).end();
    for (let r = 0; r < reps; r++) launch();
    const enc = gpu.encoder();
    enc.beginComputePass({ timestampWrites: { querySet, endOfPassWriteIndex: 1 } }).end();
    enc.resolveQuerySet(querySet, 0, 2, resolved, 0);
    enc.copyBufferToBuffer(resolved, 0, staging, 0, 16);
    gpu.flush();
    await staging.mapAsync(GPUMapMode.READ);
    const [t0, t1] = new BigUint64Array(staging.getMappedRange().slice(0));
    return Number(t1 - t0) / 1e6 / reps;
  } finally {
    staging.destroy();
    resolved.destroy();
    querySet.destroy();
  }
}

/**
 * (T(3R) − T(R)) / 2R of wall-clocked batches: the fixed submit + wait latency cancels. The
 * launches are encoded before the clock starts (encoding a launch costs 0.05-0.8 ms of CPU here,
 * as much as a whole n = 1024 GEMM on a large GPU), so T covers submit, GPU work and the wait.
 * wgpu records each pass into the driver's command buffer in `finish()`, which `sync` calls
 * inside T: that per-launch CPU cost does not cancel, so this is an upper bound on GPU time.
 */
async function wallDiffMs(gpu: TimingGpu, launch: () => void, reps: number): Promise<number> {
  const batch = async (n: number): Promise<number> => {
    await gpu.sync();
    for (let r = 0; r < n; r++) launch();
    const t0 = performance.now();
    await gpu.sync();
    return performance.now() - t0;
  };
  const t1 = await batch(reps), t3 = await batch(3 * reps);
  return (t3 - t1) / (2 * reps);
}

/**
 * Runs `launch` in batches until `ms` milliseconds of wall time have passed (clock ramp-up
 * before timing); returns the number of launches.
 *
 * @example
 * ```ts
 * import { warmUp } from "./gpu_measure.ts";
 * import { requestGpu } from "../ops/gpu/device.ts";
 * import { tensor } from "../ops/tensor.ts";
 * const gpu = await requestGpu({ allowFallback: true });
 * if (gpu) {
 *   console.log(await warmUp(gpu, () => gpu.upload(tensor([1])).dispose(), 20) >= 1); // true
 *   gpu.destroy();
 * }
 * ```
 */
export async function warmUp(
  gpu: Pick<Gpu, "sync">,
  launch: () => void,
  ms: number,
): Promise<number> {
  const t0 = performance.now();
  let n = 0, batch = 1;
  while (performance.now() - t0 < ms) {
    for (let i = 0; i < batch; i++) launch();
    n += batch;
    await gpu.sync();
    batch = Math.min(batch * 2, 64);
  }
  return n;
}

/**
 * Overwrites `t`'s buffer with NaN (ordered before any work encoded afterwards), so that an
 * output the kernel under test does not write reads back as NaN.
 *
 * @example
 * ```ts
 * import { nanFill } from "./gpu_measure.ts";
 * import { requestGpu } from "../ops/gpu/device.ts";
 * const gpu = await requestGpu({ allowFallback: true });
 * if (gpu) {
 *   const t = gpu.empty([2]);
 *   nanFill(t);
 *   console.log((await t.read()).data); // Float32Array(2) [ NaN, NaN ]
 *   t.dispose();
 *   gpu.destroy();
 * }
 * ```
 */
export function nanFill(t: GpuTensor): void {
  // queue.writeBuffer runs before work that is encoded but not yet submitted: submit that first,
  // so the fill cannot land under an earlier kernel's output, nor after it.
  t.gpu.flush();
  const n = t.buffer.size / 4;
  t.gpu.device.queue.writeBuffer(t.buffer, 0, new Float32Array(n).fill(NaN));
}
