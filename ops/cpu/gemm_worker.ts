/**
 * The GEMM helper thread (a `node:worker_threads` worker started by `gemm_pool.ts`). It shares
 * the one `WebAssembly.Memory` with the main thread, instantiates the same emitted kernels, and
 * then sleeps in `Atomics.wait` until the main thread posts a job in the control block, and
 * claims MC-row chunks of the packed A until none are left, like the main thread does (see
 * `gemm_pool.ts` for the protocol). No data crosses `postMessage` after start-up.
 *
 * @module
 */
import { parentPort } from "node:worker_threads";
import { defaultConfig, emitGemmKernel } from "./gemm_kernel.ts";
import { CTRL, F, type Macro, runChunks } from "./gemm_pool.ts";

parentPort?.once("message", (msg: { memory: WebAssembly.Memory }) => {
  const memory = msg.memory;
  const macros = new Map<number, Macro>();
  const kernel = (id: number): Macro => {
    let f = macros.get(id);
    if (!f) {
      const cfg = defaultConfig(id & 2 ? "f32" : "f64", (id & 1) === 1);
      const mod = new WebAssembly.Module(emitGemmKernel(cfg, true));
      f = new WebAssembly.Instance(mod, { env: { mem: memory } }).exports.macro as Macro;
      macros.set(id, f);
    }
    return f;
  };
  const ctrl = new Int32Array(memory.buffer, CTRL, F.SIZE);
  let seen = Atomics.load(ctrl, F.SEQ);
  Atomics.store(ctrl, F.READY, 1);
  for (;;) {
    Atomics.wait(ctrl, F.SEQ, seen);
    seen = Atomics.load(ctrl, F.SEQ);
    Atomics.add(ctrl, F.HELPED, runChunks(ctrl, seen, kernel(ctrl[F.KERNEL])));
  }
});
