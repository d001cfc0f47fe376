/**
 * TriAdaptLoRA's rank-growth loop over several adapted matrices (Liang, Wang & Zeng, 2025,
 * arXiv 2501.08008; spec `specs/adapters.md` §10, "Rank-growth rule"), and the optimizer-state
 * surgery that growth needs: existing rows of A, columns of B and C strips keep their moments,
 * only the new ones start at zero ("new parameters are appended to the optimizer with fresh
 * (zero) moments").
 *
 * @module
 */
import type { Rng } from "../../ops/random.ts";
import { shapeStr, Tensor, zeros } from "../../ops/tensor.ts";
import { positiveInt } from "./adapter.ts";
import {
  growAdapter,
  growthDecision,
  importance,
  triAdaptRank,
  type TriAdaptState,
} from "./triadapt.ts";

/** Options of {@link triAdaptGrowStep}; defaults are spec §10's. */
export interface TriAdaptGrowthOptions {
  /** Total training steps T. */
  total: number;
  /** Target average rank per matrix (default 8). */
  referenceRank?: number;
  /** Total rank budget (default `referenceRank × #matrices`). */
  rankTarget?: number;
  /** Rank added to a matrix that grows (default `max(1, ⌊referenceRank/2⌋)`). */
  increment?: number;
  /** Warm-up t₀ (default ⌊0.1 T⌋). */
  warmup?: number;
  /** Interval Δt (default max(1, ⌊T/50⌋)). */
  interval?: number;
  /** Threshold schedule (default `"linear"`). */
  model?: "linear" | "non-linear";
  /** Rescale old strips so that growth keeps ΔW exactly (default false, as the reference). */
  compensate?: boolean;
  /** Std of new A rows / B columns (default 0.02). */
  initStd?: number;
}

const OPTION_KEYS = new Set([
  "total",
  "referenceRank",
  "rankTarget",
  "increment",
  "warmup",
  "interval",
  "model",
  "compensate",
  "initStd",
]);

/** Result of one {@link triAdaptGrowStep}. */
export interface TriAdaptGrowth {
  /** The states after this step (grown ones replaced, the others the same objects). */
  states: TriAdaptState[];
  /** Indices of the matrices that grew. */
  grown: number[];
  /** Importance `q_t` of every matrix, to pass as `qPrev` next time. */
  q: number[];
}

/**
 * One evaluation of the growth rule over all adapted matrices at step `step`: scores
 * `q_t − q_prev` (importance `‖C‖_F/m`), the dynamic K-th-largest threshold of
 * {@link growthDecision} on the total rank, and growth by `increment` of every selected matrix.
 * Call it before each optimizer step; after a growth, remap the optimizer state with
 * {@link growOptimizerState_}.
 *
 * @example
 * ```ts
 * import { Rng, randn } from "../../ops/random.ts";
 * import { triAdapt } from "./triadapt.ts";
 * import { triAdaptGrowStep } from "./triadapt_growth.ts";
 * const st = [0, 1].map((i) => triAdapt.init(randn([6, 5], { seed: i }), {}, new Rng(i)));
 * st[1].params.cl0.data[0] = 1; // matrix 1 has learned something, matrix 0 not
 * const g = triAdaptGrowStep(st, [0, 0], 20, { total: 100, referenceRank: 4 }, new Rng(2));
 * console.log(g.grown, g.states.map((s) => s.blocks)); // [1] [[1], [1, 2]]
 * ```
 */
export function triAdaptGrowStep(
  states: readonly TriAdaptState[],
  qPrev: readonly number[],
  step: number,
  opts: TriAdaptGrowthOptions,
  rng: Rng,
): TriAdaptGrowth {
  for (const k of Object.keys(opts)) {
    if (!OPTION_KEYS.has(k)) throw new TypeError(`triAdaptGrowStep: unknown option "${k}"`);
  }
  if (states.length === 0) throw new RangeError("triAdaptGrowStep: states is empty");
  if (qPrev.length !== states.length) {
    throw new RangeError(
      `triAdaptGrowStep: qPrev has ${qPrev.length} entries for ${states.length} states`,
    );
  }
  const ref = positiveInt("triAdaptGrowStep", "referenceRank", opts.referenceRank ?? 8);
  const inc = positiveInt("triAdaptGrowStep", "increment", opts.increment ?? Math.max(1, ref >> 1));
  const target = positiveInt(
    "triAdaptGrowStep",
    "rankTarget",
    opts.rankTarget ?? ref * states.length,
  );
  const q = states.map(importance);
  const grown = growthDecision({
    step,
    total: opts.total,
    warmup: opts.warmup,
    interval: opts.interval,
    model: opts.model,
    rankNow: states.reduce((n, s) => n + triAdaptRank(s), 0),
    rankTarget: target,
    scores: q.map((x, i) => x - qPrev[i]),
  });
  const out = states.map((s, i) =>
    grown.includes(i)
      ? growAdapter(s, inc, rng, { compensate: opts.compensate, initStd: opts.initStd })
      : s
  );
  return { states: out, grown, q };
}

function extendRows(t: Tensor, rows: number, cols: number): Tensor {
  const out = zeros([rows, cols], { dtype: t.dtype });
  out.data.set(t.data);
  return out;
}

function extendCols(t: Tensor, rows: number, cols: number): Tensor {
  const out = zeros([rows, cols], { dtype: t.dtype });
  const c0 = t.shape[1];
  for (let i = 0; i < rows; i++) out.data.set(t.data.subarray(i * c0, (i + 1) * c0), i * cols);
  return out;
}

function moment(path: string, t: Tensor | undefined, before: Tensor): Tensor {
  if (t === undefined) throw new RangeError(`growOptimizerState_: state has no entry "${path}"`);
  if (t.size !== before.size) {
    throw new RangeError(
      `growOptimizerState_: state entry "${path}" is ${shapeStr(t.shape)}, the parameter was ${
        shapeStr(before.shape)
      }`,
    );
  }
  return t;
}

/**
 * Remaps every per-parameter record of an optimizer state (Adam's `m` and `v`, SGD's momentum:
 * any field that maps the adapter's parameter paths to tensors) from `before` to `after =
 * growAdapter(before, …)`, in place: the old rows of A, columns of B and the existing C strips
 * keep their entries; the new rows, columns and strips get zeros. Paths are
 * `${prefix}.${name}` (or just the name when `prefix` is empty), as the optimizers key a tree.
 * Existing strips keep their moments also with `compensate` (their values were rescaled).
 * Returns `state`.
 *
 * @example
 * ```ts
 * import { Rng, randn } from "../../ops/random.ts";
 * import { adam } from "../../ops/optim/adam.ts";
 * import { growAdapter, triAdapt } from "./triadapt.ts";
 * import { growOptimizerState_ } from "./triadapt_growth.ts";
 * const st = triAdapt.init(randn([3, 2], { seed: 0 }), {}, new Rng(0));
 * const opt = adam({ lr: 0.1 });
 * const os = opt.init({ l0: st.params });
 * os.m["l0.b"].data.fill(7);
 * const big = growAdapter(st, 1, new Rng(1));
 * growOptimizerState_(os, "l0", st, big);
 * console.log(os.m["l0.b"].data); // Float64Array [7, 0, 7, 0, 7, 0]
 * ```
 */
export function growOptimizerState_<S extends object>(
  state: S,
  prefix: string,
  before: TriAdaptState,
  after: TriAdaptState,
): S {
  const m0 = before.blocks.length;
  if (
    after.blocks.length <= m0 ||
    before.blocks.some((a, i) => after.blocks[i] !== a) ||
    after.shape[0] !== before.shape[0] || after.shape[1] !== before.shape[1]
  ) {
    throw new RangeError(
      `growOptimizerState_: after (blocks [${after.blocks}]) is not a growth of before (blocks [${before.blocks}])`,
    );
  }
  const path = (name: string): string => (prefix === "" ? name : `${prefix}.${name}`);
  const [out, inp] = before.shape, rNew = triAdaptRank(after);
  for (const rec of Object.values(state)) {
    if (rec === null || typeof rec !== "object" || rec instanceof Tensor) continue;
    const r = rec as Record<string, Tensor>;
    if (!(r[path("a")] instanceof Tensor)) continue; // a record of other parameters
    r[path("a")] = extendRows(moment(path("a"), r[path("a")], before.params.a), rNew, inp);
    r[path("b")] = extendCols(moment(path("b"), r[path("b")], before.params.b), out, rNew);
    for (let m = 0; m < after.blocks.length; m++) {
      for (const name of [`cl${m}`, `cu${m}`]) {
        const p = after.params[name];
        if (m < m0) moment(path(name), r[path(name)], before.params[name]);
        else r[path(name)] = zeros(p.shape, { dtype: p.dtype });
      }
    }
  }
  return state;
}
