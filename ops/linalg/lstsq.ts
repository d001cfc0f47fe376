/**
 * Linear least squares `min ‖A·x − b‖₂` with the minimum-norm solution for rank-deficient `A`,
 * by the SVD (Golub & Van Loan, "Matrix Computations", 4th ed., §5.5; as LAPACK `dgelsd` and
 * numpy `lstsq`).
 *
 * @module
 */
import { checkOptions } from "../options.ts";
import { assertUntraced } from "../autograd/tape.ts";
import { scaledNorm2 } from "../norm.ts";
import type { Tensor } from "../tensor.ts";
import { fromWork, optNonNegative, workRhs } from "./_work.ts";
import { countAbove, epsOf, workSvd } from "./_svd_work.ts";
import { scalePow2_ } from "./dense.ts";

/** Options of {@link lstsq}. */
export interface LstsqOptions {
  /**
   * Relative cutoff: singular values `≤ rcond·σ₁` count as zero. Default `max(m, n)·eps` of the
   * dtype (numpy's `rcond=None`).
   */
  rcond?: number;
}

/** Result of {@link lstsq}. */
export interface LstsqResult {
  /** The minimum-norm least-squares solution, `n` (vector `b`) or `n × k`. */
  x: Tensor;
  /**
   * Squared residual norm `‖b − A·x‖²` per column (length `k`) when `rank = n < m`; empty
   * (length 0) otherwise, as numpy.
   */
  residuals: Tensor;
  /** Numerical rank of `a` (singular values above the cutoff). */
  rank: number;
  /** Singular values of `a`, descending. */
  s: Tensor;
}

/**
 * Least-squares solution of `a·x ≈ b` (`a` is `m × n`, any shape; `b` a vector of length `m` or
 * an `m × k` matrix): `x = V·diag(1/σᵢ)·Uᵀ·b` over the singular values above `rcond·σ₁`, which is
 * the minimum-norm minimizer when `a` is rank deficient. f32 input is solved in f64 and the
 * results rounded to f32.
 *
 * @throws {TypeError} if `b` is not a Tensor or its dtype differs from `a`'s.
 * @throws {RangeError} for non-finite input, a mismatched `b`, or an invalid `rcond`.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { lstsq } from "./lstsq.ts";
 * // Fit y = c0 + c1·t through (0, 1), (1, 3), (2, 5): exact line 1 + 2t.
 * const { x, rank } = lstsq(tensor([[1, 0], [1, 1], [1, 2]]), tensor([1, 3, 5]));
 * console.log(rank, x.data.map((v) => Math.round(v * 1e12) / 1e12)); // 2 Float64Array [1, 2]
 * ```
 */
export function lstsq(a: Tensor, b: Tensor, opts: LstsqOptions = {}): LstsqResult {
  checkOptions("lstsq", opts, { rcond: "number" });
  assertUntraced("lstsq", { a, b });
  // The SVD is of a·2^-exp (exp > 0 only when σ would overflow): x = x'·2^-exp, σ = σ'·2^exp.
  const { m, n, u, s, vt, dtype, exp } = workSvd("lstsq", "a", a);
  const rhs = workRhs("lstsq", b, m, dtype);
  const rcond = optNonNegative("lstsq", "rcond", opts.rcond, Math.max(m, n) * epsOf(dtype));
  const kk = s.length, k = rhs.k, bw = rhs.w;
  const rank = countAbove(s, kk > 0 ? rcond * s[0] : 0);
  // c = diag(1/σ)·Uᵀ·b over the kept singular values, then x = Vᵀᵀ·c.
  const c = new Float64Array(rank * k);
  for (let t = 0; t < rank; t++) {
    for (let i = 0; i < m; i++) {
      const uv = u[i * kk + t];
      if (uv === 0) continue;
      for (let j = 0; j < k; j++) c[t * k + j] += uv * bw[i * k + j];
    }
    for (let j = 0; j < k; j++) c[t * k + j] /= s[t];
  }
  const x = new Float64Array(n * k);
  for (let t = 0; t < rank; t++) {
    for (let i = 0; i < n; i++) {
      const v = vt[t * n + i];
      for (let j = 0; j < k; j++) x[i * k + j] += v * c[t * k + j];
    }
  }
  scalePow2_(x, -exp);
  const xShape = rhs.vector ? [n] : [n, k];
  const residuals = rank === n && m > n ? squaredResiduals(a, x, bw, m, n, k) : new Float64Array(0);
  return {
    x: fromWork(x, xShape, dtype),
    residuals: fromWork(residuals, [residuals.length], dtype),
    rank,
    s: fromWork(scaled(s, exp), [kk], dtype),
  };
}

/** A copy of `w` times `2^e` (entries past the largest double become Infinity, as they are). */
function scaled(w: Float64Array, e: number): Float64Array {
  const out = Float64Array.from(w);
  scalePow2_(out, e);
  return out;
}

function squaredResiduals(
  a: Tensor,
  x: Float64Array,
  b: Float64Array,
  m: number,
  n: number,
  k: number,
): Float64Array {
  const res = new Float64Array(k);
  const ad = a.data;
  const r = new Float64Array(m);
  for (let j = 0; j < k; j++) {
    for (let i = 0; i < m; i++) {
      let v = b[i * k + j];
      for (let t = 0; t < n; t++) v -= ad[i * n + t] * x[t * k + j];
      r[i] = v;
    }
    res[j] = scaledNorm2(r) ** 2; // scaled, so huge or tiny residual entries do not over/underflow
  }
  return res;
}
