/**
 * Anchors of EigenTrajectory (Bae et al., ICCV 2023; spec §4.1): k-means++ centroids of the
 * training futures' ET coefficients, one set per group, frozen after fitting. They are the
 * "prototype futures" that the refinement ĉ = a_s + r_s starts from.
 *
 * @module
 */
import { kmeans } from "../../ops/linalg/kmeans.ts";
import { assertMatrix, type Tensor } from "../../ops/tensor.ts";

/**
 * Options of {@link fitAnchors}.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { type AnchorOptions, fitAnchors } from "./anchors.ts";
 * const opts: AnchorOptions = { seed: 0, nInit: 2, maxIter: 50 };
 * console.log(fitAnchors(tensor([[0, 0], [0, 1], [5, 5], [5, 6]]), 2, opts).inertia); // 1
 * ```
 */
export interface AnchorOptions {
  /** Seed of the k-means restarts (default 0, as the reference). */
  seed?: number;
  /** Number of k-means++ restarts; the lowest-inertia run is kept (default 10). */
  nInit?: number;
  /** Lloyd iterations per restart (default 300). */
  maxIter?: number;
}

/**
 * Fitted anchors and the k-means diagnostics.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { type Anchors, fitAnchors } from "./anchors.ts";
 * const a: Anchors = fitAnchors(tensor([[0, 0], [0, 1], [5, 5], [5, 6]]), 2);
 * console.log(a.centroids.shape, a.labels.length); // [2, 2] 4
 * ```
 */
export interface Anchors {
  /** `S × k` anchor coefficients a_1..a_S. */
  readonly centroids: Tensor;
  /** Sum of squared distances of the points to their anchor. */
  readonly inertia: number;
  /** Anchor index of each fitted point. */
  readonly labels: Int32Array;
}

/**
 * Runs k-means (k-means++ seeding, `nInit` restarts, Lloyd iterations) on `coefficients`
 * (`N × k`) with `S` clusters (spec §4.1; S = 20 by default). An anchor whose cluster empties
 * during the iterations keeps its previous centre, as spec §4.1 prescribes (not
 * scikit-learn's move to the farthest point).
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { fitAnchors } from "./anchors.ts";
 * const a = fitAnchors(tensor([[0, 0], [0, 0.1], [5, 5], [5, 5.1]]), 2, { seed: 1 });
 * console.log(a.centroids.shape, a.inertia.toFixed(3)); // [2, 2] "0.010"
 * ```
 */
export function fitAnchors(coefficients: Tensor, S = 20, opts: AnchorOptions = {}): Anchors {
  const [n] = assertMatrix("fitAnchors", "coefficients", coefficients);
  if (!Number.isInteger(S) || S < 1) {
    throw new RangeError(`fitAnchors: S must be a positive integer, got ${S}`);
  }
  if (n < S) {
    throw new RangeError(`fitAnchors: ${n} points cannot make ${S} anchors (need at least S)`);
  }
  const r = kmeans(coefficients, S, {
    seed: opts.seed ?? 0,
    nInit: opts.nInit ?? 10,
    maxIter: opts.maxIter ?? 300,
    emptyCluster: "keep",
  });
  return { centroids: r.centroids, inertia: r.inertia, labels: r.labels };
}
