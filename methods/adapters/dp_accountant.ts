/**
 * The privacy accountant of DP-LoRA (spec `specs/adapters.md` §12): Rényi differential privacy
 * of the sampled Gaussian mechanism at integer orders (Mironov, "Rényi Differential Privacy",
 * CSF 2017; Mironov, Talwar & Zhang, "Rényi Differential Privacy of the Sampled Gaussian
 * Mechanism", 2019), additive composition over steps and the classical conversion to (ε, δ);
 * plus the one-release Gaussian mechanism calibration (Dwork & Roth 2014, Thm 3.22).
 *
 * @module
 */

/** Inputs of {@link rdpEpsilon}. */
export interface RdpQuery {
  /** Sampling rate q ∈ (0, 1] (probability an example is in a step's batch). */
  q: number;
  /** Noise multiplier σ > 0. */
  sigma: number;
  /** Number of noisy steps T. */
  steps: number;
  /** Target δ ∈ (0, 1). */
  delta: number;
  /** RDP orders (default the integers 2…64). */
  orders?: number[];
}

function logAdd(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const m = Math.max(a, b);
  return m + Math.log(Math.exp(a - m) + Math.exp(b - m));
}

function logBinom(n: number, k: number): number {
  let s = 0;
  for (let i = 1; i <= k; i++) s += Math.log(n - k + i) - Math.log(i);
  return s;
}

/**
 * RDP of one sampled-Gaussian step at integer order `a`:
 * `ln(Σ_j C(a,j)(1−q)^{a−j} q^j exp((j²−j)/(2σ²)))/(a − 1)` (log-sum-exp; `a/(2σ²)` at q = 1).
 *
 * @example
 * ```ts
 * import { rdpSampledGaussian } from "./dp_accountant.ts";
 * console.log(rdpSampledGaussian(1, 2, 10)); // 1.25
 * ```
 */
export function rdpSampledGaussian(q: number, sigma: number, a: number): number {
  if (!(q > 0 && q <= 1)) throw new RangeError(`rdpSampledGaussian: q must be in (0, 1], got ${q}`);
  if (!(sigma > 0)) throw new RangeError(`rdpSampledGaussian: sigma must be > 0, got ${sigma}`);
  if (!Number.isInteger(a) || a < 2) {
    throw new RangeError(`rdpSampledGaussian: order must be an integer ≥ 2, got ${a}`);
  }
  let acc = -Infinity;
  for (let j = 0; j <= a; j++) {
    const rest = a - j === 0 ? 0 : (q === 1 ? -Infinity : (a - j) * Math.log1p(-q));
    acc = logAdd(acc, logBinom(a, j) + rest + j * Math.log(q) + (j * j - j) / (2 * sigma * sigma));
  }
  return acc / (a - 1);
}

/**
 * (ε, δ) after T sampled-Gaussian steps: RDP composes additively and converts by the classical
 * bound `ε = min_a [T·ε_RDP(a) + ln(1/δ)/(a − 1)]`. Returns ε and the minimizing order.
 *
 * @example
 * ```ts
 * import { rdpEpsilon } from "./dp_accountant.ts";
 * const { epsilon, order } = rdpEpsilon({ q: 1, sigma: 5, steps: 1, delta: 1e-5 });
 * console.log(epsilon.toFixed(4), order); // 0.9797 25
 * ```
 */
export function rdpEpsilon(query: RdpQuery): { epsilon: number; order: number } {
  const { q, sigma, steps, delta } = query;
  if (!Number.isInteger(steps) || steps < 0) {
    throw new RangeError(`rdpEpsilon: steps must be a non-negative integer, got ${steps}`);
  }
  if (!(delta > 0 && delta < 1)) {
    throw new RangeError(`rdpEpsilon: delta must be in (0, 1), got ${delta}`);
  }
  const orders = query.orders ?? Array.from({ length: 63 }, (_, i) => i + 2);
  let best = { epsilon: Infinity, order: orders[0] };
  for (const a of orders) {
    const eps = steps * rdpSampledGaussian(q, sigma, a) + Math.log(1 / delta) / (a - 1);
    if (eps < best.epsilon) best = { epsilon: eps, order: a };
  }
  return best;
}

/**
 * Noise multiplier of the classical Gaussian mechanism for one release: `√(2 ln(1.25/δ))/ε`
 * (Dwork & Roth, Thm 3.22; valid for ε < 1 only, so larger ε is a RangeError).
 *
 * @example
 * ```ts
 * import { gaussianSigma } from "./dp_accountant.ts";
 * console.log(gaussianSigma(0.5, 1e-5).toFixed(3)); // 9.690
 * ```
 */
export function gaussianSigma(epsilon: number, delta: number): number {
  if (!(epsilon > 0 && epsilon < 1)) {
    throw new RangeError(
      `gaussianSigma: the classical bound needs 0 < epsilon < 1, got ${epsilon}`,
    );
  }
  if (!(delta > 0 && delta < 1)) {
    throw new RangeError(`gaussianSigma: delta must be in (0, 1), got ${delta}`);
  }
  return Math.sqrt(2 * Math.log(1.25 / delta)) / epsilon;
}
