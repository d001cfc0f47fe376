/**
 * Natural GaLore (selfsupervised-ai/Natural-GaLore; spec `compression_optim_attention.md` §5b):
 * GaLore whose projected gradient is first preconditioned by the inverse of the damped
 * empirical Fisher matrix `F = λI + GGᵀ` of the last s projected gradients, applied matrix-free
 * with the Woodbury identity and an s'×s' Cholesky solve.
 *
 * @module
 */
import { Tensor, zeros } from "../../ops/tensor.ts";
import { cholesky } from "../../ops/linalg/cholesky.ts";
import { solveTriangular } from "../../ops/linalg/triangular.ts";
import { treeLeaves, type TreeLike } from "../../ops/autograd/tree.ts";
import type { Optimizer } from "../../ops/optim/optimizer.ts";
import { hyper } from "../../ops/optim/optimizer.ts";
import { galoreConfig, type GaloreOptions, type GaloreState, galoreStep_ } from "./galore.ts";

/** Options of {@link naturalGaloreAdamW}: GaLore's plus the Fisher history and damping. */
export interface NaturalGaloreOptions extends GaloreOptions {
  /** s: how many recent projected gradients form the Fisher matrix (default 20). */
  history?: number;
  /** λ: the damping of `F = λI + GGᵀ` (default 1e-3, hard-coded in the official code). */
  damping?: number;
}

/**
 * The FIFO of one matrix's projected gradients: `vectors` row `i` is a slot, `gram` their
 * inner products (kept so a step costs O(k·s) instead of O(k·s²)), `len` the filled slots and
 * `next` the slot the next push overwrites (the oldest once full).
 */
export interface FisherHistory {
  /** s×k: one projected gradient per row (slot). */
  vectors: Tensor;
  /** s×s: inner products of the slots. */
  gram: Tensor;
  /** Number of filled slots (≤ s). */
  len: number;
  /** The slot of the next push. */
  next: number;
}

/** State of Natural GaLore: GaLore's plus one Fisher history per managed matrix. */
export interface NaturalGaloreState extends GaloreState {
  /** The Fisher history of each GaLore-managed matrix. */
  hist: Record<string, FisherHistory>;
}

/**
 * An empty Fisher history of `s` vectors of length `k`.
 *
 * @example
 * ```ts
 * import { emptyHistory } from "./natural_galore.ts";
 * console.log(emptyHistory(3, 5, "f64").vectors.shape); // [3, 5]
 * ```
 */
export function emptyHistory(s: number, k: number, dtype: "f32" | "f64"): FisherHistory {
  return { vectors: zeros([s, k], { dtype }), gram: zeros([s, s]), len: 0, next: 0 };
}

/**
 * Pushes `g` (k numbers) into the FIFO, evicting the oldest vector when it holds s already,
 * and updates the Gram matrix (k·s work). Returns the slot written.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { emptyHistory, historyVectors, pushHistory } from "./natural_galore.ts";
 * const h = emptyHistory(2, 1, "f64");
 * for (const x of [1, 2, 3]) pushHistory(h, tensor([x]));
 * console.log(historyVectors(h).map((v) => v[0])); // [2, 3]
 * ```
 */
export function pushHistory(h: FisherHistory, g: Tensor): number {
  const [s, k] = h.vectors.shape;
  if (g.size !== k) {
    throw new RangeError(`pushHistory: g has ${g.size} entries, history needs ${k}`);
  }
  const slot = h.next, vd = h.vectors.data, gd = g.data, gram = h.gram.data;
  vd.set(gd, slot * k);
  h.len = Math.min(h.len + 1, s);
  h.next = (slot + 1) % s;
  const gs = vd.subarray(slot * k, slot * k + k);
  for (let j = 0; j < h.len; j++) {
    const row = vd.subarray(j * k, j * k + k);
    let dot = 0;
    for (let i = 0; i < k; i++) dot += gs[i] * row[i];
    gram[slot * s + j] = dot;
    gram[j * s + slot] = dot;
  }
  return slot;
}

/**
 * The stored vectors, oldest first (for inspection and tests).
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { emptyHistory, historyVectors, pushHistory } from "./natural_galore.ts";
 * const h = emptyHistory(3, 2, "f64");
 * pushHistory(h, tensor([1, 2]));
 * console.log(historyVectors(h)); // [ Float64Array(2) [ 1, 2 ] ]
 * ```
 */
export function historyVectors(h: FisherHistory): Float64Array[] {
  const [s, k] = h.vectors.shape;
  const first = h.len < s ? 0 : h.next;
  return Array.from({ length: h.len }, (_, i) => {
    const slot = (first + i) % s;
    return Float64Array.from(h.vectors.data.subarray(slot * k, slot * k + k));
  });
}

/**
 * Woodbury core: `(λI + GGᵀ)⁻¹ g = λ⁻¹ g − λ⁻² G z` with `(I + λ⁻¹ GᵀG) z = Gᵀg`, where the
 * columns of G are `rows` (s' vectors), `gram` = GᵀG (s'×s', row-major) and `y` = Gᵀg.
 */
function woodbury(
  rows: ArrayLike<number>[],
  gram: Float64Array,
  y: Float64Array,
  g: ArrayLike<number>,
  lambda: number,
): Float64Array {
  const s = rows.length;
  const sys = new Float64Array(s * s);
  for (let i = 0; i < s; i++) {
    for (let j = 0; j < s; j++) sys[i * s + j] = (i === j ? 1 : 0) + gram[i * s + j] / lambda;
  }
  // S is SPD for λ > 0 (I plus a Gram matrix), so Cholesky cannot fail (§5b.5).
  const l = cholesky(new Tensor(sys, [s, s]));
  const w = solveTriangular(l, new Tensor(y, [s]), { lower: true });
  const z = solveTriangular(l, w, { lower: true, trans: true }).data;
  const out = new Float64Array(g.length);
  for (let i = 0; i < g.length; i++) out[i] = g[i] / lambda;
  const c = 1 / (lambda * lambda);
  for (let j = 0; j < s; j++) {
    const r = rows[j], zj = z[j] * c;
    for (let i = 0; i < out.length; i++) out[i] -= zj * r[i];
  }
  return out;
}

/**
 * The natural gradient `g̃ = (λI + GGᵀ)⁻¹ g` for the history `history` (s'×k, one vector per
 * row) by Woodbury and an s'×s' Cholesky solve (spec §5b, equations 2–5). `g` itself is
 * normally the history's newest row. Returned as a Float64Array tensor of g's shape.
 *
 * @throws {RangeError} if `damping` is not > 0 or the lengths disagree.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { naturalGradient } from "./natural_galore.ts";
 * const g = tensor([3, 4]); // one vector: g̃ = g / (λ + ‖g‖²) = g / 26
 * const gt = naturalGradient(tensor([[3, 4]]), g, 1);
 * console.log(Array.from(gt.data, (x) => x.toFixed(6))); // ["0.115385", "0.153846"]
 * ```
 */
export function naturalGradient(history: Tensor, g: Tensor, damping: number): Tensor {
  const fn = "naturalGradient";
  hyper(fn, "damping", damping, Number.MIN_VALUE);
  if (history.ndim !== 2 || history.shape[1] !== g.size || history.shape[0] < 1) {
    throw new RangeError(
      `${fn}: history must be s'x${g.size} with s' >= 1, got [${history.shape}]`,
    );
  }
  const [s, k] = history.shape;
  const rows = Array.from({ length: s }, (_, i) => history.data.subarray(i * k, i * k + k));
  const gram = new Float64Array(s * s), y = new Float64Array(s);
  for (let i = 0; i < s; i++) {
    for (let j = 0; j < s; j++) gram[i * s + j] = dot(rows[i], rows[j]);
    y[i] = dot(rows[i], g.data);
  }
  return new Tensor(woodbury(rows, gram, y, g.data, damping), g.shape);
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Preconditions `r` with the history of `path` after pushing it (the state's FIFO). */
function precondition(
  r: Tensor,
  h: FisherHistory,
  lambda: number,
): Tensor {
  const slot = pushHistory(h, r);
  const [s, k] = h.vectors.shape;
  const slots = Array.from({ length: h.len }, (_, i) => i);
  const rows = slots.map((i) => h.vectors.data.subarray(i * k, i * k + k));
  const n = slots.length, gram = new Float64Array(n * n), y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) gram[i * n + j] = h.gram.data[i * s + j];
    y[i] = h.gram.data[slot * s + i]; // Gᵀg: g is the newest slot
  }
  const out = woodbury(rows, gram, y, r.data, lambda);
  return new Tensor(r.dtype === "f64" ? out : Float32Array.from(out), r.shape);
}

/**
 * Natural GaLore-AdamW (spec §5b): GaLore-AdamW (§5a) where each managed matrix's projected
 * gradient `R_t` is replaced by `(λI + GGᵀ)⁻¹ vec(R_t)` before Adam, G holding the last
 * `history` projected gradients (R_t included; the FIFO is not cleared when the projector is
 * refreshed; no 1/s factor, as the official code). `projType: "two-sided"` gives the official
 * code's Tucker projector `U_rᵀ G V_r`. Extra state: s·k numbers of history (k = size of R_t)
 * plus an s×s Gram matrix per managed matrix.
 *
 * @example
 * ```ts
 * import { randn } from "../../ops/random.ts";
 * import { naturalGaloreAdamW } from "./natural_galore.ts";
 * const params = { w: randn([8, 6], { seed: 0 }) };
 * const opt = naturalGaloreAdamW({ rank: 2, lr: 0.01, history: 4 });
 * const state = opt.init(params);
 * opt.step_(params, { w: randn([8, 6], { seed: 2 }) }, state);
 * console.log(state.hist.w.vectors.shape, state.hist.w.len); // [4, 16] 1
 * ```
 */
export function naturalGaloreAdamW(
  opts: NaturalGaloreOptions = {},
): Optimizer<NaturalGaloreState> {
  const fn = "naturalGaloreAdamW";
  const { history: s = 20, damping: lambda = 1e-3, ...rest } = opts;
  const c = galoreConfig(fn, rest, []);
  if (!Number.isInteger(s) || s < 1) {
    throw new RangeError(`${fn}: history must be a positive integer, got ${String(s)}`);
  }
  hyper(fn, "damping", lambda, Number.MIN_VALUE);
  const transform = (path: string, r: Tensor, state: NaturalGaloreState): Tensor => {
    let h = state.hist[path];
    if (h === undefined) h = state.hist[path] = emptyHistory(s, r.size, r.dtype);
    if (h.vectors.shape[1] !== r.size) {
      throw new RangeError(
        `${fn}: the history of "${path}" holds ${h.vectors.shape[1]}-vectors, R_t has ${r.size}`,
      );
    }
    return precondition(r, h, lambda);
  };
  return {
    init(params: TreeLike): NaturalGaloreState {
      treeLeaves(params, fn);
      return { step: 0, m: {}, v: {}, t: {}, proj: {}, hist: {} };
    },
    step_(params: TreeLike, grads: TreeLike, state: NaturalGaloreState): NaturalGaloreState {
      return galoreStep_(fn, c, params, grads, state, transform);
    },
  };
}
