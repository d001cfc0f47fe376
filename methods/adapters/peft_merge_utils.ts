/**
 * PEFT's task-arithmetic merges of same-shaped tensors (peft `utils/merge_utils.py`), used by
 * `add_weighted_adapter` on the LoRA factors: weighted sum (task arithmetic), magnitude
 * pruning, TIES (Yadav et al., NeurIPS 2023: trim to the top `density` share by magnitude,
 * elect a sign per entry, average the entries that agree with it) and DARE (Yu et al., ICML
 * 2024: drop entries at random with probability `1 − density`, rescale the survivors by
 * `1/density`), alone or followed by TIES' sign election. DARE's mask is drawn from a seeded
 * `Rng` (PEFT uses torch's global generator).
 *
 * @module
 */
import type { Rng } from "../../ops/random.ts";
import { shapeStr, type Tensor, zeros } from "../../ops/tensor.ts";

/** How TIES elects the sign of an entry: by the sum of values or the count of signs. */
export type MajoritySignMethod = "total" | "frequency";

function check(fn: string, ts: readonly Tensor[], weights: readonly number[]): void {
  if (ts.length === 0 || ts.length !== weights.length) {
    throw new RangeError(`${fn}: ${weights.length} weights for ${ts.length} tensors`);
  }
  for (const t of ts) {
    if (t.size !== ts[0].size || t.shape.some((d, i) => d !== ts[0].shape[i])) {
      throw new RangeError(
        `${fn}: shapes differ: ${shapeStr(ts[0].shape)} and ${shapeStr(t.shape)}`,
      );
    }
  }
}

function density01(fn: string, d: number): number {
  if (!(d >= 0 && d <= 1)) throw new RangeError(`${fn}: density must be in [0, 1], got ${d}`);
  return d;
}

/**
 * `Σ wᵢ·tᵢ` (PEFT `task_arithmetic`), float64.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { taskArithmetic } from "./peft_merge_utils.ts";
 * console.log(taskArithmetic([tensor([1, 2]), tensor([3, 4])], [1, 0.5]).data); // Float64Array [2.5, 4]
 * ```
 */
export function taskArithmetic(ts: readonly Tensor[], weights: readonly number[]): Tensor {
  check("taskArithmetic", ts, weights);
  const out = zeros([...ts[0].shape]);
  ts.forEach((t, k) => {
    for (let i = 0; i < out.size; i++) out.data[i] += weights[k] * t.data[i];
  });
  return out;
}

/**
 * Keeps the `⌊density·n⌋` entries of largest magnitude (ties by lower index), zeroes the rest
 * (PEFT `magnitude_based_pruning`; density ≥ 1 keeps all).
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { magnitudePrune } from "./peft_merge_utils.ts";
 * console.log(magnitudePrune(tensor([1, -3, 2, 0.5]), 0.5).data); // Float64Array [0, -3, 2, 0]
 * ```
 */
export function magnitudePrune(t: Tensor, density: number): Tensor {
  density01("magnitudePrune", density);
  const out = zeros([...t.shape]);
  if (density >= 1) {
    out.data.set(t.data);
    return out;
  }
  const k = Math.floor(density * t.size);
  const order = Array.from({ length: t.size }, (_, i) => i)
    .sort((a, b) => Math.abs(t.data[b]) - Math.abs(t.data[a]) || a - b);
  for (const i of order.slice(0, k)) out.data[i] = t.data[i];
  return out;
}

/**
 * DARE's drop: each entry survives with probability `density` (seeded) and is divided by it.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { Rng } from "../../ops/random.ts";
 * import { randomPrune } from "./peft_merge_utils.ts";
 * const p = randomPrune(tensor([1, 1, 1, 1]), 0.5, new Rng(0));
 * console.log(p.data.every((x) => x === 0 || x === 2)); // true
 * ```
 */
export function randomPrune(t: Tensor, density: number, rng: Rng): Tensor {
  density01("randomPrune", density);
  const out = zeros([...t.shape]);
  if (density >= 1) {
    out.data.set(t.data);
    return out;
  }
  for (let i = 0; i < t.size; i++) {
    if (rng.uniform() < density) out.data[i] = t.data[i] / density;
  }
  return out;
}

/**
 * TIES' elected sign and disjoint mean of (already pruned) tensors: entry i keeps the weighted
 * values whose sign equals the majority sign of the unweighted ones (`"total"`: sign of the sum;
 * `"frequency"`: sign of the sign count; 0 counts as +), averaged over how many agree (≥ 1).
 */
function disjointMerge(
  ts: readonly Tensor[],
  weights: readonly number[],
  method: MajoritySignMethod,
): Tensor {
  const out = zeros([...ts[0].shape]);
  for (let i = 0; i < out.size; i++) {
    let mag = 0;
    for (const t of ts) mag += method === "total" ? t.data[i] : Math.sign(t.data[i]);
    const major = mag >= 0 ? 1 : -1;
    let sum = 0, n = 0;
    ts.forEach((t, k) => {
      if (Math.sign(t.data[i]) === major) {
        sum += weights[k] * t.data[i];
        n++;
      }
    });
    out.data[i] = sum / Math.max(n, 1);
  }
  return out;
}

/**
 * TIES merge (PEFT `ties`): magnitude-prune each tensor to `density`, elect signs, average the
 * weighted entries that agree.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { ties } from "./peft_merge_utils.ts";
 * console.log(ties([tensor([2, -1]), tensor([4, 3])], [1, 1], 1).data); // Float64Array [3, 3]
 * ```
 */
export function ties(
  ts: readonly Tensor[],
  weights: readonly number[],
  density: number,
  method: MajoritySignMethod = "total",
): Tensor {
  check("ties", ts, weights);
  return disjointMerge(ts.map((t) => magnitudePrune(t, density)), weights, method);
}

/**
 * DARE with a weighted sum (PEFT `dare_linear`).
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { Rng } from "../../ops/random.ts";
 * import { dareLinear } from "./peft_merge_utils.ts";
 * console.log(dareLinear([tensor([1, 2])], [2], 1, new Rng(0)).data); // Float64Array [2, 4]
 * ```
 */
export function dareLinear(
  ts: readonly Tensor[],
  weights: readonly number[],
  density: number,
  rng: Rng,
): Tensor {
  check("dareLinear", ts, weights);
  return taskArithmetic(ts.map((t) => randomPrune(t, density, rng)), weights);
}

/**
 * DARE followed by TIES' sign election and disjoint mean (PEFT `dare_ties`).
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { Rng } from "../../ops/random.ts";
 * import { dareTies } from "./peft_merge_utils.ts";
 * console.log(dareTies([tensor([2, -1]), tensor([4, 3])], [1, 1], 1, new Rng(0)).data); // Float64Array [3, 3]
 * ```
 */
export function dareTies(
  ts: readonly Tensor[],
  weights: readonly number[],
  density: number,
  rng: Rng,
  method: MajoritySignMethod = "total",
): Tensor {
  check("dareTies", ts, weights);
  return disjointMerge(ts.map((t) => randomPrune(t, density, rng)), weights, method);
}
