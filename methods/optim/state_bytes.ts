/**
 * Memory accounting of optimizer states: the bytes of every typed array an optimizer keeps,
 * found by walking the state (plain objects, arrays, Tensors). This is how the GaLore paper's
 * optimizer-memory claims (spec `compression_optim_attention.md` §5a "Complexity") are
 * measured here rather than computed from a formula.
 *
 * @module
 */
import { Tensor } from "../../ops/tensor.ts";

/**
 * Total `byteLength` of the distinct typed arrays reachable from `state` (through plain
 * objects, arrays and Tensors). A typed array reached twice counts once; numbers, strings and
 * functions count zero.
 *
 * @throws {TypeError} if the state holds something that is neither plain data nor a Tensor
 * (a Map, a class instance), whose memory this walk could not see.
 *
 * @example
 * ```ts
 * import { randn } from "../../ops/random.ts";
 * import { adamw } from "../../ops/optim/adam.ts";
 * import { optimizerStateBytes } from "./state_bytes.ts";
 * const params = { w: randn([10, 4], { seed: 0 }) };
 * console.log(optimizerStateBytes(adamw().init(params))); // 640 (two f64 moments of 40)
 * ```
 */
export function optimizerStateBytes(state: unknown): number {
  const seen = new Set<ArrayBufferView>();
  const visited = new Set<object>();
  const walk = (node: unknown, path: string): void => {
    if (node === null || typeof node !== "object") return;
    if (visited.has(node)) return;
    visited.add(node);
    if (node instanceof Tensor) return walk(node.data, path);
    if (ArrayBuffer.isView(node)) {
      seen.add(node);
      return;
    }
    if (Array.isArray(node)) return node.forEach((c, i) => walk(c, `${path}[${i}]`));
    const proto = Object.getPrototypeOf(node);
    if (proto !== Object.prototype && proto !== null) {
      throw new TypeError(
        `optimizerStateBytes: state${path} is a ${proto?.constructor?.name ?? "object"}, ` +
          `not plain data or a Tensor`,
      );
    }
    for (const [k, v] of Object.entries(node)) walk(v, `${path}.${k}`);
  };
  walk(state, "");
  let total = 0;
  for (const view of seen) total += view.byteLength;
  return total;
}
