/**
 * Functional reverse-mode differentiation: `grad`, `valueAndGrad` and `stopGradient`, in the
 * style of JAX (Bradbury et al. 2018). The differentiated arguments may be Tensors or parameter
 * trees; the gradient has the same structure. There is no global training mode: a tape exists
 * only while the function is being evaluated inside `grad`.
 *
 * @module
 */
import { full, Tensor, zeros } from "../tensor.ts";
import { activeTape, backward, Tape, type TapeNode, withTape } from "./tape.ts";
import { treeLeaves, type TreeLike, treeMap } from "./tree.ts";

/** Options of {@link grad} and {@link valueAndGrad}. */
export interface GradOptions<N extends number | readonly number[] = number> {
  /** Which positional argument(s) to differentiate (default 0). An array gives an array. */
  argnums?: N;
  /**
   * Give a zero gradient to a differentiated tensor that the output does not depend on (default
   * false: that is a `TypeError` naming its path, as PyTorch's `allow_unused=False`; a constant
   * passed by mistake, or an op that cut the graph, must not look like a zero gradient).
   */
  allowUnused?: boolean;
}

const GRAD_OPTION_KEYS = new Set(["argnums", "allowUnused"]);

function checkGradOptions(opts: unknown): void {
  if (opts === null || typeof opts !== "object") {
    throw new TypeError(`grad: options must be an object, got ${String(opts)}`);
  }
  for (const key of Object.keys(opts)) {
    if (!GRAD_OPTION_KEYS.has(key)) throw new TypeError(`grad: unknown option "${key}"`);
  }
  const allow = (opts as GradOptions).allowUnused;
  if (allow !== undefined && typeof allow !== "boolean") {
    throw new TypeError(`grad: allowUnused must be a boolean, got ${String(allow)}`);
  }
}

/** "argument 0", or "argument 1 at path \"w.0\"" for a leaf inside a tree. */
function leafName(argnum: number, path: string): string {
  return path === "" ? `argument ${argnum}` : `argument ${argnum} at path "${path}"`;
}

/** The result of a function made by {@link valueAndGrad}. */
export interface ValueAndGrad<G> {
  /** The function's scalar output. */
  value: Tensor;
  /** Its gradient, with the structure of the differentiated argument(s). */
  grad: G;
}

function checkArgnums(argnums: number | readonly number[], nargs: number): number[] {
  const list = typeof argnums === "number" ? [argnums] : [...argnums];
  if (list.length === 0) throw new RangeError("grad: argnums is empty");
  for (const a of list) {
    if (!Number.isInteger(a) || a < 0 || a >= nargs) {
      throw new RangeError(`grad: argnums entry ${a} is not an argument index (got ${nargs} args)`);
    }
  }
  if (new Set(list).size !== list.length) {
    throw new RangeError(`grad: argnums [${list.join(", ")}] repeats an index`);
  }
  return list;
}

function evaluate(
  f: (...args: unknown[]) => unknown,
  args: unknown[],
  argnums: number[],
  allowUnused: boolean,
): ValueAndGrad<unknown[]> {
  const tape = new Tape();
  const leaves: TapeNode[] = [];
  const names: string[] = [];
  const traced = [...args];
  for (const i of argnums) {
    for (const [path] of treeLeaves(args[i] as TreeLike, "grad")) names.push(leafName(i, path));
    traced[i] = treeMap(args[i] as TreeLike, (t) => {
      const copy = new Tensor(t.data, t.shape); // same storage, a new identity to trace
      leaves.push(tape.leaf(copy));
      return copy;
    }, "grad");
  }
  const value = withTape(tape, () => f(...traced));
  if (!(value instanceof Tensor) || value.size !== 1) {
    const what = value instanceof Tensor ? `a tensor of shape [${value.shape}]` : String(value);
    throw new TypeError(`grad: the function must return a scalar Tensor, got ${what}`);
  }
  const outNode = tape.nodeOf.get(value);
  if (outNode === undefined && !allowUnused) {
    throw new TypeError(
      `grad: the output does not depend on any differentiated input (${names.join(", ")}); ` +
        "pass allowUnused: true if a zero gradient is intended",
    );
  }
  const grads = outNode === undefined
    ? leaves.map(() => undefined)
    : backward(tape, outNode, full(value.shape, 1, { dtype: value.dtype }), leaves);
  if (!allowUnused) {
    const unused = names.filter((_, k) => grads[k] === undefined);
    if (unused.length > 0) {
      throw new TypeError(
        `grad: the output does not depend on ${unused.join(", ")}; ` +
          "pass allowUnused: true if a zero gradient is intended",
      );
    }
  }
  let k = 0;
  const result = argnums.map((i) =>
    treeMap(args[i] as TreeLike, (t) => grads[k++] ?? zeros(t.shape, { dtype: t.dtype }))
  );
  return { value, grad: result };
}

/**
 * Wraps `f` so that it returns its value and its gradient with respect to the argument(s)
 * `argnums` (default 0). `f` must return a scalar Tensor; the differentiated arguments are
 * Tensors or trees of Tensors (records/arrays), and each gradient has the same structure.
 * A differentiated tensor that does not influence the value is a `TypeError` naming its path,
 * unless `allowUnused: true` asks for a zero gradient.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { valueAndGrad } from "./grad.ts";
 * import { mul, sum } from "./ops.ts";
 * const f = (p: { w: ReturnType<typeof tensor> }) => sum(mul(p.w, p.w));
 * const { value, grad } = valueAndGrad(f)({ w: tensor([1, 2]) });
 * console.log(value.data, grad.w.data); // Float64Array [5] Float64Array [2, 4]
 * ```
 */
export function valueAndGrad<A extends unknown[], N extends number = 0>(
  f: (...args: A) => Tensor,
  opts?: GradOptions<N>,
): (...args: A) => ValueAndGrad<A[N]>;
/** With an array of argnums the gradient is an array, one entry per listed argument. */
export function valueAndGrad<A extends unknown[]>(
  f: (...args: A) => Tensor,
  opts: GradOptions<readonly number[]>,
): (...args: A) => ValueAndGrad<unknown[]>;
export function valueAndGrad<A extends unknown[]>(
  f: (...args: A) => Tensor,
  opts: GradOptions<number | readonly number[]> = {},
): (...args: A) => ValueAndGrad<unknown> {
  if (typeof f !== "function") throw new TypeError(`valueAndGrad: f must be a function`);
  checkGradOptions(opts);
  const argnums = opts.argnums ?? 0;
  const allowUnused = opts.allowUnused ?? false;
  return (...args: A): ValueAndGrad<unknown> => {
    const list = checkArgnums(argnums, args.length);
    const r = evaluate(f as (...a: unknown[]) => unknown, args, list, allowUnused);
    return { value: r.value, grad: typeof argnums === "number" ? r.grad[0] : r.grad };
  };
}

/**
 * Wraps `f` so that it returns the gradient of its scalar output with respect to the
 * argument(s) `argnums` (default 0). See {@link valueAndGrad}.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { grad } from "./grad.ts";
 * import { sum, tanh } from "./ops.ts";
 * const g = grad((x: ReturnType<typeof tensor>) => sum(tanh(x)))(tensor([0]));
 * console.log(g.data); // Float64Array [1]
 * ```
 */
export function grad<A extends unknown[], N extends number = 0>(
  f: (...args: A) => Tensor,
  opts?: GradOptions<N>,
): (...args: A) => A[N];
/** With an array of argnums the result is an array, one gradient per listed argument. */
export function grad<A extends unknown[]>(
  f: (...args: A) => Tensor,
  opts: GradOptions<readonly number[]>,
): (...args: A) => unknown[];
export function grad<A extends unknown[]>(
  f: (...args: A) => Tensor,
  opts: GradOptions<number | readonly number[]> = {},
): (...args: A) => unknown {
  const vg = valueAndGrad(f, opts as GradOptions<readonly number[]>);
  return (...args: A): unknown => vg(...args).grad;
}

/**
 * The value of `t`, hidden from the running `grad`: gradients do not flow through it. Outside
 * `grad` it returns `t` itself; inside, a copy that the tape does not know.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { grad, stopGradient } from "./grad.ts";
 * import { mul, sum } from "./ops.ts";
 * const g = grad((x: ReturnType<typeof tensor>) => sum(mul(x, stopGradient(x))))(tensor([3]));
 * console.log(g.data); // Float64Array [3]
 * ```
 */
export function stopGradient(t: Tensor): Tensor {
  if (!(t instanceof Tensor)) {
    throw new TypeError(`stopGradient: t must be a Tensor, got ${String(t)}`);
  }
  return activeTape() === null ? t : t.clone();
}
