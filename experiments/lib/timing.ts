/**
 * Wall-clock timing for the experiments' speed comparisons (issue 13: a cold first call once
 * showed `qr` 32×32 at 0.12× ml-matrix where warm calls give 1.26×). Every timed comparison
 * warms up first (untimed calls on the same shapes, so the JIT has compiled the code and the
 * caches hold the data) and reports a robust statistic of several repetitions.
 *
 * @module
 */
import process from "node:process";

/** The result of {@link timeWarm}. */
export interface WarmTiming {
  /** Median milliseconds per call over the timed repetitions. */
  medianMs: number;
  /** Fastest timed call, milliseconds. */
  minMs: number;
  /** Timed repetitions. */
  reps: number;
  /** Untimed calls made first. */
  warmupCalls: number;
  /** Always true: the timed calls came after the warm-up (recorded in the reports' JSON). */
  warmup: true;
}

/** Options of {@link timeWarm}. */
export interface TimeWarmOptions {
  /** Untimed calls before timing (default 1; at least 1). */
  warmup?: number;
  /** Timed calls (default 5; at least 1). */
  reps?: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b), m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function count(name: string, v: unknown, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1) {
    throw new RangeError(`timeWarm: ${name} must be an integer ≥ 1, got ${String(v)}`);
  }
  return v;
}

/**
 * Calls `f` `warmup` times untimed, then `reps` times timed (wall clock); returns the median
 * and the minimum.
 *
 * @throws {RangeError} when `warmup` or `reps` is not an integer ≥ 1.
 * @throws {TypeError} for an unknown option key.
 *
 * @example
 * ```ts
 * import { timeWarm } from "./timing.ts";
 * const t = timeWarm(() => Math.sqrt(2), { warmup: 2, reps: 3 });
 * console.log(t.reps, t.warmupCalls, t.warmup, t.minMs <= t.medianMs); // 3 2 true true
 * ```
 */
export function timeWarm(f: () => unknown, options: TimeWarmOptions = {}): WarmTiming {
  for (const k of Object.keys(options)) {
    if (k !== "warmup" && k !== "reps") throw new TypeError(`timeWarm: unknown option ${k}`);
  }
  const warmupCalls = count("warmup", options.warmup, 1), reps = count("reps", options.reps, 5);
  for (let i = 0; i < warmupCalls; i++) f();
  const ts: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    f();
    ts.push(performance.now() - t0);
  }
  return { medianMs: median(ts), minMs: Math.min(...ts), reps, warmupCalls, warmup: true };
}

/**
 * Steps of a training loop to leave out of its ms/step (the first steps run while the JIT
 * compiles the step's code): a tenth of the steps, at least 1 and at most 20, and always
 * fewer than `steps` so that at least one step is timed.
 *
 * @example
 * ```ts
 * import { warmupSteps } from "./timing.ts";
 * console.log(warmupSteps(1), warmupSteps(2), warmupSteps(60), warmupSteps(600)); // 0 1 6 20
 * ```
 */
export function warmupSteps(steps: number): number {
  if (!Number.isInteger(steps) || steps < 1) {
    throw new RangeError(`warmupSteps: steps must be an integer ≥ 1, got ${steps}`);
  }
  return Math.min(steps - 1, Math.max(1, Math.min(20, Math.round(steps / 10))));
}

/** The result of {@link bestCpuTime}. */
export interface CpuTiming<T> {
  /** Best (smallest) CPU milliseconds per call over the samples. */
  ms: number;
  /** The last call's result. */
  out: T;
  /** Untimed calls made first (at least 2, and until 50 ms of CPU time had passed). */
  warmupCalls: number;
  /** Calls per timed sample (each sample runs ≥ 10 ms by the warm-up's estimate). */
  batch: number;
}

/** This process's CPU milliseconds (user + system), the default clock of {@link bestCpuTime}. */
export function processCpuMs(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
}

/**
 * Best CPU time in ms per call over `runs` samples, after a warm-up of at least two calls and
 * 50 ms (one cold call timed 32 × 32 qr at 0.12× ml-matrix; warm, it is faster). Each sample
 * repeats `f` until it has run ≥ 10 ms, so microsecond calls are not lost in the clock's
 * resolution. On a shared machine wall time swings by 3–5× with other people's load while the
 * CPU time of a single-threaded process does much less; two libraries timed in the same process
 * give a fair ratio.
 *
 * @example
 * ```ts
 * import { bestCpuTime } from "./timing.ts";
 * const t = bestCpuTime(() => Math.sqrt(2), 3);
 * console.log(t.warmupCalls >= 2, t.ms >= 0, t.out); // true true 1.4142135623730951
 * ```
 */
export function bestCpuTime<T>(
  f: () => T,
  runs: number,
  clock: () => number = processCpuMs,
): CpuTiming<T> {
  if (!Number.isInteger(runs) || runs < 1) {
    throw new RangeError(`bestCpuTime: runs must be an integer ≥ 1, got ${runs}`);
  }
  const w0 = clock();
  let out = f(), calls = 1;
  while (calls < 2 || clock() - w0 < 50) out = f(), calls++;
  const batch = Math.max(1, Math.ceil(10 / Math.max((clock() - w0) / calls, 1e-3)));
  let ms = Infinity;
  for (let r = 0; r < runs; r++) {
    const c0 = clock();
    for (let b = 0; b < batch; b++) out = f();
    ms = Math.min(ms, (clock() - c0) / batch);
  }
  return { ms, out, warmupCalls: calls, batch };
}
