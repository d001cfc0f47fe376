/**
 * Greedy k-means++ seeding (Arthur & Vassilvitskii, SODA 2007; greedy trials as scikit-learn)
 * for {@link kmeans}, with a triangle-inequality shortcut that skips distance computations the
 * result cannot depend on (the idea of Elkan, ICML 2003, applied to the seeding pass).
 *
 * @module
 */
import type { Rng } from "../random.ts";
import { type SeedSpace, seedSpace } from "./_kmeans_seed_wasm.ts";

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
 * Greedy k-means++ seeding of the `n × d` rows of `x` (row-major): the first centre uniformly
 * at random, each further one the best (lowest total squared distance) of `2 + ⌊ln k⌋`
 * candidates drawn with probability proportional to the squared distance to the nearest centre
 * so far. Returns the `k × d` centres. Same draws and same centres as the plain O(n·k·trials)
 * loop; distances that cannot change a point's nearest centre are skipped. `space` (from
 * {@link seedSpace} for the same `x`, `k`) saves setting one up when seedings repeat.
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
  space: SeedSpace = seedSpace(x, n, d, k),
): Float64Array {
  const c = new Float64Array(k * d);
  const trials = 2 + Math.floor(Math.log(k));
  const { pot: bufs, near, cc } = space;
  x = space.x;
  const first = rng.int(n);
  c.set(x.subarray(first * d, first * d + d), 0);
  // Indices into `bufs`: distances to the centres so far, the best trial's, a scratch one.
  let closest = 0, best = 1, scratch = 2;
  near.fill(0);
  space.nearest = -1;
  let exact = true;
  let pot = 0;
  for (let i = 0; i < n; i++) pot += bufs[closest][i] = sqDist(x, i, c, 0, d);
  for (let j = 1; j < k; j++) {
    let bestPot = Infinity, bestId = 0, found = false;
    for (let t = 0; t < trials; t++) {
      const id = pot > 0 ? sampleByWeight(bufs[closest], pot * rng.uniform()) : rng.int(n);
      for (let a = 0; a < j; a++) cc[a] = sqDist(x, id, c, a, d);
      const p = space.trial(id, closest, scratch);
      if (p < bestPot) {
        [bestPot, bestId, found] = [p, id, true];
        [best, scratch] = [scratch, best];
      }
    }
    c.set(x.subarray(bestId * d, bestId * d + d), j * d);
    pot = bestPot;
    if (!found) {
      exact = false; // every potential overflowed: the centres so far stay nearest
      continue;
    }
    const bw = bufs[best], cl = bufs[closest];
    for (let i = 0; i < n; i++) if (bw[i] < cl[i]) near[i] = j;
    [closest, best] = [best, closest];
  }
  if (exact) space.nearest = closest;
  return c;
}
