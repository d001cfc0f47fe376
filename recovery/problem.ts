/**
 * A robust recovery problem `y = A(X*) + s` (spec §1): the measurement operator, the
 * measurements, and, for generated problems, the truth and the noise. Ma & Fattahi, *Global
 * Convergence of Sub-gradient Method for Robust Matrix Recovery*, JMLR 24(96), 2023.
 *
 * @module
 */
import { checkOptions } from "../ops/options.ts";
import { Rng } from "../ops/random.ts";
import { assertMatrix, assertTensor, type DType, shapeStr, type Tensor } from "../ops/tensor.ts";
import { completionDesign } from "./completion.ts";
import { type DenseStorage, gaussianDesign } from "./dense.ts";
import { drawNoise, type NoiseModel } from "./noise.ts";
import { checkPositiveInt, type MeasurementOperator } from "./operator.ts";
import { rankOneDesign } from "./rank_one.ts";
import { asymmetricGroundTruth, psdGroundTruth } from "./truth.ts";

/** What a recovery method needs, and what an experiment knows. */
export interface RecoveryProblem {
  /** The measurement operator. */
  op: MeasurementOperator;
  /** Measurements, length `op.m`, all finite. */
  y: Float64Array;
  /** `true` for `X = L Rᵀ` (spec §1.5), `false` for the PSD problem `X = U Uᵀ`. */
  asymmetric: boolean;
  /** The ground truth `X*`, when known (for the relative error). */
  xStar?: Tensor;
  /** The true factor `U*` (PSD) or `L*` (asymmetric), when known. */
  uStar?: Tensor;
  /** The true `R*` of an asymmetric problem, when known. */
  vStar?: Tensor;
  /** The noise `s` that was added, when known. */
  noise?: Float64Array;
  /** 1 where a measurement was corrupted, when known. */
  corrupted?: Uint8Array;
}

/**
 * Wraps user data as a problem after validating it: `y` must be a finite vector of length
 * `op.m`, `xStar` (optional) must be `rows×cols`, and a PSD problem needs a square operator.
 *
 * @example
 * ```ts
 * import { makeProblem } from "./problem.ts";
 * import { gaussianDesign } from "./dense.ts";
 * import { tensor } from "../ops/tensor.ts";
 * const op = gaussianDesign(2, 3, { seed: 1 });
 * const p = makeProblem(op, tensor([0.5, -1, 2]));
 * console.log(p.y.length, p.asymmetric); // 3 false
 * ```
 */
export function makeProblem(
  op: MeasurementOperator,
  y: Tensor,
  opts: { xStar?: Tensor; asymmetric?: boolean } = {},
): RecoveryProblem {
  if (op === null || typeof op !== "object" || typeof op.residualGradient !== "function") {
    throw new TypeError("makeProblem: op must be a MeasurementOperator");
  }
  assertTensor("makeProblem", "y", y);
  if (y.ndim !== 1 || y.shape[0] !== op.m) {
    throw new RangeError(
      `makeProblem: y must be a vector of length m = ${op.m}, got shape ${shapeStr(y.shape)}`,
    );
  }
  const yd = Float64Array.from(y.data);
  for (let i = 0; i < yd.length; i++) {
    if (!Number.isFinite(yd[i])) {
      throw new RangeError(`makeProblem: y has a non-finite measurement ${yd[i]} at index ${i}`);
    }
  }
  const asymmetric = opts.asymmetric ?? false;
  if (!asymmetric && op.rows !== op.cols) {
    throw new RangeError(
      `makeProblem: the PSD problem needs a square operator, got ${op.rows}x${op.cols}`,
    );
  }
  if (opts.xStar !== undefined) {
    const [r, c] = assertMatrix("makeProblem", "xStar", opts.xStar);
    if (r !== op.rows || c !== op.cols) {
      throw new RangeError(
        `makeProblem: xStar must be ${op.rows}x${op.cols}, got ${shapeStr(opts.xStar.shape)}`,
      );
    }
  }
  return { op, y: yd, asymmetric, xStar: opts.xStar };
}

/** Options of {@link generateProblem}. */
export interface GenerateOptions {
  /** Dimension `d` (rows; also columns unless `cols` is given for an asymmetric problem). */
  d: number;
  /** True rank `r*`. */
  rstar: number;
  /** Number of measurements. */
  m: number;
  /** Columns of an asymmetric problem (default `d`). */
  cols?: number;
  /** Condition number of a PSD truth (default 1). */
  kappa?: number;
  /** Noise model (default none). */
  noise?: NoiseModel;
  /** `"gaussian"` (default), `"rank-one"` or `"completion"`. */
  design?: "gaussian" | "rank-one" | "completion";
  /** Storage type of a Gaussian design (default `"f64"`). */
  dtype?: DType;
  /** Storage of a symmetric Gaussian design (default `"packed"`). */
  storage?: DenseStorage;
  /** Asymmetric problem `X* = L*R*ᵀ` with i.i.d. Gaussian `A_i` (default false). */
  asymmetric?: boolean;
  /** Seed (default 0): truth, then design, then noise are drawn from it in that order. */
  seed?: number;
}

/**
 * Generates a seeded problem: truth (spec §1.1 or §1.5), design (§1.2 or §9), clean
 * measurements computed in f64 from the *stored* design by the same routine the solvers use
 * (so the truth has exactly zero clean residual, §10 CP2), then noise (§1.3).
 *
 * @example
 * ```ts
 * import { generateProblem } from "./problem.ts";
 * const p = generateProblem({ d: 5, rstar: 1, m: 40, noise: { kind: "outlier", p: 0.1 }, seed: 2 });
 * console.log(p.y.length, p.xStar?.shape); // 40 [5, 5]
 * ```
 */
export function generateProblem(o: GenerateOptions): RecoveryProblem {
  if (o === null || typeof o !== "object") {
    throw new TypeError(`generateProblem: options must be an object, got ${String(o)}`);
  }
  checkOptions("generateProblem", o, {
    d: "number",
    rstar: "number",
    m: "number",
    cols: "number",
    kappa: "number",
    noise: "object",
    design: "string",
    dtype: "string",
    storage: "string",
    asymmetric: "boolean",
    seed: "number",
  });
  const d = checkPositiveInt("generateProblem", "d", o.d);
  const rstar = checkPositiveInt("generateProblem", "rstar", o.rstar);
  const m = checkPositiveInt("generateProblem", "m", o.m);
  const asymmetric = o.asymmetric ?? false;
  const cols = checkPositiveInt("generateProblem", "cols", o.cols ?? d);
  if (!asymmetric && cols !== d) {
    throw new RangeError(`generateProblem: cols = ${cols} needs asymmetric: true`);
  }
  const rng = new Rng(o.seed ?? 0);
  const design = o.design ?? "gaussian";
  let l: Tensor, r: Tensor, xStar: Tensor;
  if (asymmetric) {
    const t = asymmetricGroundTruth(d, cols, rstar, { rng });
    [l, r, xStar] = [t.l, t.r, t.x];
  } else {
    const t = psdGroundTruth(d, rstar, { rng, kappa: o.kappa });
    [l, r, xStar] = [t.u, t.u, t.x];
  }
  const op = makeDesign(design, d, cols, m, asymmetric, o, rng);
  const clean = new Float64Array(m);
  const lf = l.data as Float64Array;
  op.applyFactors(lf, asymmetric ? r.data as Float64Array : lf, rstar, clean);
  const { s, corrupted } = drawNoise(clean, o.noise ?? { kind: "none" }, rng);
  const y = new Float64Array(m);
  for (let i = 0; i < m; i++) y[i] = clean[i] + s[i];
  return {
    op,
    y,
    asymmetric,
    xStar,
    uStar: l,
    vStar: asymmetric ? r : undefined,
    noise: s,
    corrupted,
  };
}

function makeDesign(
  design: string,
  d: number,
  cols: number,
  m: number,
  asymmetric: boolean,
  o: GenerateOptions,
  rng: Rng,
): MeasurementOperator {
  switch (design) {
    case "gaussian":
      return asymmetric
        ? gaussianDesign(d, m, { rng, cols, symmetric: false, dtype: o.dtype, storage: "full" })
        : gaussianDesign(d, m, { rng, dtype: o.dtype, storage: o.storage });
    case "rank-one":
      if (asymmetric) {
        throw new RangeError("generateProblem: the rank-one design is symmetric only");
      }
      return rankOneDesign(d, m, { rng });
    case "completion":
      return completionDesign(d, m, { rng, cols });
    default:
      throw new TypeError(
        `generateProblem: design must be "gaussian", "rank-one" or "completion", got ${design}`,
      );
  }
}

/**
 * Relative error `‖X̂ − X*‖_F / ‖X*‖_F` of an estimate `X̂` (a `rows×cols` matrix).
 *
 * @example
 * ```ts
 * import { relativeError } from "./problem.ts";
 * import { eye, tensor } from "../ops/tensor.ts";
 * console.log(relativeError(tensor([[1.1, 0], [0, 1]]), eye(2)).toFixed(4)); // 0.0707
 * ```
 */
export function relativeError(xHat: Tensor, xStar: Tensor): number {
  const [r, c] = assertMatrix("relativeError", "xHat", xHat);
  const [r2, c2] = assertMatrix("relativeError", "xStar", xStar);
  if (r !== r2 || c !== c2) {
    throw new RangeError(
      `relativeError: shapes differ: xHat is ${shapeStr(xHat.shape)}, xStar is ${
        shapeStr(xStar.shape)
      }`,
    );
  }
  let num = 0, den = 0;
  for (let i = 0; i < xStar.size; i++) {
    num += (xHat.data[i] - xStar.data[i]) ** 2;
    den += xStar.data[i] ** 2;
  }
  if (den === 0) {
    throw new RangeError("relativeError: xStar is zero, the relative error is undefined");
  }
  return Math.sqrt(num / den);
}
