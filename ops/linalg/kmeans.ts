/**
 * k-means clustering: Lloyd's algorithm (Lloyd, "Least squares quantization in PCM", IEEE
 * Trans. Inf. Theory 28, 1982) seeded by greedy k-means++ (Arthur & Vassilvitskii, "k-means++:
 * the advantages of careful seeding", SODA 2007), best of `nInit` runs, with scikit-learn's
 * defaults and tolerance rule.
 *
 * @module
 */
import { Rng } from "../random.ts";
import type { Tensor } from "../tensor.ts";
import { fromWork, optNonNegative, optPositiveInt, workMatrix } from "./_work.ts";

/** Options of {@link kmeans}. */
export interface KmeansOptions {
  /** Seed of the generator (default 0); ignored when `rng` is given. */
  seed?: number;
  /** Generator to draw from (advanced by the call). */
  rng?: Rng;
  /** Number of k-means++ initializations; the run with the lowest inertia wins (default 10). */
  nInit?: number;
  /** Most Lloyd iterations per run (default 300). */
  maxIter?: number;
  /**
   * Convergence when the squared centroid shift of an iteration is ≤ `tol` times the mean
   * per-feature variance of `x` (default 1e-4, as scikit-learn).
   */
  tol?: number;
}

/** Result of {@link kmeans}. */
export interface KmeansResult {
  /** `k × d` centroids (the mean of the points of each cluster). */
  centroids: Tensor;
  /** Cluster index of each of the `n` points. */
  labels: Int32Array;
  /** Sum of squared distances of the points to their centroids. */
  inertia: number;
  /** Lloyd iterations of the winning run. */
  iters: number;
}

interface Run {
  c: Float64Array;
  labels: Int32Array;
  inertia: number;
  iters: number;
}

function sqDist(x: Float64Array, i: number, c: Float64Array, j: number, d: number): number {
  let s = 0;
  const xi = i * d, cj = j * d;
  for (let t = 0; t < d; t++) {
    const v = x[xi + t] - c[cj + t];
    s += v * v;
  }
  return s;
}

/** Greedy k-means++: each new center is the best of `2 + ⌊ln k⌋` D²-sampled candidates. */
function seedPlusPlus(x: Float64Array, n: number, d: number, k: number, rng: Rng): Float64Array {
  const c = new Float64Array(k * d);
  const trials = 2 + Math.floor(Math.log(k));
  const first = rng.int(n);
  c.set(x.subarray(first * d, first * d + d), 0);
  let closest = new Float64Array(n);
  let pot = 0;
  for (let i = 0; i < n; i++) pot += closest[i] = sqDist(x, i, c, 0, d);
  for (let j = 1; j < k; j++) {
    let bestPot = Infinity, bestId = 0, bestDist = closest;
    for (let t = 0; t < trials; t++) {
      const id = pot > 0 ? sampleByWeight(closest, pot * rng.uniform()) : rng.int(n);
      const dist = new Float64Array(n);
      let p = 0;
      for (let i = 0; i < n; i++) {
        const v = sqDist(x, i, x, id, d);
        p += dist[i] = v < closest[i] ? v : closest[i];
      }
      if (p < bestPot) [bestPot, bestId, bestDist] = [p, id, dist];
    }
    c.set(x.subarray(bestId * d, bestId * d + d), j * d);
    closest = bestDist;
    pot = bestPot;
  }
  return c;
}

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

/** Assigns each point to its nearest centroid; returns the inertia and the distances. */
function assign(
  x: Float64Array,
  n: number,
  d: number,
  c: Float64Array,
  k: number,
  labels: Int32Array,
  dist: Float64Array,
): number {
  let inertia = 0;
  for (let i = 0; i < n; i++) {
    let best = Infinity, arg = 0;
    for (let j = 0; j < k; j++) {
      const v = sqDist(x, i, c, j, d);
      if (v < best) [best, arg] = [v, j];
    }
    labels[i] = arg;
    dist[i] = best;
    inertia += best;
  }
  return inertia;
}

/** New centroids as cluster means; an empty cluster takes the point farthest from its center. */
function update(
  x: Float64Array,
  n: number,
  d: number,
  k: number,
  labels: Int32Array,
  dist: Float64Array,
): Float64Array {
  const c = new Float64Array(k * d);
  const count = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const j = labels[i];
    count[j]++;
    for (let t = 0; t < d; t++) c[j * d + t] += x[i * d + t];
  }
  const taken = new Uint8Array(n);
  for (let j = 0; j < k; j++) {
    if (count[j] > 0) {
      for (let t = 0; t < d; t++) c[j * d + t] /= count[j];
      continue;
    }
    // Relocation as scikit-learn: the farthest point not yet used for another empty cluster.
    let far = -1, best = -1;
    for (let i = 0; i < n; i++) if (!taken[i] && dist[i] > best) [best, far] = [dist[i], i];
    taken[far] = 1;
    c.set(x.subarray(far * d, far * d + d), j * d);
  }
  return c;
}

function lloyd(
  x: Float64Array,
  n: number,
  d: number,
  k: number,
  c0: Float64Array,
  maxIter: number,
  tolAbs: number,
): Run {
  let c = c0;
  const labels = new Int32Array(n), dist = new Float64Array(n);
  let iters = 0;
  for (let it = 1; it <= maxIter; it++) {
    assign(x, n, d, c, k, labels, dist);
    const next = update(x, n, d, k, labels, dist);
    let shift = 0;
    for (let t = 0; t < next.length; t++) shift += (next[t] - c[t]) ** 2;
    c = next;
    iters = it;
    if (shift <= tolAbs) break;
  }
  // A last assignment so labels and inertia belong to the returned centroids.
  const inertia = assign(x, n, d, c, k, labels, dist);
  return { c, labels, inertia, iters };
}

function meanVariance(x: Float64Array, n: number, d: number): number {
  let total = 0;
  for (let t = 0; t < d; t++) {
    let mu = 0;
    for (let i = 0; i < n; i++) mu += x[i * d + t];
    mu /= n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (x[i * d + t] - mu) ** 2;
    total += v / n;
  }
  return d > 0 ? total / d : 0;
}

/**
 * k-means clustering of the `n` rows of `x` (`n × d`) into `k` clusters. Each of `nInit` runs
 * seeds with greedy k-means++ and iterates Lloyd's algorithm until the squared centroid shift is
 * ≤ `tol`·(mean feature variance) or `maxIter` is reached; the run with the lowest inertia is
 * returned (the first on ties). Run `i` draws from the `i`-th `split()` of the generator, so
 * runs are a prefix of those of a larger `nInit`: raising `nInit` never raises the inertia.
 * Empty clusters are moved to the points farthest from their centers (as scikit-learn).
 * f32 input is clustered in f64; centroids are returned in the input's dtype.
 *
 * Cites: Lloyd 1982; Arthur & Vassilvitskii, SODA 2007 (k-means++, greedy variant as in
 * scikit-learn's `KMeans`).
 *
 * @throws {RangeError} if `x` is not a finite matrix, `k` is not in `1..n`, or an option is
 * out of range.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { kmeans } from "./kmeans.ts";
 * const x = tensor([[0, 0], [0, 1], [10, 10], [10, 11]]);
 * const { labels, inertia } = kmeans(x, 2, { seed: 0 });
 * console.log(labels[0] === labels[1], labels[0] !== labels[2], inertia); // true true 1
 * ```
 */
export function kmeans(x: Tensor, k: number, opts: KmeansOptions = {}): KmeansResult {
  const fn = "kmeans";
  const { m: n, n: d, w, dtype } = workMatrix(fn, "x", x);
  if (!Number.isInteger(k) || k < 1 || k > n) {
    throw new RangeError(`${fn}: k must be an integer in 1..${n} (the number of rows), got ${k}`);
  }
  const nInit = optPositiveInt(fn, "nInit", opts.nInit, 10);
  const maxIter = optPositiveInt(fn, "maxIter", opts.maxIter, 300);
  const tol = optNonNegative(fn, "tol", opts.tol, 1e-4);
  if (opts.rng !== undefined && !(opts.rng instanceof Rng)) {
    throw new TypeError(`${fn}: rng must be an Rng`);
  }
  const rng = opts.rng ?? new Rng(opts.seed ?? 0);
  const tolAbs = tol * meanVariance(w, n, d);
  let best: Run | null = null;
  for (let r = 0; r < nInit; r++) {
    const sub = rng.split();
    const run = lloyd(w, n, d, k, seedPlusPlus(w, n, d, k, sub), maxIter, tolAbs);
    if (best === null || run.inertia < best.inertia) best = run;
  }
  const b = best as Run;
  return {
    centroids: fromWork(b.c, [k, d], dtype),
    labels: b.labels,
    inertia: b.inertia,
    iters: b.iters,
  };
}

/**
 * Index of the nearest centroid for each row of `x` (`n × d`), e.g. to label new points with
 * a fitted {@link kmeans} model.
 *
 * @throws {RangeError} if shapes disagree or an input is not finite.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { kmeansPredict } from "./kmeans.ts";
 * console.log(kmeansPredict(tensor([[0, 0], [10, 10]]), tensor([[9, 9], [1, 0]]))); // Int32Array [1, 0]
 * ```
 */
export function kmeansPredict(centroids: Tensor, x: Tensor): Int32Array {
  const c = workMatrix("kmeansPredict", "centroids", centroids);
  const p = workMatrix("kmeansPredict", "x", x);
  if (c.n !== p.n) {
    throw new RangeError(
      `kmeansPredict: x has ${p.n} columns but the centroids have ${c.n}`,
    );
  }
  const labels = new Int32Array(p.m);
  assign(p.w, p.m, p.n, c.w, c.m, labels, new Float64Array(p.m));
  return labels;
}
