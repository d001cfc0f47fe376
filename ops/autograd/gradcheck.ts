/**
 * Finite-difference gradient checking: compares `grad` with central differences computed in
 * f64, element by element (Griewank & Walther 2008, §1; the standard check of any autodiff).
 *
 * @module
 */
import { astype, Tensor } from "../tensor.ts";
import { valueAndGrad } from "./grad.ts";

/** Options of {@link gradcheck}. */
export interface GradcheckOptions {
  /** Central-difference step (default 1e-5: truncation ε² and round-off u/ε balance near 1e-10). */
  eps?: number;
  /** Largest accepted error (default 1e-7), measured as described in {@link GradcheckResult}. */
  tol?: number;
  /** Floor of the error's denominator, so that gradients near zero are compared absolutely (default 1e-3). */
  minScale?: number;
}

/** What {@link gradcheck} found. */
export interface GradcheckResult {
  /** `maxError <= tol`. */
  ok: boolean;
  /** `max |analytic − numeric| / max(|analytic|, |numeric|, minScale)` over all entries. */
  maxError: number;
  /** Where the largest error is: argument, flat index and both values. */
  worst: { arg: number; index: number; analytic: number; numeric: number };
}

function scalarOf(t: unknown): number {
  if (!(t instanceof Tensor) || t.size !== 1) {
    throw new TypeError("gradcheck: f must return a scalar Tensor");
  }
  return t.data[0];
}

/**
 * Checks the reverse-mode gradient of a scalar function `f` of the tensors `inputs` against
 * central differences `(f(x + εe_i) − f(x − εe_i)) / 2ε`, every input converted to f64. Costs
 * `2·Σ size` evaluations of `f`, so use small inputs.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { gradcheck } from "./gradcheck.ts";
 * import { exp, sum } from "./ops.ts";
 * const r = gradcheck((x) => sum(exp(x)), [tensor([0.1, -0.4])]);
 * console.log(r.ok); // true
 * ```
 */
export function gradcheck(
  f: (...inputs: Tensor[]) => Tensor,
  inputs: readonly Tensor[],
  opts: GradcheckOptions = {},
): GradcheckResult {
  const eps = opts.eps ?? 1e-5, tol = opts.tol ?? 1e-7, minScale = opts.minScale ?? 1e-3;
  if (!(eps > 0) || !(tol > 0) || !(minScale > 0)) {
    throw new RangeError(
      `gradcheck: eps, tol and minScale must be positive (${eps}, ${tol}, ${minScale})`,
    );
  }
  if (!Array.isArray(inputs) || inputs.some((t) => !(t instanceof Tensor))) {
    throw new TypeError("gradcheck: inputs must be an array of Tensors");
  }
  const xs = inputs.map((t) => astype(t, "f64"));
  const argnums = xs.map((_, i) => i);
  const { grad } = valueAndGrad(f, { argnums })(...xs);
  const worst = { arg: 0, index: 0, analytic: 0, numeric: 0 };
  let maxError = 0;
  xs.forEach((x, a) => {
    const ga = (grad[a] as Tensor).data;
    for (let i = 0; i < x.size; i++) {
      const keep = x.data[i];
      x.data[i] = keep + eps;
      const fp = scalarOf(f(...xs));
      x.data[i] = keep - eps;
      const fm = scalarOf(f(...xs));
      x.data[i] = keep;
      const numeric = (fp - fm) / (2 * eps);
      const analytic = ga[i];
      const rel = Math.abs(analytic - numeric) /
        Math.max(Math.abs(analytic), Math.abs(numeric), minScale);
      const err = Number.isNaN(rel) ? Infinity : rel; // a NaN gradient is the worst error
      if (err > maxError) {
        maxError = err;
        Object.assign(worst, { arg: a, index: i, analytic, numeric });
      }
    }
  });
  return { ok: maxError <= tol, maxError, worst };
}
