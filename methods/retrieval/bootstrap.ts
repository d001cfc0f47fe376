/**
 * Percentile bootstrap interval of a mean (Efron & Tibshirani, "An Introduction to the
 * Bootstrap", 1993, §13.3): resample the per-item values with replacement, take the mean of
 * each resample, and read the interval off the quantiles. A paired comparison of two methods
 * is the bootstrap of the per-item differences.
 *
 * @module
 */
import { Rng } from "../../ops/random.ts";
import { intOption, knownKeys } from "./_options.ts";

/** Options of {@link bootstrapMean}. */
export interface BootstrapOptions {
  /** Resamples (default 2000). */
  samples?: number;
  /** Coverage of the interval, in (0, 1) (default 0.95). */
  level?: number;
  /** Seed of the resampling (default 0). */
  seed?: number;
}

/** A mean and its bootstrap interval. */
export interface BootstrapMean {
  /** Mean of the values. */
  mean: number;
  /** Percentile interval `[lo, hi]`. */
  ci: [number, number];
}

/**
 * The mean of `values` with a percentile bootstrap interval. Quantiles are the order
 * statistics at `⌊α/2·B⌋` and `⌈(1 − α/2)·B⌉ − 1` of the `B` sorted resample means.
 *
 * @throws {TypeError} for values that are not an array; {@link RangeError} for no values, a
 * non-finite value, `level` outside (0, 1) or bad
 * `samples`/`seed`; a TypeError for an unknown option.
 *
 * @example
 * ```ts
 * import { bootstrapMean } from "./bootstrap.ts";
 * const { mean, ci } = bootstrapMean([1, 2, 3, 4, 5, 6, 7, 8], { seed: 1 });
 * console.log(mean, ci[0] < mean && mean < ci[1]); // 4.5 true
 * ```
 */
export function bootstrapMean(
  values: readonly number[],
  opts: BootstrapOptions = {},
): BootstrapMean {
  const fn = "bootstrapMean";
  knownKeys(fn, opts, ["samples", "level", "seed"]);
  const b = intOption(fn, "samples", opts.samples, 2000);
  const level = opts.level ?? 0.95;
  if (typeof level !== "number" || !(level > 0 && level < 1)) {
    throw new RangeError(`${fn}: level must be in (0, 1), got ${String(level)}`);
  }
  if (!Array.isArray(values)) {
    throw new TypeError(`${fn}: values must be an array of numbers, got ${typeof values}`);
  }
  const n = values.length;
  if (n === 0) throw new RangeError(`${fn}: values is empty`);
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new RangeError(`${fn}: values[${bad}] is ${values[bad]}`);
  const rng = new Rng(intOption(fn, "seed", opts.seed, 0, 0));
  const means = new Float64Array(b);
  for (let r = 0; r < b; r++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += values[rng.int(n)];
    means[r] = s / n;
  }
  means.sort();
  const alpha = 1 - level;
  const lo = means[Math.floor((alpha / 2) * b)];
  const hi = means[Math.max(0, Math.ceil((1 - alpha / 2) * b) - 1)];
  return { mean: values.reduce((a, v) => a + v, 0) / n, ci: [lo, hi] };
}
