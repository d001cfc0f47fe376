/**
 * Randomized Nyström approximation of a positive semidefinite matrix, in the numerically
 * stable shifted form of Tropp, Yurtsever, Udell & Cevher, "Fixed-rank approximation of a
 * positive-semidefinite matrix from streaming data", NeurIPS 2017 (Algorithm 3).
 *
 * @module
 */
import { matmul } from "../matmul.ts";
import { Rng } from "../random.ts";
import { astype, Tensor } from "../tensor.ts";
import { scaledNorm2 } from "../norm.ts";
import { workSquare } from "./_work.ts";
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
 * `Y = A·Ω`, a shift `ν = √n·eps·‖Y‖_F`, `Y_ν = Y + ν·Ω`, the Cholesky factor `C` of
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
  const nu = Math.sqrt(n) * Number.EPSILON * scaledNorm2(y.data);
  const yNu = y.data as Float64Array;
  for (let i = 0; i < yNu.length; i++) yNu[i] += nu * omega.data[i];
  const core = matmul(omega, y, { transA: true }).data as Float64Array;
  symmetrize(core, l);
  const bad = choleskyInPlace(core, l);
  if (bad >= 0) {
    throw new RangeError(
      `${fn}: a is not positive semidefinite: pivot ${bad} of the Nyström core is ${
        core[bad * l + bad]
      }`,
    );
  }
  // B = Y_ν·C⁻ᵀ (C lower, Ωᵀ·Y_ν = C·Cᵀ): solve C·Bᵀ = Y_νᵀ.
  const bt = transpose(yNu, n, l);
  trsmInPlace(core, l, bt, n, true, false);
  const f = svd(new Tensor(transpose(bt, l, n), [n, l]));
  const u = new Float64Array(n * k), s = new Float64Array(k);
  for (let i = 0; i < n; i++) u.set(f.u.data.subarray(i * l, i * l + k), i * k);
  for (let j = 0; j < k; j++) s[j] = Math.max(f.s.data[j] ** 2 - nu, 0);
  const ut = new Tensor(u, [n, k]), st = new Tensor(s, [k]);
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
