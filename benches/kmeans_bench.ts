/**
 * k-means speed (issue 6: the EigenTrajectory fold fit, whose cost is almost all k-means) on
 * the real anchor problem: the future ET coefficients (R⁶) of the eth fold's moving group
 * (55 858 points with the mirror copy), K = 20, the spec's settings (§4.1: greedy k-means++,
 * Lloyd to tol 1e-4 × mean variance, ≤ 300 iterations, empty clusters keep their centre).
 * Baseline: plain k-means (the same greedy seeding measuring every distance, Lloyd with full
 * assignment passes) as one writes it first; it gives the same result bit for bit (the
 * oracle of `tests/ops/linalg/kmeans_test.ts`), so the rows compare like with like. The
 * numpy peer of the whole fold fit is `benches/numpy_eigentrajectory.py`; results in
 * `benches/RESULTS.md`, section "EigenTrajectory (speed)".
 *
 * Reads ETH/UCY from `../shared/data/ethucy` (or `$ETHUCY_DIR`); without it the benches use a
 * synthetic set of the same kind and say so in their names.
 */
import {
  canonicalGroups,
  concatSets,
  fitBasis,
  loadFold,
  project,
  STATIC_DIST,
  syntheticScenes,
  type TrajectorySet,
} from "../methods/trajectory/mod.ts";
import { lloyd } from "../ops/linalg/_kmeans_lloyd.ts";
import { seedPlusPlus } from "../ops/linalg/_kmeans_seed.ts";
import { seedSpace } from "../ops/linalg/_kmeans_seed_wasm.ts";
import { lloydSpace } from "../ops/linalg/_kmeans_wasm.ts";
import { kmeans } from "../ops/linalg/kmeans.ts";
import { Rng } from "../ops/random.ts";

const dir = Deno.env.get("ETHUCY_DIR") ??
  new URL("../../shared/data/ethucy", import.meta.url).pathname;
let fit: TrajectorySet, staticDist: number, label: string;
try {
  const d = await loadFold(dir, "eth");
  [fit, staticDist, label] = [concatSets([d.train, d.val]), STATIC_DIST.eth, "eth moving"];
} catch {
  [fit, staticDist, label] = [syntheticScenes({ scenes: 10000, seed: 1 }), 0.35, "synthetic"];
}
// The larger canonical group (moving agents) is the costly k-means of the fold.
const group = canonicalGroups(fit, staticDist).reduce((a, b) =>
  a.future.shape[0] >= b.future.shape[0] ? a : b
);
const coef = project(fitBasis(group.future, 6), group.future);
const [n, d] = coef.shape, x = coef.data as Float64Array, K = 20;

function meanVariance(): number {
  let total = 0;
  for (let t = 0; t < d; t++) {
    let mu = 0, v = 0;
    for (let i = 0; i < n; i++) mu += x[i * d + t];
    mu /= n;
    for (let i = 0; i < n; i++) v += (x[i * d + t] - mu) ** 2;
    total += v / n;
  }
  return total / d;
}
const tolAbs = 1e-4 * meanVariance();

/** Plain greedy k-means++ + Lloyd, one run (every distance measured); returns the centroids. */
function plainKmeans(rng: Rng): Float64Array {
  const dist2 = (a: Float64Array, i: number, b: Float64Array, j: number): number => {
    let s = 0;
    for (let t = 0; t < d; t++) s += (a[i * d + t] - b[j * d + t]) ** 2;
    return s;
  };
  let c = new Float64Array(K * d);
  const first = rng.int(n), trials = 2 + Math.floor(Math.log(K));
  c.set(x.subarray(first * d, first * d + d));
  let closest = Float64Array.from({ length: n }, (_, i) => dist2(x, i, c, 0));
  let pot = closest.reduce((s, v) => s + v, 0);
  for (let j = 1; j < K; j++) {
    let bestPot = Infinity, bestId = 0, bestDist = closest;
    for (let t = 0; t < trials; t++) {
      let r = pot * rng.uniform(), id = 0;
      for (let i = 0; i < n && r >= 0; i++) if (closest[i] > 0) [id, r] = [i, r - closest[i]];
      const dist = closest.map((cl, i) => Math.min(dist2(x, i, x, id), cl));
      const p = dist.reduce((s, v) => s + v, 0);
      if (p < bestPot) [bestPot, bestId, bestDist] = [p, id, dist];
    }
    c.set(x.subarray(bestId * d, bestId * d + d), j * d);
    [closest, pot] = [bestDist, bestPot];
  }
  const labels = new Int32Array(n);
  for (let it = 1; it <= 300; it++) {
    for (let i = 0; i < n; i++) {
      let best = Infinity;
      for (let j = 0; j < K; j++) {
        const v = dist2(x, i, c, j);
        if (v < best) [best, labels[i]] = [v, j];
      }
    }
    const next = new Float64Array(K * d), count = new Float64Array(K);
    for (let i = 0; i < n; i++) {
      count[labels[i]]++;
      for (let t = 0; t < d; t++) next[labels[i] * d + t] += x[i * d + t];
    }
    for (let j = 0; j < K; j++) {
      for (let t = 0; t < d; t++) {
        next[j * d + t] = count[j] > 0 ? next[j * d + t] / count[j] : c[j * d + t];
      }
    }
    const shift = next.reduce((s, v, t) => s + (v - c[t]) ** 2, 0);
    c = next;
    if (shift <= tolAbs) break;
  }
  return c;
}

if (Deno.env.get("KMEANS_BENCH_CHECK")) {
  // Same work check: the baseline's centroids are ours bit for bit.
  const ours = kmeans(coef, K, { seed: 0, nInit: 1, emptyCluster: "keep" }).centroids.data;
  const same = plainKmeans(new Rng(0).split()).every((v, i) => v === ours[i]);
  console.error(`plain k-means centroids equal ours: ${same}`);
}

const group1 = `k-means, ${label} group (${n} × ${d}, K ${K}), one restart`;
Deno.bench(`plain k-means++ + Lloyd, every distance (${label})`, {
  group: group1,
  baseline: true,
  n: 2,
  warmup: 0,
}, () => {
  plainKmeans(new Rng(0).split());
});
Deno.bench(`ours: kmeans nInit 1 (bounds, WebAssembly passes)`, { group: group1, n: 5 }, () => {
  kmeans(coef, K, { seed: 0, nInit: 1, emptyCluster: "keep" });
});
Deno.bench(`ours: same with the TypeScript passes (no SIMD engine)`, {
  group: group1,
  n: 5,
}, () => {
  const rng = new Rng(0).split();
  const c0 = seedPlusPlus(x, n, d, K, rng, seedSpace(x, n, d, K, "ts"));
  lloyd(x, n, d, K, c0, 300, tolAbs, "keep", lloydSpace(x, n, d, K, "ts"));
});

const group10 = `k-means, ${label} group, spec settings (nInit 10)`;
Deno.bench(`ours: kmeans nInit 10 (${label})`, { group: group10, baseline: true, n: 3 }, () => {
  kmeans(coef, K, { seed: 0, nInit: 10, emptyCluster: "keep" });
});
