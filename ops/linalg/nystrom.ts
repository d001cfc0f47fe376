/**
 * Randomized Nyström approximation of a positive semidefinite matrix, in the numerically
 * stable shifted form of Tropp, Yurtsever, Udell & Cevher, "Fixed-rank approximation of a
 * positive-semidefinite matrix from streaming data", NeurIPS 2017 (Algorithm 3).
 *
 * @module
 */
import { matmul } from "../matmul.ts";
import { Rng } from "../random.ts";
import { astype, type DType, Tensor } from "../tensor.ts";
import { scaledNorm2 } from "../norm.ts";
import { unitRoundoff, workSquare } from "./_work.ts";
import { choleskyInPlace } from "./_cholesky_kernel.ts";
import { qr } from "./qr.ts";
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
 * times if the Cholesky factorization below fails, for input that is PSD only up to rounding), `Y_ν = Y + ν·Ω`, the Cholesky factor `C` of
 * `Ωᵀ·Y_ν`, `B = Y_ν·C⁻ᵀ`, `B = U·Σ·Vᵀ`, and `s = max(Σ² − ν, 0)` truncated to `k`. The shift
 * keeps the Cholesky factorization well defined when `A·Ω` is rank deficient, and is removed
 * afterwards (Tropp et al. 2017, Algorithm 3). For exactly rank-≤ k PSD input the result is
 * exact to rounding; otherwise the error is near the best rank-k error. f32 input is computed
 * in f64 and rounded to f32. Symmetry is assumed (only `A·Ω` is used).
 *
 * @throws {RangeError} for non-finite or non-square `a`, `k` outside `1..n`, bad options, or
 * when the core `Ωᵀ·Y_ν` is not positive definite (then `a` is not PSD).
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
  const fn = "nystrom";
  const { n, w, dtype } = workSquare(fn, "a", a);
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
  const rng = opts.rng ?? new Rng(opts.seed ?? 0);
  const l = Math.min(k + over, n);
  const g = new Float64Array(n * l);
  for (let i = 0; i < g.length; i++) g[i] = rng.normal();
  const omega = qr(new Tensor(g, [n, l])).q;
  const y = matmul(new Tensor(w, [n, n]), omega);
  const normY = scaledNorm2(y.data);
  if (normY === 0) return zeroApprox(omega, n, l, k, dtype); // A·Ω = 0: the best guess is 0
  // Shift of Tropp et al. with the input's precision (an f32 matrix is PSD only up to f32
  // rounding); retried ×10 (at most 3 times) for matrices that are PSD only up to rounding.
  let nu = Math.sqrt(n) * 2 * unitRoundoff(dtype) * normY;
  let core = shiftedCore(omega, y, nu, l);
  for (let retry = 0; core.bad >= 0 && retry < 3; retry++) {
    nu *= 10;
    core = shiftedCore(omega, y, nu, l);
  }
  if (core.bad >= 0) {
    throw new RangeError(
      `${fn}: a is not positive semidefinite: pivot ${core.bad} of the Nyström core is ${
        core.c[core.bad * l + core.bad]
      } even with shift ${nu}`,
    );
  }
  const yNu = y.data.map((v, i) => v + nu * omega.data[i]) as Float64Array;
  // B = Y_ν·C⁻ᵀ (C lower, Ωᵀ·Y_ν = C·Cᵀ): solve C·Bᵀ = Y_νᵀ.
  const bt = transpose(yNu, n, l);
  trsmInPlace(core.c, l, bt, n, true, false);
  const f = svd(new Tensor(transpose(bt, l, n), [n, l]));
  const u = new Float64Array(n * k), s = new Float64Array(k);
  for (let i = 0; i < n; i++) u.set(f.u.data.subarray(i * l, i * l + k), i * k);
  for (let j = 0; j < k; j++) s[j] = Math.max(f.s.data[j] ** 2 - nu, 0);
  const ut = new Tensor(u, [n, k]), st = new Tensor(s, [k]);
  return dtype === "f64" ? { u: ut, s: st } : { u: astype(ut, dtype), s: astype(st, dtype) };
}

/** Cholesky of `Ωᵀ·(Y + ν·Ω)` (symmetrized); `bad` ≥ 0 names a failing pivot. */
function shiftedCore(
  omega: Tensor,
  y: Tensor,
  nu: number,
  l: number,
): { c: Float64Array; bad: number } {
  const c = matmul(omega, y, { transA: true }).data as Float64Array;
  symmetrize(c, l);
  for (let i = 0; i < l; i++) c[i * l + i] += nu; // Ωᵀ·ν·Ω = ν·I (Ω orthonormal)
  return { c, bad: choleskyInPlace(c, l) };
}

/** `A·Ω = 0`: the approximation is the zero matrix, with Ω's first k columns as its basis. */
function zeroApprox(omega: Tensor, n: number, l: number, k: number, dtype: DType): NystromResult {
  const u = new Float64Array(n * k);
  for (let i = 0; i < n; i++) u.set(omega.data.subarray(i * l, i * l + k), i * k);
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
