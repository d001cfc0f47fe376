/**
 * Principal component analysis by the SVD of the centered data (Jolliffe, "Principal Component
 * Analysis", 2nd ed., 2002, §3.5; conventions of scikit-learn's `PCA`), with an exact or a
 * randomized (Halko, Martinsson & Tropp 2011) solver.
 *
 * @module
 */
import { checkOptions } from "../options.ts";
import { assertUntraced } from "../autograd/tape.ts";
import { matmul } from "../matmul.ts";
import { astype, type DType, Tensor } from "../tensor.ts";
import { workMatrix } from "./_work.ts";
import { randomizedSvd } from "./randomized_svd.ts";
import { svd } from "./svd.ts";

/** Options of {@link pca}. */
export interface PcaOptions {
  /** Subtract the column means first (default true). */
  center?: boolean;
  /** `"full"` (exact SVD, default) or `"randomized"` ({@link randomizedSvd}). */
  solver?: "full" | "randomized";
  /** Seed of the randomized solver (default 0). */
  seed?: number;
}

/** A fitted PCA model. */
export interface PcaModel {
  /** `k × d` principal axes (orthonormal rows), by decreasing explained variance. */
  components: Tensor;
  /** Variance along each component: `σᵢ² / (n − 1)`. */
  explainedVariance: Tensor;
  /** Fraction of the total variance along each component (0 when the data has none). */
  explainedVarianceRatio: Tensor;
  /** Column means subtracted before projection (zeros when `center` is false). */
  mean: Tensor;
  /** Singular values of the centered data for the `k` components. */
  singularValues: Tensor;
}

/**
 * PCA of the `n × d` data `x` (rows are samples): with `X_c = x − mean`, the thin SVD
 * `X_c = U·Σ·Vᵀ` gives `components = Vᵀ[:k]`, `explainedVariance = σ²/(n − 1)`, and
 * `explainedVarianceRatio = σ² / ‖X_c‖_F²`. Signs are deterministic and solver-independent: the
 * largest-magnitude entry of each component is positive (scikit-learn ≥ 1.5's
 * `svd_flip(u_based_decision=False)`). With `solver: "randomized"` the top k triplets come from {@link randomizedSvd} and the
 * total variance from `‖X_c‖_F²`. f32 input is computed in f64 and rounded to f32.
 *
 * Cites: Jolliffe (2002); scikit-learn `PCA` (explained variance with `n − 1`); Halko,
 * Martinsson & Tropp (2011) for the randomized solver.
 *
 * @throws {RangeError} for non-finite `x`, fewer than 2 rows, `k` outside `1..min(n, d)`, or
 * an unknown solver.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { pca } from "./pca.ts";
 * const x = tensor([[1, 1], [2, 2], [3, 3], [4, 4.1]]);
 * const { explainedVarianceRatio } = pca(x, 1);
 * console.log(explainedVarianceRatio.data[0] > 0.99); // true
 * ```
 */
export function pca(x: Tensor, k: number, opts: PcaOptions = {}): PcaModel {
  checkOptions("pca", opts, { center: "boolean", solver: "string", seed: "number" });
  assertUntraced("pca", { x });
  const fn = "pca";
  const { m: n, n: d, w, dtype } = workMatrix(fn, "x", x);
  if (n < 2) throw new RangeError(`${fn}: x needs at least 2 rows (samples), got ${n}`);
  const kmax = Math.min(n, d);
  if (!Number.isInteger(k) || k < 1 || k > kmax) {
    throw new RangeError(`${fn}: k must be an integer in 1..${kmax}, got ${k}`);
  }
  const solver = opts.solver ?? "full";
  if (solver !== "full" && solver !== "randomized") {
    throw new RangeError(`${fn}: solver must be "full" or "randomized", got ${solver}`);
  }
  const mean = new Float64Array(d);
  if (opts.center ?? true) {
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += w[i * d + j];
    for (let j = 0; j < d; j++) mean[j] /= n;
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) w[i * d + j] -= mean[j];
  }
  // ‖Xc‖²_F and σᵢ² are taken relative to max|Xc| so that the ratios neither underflow to 0
  // (entries near 1e-160) nor become Infinity/Infinity = NaN (entries near 1e+160).
  let big = 0;
  for (const v of w) big = Math.max(big, Math.abs(v));
  let total = 0;
  if (big > 0) { for (const v of w) total += (v / big) ** 2; }
  const xc = new Tensor(w, [n, d]);
  const f = solver === "full" ? svd(xc) : randomizedSvd(xc, k, { seed: opts.seed ?? 0 });
  const comps = f.vt.data.slice(0, k * d) as Float64Array;
  flipRows(comps, k, d);
  const sv = f.s.data.slice(0, k) as Float64Array;
  const ev = sv.map((s) => (s * s) / (n - 1));
  const ratio = sv.map((s) => (total > 0 ? (s / big) ** 2 / total : 0));
  const out = (data: Float64Array, shape: number[]): Tensor => cast(new Tensor(data, shape), dtype);
  return {
    components: out(comps, [k, d]),
    explainedVariance: out(ev, [k]),
    explainedVarianceRatio: out(ratio, [k]),
    mean: out(mean, [d]),
    singularValues: out(sv, [k]),
  };
}

/**
 * Makes the largest-magnitude entry of each component positive (the first on ties), so the
 * signs do not depend on the solver (scikit-learn ≥ 1.5 `svd_flip(u_based_decision=False)`).
 */
function flipRows(v: Float64Array, k: number, d: number): void {
  for (let i = 0; i < k; i++) {
    let best = 0, arg = 0;
    for (let j = 0; j < d; j++) {
      if (Math.abs(v[i * d + j]) > best) [best, arg] = [Math.abs(v[i * d + j]), j];
    }
    if (v[i * d + arg] < 0) { for (let j = 0; j < d; j++) v[i * d + j] = -v[i * d + j]; }
  }
}

function cast(t: Tensor, dtype: DType): Tensor {
  return dtype === "f64" ? t : astype(t, dtype);
}

/**
 * Projects the rows of `x` (`n × d`) on the principal axes of a fitted model:
 * `(x − mean)·componentsᵀ` (`n × k`).
 *
 * @throws {RangeError} if `x` is not a finite matrix with `d` columns.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { pca, pcaTransform } from "./pca.ts";
 * const x = tensor([[1, 2], [3, 4], [5, 7]]);
 * console.log(pcaTransform(pca(x, 1), x).shape); // [3, 1]
 * ```
 */
export function pcaTransform(model: PcaModel, x: Tensor): Tensor {
  assertUntraced("pcaTransform", { x });
  const { m: n, n: d, w, dtype } = workMatrix("pcaTransform", "x", x);
  const [k, dc] = model.components.shape;
  if (d !== dc) {
    throw new RangeError(`pcaTransform: x has ${d} columns, the model has ${dc} features`);
  }
  const mu = model.mean.data;
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) w[i * d + j] -= mu[j];
  const comps = new Tensor(Float64Array.from(model.components.data), [k, d]);
  return cast(matmul(new Tensor(w, [n, d]), comps, { transB: true }), dtype);
}
