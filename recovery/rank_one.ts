/**
 * The symmetrized rank-one design `A_i = a_i a_iᵀ − b_i b_iᵀ` with `a_i, b_i ~ N(0, I_d)`
 * (spec §9, E8): O(m·d) memory and O(m·d·k) work per factored pass, never a `d×d` matrix per
 * measurement. Not covered by the theory of Ma & Fattahi (JMLR 24(96), 2023); ℓ1/ℓ2-RIP for it
 * is shown by Charisopoulos et al. (FoCM 2021).
 *
 * @module
 */
import { Rng } from "../ops/random.ts";
import { Tensor } from "../ops/tensor.ts";
import {
  checkAdjointInput,
  checkApplyInput,
  checkPositiveInt,
  type MeasurementOperator,
  type ResidualWeight,
  twoPassResidualGradient,
} from "./operator.ts";

/**
 * A rank-one design held as two `m×d` row-major f64 matrices `a` and `b`.
 *
 * @example
 * ```ts
 * import { RankOneDesign } from "./rank_one.ts";
 * import { eye } from "../ops/tensor.ts";
 * const op = new RankOneDesign(new Float64Array([1, 2]), new Float64Array([0, 1]), 1, 2);
 * console.log(op.apply(eye(2)).data); // Float64Array [4]   (‖a‖² − ‖b‖²)
 * ```
 */
export class RankOneDesign implements MeasurementOperator {
  readonly kind = "rank-one";
  readonly m: number;
  readonly rows: number;
  readonly cols: number;
  readonly symmetric = true;
  /** The `a_i` as rows of an `m×d` matrix. */
  readonly a: Float64Array;
  /** The `b_i` as rows of an `m×d` matrix. */
  readonly b: Float64Array;

  /** Wraps `a` and `b` (not copied), each `m×d` row-major. */
  constructor(a: Float64Array, b: Float64Array, m: number, d: number) {
    checkPositiveInt("RankOneDesign", "m", m);
    checkPositiveInt("RankOneDesign", "d", d);
    for (const [name, v] of [["a", a], ["b", b]] as const) {
      if (!(v instanceof Float64Array) || v.length !== m * d) {
        throw new RangeError(`RankOneDesign: ${name} must be a Float64Array of m·d = ${m * d}`);
      }
    }
    this.a = a;
    this.b = b;
    this.m = m;
    this.rows = d;
    this.cols = d;
  }

  /** `y_i = a_iᵀ X a_i − b_iᵀ X b_i`. */
  apply(x: Tensor): Tensor {
    const xd = checkApplyInput("RankOneDesign.apply", this, x);
    const d = this.rows, out = new Float64Array(this.m);
    for (let i = 0; i < this.m; i++) {
      out[i] = quadForm(xd, this.a, i * d, d) - quadForm(xd, this.b, i * d, d);
    }
    return new Tensor(out, [this.m]);
  }

  /** `Σ_i w_i (a_i a_iᵀ − b_i b_iᵀ)` as a `d×d` matrix. */
  adjoint(w: Tensor): Tensor {
    const wd = checkAdjointInput("RankOneDesign.adjoint", this, w);
    const d = this.rows, s = new Float64Array(d * d);
    for (let i = 0; i < this.m; i++) {
      if (wd[i] === 0) continue;
      rankOneUpdate(s, wd[i], this.a, i * d, d);
      rankOneUpdate(s, -wd[i], this.b, i * d, d);
    }
    return new Tensor(s, [d, d]);
  }

  /** `out_i = (a_iᵀL)(Rᵀa_i) − (b_iᵀL)(Rᵀb_i)`, O(m·d·k). */
  applyFactors(l: Float64Array, r: Float64Array, k: number, out: Float64Array): void {
    const d = this.rows;
    const pa = new Float64Array(k), qa = new Float64Array(k);
    for (let i = 0; i < this.m; i++) {
      out[i] = bilinear(this.a, i * d, d, l, r, k, pa, qa) -
        bilinear(this.b, i * d, d, l, r, k, pa, qa);
    }
  }

  /** `gl = Σ w_i A_i R`, `gr = Σ w_i A_i L` (the `A_i` are symmetric), O(m·d·k). */
  adjointFactors(
    w: Float64Array,
    l: Float64Array,
    r: Float64Array,
    k: number,
    gl: Float64Array,
    gr: Float64Array,
  ): void {
    const d = this.rows;
    gl.fill(0, 0, d * k);
    gr.fill(0, 0, d * k);
    const t = new Float64Array(k);
    for (let i = 0; i < this.m; i++) {
      if (w[i] === 0) continue;
      projectUpdate(gl, w[i], this.a, i * d, d, r, k, t);
      projectUpdate(gl, -w[i], this.b, i * d, d, r, k, t);
      if (l === r) continue;
      projectUpdate(gr, w[i], this.a, i * d, d, l, k, t);
      projectUpdate(gr, -w[i], this.b, i * d, d, l, k, t);
    }
    if (l === r) gr.set(gl.subarray(0, d * k));
  }

  /**
   * Residuals and weighted adjoint. For the PSD iterate (`l === r`) one pass projects each
   * `a_i`, `b_i` once and reuses the projections for the residual and the update (4·d·k per
   * measurement instead of 6·d·k); otherwise two passes ({@link twoPassResidualGradient}).
   */
  residualGradient(
    l: Float64Array,
    r: Float64Array,
    k: number,
    y: Float64Array,
    weight: ResidualWeight,
    res: Float64Array,
    gl: Float64Array,
    gr: Float64Array,
  ): void {
    if (l !== r) return twoPassResidualGradient(this, l, r, k, y, weight, res, gl, gr);
    const d = this.rows, pa = new Float64Array(k), pb = new Float64Array(k);
    gl.fill(0, 0, d * k);
    for (let i = 0; i < this.m; i++) {
      const off = i * d;
      // same arithmetic as applyFactors, so exact data gives exactly zero residuals
      const v = bilinear(this.a, off, d, l, l, k, pa, pa) -
        bilinear(this.b, off, d, l, l, k, pb, pb);
      const ri = v - y[i];
      res[i] = ri;
      const w = weight === "residual" ? ri : ri > 0 ? 1 : ri < 0 ? -1 : ri === 0 ? 0 : NaN;
      if (w === 0) continue;
      addOuter(gl, w, this.a, off, d, pa, k);
      addOuter(gl, -w, this.b, off, d, pb, k);
    }
    gr.set(gl.subarray(0, d * k));
  }
}

function quadForm(x: Float64Array, v: Float64Array, off: number, d: number): number {
  let s = 0;
  for (let j = 0; j < d; j++) {
    let t = 0;
    for (let k = 0; k < d; k++) t += x[j * d + k] * v[off + k];
    s += v[off + j] * t;
  }
  return s;
}

function rankOneUpdate(s: Float64Array, w: number, v: Float64Array, off: number, d: number): void {
  for (let j = 0; j < d; j++) {
    const wj = w * v[off + j];
    for (let k = 0; k < d; k++) s[j * d + k] += wj * v[off + k];
  }
}

// (vᵀL)·(Rᵀv) with scratch vectors p = Lᵀv, q = Rᵀv.
function bilinear(
  v: Float64Array,
  off: number,
  d: number,
  l: Float64Array,
  r: Float64Array,
  k: number,
  p: Float64Array,
  q: Float64Array,
): number {
  p.fill(0);
  for (let j = 0; j < d; j++) {
    const vj = v[off + j];
    for (let c = 0; c < k; c++) p[c] += vj * l[j * k + c];
  }
  let s = 0;
  if (l === r) {
    for (let c = 0; c < k; c++) s += p[c] * p[c]; // PSD case: ‖Uᵀv‖², one projection
    return s;
  }
  q.fill(0);
  for (let j = 0; j < d; j++) {
    const vj = v[off + j];
    for (let c = 0; c < k; c++) q[c] += vj * r[j * k + c];
  }
  for (let c = 0; c < k; c++) s += p[c] * q[c];
  return s;
}

// g += w·v·tᵀ for a projection t = Fᵀv already computed.
function addOuter(
  g: Float64Array,
  w: number,
  v: Float64Array,
  off: number,
  d: number,
  t: Float64Array,
  k: number,
): void {
  for (let j = 0; j < d; j++) {
    const s = w * v[off + j];
    for (let c = 0; c < k; c++) g[j * k + c] += s * t[c];
  }
}

// g += w·v·(vᵀF) with scratch t = Fᵀv.
function projectUpdate(
  g: Float64Array,
  w: number,
  v: Float64Array,
  off: number,
  d: number,
  f: Float64Array,
  k: number,
  t: Float64Array,
): void {
  t.fill(0);
  for (let j = 0; j < d; j++) {
    const vj = v[off + j];
    for (let c = 0; c < k; c++) t[c] += vj * f[j * k + c];
  }
  for (let j = 0; j < d; j++) {
    const s = w * v[off + j];
    for (let c = 0; c < k; c++) g[j * k + c] += s * t[c];
  }
}

/** Options of {@link rankOneDesign}. */
export interface RankOneDesignOptions {
  /** Seed of a fresh generator (default 0); ignored when `rng` is given. */
  seed?: number;
  /** Generator to draw from (advanced by the call). */
  rng?: Rng;
}

/**
 * Draws `m` symmetrized rank-one measurements of `d×d` matrices: `a_i, b_i ~ N(0, I_d)`, so
 * `⟨A_i, X⟩` has mean 0 and variance `4‖X‖_F²` for symmetric `X` (spec §9).
 *
 * @example
 * ```ts
 * import { rankOneDesign } from "./rank_one.ts";
 * const op = rankOneDesign(5, 20, { seed: 2 });
 * console.log(op.kind, op.a.length); // rank-one 100
 * ```
 */
export function rankOneDesign(
  d: number,
  m: number,
  opts: RankOneDesignOptions = {},
): RankOneDesign {
  checkPositiveInt("rankOneDesign", "d", d);
  checkPositiveInt("rankOneDesign", "m", m);
  const rng = opts.rng ?? new Rng(opts.seed ?? 0);
  const a = new Float64Array(m * d), b = new Float64Array(m * d);
  for (let i = 0; i < m * d; i++) a[i] = rng.normal();
  for (let i = 0; i < m * d; i++) b[i] = rng.normal();
  return new RankOneDesign(a, b, m, d);
}
