/**
 * Internal: the numeric core of randomizedSvd (Halko, Martinsson & Tropp, SIAM Review 53, 2011,
 * Algorithms 4.4 and 5.1) on a row-major f64 matrix that it never copies or transposes itself.
 * The thin factors are stored transposed (`l × N` row-major), so every product with A is one
 * GEMM whose long dimension is contiguous, the LU normalizer runs along contiguous columns, and
 * the orthonormalizations are Cholesky QR passes built on GEMMs (`_rsvd_cholqr.ts`). Given also
 * `aᵀ` (`_rsvd_operand.ts`), each product reads whichever of the two has its depth along stored
 * rows, the GEMM kernel's fast layout; the sums are the same, term by term, either way.
 *
 * @module
 */
import { gemm } from "../cpu/gemm.ts";
import { withPinnedOperand } from "../cpu/gemm_pin.ts";
import type { Rng } from "../random.ts";
import { Tensor } from "../tensor.ts";
import { cholQr2T, orthonormalizeT } from "./_rsvd_cholqr.ts";
import { luBasisT } from "./_rsvd_lu.ts";
import { svd } from "./svd.ts";

/**
 * Validated parameters of one run of {@link rsvdCore}.
 *
 * @example
 * ```ts
 * import { Rng } from "../random.ts";
 * import type { RsvdPlan } from "./_rsvd_core.ts";
 * const plan: RsvdPlan = { k: 5, l: 15, iters: 7, how: "lu", rng: new Rng(0) };
 * console.log(plan.l); // 15
 * ```
 */
export interface RsvdPlan {
  /** Rank of the result. */
  k: number;
  /** Sample size `k + oversamples` (at most min(m, n)). */
  l: number;
  /** Power iterations. */
  iters: number;
  /** Normalizer between power iterations. */
  how: "qr" | "lu" | "none";
  /** Source of the Gaussian test matrix. */
  rng: Rng;
  /**
   * Called after each step with its name (for profiles: `benches/lowrank_bench.ts --phases`):
   * `"pin"`, `"omega"`, `"products"`, `"lu"`, `"qr"`, `"b"`, `"small_svd"`, `"u"`.
   */
  lap?: (phase: RsvdPhase) => void;
}

/**
 * The steps of {@link rsvdCore} that {@link RsvdPlan.lap} names: copying the matrix into the
 * GEMM memory, drawing Ω, the products with A in the power iterations and of the final sample,
 * the LU normalizations, the QR of the sample (and the QR normalizer's), `B = Qᵀ·A`, the SVD
 * of B, and `U = Q·Ur`.
 *
 * @example
 * ```ts
 * import type { RsvdPhase } from "./_rsvd_core.ts";
 * const p: RsvdPhase = "products";
 * console.log(p); // products
 * ```
 */
export type RsvdPhase = "pin" | "omega" | "products" | "lu" | "qr" | "b" | "small_svd" | "u";

/**
 * Whether {@link rsvdCore} should be given `aᵀ` for an `m × n` matrix and this plan: from
 * {@link TRANSPOSE_MIN_ELEMS} elements and two power iterations on, up to
 * {@link TRANSPOSE_MAX_ELEMS} elements. Measured on the
 * development VM (CPU time of the whole call, with the copy, against without it, interleaved,
 * load 5, median of 5): 2000×2000 k = 32 0.84, 2000×1000 0.93; at 1000×1000, 1000×800,
 * 300×3000, 3000×300 and 500×300 0.95–1.05, within the noise of those runs: no gain shown.
 *
 * @example
 * ```ts
 * import { Rng } from "../random.ts";
 * import { wantsTranspose } from "./_rsvd_core.ts";
 * const plan = { k: 5, l: 15, iters: 7, how: "lu" as const, rng: new Rng(0) };
 * console.log(wantsTranspose(2000, 2000, plan), wantsTranspose(500, 300, plan)); // true false
 * ```
 */
export function wantsTranspose(m: number, n: number, plan: RsvdPlan): boolean {
  const size = m * n;
  return size >= TRANSPOSE_MIN_ELEMS && size <= TRANSPOSE_MAX_ELEMS && plan.iters >= 2;
}

/** Matrices from this many elements (8 MiB of f64) get a transposed copy (see wantsTranspose). */
const TRANSPOSE_MIN_ELEMS = 1 << 20;
/**
 * Matrices above this many elements (512 MiB of f64) get none: the copy would double an already
 * large allocation, and from about 1.7·2^26 elements the pins of `a` and `aᵀ` would not both
 * fit in the 1.75 GiB that the GEMM memory gives pins (`ops/cpu/gemm_pin.ts`).
 */
const TRANSPOSE_MAX_ELEMS = 1 << 26;

/**
 * Row-major f64 factors of `a ≈ u·diag(s)·vt` (before the sign convention).
 *
 * @example
 * ```ts
 * import type { RsvdFactors } from "./_rsvd_core.ts";
 * const one = new Float64Array([1]);
 * const f: RsvdFactors = { u: one, s: new Float64Array([2]), vt: one };
 * console.log(f.s[0]); // 2
 * ```
 */
export interface RsvdFactors {
  /** `m × k`. */
  u: Float64Array;
  /** `k`, descending. */
  s: Float64Array;
  /** `k × n`. */
  vt: Float64Array;
}

/**
 * Rank-`k` randomized SVD of the row-major `m × n` f64 matrix `a` (read only). When `m < n`
 * the algorithm runs on `aᵀ` (scikit-learn's `transpose="auto"`) through transposed GEMMs.
 * `at`, when given, is `aᵀ` (`n × m`, row-major; see {@link wantsTranspose}): the products
 * then read their big operand along stored rows. The result does not depend on it.
 *
 * @example
 * ```ts
 * import { Rng } from "../random.ts";
 * import { rsvdCore } from "./_rsvd_core.ts";
 * const a = new Float64Array([3, 0, 0, 0, 2, 0]); // 2 × 3
 * const { s } = rsvdCore(a, 2, 3, { k: 1, l: 2, iters: 2, how: "lu", rng: new Rng(0) });
 * console.log(Math.round(s[0] * 1e12) / 1e12); // 3
 * ```
 */
export function rsvdCore(
  a: Float64Array,
  m: number,
  n: number,
  plan: RsvdPlan,
  at: Float64Array | null = null,
): RsvdFactors {
  const op = new Operator(a, at, m, n);
  // Every product reads `a` or `at`: pinned in the GEMM memory each is copied there once, not
  // per product (2000×2000: 16 copies of 32 MB, ~8% of the call, and the part the GEMM threads
  // cannot share).
  if (m * n < PIN_MIN_ELEMS) return rsvdOn(op, plan);
  return withPinnedOperand(a, 0, m, n, n, () => {
    if (!at) return lapped(plan, "pin", () => rsvdOn(op, plan));
    return withPinnedOperand(at, 0, n, m, m, () => lapped(plan, "pin", () => rsvdOn(op, plan)));
  });
}

/** `fn()` after reporting the time since the last lap as `phase`. */
function lapped<T>(plan: RsvdPlan, phase: RsvdPhase, fn: () => T): T {
  plan.lap?.(phase);
  return fn();
}

/** Matrices from this many elements are pinned (smaller copies cost less than the pin). */
const PIN_MIN_ELEMS = 1 << 16;

function rsvdOn(op: Operator, plan: RsvdPlan): RsvdFactors {
  const { k, l, lap } = plan;
  const rows = op.rows, cols = op.cols;
  // Ω/Q and A_opᵀ·Q (cols), A_op·Q, its P·L and CholeskyQR2's copy (rows), B and its copy (cols).
  const ws = new Workspace(l * (3 * rows + 4 * cols));
  const qt = rangeBasisT(op, plan, ws);
  const bt = ws.take(l * cols);
  op.timesT(qt, l, bt); // B = Qᵀ·A_op (l × cols)
  lap?.("b");
  const { ur, s, wt } = smallSvd(bt, l, cols, k, ws.take(l * cols));
  lap?.("small_svd");
  // A_op ≈ (Q·Ur)·diag(s)·Wᵀ with Q·Ur = Qtᵀ·Ur (first k columns).
  const qu = new Float64Array(rows * k);
  gemm({ m: rows, n: k, k: l, a: qt, lda: rows, transA: true, b: ur, ldb: l, c: qu, ldc: k });
  lap?.("u");
  if (!op.transposed) return { u: qu, s, vt: wt };
  // a = A_opᵀ ≈ W·diag(s)·(Q·Ur)ᵀ.
  return { u: transpose(wt, k, cols), s, vt: transpose(qu, rows, k) };
}

/**
 * Non-overlapping scratch views of one allocation for all thin factors. (Keeping it between
 * calls was tried: first-touch page faults cost ~2 ms per 672 KB on the development VM, but in
 * repeated calls V8 reuses the freed pages and the kept buffer measured no faster, 332 vs
 * 336 ms median of 12, so nothing is retained.)
 */
class Workspace {
  #buf: Float64Array;
  #used = 0;
  constructor(size: number) {
    this.#buf = new Float64Array(size);
  }
  /** The next `len` elements (contents undefined). */
  take(len: number): Float64Array {
    if (this.#used + len > this.#buf.length) throw new Error("rsvdCore: workspace too small");
    const v = this.#buf.subarray(this.#used, this.#used + len);
    this.#used += len;
    return v;
  }
}

/**
 * `A_op` = `a` (m ≥ n) or `aᵀ` (m < n), so `rows ≥ cols`; products on transposed factors. Each
 * product is `xt·Mᵀ` for the stored matrix M whose rows run along the product's depth (`a` or
 * `at`), when `at` is there; else `a` is read by columns in one of the two.
 */
class Operator {
  readonly rows: number;
  readonly cols: number;
  readonly transposed: boolean;
  constructor(
    readonly a: Float64Array,
    readonly at: Float64Array | null,
    readonly m: number,
    readonly n: number,
  ) {
    this.transposed = m < n;
    this.rows = Math.max(m, n);
    this.cols = Math.min(m, n);
  }
  /** `out (l × rows) = xt·A_opᵀ` for `xt` (l × cols): the sample `A_op·X`, transposed. */
  sampleT(xt: Float64Array, l: number, out: Float64Array): void {
    // A_op (rows × cols) stored row-major is `a`, or `at` when transposed.
    this.#product(xt, l, this.rows, this.cols, out, !this.transposed);
  }
  /** `out (l × cols) = xt·A_op` for `xt` (l × rows): `A_opᵀ·X`, transposed. */
  timesT(xt: Float64Array, l: number, out: Float64Array): void {
    // A_opᵀ (cols × rows) stored row-major is `at`, or `a` when transposed.
    this.#product(xt, l, this.cols, this.rows, out, this.transposed);
  }
  /**
   * `out (l × outN) = xt (l × depth) · Mᵀ` for the `outN × depth` matrix M, which is `a` (as
   * stored) when `fromA`, else `aᵀ`: `at` as stored, or `a` read by columns without `at`.
   */
  #product(
    xt: Float64Array,
    l: number,
    outN: number,
    depth: number,
    out: Float64Array,
    fromA: boolean,
  ): void {
    const { a, at, n } = this;
    const common = { m: l, n: outN, k: depth, a: xt, lda: depth, c: out, ldc: outN };
    if (fromA) gemm({ ...common, b: a, ldb: n, transB: true });
    else if (at) gemm({ ...common, b: at, ldb: this.m, transB: true });
    else gemm({ ...common, b: a, ldb: n, transB: false });
  }
}

/**
 * `Qᵀ` (l × rows) for an orthonormal basis Q of `(A·Aᵀ)^q·A·Ω` with normalized power
 * iterations (HMT 2011, Algorithm 4.4; scikit-learn's LU normalizer).
 */
function rangeBasisT(op: Operator, plan: RsvdPlan, ws: Workspace): Float64Array {
  const { l, iters, how, rng, lap } = plan, { rows, cols } = op;
  // Ω drawn row by row (cols × l), as before the transposed storage: same seed, same Ω.
  let qc = ws.take(l * cols);
  for (let i = 0; i < cols; i++) for (let j = 0; j < l; j++) qc[j * cols + i] = rng.normal();
  let yr = ws.take(l * rows), zc = ws.take(l * cols);
  let qr = how === "lu" ? ws.take(l * rows) : yr;
  const w = ws.take(l * rows); // CholeskyQR2's working copy
  const perm = new Int32Array(rows);
  const normalized = how === "lu" ? "lu" : "qr";
  lap?.("omega");
  for (let it = 0; it < iters; it++) {
    op.sampleT(qc, l, yr);
    lap?.("products");
    if (how === "lu") luBasisT(yr, rows, l, qr, perm);
    else if (how === "qr") orthonormalizeT(yr, l, rows, w);
    if (how !== "lu") [qr, yr] = [yr, qr];
    lap?.(normalized);
    op.timesT(qr, l, zc);
    lap?.("products");
    if (how === "lu") luBasisT(zc, cols, l, qc, perm);
    else {
      if (how === "qr") orthonormalizeT(zc, l, cols, w);
      [qc, zc] = [zc, qc];
    }
    lap?.(normalized);
  }
  op.sampleT(qc, l, yr);
  lap?.("products");
  orthonormalizeT(yr, l, rows, w);
  lap?.("qr");
  return yr;
}

/**
 * SVD of the small `B` (`l × cols`, row-major) as `B = Ur·diag(s)·W` truncated to `k`: by
 * CholeskyQR2 of `Bᵀ = Q₂·R₂` and the `l × l` SVD `R₂ᵀ = Ur·Σ·Vrᵀ`, so `W = Vrᵀ·Q₂ᵀ`; when
 * CholeskyQR2 refuses B (its Q fails the orthogonality check), the SVD of B itself. `b` is
 * overwritten; `w` (l × cols) is scratch.
 */
function smallSvd(
  b: Float64Array,
  l: number,
  cols: number,
  k: number,
  w: Float64Array,
): { ur: Float64Array; s: Float64Array; wt: Float64Array } {
  const r = cholQr2T(b, l, cols, w);
  const wt = new Float64Array(k * cols);
  if (!r) {
    const f = svd(new Tensor(b, [l, cols]));
    wt.set(f.vt.data.subarray(0, k * cols));
    return { ur: f.u.data as Float64Array, s: (f.s.data as Float64Array).slice(0, k), wt };
  }
  const f = svd(new Tensor(transpose(r, l, l), [l, l]));
  gemm({ m: k, n: cols, k: l, a: f.vt.data, lda: l, b, ldb: cols, c: wt, ldc: cols });
  return { ur: f.u.data as Float64Array, s: (f.s.data as Float64Array).slice(0, k), wt };
}

function transpose(w: Float64Array, m: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[j * m + i] = w[i * n + j];
  return out;
}
