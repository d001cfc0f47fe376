/**
 * Parameter trees: a Tensor, an array of trees, or a plain record of trees. A model is such a
 * tree plus pure functions; optimizers and `grad` walk it by path (`"layers.0.weight"`).
 *
 * @module
 */
import { Tensor } from "../tensor.ts";

/**
 * A Tensor, or an array or plain record of trees (`undefined` marks an absent optional leaf).
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { type TensorTree, treeLeaves } from "./tree.ts";
 * const tree: TensorTree = { w: tensor([1]), layers: [{ b: tensor([2]) }], bias: undefined };
 * console.log(treeLeaves(tree).length); // 2
 * ```
 */
export type TensorTree =
  | Tensor
  | undefined
  | readonly TensorTree[]
  | { readonly [key: string]: TensorTree };

/**
 * What the tree walkers accept: a {@link TensorTree}, or any plain object (such as a value of
 * an `interface` type, which TypeScript will not match to an index signature) whose leaves are
 * checked at run time.
 *
 * @example
 * ```ts
 * import { type Tensor, tensor } from "../tensor.ts";
 * import { treeLeaves, type TreeLike } from "./tree.ts";
 * interface Model {
 *   weight: Tensor;
 * }
 * const model: Model = { weight: tensor([1, 2]) };
 * const tree: TreeLike = model;
 * console.log(treeLeaves(tree).map(([path]) => path)); // ["weight"]
 * ```
 */
export type TreeLike = TensorTree | object;

function isRecord(v: unknown): v is Record<string, TensorTree> {
  if (typeof v !== "object" || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * Every Tensor leaf of `tree` with its dotted path, in a fixed order (array order, then
 * record key insertion order).
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { treeLeaves } from "./tree.ts";
 * const leaves = treeLeaves({ w: tensor([1]), layers: [{ b: tensor([2]) }] });
 * console.log(leaves.map(([p]) => p)); // ["w", "layers.0.b"]
 * ```
 */
export function treeLeaves(tree: TreeLike, fn = "treeLeaves"): [string, Tensor][] {
  const out: [string, Tensor][] = [];
  const walk = (node: unknown, path: string): void => {
    if (node instanceof Tensor) out.push([path, node]);
    else if (node === undefined) return;
    else if (Array.isArray(node)) node.forEach((c, i) => walk(c, join(path, String(i))));
    else if (isRecord(node)) { for (const k of Object.keys(node)) walk(node[k], join(path, k)); }
    else {
      throw new TypeError(
        `${fn}: leaf ${path === "" ? "(root)" : `"${path}"`} is not a Tensor: ${String(node)}`,
      );
    }
  };
  walk(tree, "");
  return out;
}

function join(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

/**
 * A tree of the same structure with every Tensor leaf replaced by `f(leaf, path)`.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { treeMap } from "./tree.ts";
 * const t = treeMap({ a: tensor([1, 2]) }, (x) => tensor([x.size]));
 * console.log((t as { a: { data: Float64Array } }).a.data); // Float64Array [2]
 * ```
 */
export function treeMap<T extends TreeLike>(
  tree: T,
  f: (leaf: Tensor, path: string) => Tensor,
  fn = "treeMap",
): T {
  const walk = (node: unknown, path: string): unknown => {
    if (node instanceof Tensor) return f(node, path);
    if (node === undefined) return undefined;
    if (Array.isArray(node)) return node.map((c, i) => walk(c, join(path, String(i))));
    if (isRecord(node)) {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(node)) out[k] = walk(node[k], join(path, k));
      return out;
    }
    throw new TypeError(
      `${fn}: leaf ${path === "" ? "(root)" : `"${path}"`} is not a Tensor: ${String(node)}`,
    );
  };
  return walk(tree, "") as T;
}
