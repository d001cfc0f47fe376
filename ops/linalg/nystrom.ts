/**
 * Randomized Nyström approximation of a positive semidefinite matrix, in the numerically
 * stable shifted form of Tropp, Yurtsever, Udell & Cevher, "Fixed-rank approximation of a
 * positive-semidefinite matrix from streaming data", NeurIPS 2017 (Algorithm 3).
 *
 * @module
 */
import { checkOptions } from "../options.ts";
import { assertUntraced } from "../autograd/tape.ts";
import { gemm } from "../cpu/gemm.ts";
import { Rng } from "../random.ts";
import { assertFinite, assertMatrix, astype, type DType, shapeStr, Tensor } from "../tensor.ts";
import { scaledNorm2 } from "../norm.ts";
import { assertSymmetric, optNonNegative, unitRoundoff } from "./_work.ts";
import { choleskyInPlace } from "./_cholesky_kernel.ts";
import { cholQr2T, orthonormalizeT } from "./_rsvd_cholqr.ts";
import { svd } from "./svd.ts";
import { trsmInPlace } from "./_trsm_kernel.ts";

/** Options of {@link nystrom}. */
export interface NystromOptions {
  /** Seed of the Gaussian test matrix (default 0); ignored when `rng` is given. */
  seed?: number;
  /** Generator for the test matrix (advanced by the call). */
  rng?: Rng;
  /** Extra sampled directions beyond `k` (default 10; capped at `n − k`). */
  oversamples?: number;
  /**
   * Largest accepted asymmetry `max|aᵢⱼ − aⱼᵢ|` relative to `max|aᵢⱼ|` (default `32·n·u`, u the
   * unit roundoff of the input dtype, as `eigh`); more is a RangeError.
   */
  symmetryTol?: number;
}

/** Result of {@link nystrom}: `a ≈ u·diag(s)·uᵀ`. */
export interface NystromResult {
  /** `n × k` orthonormal columns. */
  u: Tensor;
  /** `k` non-negative eigenvalue estimates, descending. */
  s: Tensor;
}

/**
 * Rank-`k` Nyström approximation `a ≈ u·diag(s)·uᵀ` of a symmetric positive semidefinite `a`
 * (`n × n`): with an orthonormal Gaussian test matrix Ω (`n × l`, `l = k + oversamples`),
 * `Y = A·Ω`, a shift `ν = √n·eps·‖Y‖_F` (eps of the input dtype; multiplied by 10 up to three
 * times if the Cholesky factorization below fails, for input that is PSD only up to rounding),
 * `Y_ν = Y + ν·Ω`, the Cholesky factor `C` of `Ωᵀ·Y_ν`, `B = Y_ν·C⁻ᵀ`, `B = U·Σ·Vᵀ`, and
 * `s = max(Σ² − ν, 0)` truncated to `k`. The shift keeps the Cholesky factorization well
 * defined when `A·Ω` is rank deficient, and is removed afterwards (Tropp et al. 2017,
 * Algorithm 3). For exactly rank-≤ k PSD input the result is
 * exact to rounding; otherwise the error is near the best rank-k error. f32 input is computed
 * in f64 and rounded to f32. Only `A·Ω` is used, so `a` must be symmetric: an asymmetry above
 * `symmetryTol` is rejected (a non-symmetric matrix would give meaningless values, such as
 * σ = 1e15 for a random 50 × 50 matrix). f64 input is read in
 * place; Ω is orthonormalized and B factored (`B = Q·R`, then the `l × l` SVD of R) by
 * CholeskyQR2 (Fukaya et al. 2014; shifted first when ill-conditioned, Fukaya et al. 2020),
 * with Householder QR or the full SVD of B where the result fails an orthogonality check.
 *
 * @throws {RangeError} for non-finite, non-square or non-symmetric `a`, `k` outside `1..n`, bad
 * options, or when the core `Ωᵀ·Y_ν` is not positive definite (then `a` is not PSD).
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { nystrom } from "./nystrom.ts";
 * const { s } = nystrom(tensor([[2, 0, 0], [0, 1, 0], [0, 0, 0]]), 2, { seed: 0 });
 * console.log(Array.from(s.data, (v) => Math.round(v * 1e9) / 1e9)); // [2, 1]
 * ```
 */
export function nystrom(a: Tensor, k: number, opts: NystromOptions = {}): NystromResult {
  checkOptions("nystrom", opts, {
    seed: "number",
    rng: "any",
    oversamples: "number",
    symmetryTol: "number",
  });
  assertUntraced("nystrom", { a });
  const fn = "nystrom";
  const [n, cols] = assertMatrix(fn, "a", a);
  if (n !== cols) throw new RangeError(`${fn}: a must be square, got shape ${shapeStr(a.shape)}`);
  assertFinite(fn, "a", a);
  if (!Number.isInteger(k) || k < 1 || k > n) {
    throw new RangeError(`${fn}: k must be an integer in 1..${n}, got ${k}`);
  }
  const over = opts.oversamples ?? 10;
  if (!Number.isInteger(over) || over < 0) {
    throw new RangeError(`${fn}: oversamples must be an integer >= 0, got ${over}`);
  }
  if (opts.rng !== undefined && !(opts.rng instanceof Rng)) {
    throw new TypeError(`${fn}: rng must be an Rng`);
  }
  const dtype = a.dtype;
  const symTol = optNonNegative(fn, "symmetryTol", opts.symmetryTol, 32 * n * unitRoundoff(dtype));
  assertSymmetric(fn, a.data, n, symTol);
  const rng = opts.rng ?? new Rng(opts.seed ?? 0);
  const l = Math.min(k + over, n);
  // f64 input is read in place (a copy of a large matrix costs more than the product with it).
  const w = a.data instanceof Float64Array ? a.data : Float64Array.from(a.data);
  // Thin factors are stored transposed (l × n): Ωᵀ, Yᵀ = Ωᵀ·Aᵀ, Bᵀ.
  const omegaT = new Float64Array(l * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < l; j++) omegaT[j * n + i] = rng.normal();
  orthonormalizeT(omegaT, l, n);
  const yT = new Float64Array(l * n);
  gemm({ m: l, n, k: n, a: omegaT, lda: n, b: w, ldb: n, transB: true, c: yT, ldc: n });
  const normY = scaledNorm2(yT);
  if (normY === 0) return zeroApprox(omegaT, n, k, dtype); // A·Ω = 0: the best guess is 0
  // Shift of Tropp et al. with the input's precision (an f32 matrix is PSD only up to f32
  // rounding); retried ×10 (at most 3 times) for matrices that are PSD only up to rounding.
  let nu = Math.sqrt(n) * 2 * unitRoundoff(dtype) * normY;
  let core = shiftedCore(omegaT, yT, nu, l, n);
  for (let retry = 0; core.bad >= 0 && retry < 3; retry++) {
    nu *= 10;
    core = shiftedCore(omegaT, yT, nu, l, n);
  }
  if (core.bad >= 0) {
    throw new RangeError(
      `${fn}: a is not positive semidefinite: pivot ${core.bad} of the Nyström core is ${
        core.c[core.bad * l + core.bad]
      } even with shift ${nu}`,
    );
  }
  // Bᵀ = C⁻¹·Y_νᵀ (C lower, Ωᵀ·Y_ν = C·Cᵀ), with Y_νᵀ = Yᵀ + ν·Ωᵀ.
  const bT = yT;
  for (let i = 0; i < l * n; i++) bT[i] += nu * omegaT[i];
  trsmInPlace(core.c, l, bT, n, true, false);
  const { u, sigma } = leftSingular(bT, l, n, k);
  const s = new Float64Array(k);
  for (let j = 0; j < k; j++) s[j] = Math.max(sigma[j] ** 2 - nu, 0);
  const ut = new Tensor(u, [n, k]), st = new Tensor(s, [k]);
  return dtype === "f64" ? { u: ut, s: st } : { u: astype(ut, dtype), s: astype(st, dtype) };
}

/**
 * The first k left singular vectors (n × k) and singular values of B (n × l, given transposed):
 * by CholeskyQR2 `B = Q·R` and the SVD of the l × l R (`U = Q·U_R`), or, when CholeskyQR2
 * refuses B (its Q fails the orthogonality check), by the SVD of B itself.
 */
function leftSingular(
  bT: Float64Array,
  l: number,
  n: number,
  k: number,
): { u: Float64Array; sigma: Float64Array } {
  const u = new Float64Array(n * k);
  const r = cholQr2T(bT, l, n);
  if (!r) {
    const f = svd(new Tensor(transpose(bT, l, n), [n, l]));
    for (let i = 0; i < n; i++) u.set(f.u.data.subarray(i * l, i * l + k), i * k);
    return { u, sigma: f.s.data as Float64Array };
  }
  const f = svd(new Tensor(r, [l, l]));
  // U = Q·U_R: Q = bTᵀ (n × l), the first k columns of U_R.
  gemm({ m: n, n: k, k: l, a: bT, lda: n, transA: true, b: f.u.data, ldb: l, c: u, ldc: k });
  return { u, sigma: f.s.data as Float64Array };
}

/** Cholesky of `Ωᵀ·(Y + ν·Ω)` (symmetrized); `bad` ≥ 0 names a failing pivot. */
function shiftedCore(
  omegaT: Float64Array,
  yT: Float64Array,
  nu: number,
  l: number,
  n: number,
): { c: Float64Array; bad: number } {
  const c = new Float64Array(l * l);
  gemm({ m: l, n: l, k: n, a: omegaT, lda: n, b: yT, ldb: n, transB: true, c, ldc: l });
  symmetrize(c, l);
  for (let i = 0; i < l; i++) c[i * l + i] += nu; // Ωᵀ·ν·Ω = ν·I (Ω orthonormal)
  return { c, bad: choleskyInPlace(c, l) };
}

/** `A·Ω = 0`: the approximation is the zero matrix, with Ω's first k columns as its basis. */
function zeroApprox(omegaT: Float64Array, n: number, k: number, dtype: DType): NystromResult {
  const u = transpose(omegaT.subarray(0, k * n), k, n);
  const ut = new Tensor(u, [n, k]), st = new Tensor(new Float64Array(k), [k]);
  return dtype === "f64" ? { u: ut, s: st } : { u: astype(ut, dtype), s: astype(st, dtype) };
}

function symmetrize(c: Float64Array, l: number): void {
  for (let i = 0; i < l; i++) {
    for (let j = 0; j < i; j++) {
      const v = 0.5 * (c[i * l + j] + c[j * l + i]);
      c[i * l + j] = v;
      c[j * l + i] = v;
    }
  }
}

function transpose(w: Float64Array, m: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[j * m + i] = w[i * n + j];
  return out;
}
