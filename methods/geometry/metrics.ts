/**
 * The errors the LoRA3D experiment reports (issue 20): mean relative rotation error over view
 * pairs (degrees; gauge-free); camera-centre RMS error after the similarity that aligns the
 * estimated camera centres to the true ones (Umeyama 1991; the ATE convention); mean point error
 * after the similarity that aligns all points (structure alone) and after the camera-centre
 * similarity (structure and pose); lengths relative to the scene's RMS radius.
 *
 * @module
 */
import type { GlobalAlignment, PairPrediction } from "./global_align.ts";
import { type CameraPose, posesFromPairs } from "./ray_maps.ts";
import {
  applySimilarity,
  pairMoments,
  procrustesRotation,
  rotationAngleDeg,
  similarityFromMoments,
} from "./similarity.ts";
import type { Scene } from "./synthetic_scene.ts";

/**
 * The camera poses of an alignment: its own (estimated with the pixels' rays) or, without rays,
 * those read off the pair transforms ({@link posesFromPairs}).
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { alignmentPoses } from "./metrics.ts";
 * const p = tensor([[0, 0, 1]]), c = tensor([1]);
 * const t = { scale: 1, rotation: new Float64Array([1, 0, 0, 0, 1, 0, 0, 0, 1]), translation: new Float64Array([1, 2, 3]) };
 * const preds = [{ views: [0, 1] as const, points: [p, p] as const, confidence: [c, c] as const },
 *   { views: [1, 0] as const, points: [p, p] as const, confidence: [c, c] as const }];
 * console.log(alignmentPoses(preds, { pointMaps: [], transforms: [t, t] })[1].center); // Float64Array [1, 2, 3]
 * ```
 */
export function alignmentPoses(
  preds: readonly PairPrediction[],
  al: GlobalAlignment,
): CameraPose[] {
  return al.poses ?? posesFromPairs(preds.map((p) => p.views), al.transforms);
}

/** The three numbers of the experiment's table. */
export interface ReconstructionErrors {
  /** Mean relative rotation error over view pairs, degrees. */
  rotErrDeg: number;
  /** RMS camera-centre error after the similarity, relative to the scene radius. */
  transErr: number;
  /** Mean point error of χ after the similarity that best aligns all points, relative to the scene radius. */
  reconErr: number;
  /** Mean point error of χ after the camera-centre similarity, relative to the scene radius. */
  reconErrPoseAligned: number;
}

function mulT(a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  const out = new Float64Array(9); // aᵀ b
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      out[3 * i + j] = a[i] * b[j] + a[3 + i] * b[3 + j] + a[6 + i] * b[6 + j];
    }
  }
  return out;
}

/**
 * The scene's RMS radius: RMS distance of all true points to their centroid.
 *
 * @example
 * ```ts
 * import { sceneRadius } from "./metrics.ts";
 * console.log(sceneRadius({ points: [new Float64Array([1, 0, 0, -1, 0, 0])], rotations: [], centers: [] })); // 1
 * ```
 */
export function sceneRadius(scene: Scene): number {
  const all = scene.points.flatMap((p) => Array.from(p));
  const n = all.length / 3, m = [0, 0, 0];
  for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) m[k] += all[3 * i + k] / n;
  let s = 0;
  for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) s += (all[3 * i + k] - m[k]) ** 2;
  return Math.sqrt(s / n);
}

/**
 * Errors of an alignment against the scene's ground truth.
 *
 * @example
 * ```ts
 * import { Rng } from "../../ops/random.ts";
 * import { evaluateAlignment, makeScene } from "./mod.ts";
 * const scene = makeScene(new Rng(0), { views: 3, pixels: 4 });
 * const poses = scene.rotations.map((rotation, v) => ({ rotation, center: scene.centers[v] }));
 * const e = evaluateAlignment(poses, scene.points, scene);
 * console.log(e.rotErrDeg < 1e-6, e.reconErr < 1e-9); // true true
 * ```
 */
export function evaluateAlignment(
  poses: readonly CameraPose[],
  pointMaps: readonly Float64Array[],
  scene: Scene,
): ReconstructionErrors {
  const views = scene.rotations.length;
  if (poses.length !== views || pointMaps.length !== views) {
    throw new RangeError(
      `evaluateAlignment: ${poses.length} poses and ${pointMaps.length} maps for ${views} views`,
    );
  }
  let rot = 0, pairs = 0;
  for (let a = 0; a < views; a++) {
    for (let b = a + 1; b < views; b++, pairs++) {
      const est = mulT(poses[a].rotation, poses[b].rotation);
      rot += rotationAngleDeg(est, mulT(scene.rotations[a], scene.rotations[b]));
    }
  }
  const cx = new Float64Array(3 * views), cy = new Float64Array(3 * views);
  for (let v = 0; v < views; v++) cx.set(poses[v].center, 3 * v), cy.set(scene.centers[v], 3 * v);
  const m = pairMoments(cx, cy, new Float64Array(views).fill(1));
  const { rotation, trace } = procrustesRotation(m.cov);
  const sim = similarityFromMoments(m, rotation, trace / m.sxx);
  const radius = sceneRadius(scene);
  const moved = applySimilarity(sim, cx);
  let te = 0;
  for (let i = 0; i < moved.length; i++) te += (moved[i] - cy[i]) ** 2;
  const px = concatFlat(pointMaps), py = concatFlat(scene.points);
  const pm = pairMoments(px, py, new Float64Array(px.length / 3).fill(1));
  const pr = procrustesRotation(pm.cov);
  const psim = similarityFromMoments(pm, pr.rotation, pr.trace / pm.sxx);
  return {
    rotErrDeg: rot / pairs,
    transErr: Math.sqrt(te / views) / radius,
    reconErr: meanDistance(applySimilarity(psim, px), py) / radius,
    reconErrPoseAligned: meanDistance(applySimilarity(sim, px), py) / radius,
  };
}

function concatFlat(xs: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(xs.reduce((s, x) => s + x.length, 0));
  let o = 0;
  for (const x of xs) out.set(x, o), o += x.length;
  return out;
}

function meanDistance(x: Float64Array, y: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i += 3) {
    s += Math.hypot(x[i] - y[i], x[i + 1] - y[i + 1], x[i + 2] - y[i + 2]);
  }
  return s / (x.length / 3);
}
