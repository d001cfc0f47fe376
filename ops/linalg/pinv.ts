/**
 * Moore–Penrose pseudo-inverse by the SVD (Golub & Van Loan, "Matrix Computations", 4th ed.,
 * §5.5.2).
 *
 * @module
 */
import { checkOptions } from "../options.ts";
import { assertUntraced } from "../autograd/tape.ts";
import type { Tensor } from "../tensor.ts";
import { fromWork, optNonNegative } from "./_work.ts";
import { countAbove, epsOf, workSvd } from "./_svd_work.ts";
import { scaleExponent, scalePow2_ } from "./dense.ts";

/** Options of {@link pinv}. */
export interface PinvOptions {
  /**
   * Relative cutoff: singular values `≤ rcond·σ₁` are treated as zero. Default
   * `max(m, n)·eps` of the dtype (numpy 2's default `rtol`).
   */
  rcond?: number;
}

/**
 * Pseudo-inverse `a⁺ = V·diag(1/σᵢ)·Uᵀ` (`n × m`) over the singular values above `rcond·σ₁`;
 * the others are dropped, so rank-deficient, zero and badly scaled matrices give finite
 * results (a zero matrix gives the zero `n × m` matrix). f32 input is computed in f64 and
 * rounded to f32.
 *
 * @throws {RangeError} if `a` is not a finite matrix or `rcond` is invalid.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { pinv } from "./pinv.ts";
 * console.log(pinv(tensor([[2, 0], [0, 0]])).data); // Float64Array [0.5, 0, 0, 0]
 * ```
 */
export function pinv(a: Tensor, opts: PinvOptions = {}): Tensor {
  checkOptions("pinv", opts, { rcond: "number" });
  assertUntraced("pinv", { a });
  // The SVD is of a·2^-exp (exp > 0 only when σ would overflow): a⁺ = (a·2^-exp)⁺·2^-exp.
  const { m, n, u, s, vt, dtype, exp } = workSvd("pinv", "a", a);
  const rcond = optNonNegative("pinv", "rcond", opts.rcond, Math.max(m, n) * epsOf(dtype));
  const k = s.length;
  const r = countAbove(s, s.length > 0 ? rcond * s[0] : 0);
  // a⁺[i, j] = Σ_t vt[t, i] · u[j, t] / s[t]: scale the rows of vt, then one product.
  const out = new Float64Array(n * m);
  // Work with σ/2^e (exact): for subnormal σ, 1/σ overflows and 0·∞ would give NaN; the final
  // rescale overflows only the entries that are truly out of range, to ±Infinity.
  const e = r > 0 ? scaleExponent(s.subarray(0, 1)) : 0;
  const sc = s.slice(0, r);
  scalePow2_(sc, -e);
  for (let t = 0; t < r; t++) {
    const inv = 1 / sc[t];
    for (let i = 0; i < n; i++) {
      const v = vt[t * n + i] * inv;
      if (v === 0) continue;
      const row = i * m;
      for (let j = 0; j < m; j++) out[row + j] += v * u[j * k + t];
    }
  }
  scalePow2_(out, -e - exp);
  return fromWork(out, [n, m], dtype);
}
