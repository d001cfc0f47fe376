/**
 * A one-helper thread pool for the WebAssembly GEMM (the machine this was tuned on has two
 * cores). The helper is a `node:worker_threads` worker, `unref`'d so that it never keeps a
 * script alive. It starts lazily and asynchronously; until it reports ready, products run on
 * the calling thread alone, so `gemm` stays synchronous and never waits for start-up.
 *
 * A job is a short sequence of calls of one kernel export (the depth blocks of one C block),
 * split along one of the export's loops ({@link SplitCall}): each call's arguments for the whole
 * range, the argument that counts units (micro-panels), and the address arguments that advance
 * per unit. A chunk runs every call of the sequence, in order, on its units only, so each C
 * micro-tile gets the same kernel over the same depths in the same order as without the split:
 * the same bits, whichever thread runs which chunk.
 *
 * Jobs go through a control block of Int32 words in the shared `WebAssembly.Memory`: the main
 * thread writes the job, bumps `SEQ` and wakes the helper; both threads then claim chunks from
 * the shared 64-bit word `NEXT` (the job's id above bit 16, the next chunk index in the low 16
 * bits), and the main thread waits until `FIN` counts every chunk finished. A helper that wakes
 * late (a busy machine) finds nothing left to claim, so the caller never waits for a thread that
 * has not started. Before writing the next job's fields the main thread closes `NEXT`; a claim
 * is a compare-exchange on the word the claimer read before it read the fields, so it succeeds
 * only if those fields were the current job's. Job ids never repeat (2^47 of them), so a claimer
 * paused between its read and its compare-exchange cannot mistake a later job for its own (a
 * 15-bit id would wrap after 32768 jobs, a few seconds of small products).
 *
 * @module
 */
import type { Worker } from "node:worker_threads";

/**
 * A kernel export: every argument is an i32 (addresses are bytes into the GEMM memory).
 *
 * @example
 * ```ts
 * import type { Macro } from "./gemm_pool.ts";
 * const seen: number[][] = [];
 * const fake: Macro = (...args) => void seen.push(args);
 * fake(0, 64, 3);
 * console.log(seen); // [ [ 0, 64, 3 ] ]
 * ```
 */
export type Macro = (...args: number[]) => void;

/**
 * Byte address of the scalar alpha (f64 or f32) that the kernels read.
 *
 * @example
 * ```ts
 * import { ALPHA_AT } from "./gemm_pool.ts";
 * console.log(ALPHA_AT); // 0
 * ```
 */
export const ALPHA_AT = 0;

/**
 * Byte address of the control block in the shared memory (after alpha's slot at 0).
 *
 * @example
 * ```ts
 * import { CTRL } from "./gemm_pool.ts";
 * console.log(CTRL); // 64
 * ```
 */
export const CTRL = 64;

/** Most arguments of a kernel export that a job can carry. */
const MAX_ARGS = 13;
/**
 * Most calls in one job (deeper sequences are posted as several jobs).
 *
 * @example
 * ```ts
 * import { MAX_CALLS } from "./gemm_pool.ts";
 * console.log(MAX_CALLS); // 32
 * ```
 */
export const MAX_CALLS = 32;

/**
 * Byte address where the GEMM data (C block, packed operands) starts, after the control block.
 *
 * @example
 * ```ts
 * import { DATA } from "./gemm_pool.ts";
 * console.log(DATA % 64); // 0: cache-line aligned
 * ```
 */
export const DATA = 2048;

/**
 * Word indices of the control block (the job's calls are `NCALLS` runs of `NARGS` words from
 * `ARGS`).
 *
 * @example
 * ```ts
 * import { CTRL, DATA, F } from "./gemm_pool.ts";
 * console.log(CTRL + F.SIZE * 4 <= DATA); // true: the block ends before the data
 * ```
 */
export const F = {
  READY: 0,
  SEQ: 1,
  FIN: 2,
  ERR: 3,
  KERNEL: 4,
  FN: 5,
  NARGS: 6,
  COUNT: 7,
  X1: 8,
  S1: 9,
  X2: 10,
  S2: 11,
  UNITS: 12,
  PER: 13,
  CHUNKS: 14,
  HELPED: 15,
  /** Words 16 and 17: the 64-bit claim word (8-byte aligned: CTRL + 64 bytes). */
  NEXT: 16,
  NCALLS: 18,
  ARGS: 19,
  SIZE: 19 + MAX_CALLS * MAX_ARGS,
} as const;

/**
 * A sequence of kernel calls split along a loop: chunk `i` runs units [i·per, (i+1)·per) of
 * every call, in order, with `args[count]` set to its number of units and each `args[x]` of
 * `advance` moved on by `bytes` per unit skipped. Every call has the same unit count.
 *
 * @example
 * ```ts
 * import type { SplitCall } from "./gemm_pool.ts";
 * // Split a call `f(a, c, panels)` 10 panels at a time: a moves 480 bytes, c 96 per panel.
 * const call: SplitCall = {
 *   kernel: 0, fn: 0, calls: [[0, 4096, 64]], count: 2, advance: [[0, 480], [1, 96]], per: 10,
 * };
 * console.log(Math.ceil(call.calls[0][call.count] / call.per)); // 7 chunks
 * ```
 */
export interface SplitCall {
  /** Kernel configuration id (see {@link kernelId}). */
  kernel: number;
  /** Export index within the configuration (see {@link KERNEL_FNS}). */
  fn: number;
  /** Each call's arguments for the whole range (1 to {@link MAX_CALLS} calls, same length). */
  calls: number[][];
  /** Index in the arguments of the unit count that is split. */
  count: number;
  /** At most two `[argument index, bytes per unit]` pairs: the addresses that move per unit. */
  advance: [number, number][];
  /** Units per chunk (≥ 1). */
  per: number;
}

/**
 * The kernel exports a job can name, by index: the four direct macro-kernels of
 * `gemm_kernel_direct.ts`.
 *
 * @example
 * ```ts
 * import { KERNEL_FNS } from "./gemm_pool.ts";
 * console.log(KERNEL_FNS.indexOf("tileRi")); // 2
 * ```
 */
export const KERNEL_FNS = ["tileR", "tileD", "tileRi", "tileDi"] as const;

/**
 * The id of a default kernel configuration in a job: bit 1 for f32, bit 0 for relaxed FMA.
 *
 * @example
 * ```ts
 * import { kernelId } from "./gemm_pool.ts";
 * console.log(kernelId("f32", true)); // 3
 * ```
 */
export function kernelId(dtype: "f32" | "f64", fma: boolean): number {
  return (dtype === "f32" ? 2 : 0) | (fma ? 1 : 0);
}

/** The claim word of a job with no chunk claimed. */
const jobTag = (id: number): bigint => BigInt(id) << 16n;
/** The claim word between jobs: no job's (every job word is ≥ 2^16). */
const CLOSED = -1n;

const claimWords = new WeakMap<Int32Array, BigInt64Array>();

/**
 * The 64-bit claim word `NEXT` of a control block, as a one-element view (for tests and the
 * two claimers).
 *
 * @example
 * ```ts
 * import { claimWord, F } from "./gemm_pool.ts";
 * const ctrl = new Int32Array(F.SIZE);
 * claimWord(ctrl)[0] = 5n << 16n; // job 5 posted, no chunk claimed
 * console.log(ctrl[F.NEXT + 1], ctrl[F.NEXT] >>> 16); // 0 5
 * ```
 */
export function claimWord(ctrl: Int32Array): BigInt64Array {
  let w = claimWords.get(ctrl);
  if (!w) {
    w = new BigInt64Array(ctrl.buffer, ctrl.byteOffset + F.NEXT * 4, 1);
    claimWords.set(ctrl, w);
  }
  return w;
}

/**
 * Claims and runs chunks of the posted job until none is left (or the job is closed). Both the
 * main thread and the helper run this loop, so they agree on the layout. `lookup` gives the
 * export for the job's `KERNEL` and `FN` words. Returns how many chunks this thread ran; a chunk
 * whose kernel threw sets `ERR` and still counts in `FIN`, so the caller never waits forever.
 *
 * @example
 * ```ts
 * import { claimWord, F, runChunks } from "./gemm_pool.ts";
 * const ctrl = new Int32Array(F.SIZE);
 * ctrl[F.UNITS] = 5; ctrl[F.PER] = 2; ctrl[F.CHUNKS] = 3; ctrl[F.NARGS] = 1; ctrl[F.COUNT] = 0;
 * ctrl[F.NCALLS] = 1; ctrl[F.X1] = -1; ctrl[F.X2] = -1;
 * claimWord(ctrl)[0] = 1n << 16n; // job 1 posted
 * const counts: number[] = [];
 * runChunks(ctrl, () => (count) => counts.push(count));
 * console.log(counts, ctrl[F.FIN], ctrl[F.ERR]); // [ 2, 2, 1 ] 3 0
 * ```
 */
export function runChunks(
  ctrl: Int32Array,
  lookup: (kernel: number, fn: number) => Macro,
): number {
  const word = claimWord(ctrl);
  let ran = 0;
  for (;;) {
    const v = Atomics.load(word, 0), i = Number(v & 0xffffn);
    if (v === CLOSED || i >= ctrl[F.CHUNKS]) return ran;
    const [nargs, ncalls] = [ctrl[F.NARGS], ctrl[F.NCALLS]];
    const words = Array.from(ctrl.subarray(F.ARGS, F.ARGS + nargs * ncalls));
    const [units, per, count] = [ctrl[F.UNITS], ctrl[F.PER], ctrl[F.COUNT]];
    const moves = [[ctrl[F.X1], ctrl[F.S1]], [ctrl[F.X2], ctrl[F.S2]]];
    const [kernel, fn] = [ctrl[F.KERNEL], ctrl[F.FN]];
    if (Atomics.compareExchange(word, 0, v, v + 1n) !== v) continue; // lost the race
    const u0 = i * per;
    try {
      const f = lookup(kernel, fn);
      for (let call = 0; call < ncalls; call++) {
        const args = words.slice(call * nargs, (call + 1) * nargs);
        args[count] = Math.min(per, units - u0);
        for (const [x, bytes] of moves) if (x >= 0) args[x] += u0 * bytes;
        f(...args);
      }
      ran++;
    } catch {
      Atomics.store(ctrl, F.ERR, 1);
    } finally {
      Atomics.add(ctrl, F.FIN, 1);
      Atomics.notify(ctrl, F.FIN);
    }
  }
}

let worker: Worker | null = null;
let starting = false;
let ctrl: Int32Array | null = null;
let failed = false;

/**
 * Starts the helper thread once, in the background (no-op after the first call; where workers
 * are unavailable the pool just never becomes ready).
 *
 * @example
 * ```ts
 * import { startPool } from "./gemm_pool.ts";
 * const memory = new WebAssembly.Memory({ initial: 1, maximum: 1024, shared: true });
 * startPool(memory);
 * ```
 */
export function startPool(memory: WebAssembly.Memory): void {
  if (starting || failed) return;
  starting = true;
  // Loaded on demand (Node's worker API costs every program start otherwise), synchronously
  // where the engine can: a script that computes without ever awaiting would otherwise never
  // see the promise of a dynamic import resolve, and so never get the helper.
  const builtin = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } })
    .process?.getBuiltinModule?.("node:worker_threads") as WorkerThreads | undefined;
  if (builtin?.Worker) return spawn(builtin.Worker, memory);
  import("node:worker_threads").then(({ Worker }) => spawn(Worker, memory)).catch(() => {
    failed = true; // no worker support or no permission: the single-thread path keeps working
  });
}

type WorkerThreads = typeof import("node:worker_threads");

function spawn(Ctor: WorkerThreads["Worker"], memory: WebAssembly.Memory): void {
  try {
    ctrl = new Int32Array(memory.buffer, CTRL, F.SIZE);
    worker = new Ctor(new URL("./gemm_worker.ts", import.meta.url));
    worker.unref();
    worker.on("error", () => (failed = true));
    worker.postMessage({ memory });
  } catch {
    failed = true;
  }
}

/**
 * True once the helper thread has started and can take jobs.
 *
 * @example
 * ```ts
 * import { poolReady } from "./gemm_pool.ts";
 * console.log(typeof poolReady()); // "boolean"
 * ```
 */
export function poolReady(): boolean {
  return !failed && ctrl !== null && Atomics.load(ctrl, F.READY) === 1;
}

/**
 * Resolves when the helper is ready (true) or after `timeoutMs` or a start failure (false).
 * For tests and benches that want the two-thread path from the first call.
 *
 * @example
 * ```ts
 * import { whenPoolReady } from "./gemm_pool.ts";
 * console.log(typeof await whenPoolReady(1)); // "boolean"
 * ```
 */
export async function whenPoolReady(timeoutMs = 60_000): Promise<boolean> {
  const end = performance.now() + timeoutMs;
  while (!poolReady() && !failed && performance.now() < end) {
    await new Promise((r) => setTimeout(r, 5));
  }
  return poolReady();
}

let local: Int32Array | null = null;
/** Id of the last job posted (ids never repeat; see the module doc). */
let lastJob = 0;

/**
 * How many chunks the helper thread has run since it started (0 without a helper): the
 * evidence, for tests and benches, that products really were split.
 *
 * @example
 * ```ts
 * import { helperChunks } from "./gemm_pool.ts";
 * console.log(helperChunks() >= 0); // true
 * ```
 */
export function helperChunks(): number {
  return ctrl ? Atomics.load(ctrl, F.HELPED) : 0;
}

/**
 * Whether sharing jobs with the helper pays on this machine right now: `ewma` averages, over
 * recent jobs, the estimated one-thread time of a job (this thread's time per chunk × chunks)
 * over its actual time; until `until` (a `performance.now()` time) jobs run on this thread
 * alone; `pauseMs` is the next such pause. A helper descheduled while it holds a chunk (other
 * work on the cores) makes this thread wait for a whole time slice; when that makes jobs slower
 * than one thread would be, the split pauses, twice as long each time it fails again.
 *
 * @example
 * ```ts
 * import type { PoolHealth } from "./gemm_pool.ts";
 * const fresh: PoolHealth = { ewma: 1, until: 0, pauseMs: 50 };
 * console.log(fresh.until <= performance.now()); // true: jobs are shared
 * ```
 */
export interface PoolHealth {
  ewma: number;
  until: number;
  pauseMs: number;
}

/** Below this estimated speed-up (EWMA) the split pauses. */
const STALL_RATIO = 0.9;
const PAUSE_MIN_MS = 50, PAUSE_MAX_MS = 10_000;
const health: PoolHealth = { ewma: 1, until: 0, pauseMs: PAUSE_MIN_MS };

/**
 * The pool's health after a shared job, ending at time `now`, in which this thread ran `own` of
 * `chunks` chunks in `ownMs` and the job took `jobMs` (see {@link PoolHealth}).
 *
 * @example
 * ```ts
 * import { nextHealth } from "./gemm_pool.ts";
 * let h = { ewma: 1, until: 0, pauseMs: 50 };
 * // The helper held one of 8 chunks for a whole time slice, job after job: 7 ms of own work,
 * // 11 ms in all, against ~8 ms on one thread.
 * for (let i = 0; i < 5 && h.until === 0; i++) h = nextHealth(h, 7, 7, 8, 11, 1000);
 * console.log(h.until, h.pauseMs); // 1050 100
 * ```
 */
export function nextHealth(
  h: PoolHealth,
  own: number,
  ownMs: number,
  chunks: number,
  jobMs: number,
  now: number,
): PoolHealth {
  // A helper that took nothing cost nothing; a job too quick to time says nothing either.
  if (own === 0 || own >= chunks || jobMs <= 0) return h;
  const ratio = (ownMs / own) * chunks / jobMs;
  const ewma = 0.75 * h.ewma + 0.25 * ratio;
  if (ewma < STALL_RATIO) {
    return { ewma: 1, until: now + h.pauseMs, pauseMs: Math.min(2 * h.pauseMs, PAUSE_MAX_MS) };
  }
  return { ewma, until: h.until, pauseMs: ewma > 1.3 ? PAUSE_MIN_MS : h.pauseMs };
}

/**
 * Forgets the pool's recent stalls: the next jobs are shared again (for tests and benches that
 * need the helper to take part; a back-off only starts after the helper did).
 *
 * @example
 * ```ts
 * import { poolHealth, resetPoolHealth } from "./gemm_pool.ts";
 * resetPoolHealth();
 * console.log(poolHealth().until <= performance.now()); // true
 * ```
 */
export function resetPoolHealth(): void {
  Object.assign(health, { ewma: 1, until: 0, pauseMs: PAUSE_MIN_MS });
}

/**
 * A copy of the pool's health (see {@link PoolHealth}), for benches and tests.
 *
 * @example
 * ```ts
 * import { poolHealth } from "./gemm_pool.ts";
 * console.log(poolHealth().ewma > 0); // true
 * ```
 */
export function poolHealth(): PoolHealth {
  return { ...health };
}

/**
 * The control block of the job {@link runOnPool} is running (or ran last): the shared one when
 * the job went to the helper too, else a local one (this thread ran every chunk).
 *
 * @example
 * ```ts
 * import { controlBlock, F } from "./gemm_pool.ts";
 * console.log(controlBlock().length === F.SIZE); // true
 * ```
 */
export function controlBlock(): Int32Array {
  return current ?? (local ??= new Int32Array(F.SIZE));
}

let current: Int32Array | null = null;

/**
 * Posts a split call sequence, runs chunks of it on this thread too, and returns when every
 * chunk is finished. Without a ready helper the caller runs every chunk itself. `fn` is this
 * thread's export for the calls (the helper looks up its own from `call.kernel` and `call.fn`).
 *
 * @example
 * ```ts
 * import { runOnPool } from "./gemm_pool.ts";
 * const seen: number[] = [];
 * const call = { kernel: 0, fn: 0, calls: [[0, 7]], count: 1, advance: [[0, 100]] as [number, number][], per: 3 };
 * runOnPool(call, (a, units) => seen.push(a, units));
 * console.log(seen); // [ 0, 3, 300, 3, 600, 1 ]
 * ```
 */
export function runOnPool(call: SplitCall, fn: Macro): void {
  checkCall(call);
  // While backed off (the helper kept stalling jobs), jobs run on the local block: this thread
  // runs every chunk, with the same arithmetic.
  const shared = poolReady() && performance.now() >= health.until;
  const c = current = shared ? ctrl! : (local ??= new Int32Array(F.SIZE));
  const chunks = Math.ceil(call.calls[0][call.count] / call.per);
  if (chunks === 0) return;
  // Close the previous job's claims first: a helper that read the old tag and then the fields
  // being written below would otherwise succeed with its compare-exchange on the old tag.
  const word = claimWord(c);
  Atomics.store(word, 0, CLOSED);
  writeCall(c, call, chunks);
  Atomics.store(c, F.FIN, 0);
  Atomics.store(word, 0, jobTag(++lastJob)); // publishes the fields written above
  // SEQ only wakes the helper (it may wrap); the claim word identifies the job.
  Atomics.store(c, F.SEQ, (c[F.SEQ] + 1) & 0x7fffffff);
  if (c === ctrl) Atomics.notify(c, F.SEQ);
  const t0 = performance.now();
  const own = runChunks(c, () => fn), t1 = performance.now();
  for (let fin = Atomics.load(c, F.FIN); fin < chunks; fin = Atomics.load(c, F.FIN)) {
    Atomics.wait(c, F.FIN, fin);
  }
  if (shared) {
    const t2 = performance.now();
    Object.assign(health, nextHealth(health, own, t1 - t0, chunks, t2 - t0, t2));
  }
  if (Atomics.exchange(c, F.ERR, 0) !== 0) throw new Error("gemm: the WebAssembly kernel failed");
}

function writeCall(c: Int32Array, call: SplitCall, chunks: number): void {
  c[F.KERNEL] = call.kernel;
  c[F.FN] = call.fn;
  c[F.NARGS] = call.calls[0].length;
  c[F.NCALLS] = call.calls.length;
  c.set(call.calls.flat(), F.ARGS);
  c[F.COUNT] = call.count;
  const [m1, m2] = [call.advance[0] ?? [-1, 0], call.advance[1] ?? [-1, 0]];
  [c[F.X1], c[F.S1], c[F.X2], c[F.S2]] = [m1[0], m1[1], m2[0], m2[1]];
  c[F.UNITS] = call.calls[0][call.count];
  c[F.PER] = call.per;
  c[F.CHUNKS] = chunks;
}

/** The chunk index lives in 16 bits of the claim word, and the words are i32. */
function checkCall(call: SplitCall): void {
  const { calls, count, per, advance } = call, n = calls[0]?.length ?? 0;
  const ok = calls.length >= 1 && calls.length <= MAX_CALLS && n <= MAX_ARGS &&
    count >= 0 && count < n && Number.isInteger(per) && per >= 1 && advance.length <= 2 &&
    Math.ceil(calls[0][count] / per) <= 0xffff &&
    calls.every((args) =>
      args.length === n && args[count] === calls[0][count] &&
      args.every((a) => Number.isInteger(a) && a >= -(2 ** 31) && a < 2 ** 31)
    );
  if (!ok) throw new RangeError(`runOnPool: malformed split call ${JSON.stringify(call)}`);
}
