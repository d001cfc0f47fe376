/**
 * Natural GaLore (selfsupervised-ai/Natural-GaLore; spec `compression_optim_attention.md` §5b):
 * GaLore whose projected gradient is first preconditioned by the inverse of the damped
 * empirical Fisher matrix `F = λI + GGᵀ` of the last s projected gradients, applied matrix-free
 * with the Woodbury identity and an s'×s' Cholesky solve.
 *
 * @module
 */
import { allocData, Tensor, zeros } from "../../ops/tensor.ts";
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
  const rows = Array.from({ length: h.len }, (_, j) => vd.subarray(j * k, j * k + k));
  const dots = new Float64Array(h.len);
  dotsInto(gs, rows, dots);
  for (let j = 0; j < h.len; j++) gram[slot * s + j] = gram[j * s + slot] = dots[j];
  return slot;
}

/**
 * `dots[j] = Σ_i g[i]·rows[j][i]`, each sum in index order (so each is bit for bit the plain
 * loop's), four rows per pass over g: four independent sums keep the adder busy where one
 * waits on its own previous addition, and g is read once per four rows.
 */
function dotsInto(g: ArrayLike<number>, rows: ArrayLike<number>[], dots: Float64Array): void {
  const k = g.length;
  let j = 0;
  for (; j + 4 <= rows.length; j += 4) {
    const r0 = rows[j], r1 = rows[j + 1], r2 = rows[j + 2], r3 = rows[j + 3];
    let d0 = 0, d1 = 0, d2 = 0, d3 = 0;
    for (let i = 0; i < k; i++) {
      const x = g[i];
      d0 += x * r0[i];
      d1 += x * r1[i];
      d2 += x * r2[i];
      d3 += x * r3[i];
    }
    dots[j] = d0;
    dots[j + 1] = d1;
    dots[j + 2] = d2;
    dots[j + 3] = d3;
  }
  for (; j < rows.length; j++) {
    const r = rows[j];
    let d = 0;
    for (let i = 0; i < k; i++) d += g[i] * r[i];
    dots[j] = d;
  }
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
 * columns of G are `rows` (s' vectors), `gram` = GᵀG (s'×s', row-major) and `y` = Gᵀg;
 * the result is written into `dst` (g's length).
 */
function woodbury(
  rows: ArrayLike<number>[],
  gram: Float64Array,
  y: Float64Array,
  g: ArrayLike<number>,
  lambda: number,
  dst: Float32Array | Float64Array,
): void {
  const s = rows.length;
  const sys = new Float64Array(s * s);
  for (let i = 0; i < s; i++) {
    for (let j = 0; j < s; j++) sys[i * s + j] = (i === j ? 1 : 0) + gram[i * s + j] / lambda;
  }
  // S is SPD for λ > 0 (I plus a Gram matrix), so Cholesky cannot fail (§5b.5).
  const l = cholesky(new Tensor(sys, [s, s]));
  const w = solveTriangular(l, new Tensor(y, [s]), { lower: true });
  const z = solveTriangular(l, w, { lower: true, trans: true }).data;
  subtractRows(g, lambda, rows, Array.from(z, (zj) => zj * (1 / (lambda * lambda))), dst);
}

/** Zeros to pad the last block of rows with: x − 0·0 = x exactly, −0 included. */
let zeroRow = new Float64Array(0);
/** The f64 accumulator of {@link subtractRows} when the result is f32 (reused). */
let accScratch = new Float64Array(0);

/**
 * `dst[i] = g[i]/λ − Σ_j zc[j]·rows[j][i]`, subtracting in j order in f64 for every i (the
 * arithmetic of one pass per row), four rows per pass; the last pass writes `dst`, so an f32
 * result is rounded once from the same f64 value.
 */
function subtractRows(
  g: ArrayLike<number>,
  lambda: number,
  rows: ArrayLike<number>[],
  zc: number[],
  dst: Float32Array | Float64Array,
): void {
  const k = g.length, s = rows.length;
  const last = s === 0 ? 0 : s - 1 - ((s - 1) % 4); // first row of the final block
  if (zeroRow.length < k) zeroRow = new Float64Array(k);
  let acc: Float64Array;
  if (dst instanceof Float64Array) acc = dst;
  else {
    if (accScratch.length < k) accScratch = new Float64Array(k);
    acc = accScratch;
  }
  for (let i = 0; i < k; i++) acc[i] = g[i] / lambda;
  for (let j = 0; j <= last && s > 0; j += 4) {
    const row = (d: number): ArrayLike<number> => (j + d < s ? rows[j + d] : zeroRow);
    const r0 = row(0), r1 = row(1), r2 = row(2), r3 = row(3);
    const z0 = zc[j], z1 = zc[j + 1] ?? 0, z2 = zc[j + 2] ?? 0, z3 = zc[j + 3] ?? 0;
    const out = j === last ? dst : acc;
    for (let i = 0; i < k; i++) {
      out[i] = acc[i] - z0 * r0[i] - z1 * r1[i] - z2 * r2[i] - z3 * r3[i];
    }
  }
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
  const out = new Float64Array(g.size);
  woodbury(rows, gram, y, g.data, damping, out);
  return new Tensor(out, g.shape);
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
  const out = allocData(r.dtype, r.size);
  woodbury(rows, gram, y, r.data, lambda, out);
  return new Tensor(out, r.shape);
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
