/**
 * Randomized truncated SVD (Halko, Martinsson & Tropp, "Finding structure with randomness:
 * probabilistic algorithms for constructing approximate matrix decompositions", SIAM Review 53,
 * 2011, Algorithms 4.4 and 5.1) with scikit-learn's `randomized_svd` defaults.
 *
 * @module
 */
import { checkOptions } from "../options.ts";
import { assertUntraced } from "../autograd/tape.ts";
import { GpuTensor } from "../gpu/gpu_tensor.ts";
import {
  randomizedSvdGpu,
  type RandomizedSvdGpuOptions,
  type RandomizedSvdGpuResult,
} from "../gpu/randomized_svd.ts";
import { Rng } from "../random.ts";
import { assertMatrix, astype, Tensor } from "../tensor.ts";
import { rsvdCore, wantsTranspose } from "./_rsvd_core.ts";
import { rsvdOperand } from "./_rsvd_operand.ts";
import { svdFlip } from "./svd.ts";

/**
 * How the power iterations are re-normalized (see {@link randomizedSvd}).
 *
 * @example
 * ```ts
 * import { randn } from "../random.ts";
 * import { type PowerNormalizer, randomizedSvd } from "./randomized_svd.ts";
 * const normalizer: PowerNormalizer = "qr";
 * console.log(randomizedSvd(randn([20, 10], { seed: 0 }), 3, { seed: 0, normalizer }).s.shape); // [3]
 * ```
 */
export type PowerNormalizer = "auto" | "qr" | "lu" | "none";

/** Options of {@link randomizedSvd}. */
export interface RandomizedSvdOptions {
  /** Extra sampled directions beyond `k` (default 10). */
  oversamples?: number;
  /** Power iterations; `"auto"` (default) is 7 if `k < 0.1·min(m, n)`, else 4 (scikit-learn). */
  powerIters?: number | "auto";
  /**
   * Re-normalization between power iterations: `"lu"` (P·L of a pivoted LU, cheap), `"qr"`
   * (orthonormal, most accurate), `"none"` (unstable for many iterations), or `"auto"`
   * (default): `"none"` when `powerIters ≤ 2`, else `"lu"`, as scikit-learn.
   */
  normalizer?: PowerNormalizer;
  /** Seed of the Gaussian test matrix (default 0); ignored when `rng` is given. */
  seed?: number;
  /** Generator for the Gaussian test matrix (advanced by the call). */
  rng?: Rng;
}

/** Result of {@link randomizedSvd}: `a ≈ u·diag(s)·vt`. */
export interface RandomizedSvdResult {
  /** `m × k` approximate left singular vectors (orthonormal columns). */
  u: Tensor;
  /** `k` approximate singular values, descending. */
  s: Tensor;
  /** `k × n` approximate right singular vectors as rows. */
  vt: Tensor;
}

function parseOptions(
  m: number,
  n: number,
  k: number,
  opts: RandomizedSvdOptions,
): { l: number; iters: number; how: "qr" | "lu" | "none"; rng: Rng } {
  const fn = "randomizedSvd";
  const mn = Math.min(m, n);
  if (!Number.isInteger(k) || k < 1 || k > mn) {
    throw new RangeError(`${fn}: k must be an integer in 1..${mn} (min(m, n)), got ${k}`);
  }
  const over = opts.oversamples ?? 10;
  if (!Number.isInteger(over) || over < 0) {
    throw new RangeError(`${fn}: oversamples must be an integer >= 0, got ${over}`);
  }
  const pi = opts.powerIters ?? "auto";
  if (pi !== "auto" && (!Number.isInteger(pi) || (pi as number) < 0)) {
    throw new RangeError(`${fn}: powerIters must be "auto" or an integer >= 0, got ${pi}`);
  }
  const iters = pi === "auto" ? (k < 0.1 * mn ? 7 : 4) : pi;
  const norm = opts.normalizer ?? "auto";
  if (!["auto", "qr", "lu", "none"].includes(norm)) {
    throw new RangeError(`${fn}: normalizer must be "auto", "qr", "lu" or "none", got ${norm}`);
  }
  const how = norm === "auto" ? (iters <= 2 ? "none" : "lu") : norm as "qr" | "lu" | "none";
  if (opts.rng !== undefined && !(opts.rng instanceof Rng)) {
    throw new TypeError(`${fn}: rng must be an Rng`);
  }
  const rng = opts.rng ?? new Rng(opts.seed ?? 0);
  // The sample size cannot exceed min(m, n): more directions than the rank add nothing.
  return { l: Math.min(k + over, mn), iters, how, rng };
}

/**
 * Randomized rank-`k` SVD `a ≈ u·diag(s)·vt`: a Gaussian test matrix with `k + oversamples`
 * columns, `powerIters` normalized power iterations `(A·Aᵀ)^q·A·Ω`, an orthonormal basis Q of
 * the sample (QR), and the exact SVD of the small `B = Qᵀ·A`. When `m < n` the algorithm runs
 * on `aᵀ` (as scikit-learn's `transpose="auto"`, through transposed products: `a` is never
 * copied or transposed). Signs follow `svd_flip` on the returned `u` (the largest-magnitude
 * entry of each column is positive), as scikit-learn in both cases. With decaying spectra the
 * error `‖a − u·diag(s)·vt‖₂` is close to the optimal `σ_{k+1}` (HMT 2011, Theorem 10.8 and
 * §10.4). The same seed gives the same result. f32 input is computed in f64 and rounded to f32.
 * Input so large that the products could overflow (max|a|·max(m, n) near the f64 maximum) is
 * scaled by a power of two into a copy first, and the singular values scaled back.
 *
 * Apart from the `2·powerIters + 2` products with `a`, the work is on thin `l × N` factors
 * (`l = k + oversamples`). For matrices of 2^20 to 2^26 elements and two power iterations on,
 * a transposed copy of `a` is made (in the pass that checks it for non-finite entries; it takes
 * as much memory again as `a`), so that every product reads its big operand along stored
 * rows. The LU normalizer runs left-looking along contiguous columns, and the QR of the sample
 * and the SVD of B (via `Bᵀ = Q₂·R₂` and the `l × l` SVD of R₂) use CholeskyQR2 (after one
 * shifted Cholesky QR pass when the sample is ill-conditioned), with Householder QR / the full
 * SVD of B where the result fails an orthogonality check.
 *
 * Cites: Halko, Martinsson & Tropp, SIAM Review 53 (2011), Algorithms 4.4/5.1; scikit-learn
 * `utils.extmath.randomized_svd` defaults (`n_oversamples=10`, `n_iter="auto"`,
 * `power_iteration_normalizer="auto"`); Fukaya, Nakatsukasa, Yanagisawa & Yamamoto,
 * "CholeskyQR2", ScalA 2014 (and Yamamoto et al., ETNA 44, 2015, for its error bounds);
 * Fukaya, Kannan, Nakatsukasa, Yamamoto & Yanagisawa, "Shifted Cholesky QR", SIAM J. Sci.
 * Comput. 42(1), 2020.
 *
 * Given a GpuTensor, the products run on its GPU (`randomizedSvdGpu`, the same algorithm with
 * CholeskyQR normalization; options `oversamples`, `powerIters`, `seed`) and the result is a
 * Promise of GpuTensors.
 *
 * @throws {RangeError} for non-finite input, `k` outside `1..min(m, n)`, or bad options.
 * A GpuTensor with an option only the CPU version has (`normalizer`, `rng`) rejects with a
 * TypeError.
 *
 * @example
 * ```ts
 * import { randn } from "../random.ts";
 * import { randomizedSvd } from "./randomized_svd.ts";
 * const a = randn([60, 40], { seed: 1 });
 * const { u, s, vt } = randomizedSvd(a, 5, { seed: 0 });
 * console.log(u.shape, s.shape, vt.shape); // [60, 5] [5] [5, 40]
 * ```
 */
export function randomizedSvd(
  a: Tensor,
  k: number,
  opts?: RandomizedSvdOptions,
): RandomizedSvdResult;
/**
 * Randomized rank-`k` SVD of a GpuTensor, its products on its GPU (see the CPU overload and
 * `randomizedSvdGpu`).
 *
 * @example
 * ```ts
 * import { requestGpu } from "../gpu/device.ts";
 * import { randn } from "../random.ts";
 * import { randomizedSvd } from "./randomized_svd.ts";
 * const gpu = await requestGpu(); // null without a hardware GPU: the example then skips
 * if (gpu) {
 *   const { u, s, vt } = await randomizedSvd(gpu.upload(randn([40, 30], { seed: 1 })), 3);
 *   console.log(u.shape, s.shape, vt.shape); // [40, 3] [3] [3, 30]
 *   gpu.destroy();
 * }
 * ```
 */
export function randomizedSvd(
  a: GpuTensor,
  k: number,
  opts?: RandomizedSvdGpuOptions,
): Promise<RandomizedSvdGpuResult>;
export function randomizedSvd(
  a: Tensor | GpuTensor,
  k: number,
  opts: RandomizedSvdOptions = {},
): RandomizedSvdResult | Promise<RandomizedSvdGpuResult> {
  checkOptions("randomizedSvd", opts, {
    oversamples: "number",
    powerIters: "any",
    normalizer: "string",
    seed: "number",
    rng: "any",
  });
  assertUntraced("randomizedSvd", { a });
  if (a instanceof GpuTensor) return onGpu(a, k, opts);
  return onCpu(a, k, opts);
}

async function onGpu(
  a: GpuTensor,
  k: number,
  opts: RandomizedSvdOptions,
): Promise<RandomizedSvdGpuResult> {
  const cpuOnly = (["normalizer", "rng"] as const).filter((o) => opts[o] !== undefined);
  if (cpuOnly.length) {
    throw new TypeError(
      `randomizedSvd: option ${cpuOnly.join(", ")} has no GPU version (a is a GpuTensor)`,
    );
  }
  const { oversamples, powerIters, seed } = opts;
  return await randomizedSvdGpu(a.gpu, a, k, { oversamples, powerIters, seed });
}

function onCpu(a: Tensor, k: number, opts: RandomizedSvdOptions): RandomizedSvdResult {
  const [m, n] = assertMatrix("randomizedSvd", "a", a);
  const plan = { k, ...parseOptions(m, n, k, opts) };
  // The products sum up to max(m, n) terms of |a|·|Ω| (|Ω| < 8 in practice): entries near the
  // top of the f64 range overflow them (NaN in the sample). Such input is scaled by a power of
  // two (exact) into a copy, and the singular values scaled back (`rsvdOperand`).
  const { a: w, at, e } = rsvdOperand(a, wantsTranspose(m, n, plan));
  const f = rsvdCore(w, m, n, plan, at);
  if (e !== 0) { for (let i = 0; i < k; i++) f.s[i] *= 2 ** e; }
  let u = new Tensor(f.u, [m, k]), s = new Tensor(f.s, [k]), vt = new Tensor(f.vt, [k, n]);
  // scikit-learn flips by the returned U in both cases (v-based on the transposed problem).
  svdFlip(u, vt);
  if (a.dtype !== "f64") [u, s, vt] = [astype(u, a.dtype), astype(s, a.dtype), astype(vt, a.dtype)];
  return { u, s, vt };
}
