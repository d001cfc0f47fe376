/**
 * DUSt3R's parametrisation of a global point map by camera pose and per-pixel depth (Wang et
 * al., CVPR 2024, §3.4): `χ_i = R (D_i d_i) + c`, with `d_i` the pixel's known unit ray in the
 * camera frame (pixel coordinates and intrinsics), `D_i` its depth and `(R, c)` the
 * camera-to-world pose. Given the weighted mean `ȳ_i` of a view's transformed predictions, the
 * χ-step of the global alignment minimises `Σ_i W_i ‖χ_i − ȳ_i‖²` by alternating the exact depth
 * update (projection of `ȳ_i` on the ray) and the exact pose update (weighted rigid Procrustes).
 *
 * @module
 */
import {
  pairMoments,
  procrustesRotation,
  type Similarity,
  similarityFromMoments,
} from "./similarity.ts";

/** A camera-to-world pose. */
export interface CameraPose {
  /** Rotation (row-major 3 × 3). */
  rotation: Float64Array;
  /** Centre. */
  center: Float64Array;
}

/**
 * Fits pose and depths of one view to targets `ybar` (flat `3P`) with weights `w` (`P`), from the
 * starting pose `pose`, by `iters` alternations; returns the new pose, depths and point map.
 *
 * @example
 * ```ts
 * import { fitRayMap } from "./ray_maps.ts";
 * const rays = new Float64Array([0, 0, 1, 0.6, 0, 0.8, 0, 0.6, 0.8]);
 * const ybar = new Float64Array([1, 2, 5, 1 + 3 * 0.6, 2, 3 + 3 * 0.8, 1, 2 + 0.6, 3 + 0.8]);
 * const start = { rotation: new Float64Array([1, 0, 0, 0, 1, 0, 0, 0, 1]), center: new Float64Array([1, 2, 3]) };
 * const fit = fitRayMap(ybar, new Float64Array([1, 1, 1]), rays, start, 1); // start at the true pose
 * console.log(Array.from(fit.depths, (d) => d.toFixed(3))); // [ "2.000", "3.000", "1.000" ]
 * ```
 */
export function fitRayMap(
  ybar: Float64Array,
  w: Float64Array,
  rays: ArrayLike<number>,
  pose: CameraPose,
  iters = 3,
): { pose: CameraPose; depths: Float64Array; points: Float64Array } {
  const n = w.length;
  let { rotation: R, center: c } = pose;
  const depths = new Float64Array(n), cam = new Float64Array(3 * n);
  for (let it = 0; it < iters; it++) {
    // depth: D_i = d_iᵀ Rᵀ (ȳ_i − c), the foot of ȳ_i on the ray
    for (let i = 0; i < n; i++) {
      const y = [ybar[3 * i] - c[0], ybar[3 * i + 1] - c[1], ybar[3 * i + 2] - c[2]];
      let d = 0;
      for (let k = 0; k < 3; k++) {
        d += rays[3 * i + k] * (R[k] * y[0] + R[3 + k] * y[1] + R[6 + k] * y[2]);
      }
      depths[i] = d;
      for (let k = 0; k < 3; k++) cam[3 * i + k] = d * rays[3 * i + k];
    }
    // pose: rigid weighted Procrustes of the camera-frame points onto ȳ
    const m = pairMoments(cam, ybar, w);
    const rot = procrustesRotation(m.cov).rotation;
    const t = similarityFromMoments(m, rot, 1);
    R = rot, c = t.translation;
  }
  const points = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < 3; r++) {
      points[3 * i + r] = depths[i] *
          (R[3 * r] * rays[3 * i] + R[3 * r + 1] * rays[3 * i + 1] +
            R[3 * r + 2] * rays[3 * i + 2]) +
        c[r];
    }
  }
  return { pose: { rotation: R, center: c }, depths, points };
}

/**
 * Camera poses read off the pair transforms: view n is the origin of every pair frame `(n, ·)`,
 * so its pose is the chordal mean of those pairs' rotations and the mean of their translations.
 *
 * @example
 * ```ts
 * import { posesFromPairs } from "./ray_maps.ts";
 * const t = { scale: 1, rotation: new Float64Array([1, 0, 0, 0, 1, 0, 0, 0, 1]), translation: new Float64Array([1, 2, 3]) };
 * console.log(posesFromPairs([[0, 1], [1, 0]], [t, t])[1].center); // Float64Array [1, 2, 3]
 * ```
 */
export function posesFromPairs(
  views: readonly (readonly [number, number])[],
  transforms: readonly Similarity[],
): CameraPose[] {
  const count = 1 + Math.max(...views.flat());
  const poses: CameraPose[] = [];
  for (let v = 0; v < count; v++) {
    const edges = views.map((p, e) => (p[0] === v ? e : -1)).filter((e) => e >= 0);
    if (edges.length === 0) {
      throw new RangeError(`posesFromPairs: view ${v} is the first view of no pair`);
    }
    const sum = new Float64Array(9), center = new Float64Array(3);
    for (const e of edges) {
      transforms[e].rotation.forEach((x, i) => sum[i] += x);
      transforms[e].translation.forEach((x, i) => center[i] += x / edges.length);
    }
    poses.push({ rotation: procrustesRotation(sum).rotation, center });
  }
  return poses;
}
