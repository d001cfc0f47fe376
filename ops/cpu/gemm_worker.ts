/**
 * The GEMM helper thread (a `node:worker_threads` worker started by `gemm_pool.ts`). It shares
 * the one `WebAssembly.Memory` with the main thread, instantiates the same emitted kernels, and
 * waits until the main thread posts a job in the control block, then claims chunks of it until
 * none are left, like the main thread does (see `gemm_pool.ts` for the protocol). No data
 * crosses `postMessage` after start-up.
 *
 * @module
 */
import { parentPort } from "node:worker_threads";
import { defaultConfig } from "./gemm_kernel.ts";
import { emitDirectKernels } from "./gemm_kernel_direct.ts";
import { CTRL, F, KERNEL_FNS, type Macro, runChunks } from "./gemm_pool.ts";

/**
 * Polls before sleeping: a product posts one job per kernel call, a few hundred microseconds
 * apart, and a futex wake-up costs tens of microseconds each time.
 */
const SPIN_POLLS = 20_000;

parentPort?.once("message", (msg: { memory: WebAssembly.Memory }) => {
  const memory = msg.memory;
  const exports = new Map<number, Macro[]>();
  const lookup = (id: number, fn: number): Macro => {
    let fns = exports.get(id);
    if (!fns) {
      const cfg = defaultConfig(id & 2 ? "f32" : "f64", (id & 1) === 1);
      const direct = new WebAssembly.Instance(
        new WebAssembly.Module(emitDirectKernels(cfg, true)),
        { env: { mem: memory } },
      );
      fns = KERNEL_FNS.map((name) => direct.exports[name] as Macro);
      exports.set(id, fns);
    }
    return fns[fn];
  };
  // Compile every default kernel before reporting ready: compiling on a first job made the
  // caller wait tens of milliseconds for that job's chunk (and counted as a stall).
  for (let id = 0; id < 4; id++) {
    try {
      lookup(id, 0);
    } catch {
      // An engine without relaxed SIMD cannot compile the FMA kernels; jobs never name them.
    }
  }
  const ctrl = new Int32Array(memory.buffer, CTRL, F.SIZE);
  let seen = Atomics.load(ctrl, F.SEQ);
  Atomics.store(ctrl, F.READY, 1);
  for (;;) {
    for (let i = 0; i < SPIN_POLLS && Atomics.load(ctrl, F.SEQ) === seen; i++);
    Atomics.wait(ctrl, F.SEQ, seen);
    seen = Atomics.load(ctrl, F.SEQ);
    Atomics.add(ctrl, F.HELPED, runChunks(ctrl, lookup));
  }
});
