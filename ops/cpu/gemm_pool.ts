/**
 * A one-helper thread pool for the WebAssembly GEMM (the machine this was tuned on has two
 * cores). The helper is a `node:worker_threads` worker, `unref`'d so that it never keeps a
 * script alive. It starts lazily and asynchronously; until it reports ready, products run on
 * the calling thread alone, so `gemm` stays synchronous and never waits for start-up.
 *
 * Jobs go through a control block of Int32 words in the shared `WebAssembly.Memory`: the main
 * thread writes the job, bumps `SEQ` and wakes the helper; both threads then claim MC-row chunks
 * of the packed A from the shared word `NEXT` (job tag in the high 16 bits, chunk index in the
 * low 16), and the main thread waits until `FIN` counts every chunk finished. A helper that
 * wakes late (a busy machine) finds nothing left to claim, so the caller never waits for a
 * thread that has not started. Before writing the next job's fields the main thread sets `NEXT`
 * to a value no tag matches; a claim is a compare-exchange on the tagged word the claimer read
 * before it read the fields, so it succeeds only if those fields were the current job's.
 *
 * @module
 */
import type { Worker } from "node:worker_threads";

/** A macro-kernel export: `(a, b, c, mPanels, nPanels, kSteps, ldcBytes, alphaAddr)`. */
export type Macro = (...args: number[]) => void;

/**
 * Byte address of the scalar alpha (f64 or f32) that the macro-kernel reads.
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

/**
 * Byte address where the GEMM data (C block, packed A, packed B) starts.
 *
 * @example
 * ```ts
 * import { DATA } from "./gemm_pool.ts";
 * console.log(DATA % 64); // 0: cache-line aligned
 * ```
 */
export const DATA = 256;

/**
 * Word indices of the control block.
 *
 * @example
 * ```ts
 * import { F } from "./gemm_pool.ts";
 * console.log(CTRL + F.SIZE * 4 <= DATA); // true: the block ends before the data
 * ```
 */
export const F = {
  READY: 0,
  SEQ: 1,
  FIN: 2,
  ERR: 3,
  KERNEL: 4,
  A: 5,
  B: 6,
  C: 7,
  PANELS: 8,
  MCP: 9,
  NP: 10,
  KS: 11,
  LDC: 12,
  ALPHA: 13,
  ASTEP: 14,
  CSTEP: 15,
  CHUNKS: 16,
  NEXT: 17,
  HELPED: 18,
  SIZE: 19,
} as const;

/** The claim word of a job with no chunk claimed: 15 bits of its sequence number, shifted. */
const jobTag = (seq: number): number => (seq & 0x7fff) << 16;
/** A claim word that matches no job's tag (its sign bit is set; every tag's is clear). */
const CLOSED = -1;

/**
 * Claims and runs MC-row chunks of job `seq` until none is left (or a newer job replaced it).
 * Both the main thread and the helper run this loop, so they agree on the layout. Returns how
 * many chunks this thread ran; a chunk whose macro-kernel threw sets `ERR` and still counts in
 * `FIN`, so the caller never waits forever.
 *
 * @example
 * ```ts
 * import { F, runChunks } from "./gemm_pool.ts";
 * const ctrl = new Int32Array(F.SIZE);
 * ctrl[F.CHUNKS] = 3; ctrl[F.MCP] = 2; ctrl[F.PANELS] = 5;
 * const counts: number[] = [];
 * runChunks(ctrl, 0, (_a, _b, _c, count) => counts.push(count));
 * console.log(counts, ctrl[F.FIN], ctrl[F.ERR]); // [ 2, 2, 1 ] 3 0
 * ```
 */
export function runChunks(ctrl: Int32Array, seq: number, macro: Macro): number {
  const tag = jobTag(seq);
  let ran = 0;
  for (;;) {
    const v = Atomics.load(ctrl, F.NEXT), i = v & 0xffff;
    if ((v & 0xffff0000) !== tag) return ran;
    const chunks = ctrl[F.CHUNKS], mcp = ctrl[F.MCP], panels = ctrl[F.PANELS];
    if (i >= chunks) return ran;
    const job = [ctrl[F.A], ctrl[F.B], ctrl[F.C], ctrl[F.NP], ctrl[F.KS], ctrl[F.LDC]];
    const [alpha, astep, cstep] = [ctrl[F.ALPHA], ctrl[F.ASTEP], ctrl[F.CSTEP]];
    if (Atomics.compareExchange(ctrl, F.NEXT, v, v + 1) !== v) continue; // lost the race
    const p0 = i * mcp, count = Math.min(mcp, panels - p0);
    try {
      macro(job[0] + p0 * astep, job[1], job[2] + p0 * cstep, count, job[3], job[4], job[5], alpha);
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
  // Imported on demand: loading Node's worker API costs every program start otherwise.
  import("node:worker_threads").then(({ Worker }) => {
    ctrl = new Int32Array(memory.buffer, CTRL, F.SIZE);
    worker = new Worker(new URL("./gemm_worker.ts", import.meta.url));
    worker.unref();
    worker.on("error", () => (failed = true));
    worker.postMessage({ memory });
  }).catch(() => {
    failed = true; // no worker support or no permission: the single-thread path keeps working
  });
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

/** The fields of one job, as written into the control block. */
export type Job = Omit<
  Record<keyof typeof F, number>,
  "READY" | "SEQ" | "FIN" | "ERR" | "NEXT" | "HELPED" | "SIZE"
>;

let local: Int32Array | null = null;

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
 * Posts a job, runs chunks on this thread too, and returns when every chunk is finished.
 * Without a ready helper the caller runs every chunk itself.
 *
 * @example
 * ```ts
 * import { runOnPool } from "./gemm_pool.ts";
 * let rows = 0;
 * const job = {
 *   KERNEL: 0, A: 0, B: 0, C: 0, PANELS: 5, MCP: 2, NP: 1, KS: 1, LDC: 0, ALPHA: 0,
 *   ASTEP: 0, CSTEP: 0, CHUNKS: 3,
 * };
 * runOnPool(job, (_a, _b, _c, count) => (rows += count));
 * console.log(rows); // 5
 * ```
 */
export function runOnPool(job: Job, macro: Macro): void {
  const c = poolReady() ? ctrl! : (local ??= new Int32Array(F.SIZE));
  // Close the previous job's claims first: a helper that read the old tag and then the fields
  // being written below would otherwise succeed with its compare-exchange on the old tag.
  Atomics.store(c, F.NEXT, CLOSED);
  for (const [k, v] of Object.entries(job)) c[F[k as keyof Job]] = v;
  const seq = (c[F.SEQ] + 1) & 0x7fffffff;
  Atomics.store(c, F.FIN, 0);
  Atomics.store(c, F.NEXT, jobTag(seq)); // publishes the fields written above
  Atomics.store(c, F.SEQ, seq);
  if (c === ctrl) Atomics.notify(c, F.SEQ);
  runChunks(c, seq, macro);
  for (let fin = Atomics.load(c, F.FIN); fin < job.CHUNKS; fin = Atomics.load(c, F.FIN)) {
    Atomics.wait(c, F.FIN, fin);
  }
  if (Atomics.exchange(c, F.ERR, 0) !== 0) throw new Error("gemm: the WebAssembly kernel failed");
}
