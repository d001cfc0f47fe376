/**
 * Checkpoints as parameter trees: a model's parameters are plain data (nested records and
 * arrays of Tensors), and a checkpoint file is the flat map of dotted keys
 * (`model.layers.0.self_attn.q_proj.weight`) that PyTorch's `state_dict` produces.
 *
 * @module
 */
import { astype, shapeStr, Tensor } from "../tensor.ts";
import { readSafetensors } from "./safetensors.ts";

/**
 * A tree of parameters: a Tensor leaf, an array of subtrees, or a record of subtrees.
 *
 * @example
 * ```ts
 * import { zeros } from "../tensor.ts";
 * import { flattenParams, type ParamTree } from "./checkpoint.ts";
 * const tree: ParamTree = { layers: [{ w: zeros([2, 2]) }], norm: zeros([2]) };
 * console.log([...flattenParams(tree).keys()]); // ["layers.0.w", "norm"]
 * ```
 */
export type ParamTree = Tensor | ParamTree[] | { [key: string]: ParamTree };

/**
 * The dotted-key map of a parameter tree (array indices become key parts, as in PyTorch).
 *
 * @example
 * ```ts
 * import { zeros } from "../tensor.ts";
 * import { flattenParams } from "./checkpoint.ts";
 * const tree = { layers: [{ w: zeros([2, 2]) }], norm: zeros([2]) };
 * console.log([...flattenParams(tree).keys()]); // ["layers.0.w", "norm"]
 * ```
 */
export function flattenParams(tree: ParamTree, prefix = ""): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  const walk = (node: ParamTree, path: string): void => {
    if (node instanceof Tensor) {
      if (path === "") throw new RangeError("flattenParams: the root of the tree is a bare Tensor");
      out.set(path, node);
      return;
    }
    if (node === null || typeof node !== "object") {
      throw new TypeError(`flattenParams: "${path}" is neither a Tensor nor a subtree`);
    }
    const entries = Array.isArray(node) ? node.map((v, i) => [String(i), v] as const) : Object
      .entries(node);
    for (const [k, v] of entries) {
      if (k.length === 0 || k.includes(".")) {
        throw new RangeError(`flattenParams: key ${JSON.stringify(k)} under "${path}" is invalid`);
      }
      walk(v, path === "" ? k : `${path}.${k}`);
    }
  };
  walk(tree, prefix);
  return out;
}

/**
 * The nested-record tree of a dotted-key map (`a.b.c` → `{ a: { b: { c } } }`; numeric parts
 * stay record keys, so `layers.0` becomes `{ layers: { "0": … } }`).
 *
 * @example
 * ```ts
 * import { zeros } from "../tensor.ts";
 * import { unflattenParams } from "./checkpoint.ts";
 * const tree = unflattenParams(new Map([["a.b", zeros([1])], ["a.c", zeros([2])]]));
 * console.log(Object.keys(tree.a as object)); // ["b", "c"]
 * ```
 */
export function unflattenParams(flat: Map<string, Tensor>): { [key: string]: ParamTree } {
  const root: { [key: string]: ParamTree } = {};
  for (const [key, t] of flat) {
    const parts = key.split(".");
    if (parts.some((p) => p.length === 0)) {
      throw new RangeError(`unflattenParams: key ${JSON.stringify(key)} has an empty part`);
    }
    let node = root;
    for (let i = 0; i < parts.length - 1; i++) {
      const next = node[parts[i]];
      if (next instanceof Tensor) {
        throw new RangeError(`unflattenParams: "${key}" nests under tensor "${parts[i]}"`);
      }
      if (next === undefined) node[parts[i]] = {};
      node = node[parts[i]] as { [key: string]: ParamTree };
    }
    const leaf = parts[parts.length - 1];
    if (node[leaf] !== undefined) {
      throw new RangeError(`unflattenParams: "${key}" collides with a subtree`);
    }
    node[leaf] = t;
  }
  return root;
}

/**
 * Options of {@link loadParams}.
 *
 * @example
 * ```ts
 * import { tensor, zeros } from "../tensor.ts";
 * import { loadParams, type LoadParamsOptions } from "./checkpoint.ts";
 * const ck = new Map([["model.w", tensor([1, 2])], ["model.unused", tensor([0])]]);
 * const opts: LoadParamsOptions = { prefix: "model.", strict: false };
 * console.log(loadParams({ w: zeros([2]) }, ck, opts).w.data); // Float64Array [1, 2]
 * ```
 */
export interface LoadParamsOptions {
  /** Prefix prepended to every key of the template when looking it up (default none). */
  prefix?: string;
  /**
   * Fail when the checkpoint holds tensors the template does not use (default true);
   * missing and mis-shaped tensors always fail.
   */
  strict?: boolean;
}

/**
 * Fills a template parameter tree from a checkpoint: every leaf of `template` is replaced by
 * a copy of the checkpoint tensor of the same dotted key, checked for shape and converted to
 * the leaf's dtype. The template is not modified; the result has the same structure and owns
 * its data, so training the model in place never changes the checkpoint map (nor the reverse).
 *
 * @example
 * ```ts
 * import { tensor, zeros } from "../tensor.ts";
 * import { loadParams } from "./checkpoint.ts";
 * const tree = loadParams({ lin: { w: zeros([1, 2]) } }, new Map([["lin.w", tensor([[3, 4]])]]));
 * console.log((tree.lin as { w: { data: Float64Array } }).w.data); // Float64Array [3, 4]
 * ```
 */
export function loadParams<T extends ParamTree>(
  template: T,
  checkpoint: Map<string, Tensor>,
  opts: LoadParamsOptions = {},
): T {
  return fillParams(template, checkpoint, opts, true);
}

/** {@link loadParams}; `copy: false` hands over tensors no one else holds (fresh from a file). */
function fillParams<T extends ParamTree>(
  template: T,
  checkpoint: Map<string, Tensor>,
  opts: LoadParamsOptions,
  copy: boolean,
): T {
  const prefix = opts.prefix ?? "";
  const used = new Set<string>();
  const fill = (node: ParamTree, path: string): ParamTree => {
    if (node instanceof Tensor) {
      const key = prefix + path;
      const t = checkpoint.get(key);
      if (t === undefined) throw new RangeError(`loadParams: checkpoint has no tensor "${key}"`);
      if (t.shape.length !== node.shape.length || t.shape.some((d, i) => d !== node.shape[i])) {
        throw new RangeError(
          `loadParams: "${key}" is ${shapeStr(t.shape)} in the checkpoint, model expects ${
            shapeStr(node.shape)
          }`,
        );
      }
      used.add(key);
      // A copy even when the dtype matches: the model's tensors are updated in place.
      return copy || t.dtype !== node.dtype ? astype(t, node.dtype) : t;
    }
    if (Array.isArray(node)) return node.map((v, i) => fill(v, join(path, String(i))));
    if (node === null || typeof node !== "object") {
      throw new TypeError(`loadParams: template "${path}" is neither a Tensor nor a subtree`);
    }
    const out: { [key: string]: ParamTree } = {};
    for (const [k, v] of Object.entries(node)) out[k] = fill(v, join(path, k));
    return out;
  };
  const result = fill(template, "") as T;
  if (opts.strict ?? true) {
    const extra = [...checkpoint.keys()].filter((k) => !used.has(k));
    if (extra.length > 0) {
      throw new RangeError(
        `loadParams: ${extra.length} checkpoint tensors are not in the model: ${
          extra.slice(0, 5).join(", ")
        }${extra.length > 5 ? ", …" : ""} (pass strict: false to ignore them)`,
      );
    }
  }
  return result;
}

function join(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

/**
 * Reads a safetensors file and loads it into `template` (see {@link loadParams}).
 *
 * @example
 * ```ts
 * import { tensor, zeros } from "../tensor.ts";
 * import { writeSafetensors } from "./safetensors.ts";
 * import { loadCheckpoint } from "./checkpoint.ts";
 * const bytes = writeSafetensors({ w: tensor([1, 2], { dtype: "f32" }) });
 * const p = loadCheckpoint({ w: zeros([2]) }, bytes);
 * console.log(p.w.dtype, p.w.data); // f64 Float64Array [1, 2]
 * ```
 */
export function loadCheckpoint<T extends ParamTree>(
  template: T,
  bytes: Uint8Array,
  opts: LoadParamsOptions & { name?: string } = {},
): T {
  // The tensors just read belong to no one else, so they are handed over without a copy.
  const { tensors } = readSafetensors(bytes, { name: opts.name });
  return fillParams(template, tensors, opts, false);
}
