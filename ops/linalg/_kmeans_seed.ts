/**
 * Greedy k-means++ seeding (Arthur & Vassilvitskii, SODA 2007; greedy trials as scikit-learn)
 * for {@link kmeans}, with a triangle-inequality shortcut that skips distance computations the
 * result cannot depend on (the idea of Elkan, ICML 2003, applied to the seeding pass).
 *
 * @module
 */
import type { Rng } from "../random.ts";

/**
 * Relative slack of the shortcut: a point is skipped only when the candidate is farther from
 * the point's nearest centre than 2·(1 + 5e-10) times the point's own distance, so rounding in
 * the computed distances (relative ~(d + 2)·2⁻⁵³) can never flip the comparison that the full
 * computation would make.
 */
const SKIP = 4 * (1 + 1e-9);

/** Index where the running sum of `w` first exceeds `r` (the last positive weight on rounding). */
function sampleByWeight(w: Float64Array, r: number): number {
  let last = 0;
  for (let i = 0; i < w.length; i++) {
    if (w[i] <= 0) continue;
    last = i;
    r -= w[i];
    if (r < 0) return i;
  }
  return last;
}

/** Squared distance between row `i` of `x` and row `j` of `c` (both with `d` columns). */
function sqDist(x: Float64Array, i: number, c: Float64Array, j: number, d: number): number {
  let s = 0;
  const xi = i * d, cj = j * d;
  for (let t = 0; t < d; t++) {
    const v = x[xi + t] - c[cj + t];
    s += v * v;
  }
  return s;
}

/**
 * Potential of candidate row `id` as the next centre: writes `out[i] = min(‖x_i − x_id‖²,
 * closest[i])` and returns the sum. `cc[a]` is the squared distance from the candidate to centre
 * `a`; when it is ≥ 4·closest[i] (with slack) for the point's nearest centre `a`, the candidate
 * cannot be nearer than `a` (triangle inequality) and the distance is not computed.
 */
function trial(
  x: Float64Array,
  n: number,
  d: number,
  id: number,
  closest: Float64Array,
  near: Int32Array,
  cc: Float64Array,
  out: Float64Array,
): number {
  let p = 0;
  const o = id * d;
  for (let i = 0; i < n; i++) {
    const cl = closest[i];
    let v = cl;
    if (cc[near[i]] < SKIP * cl) {
      const xi = i * d;
      let s = 0;
      for (let t = 0; t < d; t++) {
        const e = x[xi + t] - x[o + t];
        s += e * e;
      }
      if (s < cl) v = s;
    }
    out[i] = v;
    p += v;
  }
  return p;
}

/**
 * Greedy k-means++ seeding of the `n × d` rows of `x` (row-major): the first centre uniformly
 * at random, each further one the best (lowest total squared distance) of `2 + ⌊ln k⌋`
 * candidates drawn with probability proportional to the squared distance to the nearest centre
 * so far. Returns the `k × d` centres. Same draws and same centres as the plain O(n·k·trials)
 * loop; distances that cannot change a point's nearest centre are skipped.
 *
 * @example
 * ```ts
 * import { Rng } from "../random.ts";
 * import { seedPlusPlus } from "./_kmeans_seed.ts";
 * const x = Float64Array.from([0, 0, 0, 1, 10, 10, 10, 11]);
 * const c = seedPlusPlus(x, 4, 2, 2, new Rng(0));
 * console.log(Math.abs(c[0] - c[2])); // 10 (one centre in each pair)
 * ```
 */
export function seedPlusPlus(
  x: Float64Array,
  n: number,
  d: number,
  k: number,
  rng: Rng,
): Float64Array {
  const c = new Float64Array(k * d);
  const trials = 2 + Math.floor(Math.log(k));
  const first = rng.int(n);
  c.set(x.subarray(first * d, first * d + d), 0);
  let closest = new Float64Array(n), best = new Float64Array(n), scratch = new Float64Array(n);
  const near = new Int32Array(n), cc = new Float64Array(k);
  let pot = 0;
  for (let i = 0; i < n; i++) pot += closest[i] = sqDist(x, i, c, 0, d);
  for (let j = 1; j < k; j++) {
    let bestPot = Infinity, bestId = 0, found = false;
    for (let t = 0; t < trials; t++) {
      const id = pot > 0 ? sampleByWeight(closest, pot * rng.uniform()) : rng.int(n);
      for (let a = 0; a < j; a++) cc[a] = sqDist(x, id, c, a, d);
      const p = trial(x, n, d, id, closest, near, cc, scratch);
      if (p < bestPot) {
        [bestPot, bestId, found] = [p, id, true];
        [best, scratch] = [scratch, best];
      }
    }
    c.set(x.subarray(bestId * d, bestId * d + d), j * d);
    pot = bestPot;
    if (!found) continue; // every potential overflowed: the centres so far stay nearest
    for (let i = 0; i < n; i++) if (best[i] < closest[i]) near[i] = j;
    [closest, best] = [best, closest];
  }
  return c;
}
