/**
 * Ground truths for recovery experiments (spec §1.1, §1.5): a PSD `X* = U*U*ᵀ` of rank `r*`
 * with eigenvalues spaced linearly from 1 down to `1/κ`, and an asymmetric `X* = L*R*ᵀ` with
 * orthonormal factors. Ma & Fattahi, JMLR 24(96), 2023 study the PSD case.
 *
 * @module
 */
import { Rng } from "../ops/random.ts";
import { Tensor } from "../ops/tensor.ts";
import { checkPositiveInt } from "./operator.ts";
import { multiplyABt } from "./small_matmul.ts";

/**
 * Orthonormalizes the `k` columns of a row-major `n×k` matrix in place by modified
 * Gram–Schmidt applied twice ("twice is enough", Giraud et al. 2005), which keeps
 * `‖QᵀQ − I‖` at round-off level for the well-conditioned Gaussian inputs used here.
 *
 * @example
 * ```ts
 * import { orthonormalizeColumns } from "./truth.ts";
 * const q = orthonormalizeColumns(new Float64Array([3, 1, 4, 1]), 2, 2);
 * console.log(Math.abs(q[0] * q[1] + q[2] * q[3]) < 1e-15); // true
 * ```
 */
export function orthonormalizeColumns(a: Float64Array, n: number, k: number): Float64Array {
  if (k > n) throw new RangeError(`orthonormalizeColumns: k = ${k} columns exceed n = ${n} rows`);
  for (let pass = 0; pass < 2; pass++) {
    for (let c = 0; c < k; c++) {
      for (let p = 0; p < c; p++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += a[i * k + p] * a[i * k + c];
        for (let i = 0; i < n; i++) a[i * k + c] -= dot * a[i * k + p];
      }
      let nrm = 0;
      for (let i = 0; i < n; i++) nrm += a[i * k + c] ** 2;
      nrm = Math.sqrt(nrm);
      if (!(nrm > 0)) throw new RangeError("orthonormalizeColumns: columns are linearly dependent");
      for (let i = 0; i < n; i++) a[i * k + c] /= nrm;
    }
  }
  return a;
}

/** A PSD ground truth `X* = U*U*ᵀ`. */
export interface PsdTruth {
  /** `d×r*` factor `Q·diag(√σ)`. */
  u: Tensor;
  /** `d×d` PSD matrix `U*U*ᵀ`. */
  x: Tensor;
  /** Eigenvalues `σ_1 ≥ … ≥ σ_{r*}` (σ_1 = 1, σ_{r*} = 1/κ). */
  sigma: number[];
}

/** Options of {@link psdGroundTruth}. */
export interface PsdTruthOptions {
  /** Condition number of `X*` on its range (default 1). */
  kappa?: number;
  /** Seed of a fresh generator (default 0); ignored when `rng` is given. */
  seed?: number;
  /** Generator to draw from (advanced by the call). */
  rng?: Rng;
}

/**
 * Draws `X* = Q·diag(σ)·Qᵀ` with `Q` a random `d×r` orthonormal matrix and `σ` spaced linearly
 * from 1 to `1/κ`, so `‖X*‖₂ = 1` (spec §1.1).
 *
 * @example
 * ```ts
 * import { psdGroundTruth } from "./truth.ts";
 * const t = psdGroundTruth(6, 2, { seed: 1, kappa: 4 });
 * console.log(t.sigma, t.x.shape); // [1, 0.25] [6, 6]
 * ```
 */
export function psdGroundTruth(d: number, r: number, opts: PsdTruthOptions = {}): PsdTruth {
  checkPositiveInt("psdGroundTruth", "d", d);
  checkPositiveInt("psdGroundTruth", "r", r);
  if (r > d) throw new RangeError(`psdGroundTruth: rank r = ${r} exceeds d = ${d}`);
  const kappa = opts.kappa ?? 1;
  if (!(kappa >= 1) || !Number.isFinite(kappa)) {
    throw new RangeError(`psdGroundTruth: kappa must be a finite number >= 1, got ${kappa}`);
  }
  const rng = opts.rng ?? new Rng(opts.seed ?? 0);
  const q = gaussianColumns(rng, d, r);
  const sigma = Array.from(
    { length: r },
    (_, i) => r === 1 ? 1 : 1 - (i / (r - 1)) * (1 - 1 / kappa),
  );
  for (let i = 0; i < d; i++) for (let c = 0; c < r; c++) q[i * r + c] *= Math.sqrt(sigma[c]);
  return { u: new Tensor(q, [d, r]), x: new Tensor(outer(q, q, d, d, r), [d, d]), sigma };
}

/** An asymmetric ground truth `X* = L*R*ᵀ` with orthonormal factors. */
export interface AsymmetricTruth {
  /** `d1×r*` orthonormal factor. */
  l: Tensor;
  /** `d2×r*` orthonormal factor. */
  r: Tensor;
  /** `d1×d2` matrix `L*R*ᵀ` (all non-zero singular values 1). */
  x: Tensor;
}

/**
 * Draws `X* = Q₁Q₂ᵀ` with independent random orthonormal `d1×r` and `d2×r` factors (spec §1.5).
 *
 * @example
 * ```ts
 * import { asymmetricGroundTruth } from "./truth.ts";
 * const t = asymmetricGroundTruth(5, 4, 2, { seed: 3 });
 * console.log(t.l.shape, t.r.shape, t.x.shape); // [5, 2] [4, 2] [5, 4]
 * ```
 */
export function asymmetricGroundTruth(
  d1: number,
  d2: number,
  r: number,
  opts: { seed?: number; rng?: Rng } = {},
): AsymmetricTruth {
  checkPositiveInt("asymmetricGroundTruth", "d1", d1);
  checkPositiveInt("asymmetricGroundTruth", "d2", d2);
  checkPositiveInt("asymmetricGroundTruth", "r", r);
  if (r > Math.min(d1, d2)) {
    throw new RangeError(
      `asymmetricGroundTruth: rank r = ${r} exceeds min(d1, d2) = ${Math.min(d1, d2)}`,
    );
  }
  const rng = opts.rng ?? new Rng(opts.seed ?? 0);
  const l = gaussianColumns(rng, d1, r), rr = gaussianColumns(rng, d2, r);
  return {
    l: new Tensor(l, [d1, r]),
    r: new Tensor(rr, [d2, r]),
    x: new Tensor(outer(l, rr, d1, d2, r), [d1, d2]),
  };
}

function gaussianColumns(rng: Rng, n: number, k: number): Float64Array {
  const a = new Float64Array(n * k);
  for (let i = 0; i < a.length; i++) a[i] = rng.normal();
  return orthonormalizeColumns(a, n, k);
}

/**
 * `L Rᵀ` for row-major `n1×k` and `n2×k` factors.
 *
 * @example
 * ```ts
 * import { outer } from "./truth.ts";
 * // [1, 2]ᵀ·[3, 4] for k = 1.
 * console.log(outer(Float64Array.of(1, 2), Float64Array.of(3, 4), 2, 2, 1)); // Float64Array [3, 4, 6, 8]
 * ```
 */
export function outer(
  l: Float64Array,
  r: Float64Array,
  n1: number,
  n2: number,
  k: number,
): Float64Array {
  return multiplyABt(l, r, n1, n2, k, new Float64Array(n1 * n2));
}
