/**
 * GaLore-AdamW (Zhao, Zhang, Chen, Wang, Anandkumar & Tian, "GaLore: Memory-Efficient LLM
 * Training by Gradient Low-Rank Projection", ICML 2024; spec `compression_optim_attention.md`
 * §5a). Adam's moments of each managed matrix live in a rank-r subspace of its gradient; the
 * projector is refreshed from the gradient's SVD every `updateProjGap` updates.
 *
 * @module
 */
import { type Tensor, zeros } from "../../ops/tensor.ts";
import { treeLeaves, type TreeLike } from "../../ops/autograd/tree.ts";
import { type AdamHyper, adamUpdate_ } from "../../ops/optim/adam.ts";
import {
  hyper,
  type Optimizer,
  type OptimizerState,
  pairLeaves,
  resolveLr,
  type Schedule,
} from "../../ops/optim/optimizer.ts";
import { checkKeys } from "../../ops/conv/options.ts";
import {
  type GaloreProjection,
  projectBackInto,
  projectInto,
  projectionSide,
  type ProjectorFn,
  type ProjType,
  svdProjector,
} from "./projector.ts";
import { stepKernels, type StepSizes } from "./step_arena.ts";

/** Options of {@link galoreAdamW} (and the GaLore part of Natural GaLore and OwLore). */
export interface GaloreOptions {
  /** Learning rate or schedule (default 1e-3). */
  lr?: number | Schedule;
  /** First-moment decay (default 0.9). */
  beta1?: number;
  /** Second-moment decay (default 0.999). */
  beta2?: number;
  /** Added to `√v` (default 1e-6, GaLore's code). */
  eps?: number;
  /** Decoupled weight decay `W ← W − lr·wd·W` after the update, all parameters (default 0). */
  weightDecay?: number;
  /** Rank r of the projection (default 128, the README's value); at most min(m, n). */
  rank?: number;
  /** T: the projector is refreshed when a matrix's update count t has t mod T = 0 (default 200). */
  updateProjGap?: number;
  /** α, multiplies the back-projected update (default 0.25). */
  scale?: number;
  /** Projection side rule (default "std"). */
  projType?: ProjType;
  /**
   * Which parameters GaLore manages (default: every 2-D parameter whose path names neither an
   * embedding nor the LM head, i.e. matches neither /embed/ nor /lm_head/). The others get
   * plain AdamW in the "hf" convention with the same hyperparameters.
   */
  target?: (path: string, param: Tensor) => boolean;
  /** How the projector is computed (default "svd"); see {@link ProjectorFn}. */
  projector?: "svd" | "randomized" | ProjectorFn;
}

/**
 * State of GaLore-AdamW. `m` / `v` hold each parameter's moments (the r-dimensional ones for
 * managed matrices), `t` each parameter's own update count (a parameter skipped by a
 * layerwise sampler keeps its count), `proj` each managed matrix's current projector. Entries
 * appear at a parameter's first update.
 */
export interface GaloreState extends OptimizerState {
  /** First moments by parameter path. */
  m: Record<string, Tensor>;
  /** Second moments by parameter path. */
  v: Record<string, Tensor>;
  /** Updates taken by each parameter. */
  t: Record<string, number>;
  /** The projector of each GaLore-managed matrix. */
  proj: Record<string, GaloreProjection>;
}

/** Resolved options shared by the GaLore optimizers. */
export interface GaloreConfig {
  /** Learning rate or schedule. */
  lr: number | Schedule;
  /** First-moment decay. */
  beta1: number;
  /** Second-moment decay. */
  beta2: number;
  /** Denominator guard. */
  eps: number;
  /** Decoupled weight decay. */
  weightDecay: number;
  /** Projection rank. */
  rank: number;
  /** Refresh period T. */
  updateProjGap: number;
  /** Back-projection scale α. */
  scale: number;
  /** Projection side rule. */
  projType: ProjType;
  /** Which parameters GaLore manages. */
  target: (path: string, param: Tensor) => boolean;
  /** Projector computation. */
  projector: "svd" | "randomized" | ProjectorFn;
}

/** The option names of {@link galoreAdamW}. */
export const GALORE_OPTION_KEYS: readonly string[] = [
  "lr",
  "beta1",
  "beta2",
  "eps",
  "weightDecay",
  "rank",
  "updateProjGap",
  "scale",
  "projType",
  "target",
  "projector",
];

/**
 * The default GaLore target: 2-D, and not an embedding or LM head (by path).
 *
 * @example
 * ```ts
 * import { zeros } from "../../ops/tensor.ts";
 * import { defaultGaloreTarget } from "./galore.ts";
 * const w = zeros([4, 4]);
 * console.log(defaultGaloreTarget("model.layers.0.mlp.up_proj.weight", w)); // true
 * console.log(defaultGaloreTarget("model.embed_tokens.weight", w)); // false
 * ```
 */
export function defaultGaloreTarget(path: string, param: Tensor): boolean {
  return param.ndim === 2 && !/embed|lm_head/.test(path);
}

/**
 * Checks GaLore options (unknown keys are a TypeError, bad values a RangeError naming them)
 * and fills in the defaults.
 *
 * @example
 * ```ts
 * import { galoreConfig } from "./galore.ts";
 * console.log(galoreConfig("galoreAdamW", { rank: 4 }).updateProjGap); // 200
 * ```
 */
export function galoreConfig(
  fn: string,
  opts: GaloreOptions,
  extraKeys: readonly string[] = [],
): GaloreConfig {
  checkKeys(fn, opts, [...GALORE_OPTION_KEYS, ...extraKeys]);
  const lr = opts.lr ?? 1e-3;
  if (typeof lr === "number") resolveLr(fn, lr, 0);
  else if (typeof lr !== "function") throw new TypeError(`${fn}: lr must be a number or schedule`);
  const rank = opts.rank ?? 128;
  const gap = opts.updateProjGap ?? 200;
  for (const [name, v] of [["rank", rank], ["updateProjGap", gap]] as const) {
    if (!Number.isInteger(v) || v < 1) {
      throw new RangeError(`${fn}: ${name} must be a positive integer, got ${String(v)}`);
    }
  }
  const projType = opts.projType ?? "std";
  if (!["std", "left", "right", "two-sided"].includes(projType)) {
    throw new RangeError(
      `${fn}: projType must be "std", "left", "right" or "two-sided", got ${String(projType)}`,
    );
  }
  const projector = opts.projector ?? "svd";
  if (projector !== "svd" && projector !== "randomized" && typeof projector !== "function") {
    throw new RangeError(
      `${fn}: projector must be "svd", "randomized" or a function, got ${String(projector)}`,
    );
  }
  const target = opts.target ?? defaultGaloreTarget;
  if (typeof target !== "function") throw new TypeError(`${fn}: target must be a function`);
  const scale = opts.scale ?? 0.25;
  if (typeof scale !== "number" || !Number.isFinite(scale)) {
    throw new RangeError(`${fn}: scale must be a finite number, got ${String(scale)}`);
  }
  return {
    lr,
    beta1: hyper(fn, "beta1", opts.beta1 ?? 0.9, 0, 1),
    beta2: hyper(fn, "beta2", opts.beta2 ?? 0.999, 0, 1),
    eps: hyper(fn, "eps", opts.eps ?? 1e-6, 0),
    weightDecay: hyper(fn, "weightDecay", opts.weightDecay ?? 0, 0),
    rank,
    updateProjGap: gap,
    scale,
    projType,
    target,
    projector,
  };
}

/**
 * Transforms the projected gradient R before Adam (Natural GaLore's preconditioner). `r` is
 * the optimizer's scratch, overwritten by the next matrix: copy what you keep.
 */
export type ProjectedTransform<S> = (path: string, r: Tensor, state: S) => Tensor;

function refreshProjector(
  fn: string,
  c: GaloreConfig,
  path: string,
  g: Tensor,
  t: number,
): GaloreProjection {
  const [m, n] = g.shape;
  const side = projectionSide(c.projType, m, n);
  if (typeof c.projector === "function") return c.projector(g, c.rank, side, path);
  if (c.rank > Math.min(m, n)) {
    throw new RangeError(
      `${fn}: rank ${c.rank} exceeds min(m, n) = ${Math.min(m, n)} of "${path}"`,
    );
  }
  return svdProjector(g, c.rank, side, c.projector, t);
}

function moments(state: GaloreState, path: string, like: Tensor, fn: string): [Tensor, Tensor] {
  let m = state.m[path], v = state.v[path];
  if (m === undefined || v === undefined) {
    m = state.m[path] = zeros(like.shape, { dtype: like.dtype });
    v = state.v[path] = zeros(like.shape, { dtype: like.dtype });
  }
  if (!sameShape(m, like) || !sameShape(v, like)) {
    throw new RangeError(
      `${fn}: the moments of "${path}" are [${m.shape}], the update needs [${like.shape}]`,
    );
  }
  return [m, v];
}

function sameShape(a: Tensor, b: Tensor): boolean {
  const s = a.shape, t = b.shape;
  if (s.length !== t.length) return false;
  for (let i = 0; i < s.length; i++) if (s[i] !== t[i]) return false;
  return true;
}

/** Entries of R, of the two-sided intermediate and of W for `proj` on an m×n matrix. */
function stepSizes(proj: GaloreProjection, m: number, n: number): StepSizes {
  const { left, right } = proj;
  const rows = left ? left.shape[1] : m, cols = right ? right.shape[0] : n;
  return { r: rows * cols, mid: left && right ? Math.max(rows * n, m * cols) : 0, w: m * n };
}

/**
 * One GaLore-AdamW update of the managed matrix `p` from its gradient `g`, in place, exactly as
 * §5a: count read before the increment, projector refresh when t mod T = 0 (moments kept),
 * Adam in the small space, back-projection, α, then decoupled decay with the plain lr.
 */
function galoreParam_<S extends GaloreState>(
  fn: string,
  c: GaloreConfig,
  h: AdamHyper,
  path: string,
  p: Tensor,
  g: Tensor,
  state: S,
  transform?: ProjectedTransform<S>,
): void {
  const t = state.t[path] ?? 0;
  if (state.proj[path] === undefined || t % c.updateProjGap === 0) {
    state.proj[path] = refreshProjector(fn, c, path, g, t);
  }
  const proj = state.proj[path];
  // Scratch and kernels for this matrix: R, N and the back-projection reuse one memory (the
  // SIMD kernels' where the engine has SIMD) instead of three fresh arrays per matrix per step.
  const k = stepKernels(g.dtype, stepSizes(proj, g.shape[0], g.shape[1]));
  let r = projectInto(proj, g, k.out);
  if (transform) r = transform(path, r, state);
  const [m, v] = moments(state, path, r, fn);
  // N: Adam's step in the small space, written into scratch of R's shape.
  const u = k.out("u", r.dtype, r.shape as [number, number]);
  k.direction_(u, r, m, v, { ...h, t: t + 1 });
  const back = projectBackInto(proj, u, k.out);
  k.apply_(p, back, c.scale, h.weightDecay !== 0 ? 1 - h.lr * h.weightDecay : 1);
  state.t[path] = t + 1;
}

/**
 * One update of every leaf of `params` (GaLore for the targets, hf-AdamW for the rest). Only
 * the leaves given are touched, so a layerwise sampler passes the active subset.
 *
 * @example
 * ```ts
 * import { randn } from "../../ops/random.ts";
 * import { galoreConfig, galoreStep_, type GaloreState } from "./galore.ts";
 * const c = galoreConfig("demo", { rank: 2, lr: 0.01 });
 * const params = { w: randn([6, 4], { seed: 0 }) };
 * const state: GaloreState = { step: 0, m: {}, v: {}, t: {}, proj: {} };
 * galoreStep_("demo", c, params, { w: randn([6, 4], { seed: 1 }) }, state);
 * console.log(state.m.w.shape, state.proj.w.right?.shape); // [6, 2] [2, 4]
 * ```
 */
export function galoreStep_<S extends GaloreState>(
  fn: string,
  c: GaloreConfig,
  params: TreeLike,
  grads: TreeLike,
  state: S,
  transform?: ProjectedTransform<S>,
): S {
  const h: AdamHyper = {
    lr: resolveLr(fn, c.lr, state.step),
    beta1: c.beta1,
    beta2: c.beta2,
    eps: c.eps,
    weightDecay: c.weightDecay,
    decoupled: true,
    style: "hf",
    t: 0,
  };
  for (const [path, p, g] of pairLeaves(fn, params, grads)) {
    if (c.target(path, p)) {
      if (p.ndim !== 2) {
        throw new RangeError(`${fn}: GaLore target "${path}" is not a matrix: [${p.shape}]`);
      }
      galoreParam_(fn, c, h, path, p, g, state, transform);
    } else {
      const t = state.t[path] ?? 0;
      const [m, v] = moments(state, path, p, fn);
      adamUpdate_(p, g, m, v, { ...h, t: t + 1 });
      state.t[path] = t + 1;
    }
  }
  state.step++;
  return state;
}

/**
 * GaLore-AdamW (Zhao et al., ICML 2024; spec §5a): AdamW whose moments for each managed m×n
 * matrix live in the rank-r subspace spanned by the top singular vectors of its gradient,
 * refreshed every `updateProjGap` updates. Per matrix the state is `2·max(m, n)·r +
 * min(m, n)·r` numbers (moments plus projector) instead of AdamW's `2mn`; see
 * `optimizerStateBytes`.
 *
 * Note (spec §5a.1): at full rank this is *not* Adam, because Adam's element-wise
 * normalisation happens in a rotated basis; with an identity or signed-permutation projector
 * and `scale: 1` it is AdamW in the "hf" convention.
 *
 * @example
 * ```ts
 * import { randn } from "../../ops/random.ts";
 * import { galoreAdamW } from "./galore.ts";
 * const params = { w: randn([8, 6], { seed: 0 }), b: randn([6], { seed: 1 }) };
 * const opt = galoreAdamW({ rank: 2, lr: 0.01 });
 * const state = opt.init(params);
 * opt.step_(params, { w: randn([8, 6], { seed: 2 }), b: randn([6], { seed: 3 }) }, state);
 * console.log(state.m.w.shape, state.m.b.shape, state.proj.w.right?.shape); // [8, 2] [6] [2, 6]
 * ```
 */
export function galoreAdamW(opts: GaloreOptions = {}): Optimizer<GaloreState> {
  const fn = "galoreAdamW";
  const c = galoreConfig(fn, opts);
  return {
    init(params: TreeLike): GaloreState {
      treeLeaves(params, fn);
      return { step: 0, m: {}, v: {}, t: {}, proj: {} };
    },
    step_(params: TreeLike, grads: TreeLike, state: GaloreState): GaloreState {
      return galoreStep_(fn, c, params, grads, state);
    },
  };
}
