/**
 * Tucker decomposition of N-d tensors: truncated higher-order SVD (HOSVD) and higher-order
 * orthogonal iteration (HOOI), De Lathauwer, De Moor & Vandewalle, "A multilinear singular
 * value decomposition" and "On the best rank-(R1, …, RN) approximation of higher-order
 * tensors", SIAM J. Matrix Anal. Appl. 21, 2000.
 *
 * @module
 */
import { checkOptions } from "../options.ts";
import { assertUntraced } from "../autograd/tape.ts";
import { assertFinite, assertTensor, astype, Tensor } from "../tensor.ts";
import { optNonNegative, optPositiveInt } from "./_work.ts";
import { svd } from "./svd.ts";
import { modeProduct, unfold } from "./unfold.ts";

/** Options of {@link tucker}. */
export interface TuckerOptions {
  /** `"hooi"` (default: HOSVD start, then alternating refinement) or `"hosvd"` (one pass). */
  method?: "hosvd" | "hooi";
  /** Most HOOI sweeps (default 20). */
  iters?: number;
  /** HOOI stops when the relative error changes by less than `tol` in a sweep (default 1e-10). */
  tol?: number;
}

/** Result of {@link tucker}: `x ≈ core ×₀ factors[0] ×₁ factors[1] … `. */
export interface TuckerResult {
  /** Core tensor of shape `ranks`. */
  core: Tensor;
  /** Factor `n` is `shape[n] × ranks[n]` with orthonormal columns. */
  factors: Tensor[];
}

/** The leading `r` left singular vectors of `m` (`rows × cols`), deterministic signs. */
function leadingLeft(m: Tensor, r: number): Tensor {
  const [rows, cols] = m.shape;
  // The reduced SVD has min(rows, cols) vectors; more are needed only when cols < r ≤ rows,
  // and then the full U is rows × rows with a small (cols × cols) V.
  const { u } = svd(m, { full: r > Math.min(rows, cols) });
  const uc = u.shape[1];
  const out = new Float64Array(rows * r);
  for (let i = 0; i < rows; i++) out.set(u.data.subarray(i * uc, i * uc + r), i * r);
  return new Tensor(out, [rows, r]);
}

/** `x ×ₙ factors[n]ᵀ` over every mode except `skip`. */
function projectAll(x: Tensor, factors: Tensor[], skip = -1): Tensor {
  let y = x;
  for (let n = 0; n < factors.length; n++) {
    if (n !== skip) y = modeProduct(y, factors[n], n, { trans: true });
  }
  return y;
}

function sumSquares(t: Tensor): number {
  let s = 0;
  for (const v of t.data) s += v * v;
  return s;
}

function checkRanks(fn: string, x: Tensor, ranks: readonly number[]): void {
  if (!Array.isArray(ranks) || ranks.length !== x.ndim) {
    throw new RangeError(
      `${fn}: ranks must list one rank per mode (${x.ndim}), got ${String(ranks)}`,
    );
  }
  ranks.forEach((r, n) => {
    if (!Number.isInteger(r) || r < 1 || r > x.shape[n]) {
      throw new RangeError(
        `${fn}: ranks[${n}] must be an integer in 1..${x.shape[n]}, got ${r}`,
      );
    }
  });
}

/**
 * Tucker decomposition `x ≈ core ×₀ U₀ ×₁ U₁ … ×_{N−1} U_{N−1}` with orthonormal factors
 * `Uₙ` (`shape[n] × ranks[n]`) and `core` of shape `ranks`. `"hosvd"`: each `Uₙ` is the
 * leading left singular vectors of the mode-n unfolding (quasi-optimal: error ≤ √N × best).
 * `"hooi"` (default): starts from HOSVD and alternately re-fits each `Uₙ` to the tensor
 * projected on the other factors; each step is optimal given the others, so the error never
 * increases, and the result is never worse than HOSVD (the better of the two is returned).
 * An exactly rank-(ranks) tensor is recovered to rounding by either method. Signs are
 * deterministic (each factor comes from {@link svd}, which applies `svd_flip`).
 * f32 input is decomposed in f64 and the results rounded to f32.
 *
 * Cites: De Lathauwer, De Moor & Vandewalle, SIAM J. Matrix Anal. Appl. 21 (2000), HOSVD and
 * HOOI (Algorithm 4.2).
 *
 * @throws {RangeError} for non-finite input, ranks outside `1..shape[n]`, or bad options.
 *
 * @example
 * ```ts
 * import { randn } from "../random.ts";
 * import { tucker } from "./tucker.ts";
 * const { core, factors } = tucker(randn([4, 5, 6], { seed: 1 }), [2, 2, 3]);
 * console.log(core.shape, factors.map((f) => f.shape)); // [2, 2, 3] [[4, 2], [5, 2], [6, 3]]
 * ```
 */
export function tucker(
  x: Tensor,
  ranks: readonly number[],
  opts: TuckerOptions = {},
): TuckerResult {
  checkOptions("tucker", opts, { method: "string", iters: "number", tol: "number" });
  assertUntraced("tucker", { x });
  const fn = "tucker";
  assertTensor(fn, "x", x);
  if (x.ndim < 1) throw new RangeError(`${fn}: x must have at least one axis`);
  assertFinite(fn, "x", x);
  checkRanks(fn, x, ranks);
  const method = opts.method ?? "hooi";
  if (method !== "hosvd" && method !== "hooi") {
    throw new RangeError(`${fn}: method must be "hosvd" or "hooi", got ${JSON.stringify(method)}`);
  }
  const iters = optPositiveInt(fn, "iters", opts.iters, 20, 0);
  const tol = optNonNegative(fn, "tol", opts.tol, 1e-10);
  const x64 = x.dtype === "f64" ? x : astype(x, "f64");
  let factors = ranks.map((r, n) => leadingLeft(unfold(x64, n), r));
  let core = projectAll(x64, factors);
  if (method === "hooi") [core, factors] = hooi(x64, ranks, factors, core, iters, tol);
  const back = (t: Tensor): Tensor => (x.dtype === "f64" ? t : astype(t, x.dtype));
  return { core: back(core), factors: factors.map(back) };
}

function hooi(
  x: Tensor,
  ranks: readonly number[],
  start: Tensor[],
  startCore: Tensor,
  iters: number,
  tol: number,
): [Tensor, Tensor[]] {
  const normX2 = sumSquares(x);
  // With orthonormal factors ‖x − x̂‖² = ‖x‖² − ‖core‖²: a larger core is a better fit.
  let best: [Tensor, Tensor[]] = [startCore, start];
  let bestFit = sumSquares(startCore);
  let factors = start.slice();
  let prevErr = Math.sqrt(Math.max(normX2 - bestFit, 0));
  for (let it = 0; it < iters; it++) {
    let y = x;
    for (let n = 0; n < ranks.length; n++) {
      y = projectAll(x, factors, n);
      factors[n] = leadingLeft(unfold(y, n), ranks[n]);
    }
    const core = modeProduct(y, factors[ranks.length - 1], ranks.length - 1, { trans: true });
    const fit = sumSquares(core);
    if (fit >= bestFit) [best, bestFit] = [[core, factors.slice()], fit];
    const err = Math.sqrt(Math.max(normX2 - fit, 0));
    if (Math.abs(prevErr - err) <= tol * Math.sqrt(normX2)) break;
    prevErr = err;
    factors = factors.slice();
  }
  return best;
}

/**
 * The full tensor `core ×₀ factors[0] ×₁ factors[1] …` of a Tucker model.
 *
 * @throws {RangeError} if the factor count or shapes do not match the core.
 *
 * @example
 * ```ts
 * import { randn } from "../random.ts";
 * import { tucker, tuckerToTensor } from "./tucker.ts";
 * const x = randn([3, 4, 5], { seed: 2 });
 * console.log(tuckerToTensor(tucker(x, [3, 4, 5])).shape); // [3, 4, 5]
 * ```
 */
export function tuckerToTensor(model: TuckerResult): Tensor {
  assertUntraced("tuckerToTensor", { core: model.core });
  const { core, factors } = model;
  assertTensor("tuckerToTensor", "core", core);
  if (!Array.isArray(factors) || factors.length !== core.ndim) {
    throw new RangeError(
      `tuckerToTensor: need ${core.ndim} factors (one per core mode), got ${factors?.length}`,
    );
  }
  let y = core;
  factors.forEach((f, n) => (y = modeProduct(y, f, n)));
  return y;
}
