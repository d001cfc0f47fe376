/**
 * k-means clustering: Lloyd's algorithm (Lloyd, "Least squares quantization in PCM", IEEE
 * Trans. Inf. Theory 28, 1982) seeded by greedy k-means++ (Arthur & Vassilvitskii, "k-means++:
 * the advantages of careful seeding", SODA 2007), best of `nInit` runs, with scikit-learn's
 * defaults and tolerance rule. The iterations use Hamerly's bounds (SDM 2010) and Elkan's
 * centre-distance test (ICML 2003) to skip distances whose outcome is certain; labels,
 * centroids, inertia and iteration counts are those of plain Lloyd bit for bit (a tie is
 * settled only by computing it, as plain Lloyd does).
 *
 * @module
 */
import { checkOptions } from "../options.ts";
import { assertUntraced } from "../autograd/tape.ts";
import { Rng } from "../random.ts";
import type { Tensor } from "../tensor.ts";
import { type EmptyClusterRule, lloyd, type LloydRun, nearest } from "./_kmeans_lloyd.ts";
import { seedPlusPlus } from "./_kmeans_seed.ts";
import { seedSpace } from "./_kmeans_seed_wasm.ts";
import { lloydSpace } from "./_kmeans_wasm.ts";
import { fromWork, optNonNegative, optPositiveInt, workMatrix } from "./_work.ts";
import { scaleExponent, scalePow2_ } from "./dense.ts";

export type { EmptyClusterRule } from "./_kmeans_lloyd.ts";

/**
 * Options of {@link kmeans}.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { kmeans, type KmeansOptions } from "./kmeans.ts";
 * const opts: KmeansOptions = { seed: 1, nInit: 3, emptyCluster: "keep" };
 * console.log(kmeans(tensor([[0], [1], [10]]), 2, opts).inertia); // 0.5
 * ```
 */
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
  /**
   * What happens to a cluster left without points after an assignment: `"farthest"` (default,
   * scikit-learn's rule) moves its centre to the point farthest from its own centre, so every
   * cluster stays in use; `"keep"` leaves the centre where it was (plain Lloyd; what
   * EigenTrajectory's anchors use, spec §4.1). The default is the rule of the reference
   * implementation most users compare with, and it never returns a wasted cluster.
   */
  emptyCluster?: EmptyClusterRule;
}

/**
 * Result of {@link kmeans}.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { kmeans, type KmeansResult } from "./kmeans.ts";
 * const r: KmeansResult = kmeans(tensor([[0], [1], [10]]), 2);
 * console.log(r.centroids.shape, r.labels[0] === r.labels[1]); // [2, 1] true
 * ```
 */
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
 * Squared distances between entries beyond 2^±250 overflow to Infinity or underflow to 0, and
 * then every point ties with every centre. k-means is scale-invariant, so such data is divided
 * by an exact power of two `2^e` in place; returns `e` (0, data untouched, in the usual range).
 */
function unitScale(...ws: Float64Array[]): number {
  let e = -Infinity;
  for (const w of ws) if (w.some((v) => v !== 0)) e = Math.max(e, scaleExponent(w));
  if (!(Math.abs(e) > 250) || !Number.isFinite(e)) return 0;
  for (const w of ws) scalePow2_(w, -e);
  return e;
}

/**
 * k-means clustering of the `n` rows of `x` (`n × d`) into `k` clusters. Each of `nInit` runs
 * seeds with greedy k-means++ and iterates Lloyd's algorithm until the squared centroid shift is
 * ≤ `tol`·(mean feature variance) or `maxIter` is reached; the run with the lowest inertia is
 * returned (the first on ties). Run `i` draws from the `i`-th `split()` of the generator, so
 * runs are a prefix of those of a larger `nInit`: raising `nInit` never raises the inertia.
 * An empty cluster is moved to the point farthest from its centre (as scikit-learn) or keeps
 * its centre, as `emptyCluster` says.
 * f32 input is clustered in f64; centroids are returned in the input's dtype.
 *
 * Cites: Lloyd 1982; Arthur & Vassilvitskii, SODA 2007 (k-means++, greedy variant as in
 * scikit-learn's `KMeans`); Hamerly, SDM 2010 and Elkan, ICML 2003 (exact accelerations: same
 * result as plain Lloyd, far fewer distances in low dimension).
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
  checkOptions("kmeans", opts, {
    seed: "number",
    rng: "any",
    nInit: "number",
    maxIter: "number",
    tol: "number",
    emptyCluster: "string",
  });
  assertUntraced("kmeans", { x });
  const fn = "kmeans";
  const { m: n, n: d, w, dtype } = workMatrix(fn, "x", x);
  if (!Number.isInteger(k) || k < 1 || k > n) {
    throw new RangeError(`${fn}: k must be an integer in 1..${n} (the number of rows), got ${k}`);
  }
  const nInit = optPositiveInt(fn, "nInit", opts.nInit, 10);
  const maxIter = optPositiveInt(fn, "maxIter", opts.maxIter, 300);
  const tol = optNonNegative(fn, "tol", opts.tol, 1e-4);
  const empty = opts.emptyCluster ?? "farthest";
  if (empty !== "keep" && empty !== "farthest") {
    throw new RangeError(
      `${fn}: emptyCluster must be "keep" or "farthest", got ${JSON.stringify(empty)}`,
    );
  }
  if (opts.rng !== undefined && !(opts.rng instanceof Rng)) {
    throw new TypeError(`${fn}: rng must be an Rng`);
  }
  const rng = opts.rng ?? new Rng(opts.seed ?? 0);
  const shift = unitScale(w);
  const tolAbs = tol * meanVariance(w, n, d);
  let best: LloydRun | null = null;
  const space = lloydSpace(w, n, d, k), seeding = seedSpace(w, n, d, k);
  for (let r = 0; r < nInit; r++) {
    const sub = rng.split();
    const c0 = seedPlusPlus(w, n, d, k, sub, seeding);
    // The seeding's nearest centres and distances are those of Lloyd's first scan.
    const q = seeding.nearest;
    const start = q < 0 ? undefined : { labels: seeding.near, dist2: seeding.pot[q] };
    const run = lloyd(w, n, d, k, c0, maxIter, tolAbs, empty, space, start);
    if (best === null || run.inertia < best.inertia) best = run;
  }
  const b = best as LloydRun;
  const inertia = Float64Array.of(b.inertia);
  scalePow2_(b.c, shift);
  scalePow2_(inertia, 2 * shift);
  return {
    centroids: fromWork(b.c, [k, d], dtype),
    labels: b.labels,
    inertia: inertia[0],
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
  assertUntraced("kmeansPredict", { centroids, x });
  const c = workMatrix("kmeansPredict", "centroids", centroids);
  const p = workMatrix("kmeansPredict", "x", x);
  if (c.n !== p.n) {
    throw new RangeError(
      `kmeansPredict: x has ${p.n} columns but the centroids have ${c.n}`,
    );
  }
  unitScale(p.w, c.w);
  return nearest(p.w, p.m, p.n, c.w, c.m);
}
