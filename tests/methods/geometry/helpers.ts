// Shared fixtures of the geometry tests: pair predictions built from a scene's ground truth.
import { Rng } from "../../../ops/random.ts";
import { tensor } from "../../../ops/tensor.ts";
import type { PairPrediction } from "../../../methods/geometry/global_align.ts";
import { makeScene, type Scene, toCamera } from "../../../methods/geometry/synthetic_scene.ts";

/** What {@link noisyPredictions} returns. */
export interface NoisyPairs {
  scene: Scene;
  preds: PairPrediction[];
  /** 1 where the prediction is a gross outlier, per pair and view. */
  outlier: [Uint8Array, Uint8Array][];
}

/**
 * Every ordered pair of a seeded scene, each view's points in the first camera's frame plus
 * Gaussian noise `noise`, a share `outlierRate` moved by `outlierShift` in a random direction,
 * random confidences in [1, 3], and each pair expressed in a random similarity of its frame
 * (`scrambled`), as a network's per-pair scale is arbitrary.
 */
export function noisyPredictions(
  seed: number,
  o: {
    views?: number;
    pixels?: number;
    noise?: number;
    outlierRate?: number;
    outlierShift?: number;
    scrambled?: boolean;
  } = {},
): NoisyPairs {
  const rng = new Rng(seed);
  const scene = makeScene(rng, { views: o.views ?? 4, pixels: o.pixels ?? 40 });
  const preds: PairPrediction[] = [], outlier: [Uint8Array, Uint8Array][] = [];
  const V = scene.points.length;
  for (let n = 0; n < V; n++) {
    for (let m = 0; m < V; m++) {
      if (m === n) continue;
      const s = o.scrambled ? rng.uniformIn(0.5, 2) : 1;
      const flags: Uint8Array[] = [];
      const pts = [n, m].map((v) => {
        const q = toCamera(scene, n, scene.points[v]);
        const f = new Uint8Array(q.length / 3);
        for (let i = 0; i < f.length; i++) {
          for (let k = 0; k < 3; k++) {
            q[3 * i + k] = s * (q[3 * i + k] + (o.noise ?? 0) * rng.normal());
          }
          if (rng.uniform() < (o.outlierRate ?? 0)) {
            f[i] = 1;
            const d = [rng.normal(), rng.normal(), rng.normal()], l = Math.hypot(d[0], d[1], d[2]);
            for (let k = 0; k < 3; k++) q[3 * i + k] += (s * (o.outlierShift ?? 2) * d[k]) / l;
          }
        }
        flags.push(f);
        return tensor(q, { shape: [q.length / 3, 3] });
      });
      const conf = pts.map((p) =>
        tensor(Float64Array.from({ length: p.shape[0] }, () => rng.uniformIn(1, 3)))
      );
      preds.push({ views: [n, m], points: [pts[0], pts[1]], confidence: [conf[0], conf[1]] });
      outlier.push([flags[0], flags[1]]);
    }
  }
  return { scene, preds, outlier };
}

/** A rotation from a random axis and angle (Rodrigues), independent of the SVD path. */
export function randomRotation(rng: Rng, angle?: number): Float64Array {
  const ax = [rng.normal(), rng.normal(), rng.normal()];
  const n = Math.hypot(ax[0], ax[1], ax[2]);
  const [x, y, z] = ax.map((v) => v / n);
  const t = angle ?? rng.uniformIn(0, Math.PI), c = Math.cos(t), s = Math.sin(t), C = 1 - c;
  return new Float64Array([
    c + x * x * C,
    x * y * C - z * s,
    x * z * C + y * s,
    y * x * C + z * s,
    c + y * y * C,
    y * z * C - x * s,
    z * x * C - y * s,
    z * y * C + x * s,
    c + z * z * C,
  ]);
}
