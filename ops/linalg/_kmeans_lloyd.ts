/**
 * Lloyd iterations for {@link kmeans} with Hamerly's bounds (Hamerly, "Making k-means even
 * faster", SDM 2010): each point keeps an upper bound on the distance to its centre and a lower
 * bound on the distance to every other centre, so a point is rescanned only when the bounds no
 * longer prove its assignment. A rescan walks the neighbours of the point's centre nearest
 * first and stops where Elkan's centre-distance bound (Elkan, "Using the triangle inequality to
 * accelerate k-means", ICML 2003, lemma 1), ‖x − c_j‖ ≥ ‖c_a − c_j‖ − ‖x − c_a‖, shows that
 * every later centre is farther than the runner-up so far (the sorted form of the test, as in
 * Newling & Fleuret, "Fast k-means with accurate bounds", ICML 2016): the new lower bound is
 * then the exact runner-up distance, as after a full scan, and the point is not rescanned
 * again at once. The assignments, centroids (recomputed as plain means in point order) and
 * inertia are those of plain Lloyd (Lloyd, IEEE Trans. Inf. Theory 28, 1982); only distances
 * whose outcome is already certain are skipped.
 *
 * @module
 */
import { type LloydSpace, lloydSpace } from "./_kmeans_wasm.ts";

/**
 * Each point's nearest initial centre (lowest index on ties) and its squared distance,
 * computed coordinate by coordinate as the scan would.
 *
 * @example
 * ```ts
 * import { lloyd, type LloydStart } from "./_kmeans_lloyd.ts";
 * const start: LloydStart = { labels: Int32Array.of(0, 0, 1), dist2: Float64Array.of(0, 1, 0) };
 * const r = lloyd(Float64Array.of(0, 1, 10), 3, 1, 2, Float64Array.of(0, 10), 300, 0, "keep", undefined, start);
 * console.log(Array.from(r.labels), r.inertia); // [0, 0, 1] 0.5
 * ```
 */
export interface LloydStart {
  /** Nearest centre of each point. */
  labels: Int32Array;
  /** Squared distance to it. */
  dist2: Float64Array;
}

/**
 * What Lloyd's update does with a cluster that lost all its points: `"farthest"` moves its
 * centre to the point farthest from its own centre (scikit-learn's `KMeans`), `"keep"` leaves
 * the centre where it was (Lloyd's plain rule, as EigenTrajectory's spec §4.1 asks).
 *
 * @example
 * ```ts
 * import type { EmptyClusterRule } from "./_kmeans_lloyd.ts";
 * const rule: EmptyClusterRule = "keep";
 * console.log(rule); // keep
 * ```
 */
export type EmptyClusterRule = "keep" | "farthest";

/**
 * One finished Lloyd run.
 *
 * @example
 * ```ts
 * import { lloyd, type LloydRun } from "./_kmeans_lloyd.ts";
 * const r: LloydRun = lloyd(Float64Array.of(0, 1, 10), 3, 1, 2, Float64Array.of(0, 10), 300, 0);
 * console.log(Array.from(r.labels), r.inertia); // [0, 0, 1] 0.5
 * ```
 */
export interface LloydRun {
  /** `k × d` centroids. */
  c: Float64Array;
  /** Nearest-centroid index of each point (for `c`). */
  labels: Int32Array;
  /** Sum of squared distances of the points to their centroids. */
  inertia: number;
  /** Iterations done. */
  iters: number;
}

/** Per-point state of Hamerly's algorithm. */
interface Bounds {
  labels: Int32Array;
  /** Upper bound on ‖x_i − c_{label}‖. */
  upper: Float64Array;
  /** Lower bound on ‖x_i − c_j‖ for every j ≠ label. */
  lower: Float64Array;
  /** Absolute slack covering rounding in the bounds (see {@link pruneSlack}). */
  slack: number;
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
 * Slack of the pruning tests: 1e-8 × the largest distance of a point from the data mean. Every
 * distance between points and centres (means or points) is at most twice that radius, and the
 * bounds' rounding error grows by a few units of 2⁻⁵³ of it per iteration, so a point is
 * skipped only when its assignment holds by a margin far beyond rounding (near-ties are
 * rescanned exactly like plain Lloyd).
 */
function pruneSlack(x: Float64Array, n: number, d: number): number {
  const mu = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let t = 0; t < d; t++) mu[t] += x[i * d + t];
  for (let t = 0; t < d; t++) mu[t] /= n;
  let r2 = 0;
  for (let i = 0; i < n; i++) r2 = Math.max(r2, sqDist(x, i, mu, 0, d));
  return 1e-8 * Math.sqrt(r2);
}

/** Full scan of point `i`: nearest centre (first on ties, as plain Lloyd) and the runner-up. */
function scan(x: Float64Array, i: number, d: number, c: Float64Array, k: number, b: Bounds): void {
  let best = Infinity, second = Infinity, arg = 0;
  const xi = i * d;
  // The distance is written out here and below (not a call): this is the hot loop.
  for (let j = 0, cj = 0; j < k; j++, cj += d) {
    let v = 0;
    for (let t = 0; t < d; t++) {
      const e = x[xi + t] - c[cj + t];
      v += e * e;
    }
    if (v < best) {
      second = best;
      best = v;
      arg = j;
    } else if (v < second) second = v;
  }
  b.labels[i] = arg;
  b.upper[i] = Math.sqrt(best);
  b.lower[i] = Math.sqrt(second);
}

/** Centre geometry of one iteration, for the pruning tests (all `k × k` but `half`). */
interface Geometry {
  /** Half the distance between centres j and l at `j·k + l`. */
  pair: Float64Array;
  /** Row `a`: the centres by increasing distance from centre `a` (`a` itself first). */
  order: Int32Array;
  /** Row `a`: the half-distances matching `order`. */
  gap: Float64Array;
  /** Half the distance from each centre to its nearest other centre (Hamerly's s). */
  half: Float64Array;
}

function newGeometry(k: number): Geometry {
  return {
    pair: new Float64Array(k * k),
    order: new Int32Array(k * k),
    gap: new Float64Array(k * k),
    half: new Float64Array(k),
  };
}

/**
 * Fills `g` for the centres `c`. Sorting each centre's neighbours lets a rescan walk them
 * nearest first and stop at the first one whose Elkan bound reaches the runner-up (the sorted
 * form of the test, as in Newling & Fleuret's Exponion, ICML 2016).
 */
function centreGeometry(c: Float64Array, k: number, d: number, g: Geometry): void {
  const { pair, order, gap, half } = g;
  for (let j = 0; j < k; j++) {
    pair[j * k + j] = 0;
    for (let l = j + 1; l < k; l++) {
      pair[j * k + l] = pair[l * k + j] = 0.5 * Math.sqrt(sqDist(c, j, c, l, d));
    }
  }
  const idx = Array.from({ length: k }, (_, j) => j);
  for (let a = 0; a < k; a++) {
    const row = a * k;
    // Own centre first (a coinciding centre also has gap 0), then by gap.
    idx.sort((p, q) => (p === a ? -1 : q === a ? 1 : pair[row + p] - pair[row + q] || p - q));
    for (let p = 0; p < k; p++) {
      order[row + p] = idx[p];
      gap[row + p] = pair[row + idx[p]];
    }
    half[a] = k > 1 ? gap[row + 1] : Infinity;
  }
}

/** How far each centre moved from `c` to `next`, with the largest move and the runner-up. */
interface Moves {
  move: Float64Array;
  top: number;
  topArg: number;
  runner: number;
}

function centreMoves(c: Float64Array, next: Float64Array, k: number, d: number): Moves {
  const move = new Float64Array(k);
  let top = 0, topArg = -1, runner = 0;
  for (let j = 0; j < k; j++) {
    const p = move[j] = Math.sqrt(sqDist(next, j, c, j, d));
    if (p > top) [runner, top, topArg] = [top, p, j];
    else if (p > runner) runner = p;
  }
  return { move, top, topArg, runner };
}

/**
 * One pass of Hamerly's algorithm after the centres moved by `mv` to `c`: moves each point's
 * bounds, rescans the points whose bounds do not settle them, and adds each point to the sums
 * and counts of its (new) cluster in point order, so the next means are exactly those of a
 * separate pass. The passes are the space's kernels (see `_kmeans_wasm.ts`).
 */
function assignAndSum(
  sp: LloydSpace,
  n: number,
  d: number,
  c: Float64Array,
  k: number,
  b: Bounds,
  mv: Moves,
  g: Geometry,
): void {
  centreGeometry(c, k, d, g);
  sp.c.set(c);
  sp.move.set(mv.move);
  sp.half.set(g.half);
  const open = sp.bounds(n, mv.topArg, mv.top, mv.runner, b.slack);
  sp.order.set(g.order);
  sp.gap.set(g.gap);
  sp.rescan(sp.measure(open, b.slack), b.slack);
  sp.accumulate(n);
}

/**
 * Means from the sums; an empty cluster keeps its centre or takes the point farthest from its
 * centre (below), as `rule` says. Returns the new `k × d` centres.
 */
function means(
  x: Float64Array,
  n: number,
  d: number,
  c: Float64Array,
  k: number,
  labels: Int32Array,
  sums: Float64Array,
  count: Float64Array,
  rule: EmptyClusterRule,
): Float64Array {
  const next = sums.slice();
  let empty = false;
  for (let j = 0; j < k; j++) {
    if (count[j] === 0) {
      empty = true;
      // The sums of an empty cluster are zeros; "keep" copies the old centre over them.
      if (rule === "keep") next.set(c.subarray(j * d, j * d + d), j * d);
      continue;
    }
    for (let t = 0; t < d; t++) next[j * d + t] /= count[j];
  }
  if (empty && rule === "farthest") relocate(x, n, d, c, k, labels, count, next);
  return next;
}

/**
 * Relocation as scikit-learn: each empty cluster takes the point farthest from its (current)
 * centre that no earlier empty cluster took.
 */
function relocate(
  x: Float64Array,
  n: number,
  d: number,
  c: Float64Array,
  k: number,
  labels: Int32Array,
  count: Float64Array,
  next: Float64Array,
): void {
  const dist = new Float64Array(n);
  for (let i = 0; i < n; i++) dist[i] = sqDist(x, i, c, labels[i], d);
  const taken = new Uint8Array(n);
  for (let j = 0; j < k; j++) {
    if (count[j] > 0) continue;
    let far = -1, best = -1;
    for (let i = 0; i < n; i++) if (!taken[i] && dist[i] > best) [best, far] = [dist[i], i];
    taken[far] = 1;
    next.set(x.subarray(far * d, far * d + d), j * d);
  }
}

/**
 * Lloyd's algorithm from the `k × d` centres `c0` on the `n × d` rows of `x`: assign, move each
 * centre to its cluster mean (an empty cluster as `emptyCluster` says, default `"farthest"`),
 * stop after the iteration whose summed squared centre shift is ≤ `tolAbs` or after `maxIter`
 * iterations. Labels and inertia belong to the returned centres. `space` (from
 * {@link lloydSpace} for the same `x`, `k`) saves setting one up when runs repeat; `start`
 * (each point's nearest centre of `c0`, lowest index on ties, and its exact squared distance,
 * as the k-means++ seeding leaves them) replaces the first full scan.
 *
 * @example
 * ```ts
 * import { lloyd } from "./_kmeans_lloyd.ts";
 * const x = Float64Array.from([0, 0, 0, 2, 10, 10, 10, 12]);
 * const r = lloyd(x, 4, 2, 2, Float64Array.from([0, 0, 10, 10]), 300, 0);
 * console.log(Array.from(r.c), r.inertia); // [0, 1, 10, 11] 4
 * ```
 */
export function lloyd(
  x: Float64Array,
  n: number,
  d: number,
  k: number,
  c0: Float64Array,
  maxIter: number,
  tolAbs: number,
  emptyCluster: EmptyClusterRule = "farthest",
  space?: LloydSpace,
  start?: LloydStart,
): LloydRun {
  const sp = space ?? lloydSpace(x, n, d, k);
  const b: Bounds = {
    labels: sp.labels,
    upper: sp.upper,
    lower: sp.lower,
    slack: pruneSlack(sp.x, n, d),
  };
  const { sums, count } = sp, g = newGeometry(k);
  x = sp.x;
  if (start) {
    // The seeding's nearest centres and distances are the scan's, bit for bit; 0 is a valid
    // lower bound (the first rescan of each point tightens it).
    b.labels.set(start.labels);
    for (let i = 0; i < n; i++) b.upper[i] = Math.sqrt(start.dist2[i]);
    b.lower.fill(0);
  } else for (let i = 0; i < n; i++) scan(x, i, d, c0, k, b);
  sp.accumulate(n);
  let c = c0, iters = 0;
  for (let it = 1; it <= maxIter; it++) {
    const next = means(x, n, d, c, k, b.labels, sums, count, emptyCluster);
    let shift = 0;
    for (let t = 0; t < next.length; t++) shift += (next[t] - c[t]) ** 2;
    const mv = centreMoves(c, next, k, d);
    c = next;
    iters = it;
    assignAndSum(sp, n, d, c, k, b, mv, g);
    if (shift <= tolAbs) break;
  }
  let inertia = 0;
  for (let i = 0; i < n; i++) inertia += sqDist(x, i, c, b.labels[i], d);
  return { c, labels: b.labels.slice(), inertia, iters };
}

/**
 * Nearest-centre index of each of the `n` rows of `x` among the `k` rows of `c` (first on
 * ties).
 *
 * @example
 * ```ts
 * import { nearest } from "./_kmeans_lloyd.ts";
 * console.log(nearest(Float64Array.from([1, 9]), 2, 1, Float64Array.from([0, 10]), 2)); // Int32Array(2) [0, 1]
 * ```
 */
export function nearest(
  x: Float64Array,
  n: number,
  d: number,
  c: Float64Array,
  k: number,
): Int32Array {
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = Infinity, arg = 0;
    for (let j = 0; j < k; j++) {
      const v = sqDist(x, i, c, j, d);
      if (v < best) [best, arg] = [v, j];
    }
    labels[i] = arg;
  }
  return labels;
}
