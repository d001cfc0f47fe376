/**
 * The rank criteria of trained rank pruning (Xu et al., IJCAI 2020; spec
 * `compression_optim_attention.md` §1, "Rank selection"): how many singular values of a reshaped
 * kernel to keep, by spectral energy, by a value threshold, or as a fixed fraction.
 *
 * @module
 */
import { Tensor } from "../../ops/tensor.ts";
import { energyRank } from "../distill/energy_rank.ts";

/**
 * A rank criterion: `{ energy: e }` (EnergyThreshold, e in (0, 1]), `{ value: T }`
 * (ValueThreshold, T ≥ 0), or `{ rate: ρ }` (LinearRate, ρ in [0, 1]).
 */
export type TrpCriterion = { energy: number } | { value: number } | { rate: number };

function values(fn: string, s: Tensor | ArrayLike<number>): ArrayLike<number> {
  const v = s instanceof Tensor ? s.data : s;
  for (let i = 0; i < v.length; i++) {
    if (!(v[i] >= 0) || !Number.isFinite(v[i]) || (i > 0 && v[i] > v[i - 1])) {
      throw new RangeError(
        `${fn}: singular values must be finite, >= 0 and descending, got s[${i}] = ${v[i]}`,
      );
    }
  }
  return v;
}

/**
 * ValueThreshold(T): the number of leading singular values `σ ≥ T` (the index of the first
 * `σ < T`; all of them when none is below).
 *
 * @example
 * ```ts
 * import { valueRank } from "./trp_rank.ts";
 * console.log(valueRank([3, 2, 1], 1.5), valueRank([3, 2, 1], 0.5)); // 2 3
 * ```
 */
export function valueRank(s: Tensor | ArrayLike<number>, threshold: number): number {
  const v = values("valueRank", s);
  if (!(threshold >= 0) || !Number.isFinite(threshold)) {
    throw new RangeError(`valueRank: threshold must be a finite number >= 0, got ${threshold}`);
  }
  let k = 0;
  while (k < v.length && v[k] >= threshold) k++;
  return k;
}

/**
 * LinearRate(ρ): `floor(p·ρ)` for `p` singular values.
 *
 * @example
 * ```ts
 * import { linearRateRank } from "./trp_rank.ts";
 * console.log(linearRateRank(10, 0.25)); // 2
 * ```
 */
export function linearRateRank(p: number, rate: number): number {
  if (!Number.isInteger(p) || p < 0) {
    throw new RangeError(`linearRateRank: p must be a non-negative integer, got ${p}`);
  }
  if (!(rate >= 0 && rate <= 1)) {
    throw new RangeError(`linearRateRank: rate must be in [0, 1], got ${rate}`);
  }
  return Math.floor(p * rate);
}

/**
 * The rank that `criterion` keeps of the descending singular values `s`. Energy: the smallest
 * `k` with `Σ_{i≤k} σᵢ² / Σ σᵢ² ≥ e` (p if the ratio never gets there; `energyRank` of
 * methods/distill); value: {@link valueRank}; rate: {@link linearRateRank} of `s.length`.
 *
 * @example
 * ```ts
 * import { trpRank } from "./trp_rank.ts";
 * const s = [3, 2, 1]; // energies 9, 4, 1
 * console.log(trpRank(s, { energy: 0.6 }), trpRank(s, { energy: 0.9 }), trpRank(s, { energy: 0.95 })); // 1 2 3
 * console.log(trpRank(s, { value: 1.5 }), trpRank(s, { rate: 0.5 })); // 2 1
 * ```
 */
export function trpRank(s: Tensor | ArrayLike<number>, criterion: TrpCriterion): number {
  const fn = "trpRank";
  const c = criterion as Record<string, unknown>;
  const keys = c !== null && typeof c === "object" ? Object.keys(c) : [];
  if (keys.length !== 1 || !["energy", "value", "rate"].includes(keys[0])) {
    throw new TypeError(
      `${fn}: criterion must be one of { energy }, { value }, { rate }, got ${
        JSON.stringify(criterion)
      }`,
    );
  }
  const x = c[keys[0]];
  if (typeof x !== "number") {
    throw new TypeError(`${fn}: criterion.${keys[0]} must be a number, got ${JSON.stringify(x)}`);
  }
  const v = values(fn, s);
  if (keys[0] === "value") return valueRank(v, x);
  if (keys[0] === "rate") return linearRateRank(v.length, x);
  if (!(x > 0 && x <= 1)) {
    throw new RangeError(`${fn}: criterion.energy must be in (0, 1], got ${x}`);
  }
  return energyRank(v, x);
}
