/**
 * Reusable scratch tensors for the GaLore step's hot path (spec `compression_optim_attention.md`
 * §5a, "Core algorithm": R = P·G, N = Adam(R), ΔW = α·back(N)). Creating the m×n
 * back-projection afresh on every step cost a third of a 512×128 back-projection here (page
 * faults and zeroing of a new backing store); a {@link Workspace} keeps one buffer per role and
 * dtype and hands out tensors of any shape over its front.
 *
 * Scratch is not optimizer state: it lives outside the state (so `optimizerStateBytes` keeps
 * measuring what the optimizer keeps between steps) and its contents are undefined between
 * calls. The code using it is synchronous, so a role is never in use twice at once.
 *
 * @module
 */
import { type DType, Tensor } from "../../ops/tensor.ts";

interface Slot {
  data: Float32Array | Float64Array;
  views: Map<string, Tensor>;
}

/**
 * Scratch tensors by role: `get("back", "f32", [512, 128])` returns the same tensor on every
 * call with that role, dtype and shape, and tensors of different roles never share memory
 * (they are the operands and results of one product). A role's buffer grows to the largest
 * shape asked for and is then reused for every smaller one.
 *
 * @example
 * ```ts
 * import { Workspace } from "./workspace.ts";
 * const ws = new Workspace();
 * const a = ws.get("r", "f64", [4, 2]);
 * console.log(a.shape, ws.get("r", "f64", [4, 2]) === a); // [4, 2] true
 * console.log(ws.get("u", "f64", [4, 2]).data.buffer === a.data.buffer); // false
 * ```
 */
export class Workspace {
  #slots = new Map<string, Slot>();

  /** The scratch tensor of `role` with this dtype and shape (contents undefined). */
  get(role: string, dtype: DType, shape: readonly [number, number]): Tensor {
    const key = `${role}:${dtype}`;
    const size = shape[0] * shape[1];
    let slot = this.#slots.get(key);
    if (slot === undefined || slot.data.length < size) {
      const len = Math.max(size, slot?.data.length ?? 0);
      slot = {
        data: dtype === "f32" ? new Float32Array(len) : new Float64Array(len),
        views: new Map(),
      };
      this.#slots.set(key, slot);
    }
    const vkey = `${shape[0]}x${shape[1]}`;
    let view = slot.views.get(vkey);
    if (view === undefined) {
      view = new Tensor(slot.data.subarray(0, size), shape);
      slot.views.set(vkey, view);
    }
    return view;
  }
}
