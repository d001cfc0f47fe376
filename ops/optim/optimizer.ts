/**
 * The optimizer protocol: plain-data state (inspectable and replaceable, keyed by parameter
 * path) and an in-place `step_` over parameter trees. Learning rates are numbers or schedules.
 *
 * @module
 */
import { shapeStr, type Tensor } from "../tensor.ts";
import { treeLeaves, type TreeLike } from "../autograd/tree.ts";

/**
 * A learning-rate schedule: the rate for the update that follows `step` earlier updates.
 *
 * @example
 * ```ts
 * import { resolveLr, type Schedule } from "./optimizer.ts";
 * const halving: Schedule = (step) => 0.1 * 0.5 ** step;
 * console.log(resolveLr("demo", halving, 2)); // 0.025
 * ```
 */
export type Schedule = (step: number) => number;

/** State every optimizer keeps: the number of updates taken so far. */
export interface OptimizerState {
  /** Updates taken so far (0 before the first). */
  step: number;
}

/**
 * An optimizer: `init` makes its state for a parameter tree; `step_` updates the parameters
 * and the state in place from gradients of the same structure, and returns the state.
 */
export interface Optimizer<S extends OptimizerState = OptimizerState> {
  /** Fresh state for `params` (moments zero, step 0). */
  init(params: TreeLike): S;
  /** One update of `params` (in place) and `state` (in place); returns `state`. */
  step_(params: TreeLike, grads: TreeLike, state: S): S;
}

/**
 * The learning rate to use at `step`: `lr` itself, or `lr(step)` for a schedule.
 *
 * @example
 * ```ts
 * import { resolveLr } from "./optimizer.ts";
 * console.log(resolveLr("sgd", (s) => 1 / (s + 1), 1)); // 0.5
 * ```
 */
export function resolveLr(fn: string, lr: number | Schedule, step: number): number {
  const v = typeof lr === "function" ? lr(step) : lr;
  if (typeof v !== "number" || !(v >= 0) || !Number.isFinite(v)) {
    throw new RangeError(
      `${fn}: learning rate must be a finite number >= 0, got ${String(v)} at step ${step}`,
    );
  }
  return v;
}

/**
 * Pairs the leaves of `params` and `grads` by path, checking that both trees have the same
 * paths, shapes and dtypes.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { pairLeaves } from "./optimizer.ts";
 * console.log(pairLeaves("sgd", { w: tensor([1]) }, { w: tensor([2]) })[0][0]); // "w"
 * ```
 */
export function pairLeaves(
  fn: string,
  params: TreeLike,
  grads: TreeLike,
): [string, Tensor, Tensor][] {
  const ps = treeLeaves(params, fn), gs = treeLeaves(grads, fn);
  if (ps.length !== gs.length) {
    throw new RangeError(`${fn}: params have ${ps.length} tensors but grads have ${gs.length}`);
  }
  return ps.map(([path, p], i) => {
    const [gpath, g] = gs[i];
    if (gpath !== path) {
      throw new RangeError(`${fn}: grads has "${gpath}" where params has "${path}"`);
    }
    if (p.dtype !== g.dtype || p.ndim !== g.ndim || p.shape.some((d, k) => d !== g.shape[k])) {
      throw new RangeError(
        `${fn}: "${path}" is ${p.dtype} ${shapeStr(p.shape)} but its gradient is ${g.dtype} ${
          shapeStr(g.shape)
        }`,
      );
    }
    return [path, p, g];
  });
}

/**
 * The state tensor for `path`, checked against its parameter (so a replaced moment of the
 * wrong shape is reported, not misused).
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { stateSlot } from "./optimizer.ts";
 * console.log(stateSlot("adam", "m", { w: tensor([0]) }, "w", tensor([5])).data); // Float64Array [0]
 * ```
 */
export function stateSlot(
  fn: string,
  slot: string,
  record: Record<string, Tensor>,
  path: string,
  p: Tensor,
): Tensor {
  const t = record[path];
  if (t === undefined) throw new RangeError(`${fn}: state.${slot} has no entry for "${path}"`);
  if (t.size !== p.size || t.dtype !== p.dtype) {
    throw new RangeError(
      `${fn}: state.${slot}["${path}"] is ${t.dtype} ${
        shapeStr(t.shape)
      }, parameter is ${p.dtype} ${shapeStr(p.shape)}`,
    );
  }
  return t;
}

/**
 * Checks that a hyperparameter is a number in `[lo, hi)` and returns it.
 *
 * @example
 * ```ts
 * import { hyper } from "./optimizer.ts";
 * console.log(hyper("adam", "beta1", 0.9, 0, 1)); // 0.9
 * ```
 */
export function hyper(fn: string, name: string, v: number, lo: number, hi = Infinity): number {
  if (typeof v !== "number" || !(v >= lo && v < hi)) {
    throw new RangeError(`${fn}: ${name} must be in [${lo}, ${hi}), got ${String(v)}`);
  }
  return v;
}
