/**
 * The common interface of the LoRA family (`specs/adapters.md` §0). A method is a pure
 * description of an update `ΔW(θ)` of a frozen weight `W ∈ R^{out×in}` (or an N-D kernel):
 * `init` builds the state from `W`, `delta` evaluates `ΔW` from the state (written with the
 * differentiable ops of `ops/autograd`, so `valueAndGrad` can differentiate through it), and
 * `merge`/`unmerge` fold the update into the weight and out again.
 *
 * @module
 */
import { add, sub } from "../../ops/elementwise.ts";
import type { Rng } from "../../ops/random.ts";
import { shapeStr, type Tensor } from "../../ops/tensor.ts";

/**
 * Trainable tensors of an adapter, by name.
 *
 * @example
 * ```ts
 * import { zeros } from "../../ops/tensor.ts";
 * import { countParams, type Params } from "./adapter.ts";
 * const p: Params = { a: zeros([2, 8]), b: zeros([8, 2]) };
 * console.log(countParams(p)); // 32
 * ```
 */
export type Params = Record<string, Tensor>;

/** The state of one adapted weight: trainable parameters plus whatever the method freezes. */
export interface AdapterState<P extends Params = Params> {
  /** Method name (`"lora"`, `"pissa"`, …). */
  readonly method: string;
  /** Shape of the adapted weight (`[out, in]` for a linear layer). */
  readonly shape: readonly number[];
  /** Trainable tensors; replace them (`{ ...state, params }`) to evaluate another θ. */
  readonly params: P;
  /**
   * The frozen weight the update is added to, when the method replaces `W` (PiSSA's and
   * LoLDU's residual); absent when the base stays `W` itself.
   */
  readonly base?: Tensor;
}

/** A method of the family: how to initialize, evaluate and count an adapter. */
export interface AdapterMethod<O, S extends AdapterState> {
  /** Method name. */
  readonly name: string;
  /** Builds the adapter state for weight `w` (an `Rng` for random initializers). */
  init(w: Tensor, opts: O, rng: Rng): S;
  /** `ΔW` for the current parameters, shaped like `W` (differentiable in `s.params`). */
  delta(s: S): Tensor;
  /** The tensors an optimizer should update (a subset of `s.params` for some modes). */
  trainable(s: S): Params;
  /** Number of trainable scalars of the state. */
  paramCount(s: S): number;
}

/**
 * Number of scalars in a record of tensors.
 *
 * @example
 * ```ts
 * import { zeros } from "../../ops/tensor.ts";
 * import { countParams } from "./adapter.ts";
 * console.log(countParams({ a: zeros([2, 3]), b: zeros([4]) })); // 10
 * ```
 */
export function countParams(p: Params): number {
  let n = 0;
  for (const t of Object.values(p)) n += t.size;
  return n;
}

function checkSameShape(fn: string, w: Tensor, d: Tensor): void {
  if (w.shape.length !== d.shape.length || w.shape.some((x, i) => x !== d.shape[i])) {
    throw new RangeError(
      `${fn}: weight is ${shapeStr(w.shape)} but the adapter's ΔW is ${shapeStr(d.shape)}`,
    );
  }
}

/**
 * `W + ΔW(θ)`: the merged weight (contract of spec §0). For methods that replace `W` by a
 * residual, pass the residual (`state.base`) as `w`.
 *
 * @example
 * ```ts
 * import { Rng } from "../../ops/random.ts";
 * import { randn } from "../../ops/random.ts";
 * import { lora } from "./lora.ts";
 * import { merge, unmerge } from "./adapter.ts";
 * const w = randn([4, 3], { seed: 0 });
 * const s = lora.init(w, { r: 2 }, new Rng(1));
 * const back = unmerge(merge(w, lora, s), lora, s);
 * console.log(Math.abs(back.data[0] - w.data[0]) < 1e-12); // true
 * ```
 */
export function merge<O, S extends AdapterState>(
  w: Tensor,
  method: AdapterMethod<O, S>,
  s: S,
): Tensor {
  const d = method.delta(s);
  checkSameShape("merge", w, d);
  return add(w, d);
}

/**
 * `W − ΔW(θ)`: undoes {@link merge} with the update recomputed from the current state.
 *
 * @example
 * ```ts
 * import { Rng, randn } from "../../ops/random.ts";
 * import { lora } from "./lora.ts";
 * import { unmerge } from "./adapter.ts";
 * const w = randn([2, 2], { seed: 0 });
 * const s = lora.init(w, { r: 1 }, new Rng(0)); // B = 0: ΔW = 0
 * console.log(unmerge(w, lora, s).data[3] === w.data[3]); // true
 * ```
 */
export function unmerge<O, S extends AdapterState>(
  w: Tensor,
  method: AdapterMethod<O, S>,
  s: S,
): Tensor {
  const d = method.delta(s);
  checkSameShape("unmerge", w, d);
  return sub(w, d);
}

/**
 * Throws a RangeError naming `fn` and `arg` unless `v` is a positive integer.
 *
 * @example
 * ```ts
 * import { positiveInt } from "./adapter.ts";
 * console.log(positiveInt("lora", "r", 8)); // 8
 * ```
 */
export function positiveInt(fn: string, arg: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1) {
    throw new RangeError(`${fn}: ${arg} must be a positive integer, got ${String(v)}`);
  }
  return v;
}

/**
 * Throws a RangeError naming `fn` and `arg` unless `v` is a finite number.
 *
 * @example
 * ```ts
 * import { finiteNumber } from "./adapter.ts";
 * console.log(finiteNumber("lora", "alpha", 16)); // 16
 * ```
 */
export function finiteNumber(fn: string, arg: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new RangeError(`${fn}: ${arg} must be a finite number, got ${String(v)}`);
  }
  return v;
}
