/**
 * The reverse-mode tape. It exists only while `grad`/`valueAndGrad` evaluates its function:
 * differentiable ops call {@link record} with their output, inputs and a backward closure; the
 * tape remembers which Tensor objects descend from the differentiated arguments (by identity)
 * and later runs the closures in reverse creation order, which is a topological order.
 * Outside `grad` no tape is active and the ops cost nothing extra.
 *
 * Reference: Griewank & Walther, "Evaluating Derivatives" (2nd ed., SIAM 2008), ch. 3–4.
 *
 * @module
 */
import { add_ } from "../elementwise.ts";
import { arith } from "./kernels.ts";
import { shapeStr, Tensor } from "../tensor.ts";

/**
 * Computes the gradients of an op's inputs from the gradient `g` of its output. `need[i]` is
 * false for inputs that do not descend from a differentiated argument; their entry may be null.
 *
 * @example
 * ```ts
 * import { type Tensor, tensor } from "../tensor.ts";
 * import type { BackwardFn } from "./tape.ts";
 * // y = 3x: the gradient of x is 3g.
 * const back: BackwardFn = (g: Tensor) => [tensor(g.data.map((v) => 3 * v))];
 * console.log(back(tensor([1, 2]), [true])[0]?.data); // Float64Array [3, 6]
 * ```
 */
export type BackwardFn = (g: Tensor, need: readonly boolean[]) => (Tensor | null)[];

/** One recorded value: a differentiated leaf (no backward) or an op's output. */
export interface TapeNode {
  /** Position in creation order. */
  readonly index: number;
  /** Shape of the value, to check the gradient that arrives. */
  readonly shape: readonly number[];
  /** Parent node of each op input (null: constant). Cleared once the node is processed. */
  parents: (TapeNode | null)[];
  /** The op's backward closure; null for leaves, and cleared once used (frees saved tensors). */
  backward: BackwardFn | null;
  /** Op name, for error messages. */
  readonly op: string;
}

/**
 * A tape: the nodes in creation order and the map from traced Tensor objects to their nodes.
 *
 * @example
 * ```ts
 * import { Tape } from "./tape.ts";
 * const tape = new Tape();
 * console.log(tape.nodes.length); // 0
 * ```
 */
export class Tape {
  /** Nodes in creation order. */
  nodes: TapeNode[] = [];
  /** Node of each traced tensor (weak: a dropped intermediate does not stay alive here). */
  readonly nodeOf: WeakMap<Tensor, TapeNode> = new WeakMap();

  /** Registers `t` as a differentiated leaf and returns its node. */
  leaf(t: Tensor): TapeNode {
    const node: TapeNode = {
      index: this.nodes.length,
      shape: t.shape,
      parents: [],
      backward: null,
      op: "leaf",
    };
    this.nodes.push(node);
    this.nodeOf.set(t, node);
    return node;
  }
}

let active: Tape | null = null;

/**
 * The tape being recorded, or null outside `grad`.
 *
 * @example
 * ```ts
 * import { activeTape } from "./tape.ts";
 * console.log(activeTape()); // null
 * ```
 */
export function activeTape(): Tape | null {
  return active;
}

/**
 * Runs `body` with `tape` recording. Nested recording (higher-order gradients) is not
 * supported and throws, rather than silently treating the outer trace as constant.
 *
 * @example
 * ```ts
 * import { activeTape, Tape, withTape } from "./tape.ts";
 * const inside = withTape(new Tape(), () => activeTape() !== null);
 * console.log(inside); // true
 * ```
 */
export function withTape<T>(tape: Tape, body: () => T): T {
  if (active !== null) {
    throw new RangeError(
      "grad: called inside another grad; higher-order gradients are not supported",
    );
  }
  active = tape;
  try {
    return body();
  } finally {
    active = null;
  }
}

/**
 * Whether `t` descends from a differentiated argument of the running `grad`.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { isTraced } from "./tape.ts";
 * console.log(isTraced(tensor([1]))); // false
 * ```
 */
export function isTraced(t: unknown): boolean {
  return active !== null && t instanceof Tensor && active.nodeOf.has(t);
}

/**
 * Throws a `TypeError` when one of `inputs` is traced by the running `grad`: for ops that have no
 * backward (decompositions without one, in-place updates, ops that return plain numbers). Without
 * this check such an op would cut the graph and the gradient would be silently zero, the worst
 * answer an autodiff library can give. `stopGradient(x)` is the explicit way to use a traced value
 * as a constant. Outside `grad` this costs one comparison.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { assertUntraced } from "./tape.ts";
 * assertUntraced("kmeans", { x: tensor([1]) }); // no tape active: nothing to check
 * ```
 */
export function assertUntraced(
  op: string,
  inputs: Readonly<Record<string, unknown>>,
  hint = "",
): void {
  if (active === null) return;
  for (const name in inputs) {
    const t = inputs[name];
    if (t instanceof Tensor && active.nodeOf.has(t)) {
      throw new TypeError(
        `${op}: argument ${name} is traced by grad, but ${op} has no gradient; ` +
          `wrap it in stopGradient(${name}) to use its value as a constant${hint}`,
      );
    }
  }
}

/**
 * Records `out = op(inputs)` on the active tape when any input is traced, and returns `out`.
 * Non-tensor inputs (numbers, index arrays) may be passed as null. This is how a custom
 * differentiable op is written: compute `out` with any code, then pass a `backward` that maps
 * the output gradient to one gradient per input, shaped like that input (checked), or null
 * where `need[i]` is false. `backward` must not modify `g` (it may be shared).
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { record } from "./tape.ts";
 * const x = tensor([1, 2]);
 * const y = record("copy", x.clone(), [x], (g) => [g]); // no tape active: nothing recorded
 * console.log(y.data); // Float64Array [1, 2]
 * ```
 */
export function record(
  op: string,
  out: Tensor,
  inputs: readonly (Tensor | number | null | undefined)[],
  backward: BackwardFn,
): Tensor {
  const tape = active;
  if (tape === null) return out;
  let any = false;
  const parents = inputs.map((t) => {
    const node = t instanceof Tensor ? tape.nodeOf.get(t) : undefined;
    if (node) any = true;
    return node ?? null;
  });
  if (!any) return out;
  const node: TapeNode = { index: tape.nodes.length, shape: out.shape, parents, backward, op };
  tape.nodes.push(node);
  tape.nodeOf.set(out, node);
  return out;
}

/** Accumulates gradients per node; a buffer is copied before the first in-place add. */
class GradStore {
  readonly grads: Map<TapeNode, Tensor> = new Map();
  readonly #owned: Set<TapeNode> = new Set();

  add(node: TapeNode, g: Tensor): void {
    const prev = this.grads.get(node);
    if (prev === undefined) {
      this.grads.set(node, g);
    } else if (this.#owned.has(node)) {
      add_(prev, g);
    } else {
      this.grads.set(node, arith("add", prev, g));
      this.#owned.add(node);
    }
  }

  take(node: TapeNode): Tensor | undefined {
    const g = this.grads.get(node);
    this.grads.delete(node);
    this.#owned.delete(node);
    return g;
  }
}

/**
 * Back-propagates `seed` (the gradient of the output) from `outNode` through the tape and
 * returns the gradients of `leaves` (undefined where a leaf does not influence the output).
 * Every processed node drops its closure and parents, so saved intermediates are freed as soon
 * as they have been used.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { backward, record, Tape, withTape } from "./tape.ts";
 * const tape = new Tape();
 * const x = tensor([3]);
 * const leaf = tape.leaf(x);
 * const y = withTape(tape, () => record("double", tensor([6]), [x], (g) => [g]));
 * const [gx] = backward(tape, tape.nodeOf.get(y)!, tensor([1]), [leaf]);
 * console.log(gx?.data); // Float64Array [1]
 * ```
 */
export function backward(
  tape: Tape,
  outNode: TapeNode,
  seed: Tensor,
  leaves: readonly TapeNode[],
): (Tensor | undefined)[] {
  const store = new GradStore();
  store.add(outNode, seed);
  const isLeaf = new Set(leaves);
  const leafGrads = new Map<TapeNode, Tensor>();
  for (let i = outNode.index; i >= 0; i--) {
    const node = tape.nodes[i];
    const g = store.take(node);
    if (g === undefined) continue;
    if (isLeaf.has(node)) leafGrads.set(node, g);
    const fn = node.backward;
    if (fn === null) continue;
    const parents = node.parents;
    node.backward = null;
    node.parents = [];
    const need = parents.map((p) => p !== null);
    const inGrads = fn(g, need);
    for (let k = 0; k < parents.length; k++) {
      const p = parents[k];
      const gk = inGrads[k];
      if (p === null) continue;
      if (!gk) throw new Error(`grad: op ${node.op} returned no gradient for input ${k}`);
      checkGradShape(node.op, k, p.shape, gk.shape);
      store.add(p, gk);
    }
  }
  tape.nodes = [];
  // Pass-through ops (add, reshape) hand the same buffer to several inputs; give every leaf
  // its own buffer so that in-place updates of one gradient (clipping) cannot touch another.
  const seen = new Set<ArrayBufferLike | Tensor["data"]>();
  return leaves.map((l) => {
    const g = leafGrads.get(l);
    if (g === undefined) return undefined;
    if (seen.has(g.data)) return g.clone();
    seen.add(g.data);
    return g;
  });
}

function checkGradShape(
  op: string,
  k: number,
  want: readonly number[],
  got: readonly number[],
): void {
  if (want.length !== got.length || want.some((d, i) => d !== got[i])) {
    throw new Error(
      `grad: op ${op} gave input ${k} a gradient of shape ${shapeStr(got)}, expected ${
        shapeStr(want)
      }`,
    );
  }
}
