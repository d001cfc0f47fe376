/**
 * The energy rank of a spectrum: how many leading singular directions hold a given share of
 * the squared singular values (spec `compression_optim_attention.md` §10, "Gradient bank";
 * Fan et al., ICCV 2023, code camwew/TADA-MI).
 *
 * @module
 */
import { Tensor } from "../../ops/tensor.ts";
import { numberIn } from "./_options.ts";

/**
 * The smallest `r` with `Σ_{i≤r} σᵢ² / Σ σᵢ² ≥ energy`, for singular values `s` in descending
 * order. The reference code counts the cumulative ratios below `energy` and adds one; since the
 * cumulative sum never decreases that is the same number (spec §10, property 2). A RangeError
 * for a negative, non-finite or ascending `s`, an all-zero `s` (no energy to share out), or an
 * `energy` outside (0, 1].
 *
 * @example
 * ```ts
 * import { energyRank } from "./energy_rank.ts";
 * // σ² ∝ [90, 5, 4, 1]: cumulative 0.90, 0.95, 0.99, 1.
 * console.log(energyRank([Math.sqrt(90), Math.sqrt(5), 2, 1])); // 3
 * console.log(energyRank([Math.sqrt(90), Math.sqrt(5), 2, 1], 0.9)); // 1
 * ```
 */
export function energyRank(s: Tensor | ArrayLike<number>, energy = 0.98): number {
  const fn = "energyRank";
  numberIn(fn, "energy", energy, 0.98, Number.MIN_VALUE, 1);
  const vals = s instanceof Tensor ? s.data : s;
  let total = 0;
  for (let i = 0; i < vals.length; i++) {
    const v = vals[i];
    if (!(v >= 0) || !Number.isFinite(v)) {
      throw new RangeError(`${fn}: s[${i}] must be finite and >= 0, got ${v}`);
    }
    if (i > 0 && v > vals[i - 1]) {
      throw new RangeError(`${fn}: s must be descending, but s[${i}] = ${v} > s[${i - 1}]`);
    }
    total += v * v;
  }
  if (!(total > 0)) {
    throw new RangeError(`${fn}: s has no energy (all ${vals.length} values are 0)`);
  }
  let cum = 0, below = 0;
  for (let i = 0; i < vals.length; i++) {
    cum += vals[i] * vals[i];
    if (cum / total < energy) below++;
  }
  // Rounding can leave the last ratio a hair under 1 with energy = 1: never exceed the length.
  return Math.min(below + 1, vals.length);
}
