/**
 * Seeded synthetic multi-view scenes: the small-scale stand-in for LoRA3D's data (spec
 * `compression_optim_attention.md` §9; issue 20), since no DUSt3R model runs here.
 *
 * A scene is a few surfaces (a floor patch, a sphere and a back wall) with cameras on an arc
 * looking at its centre. Each view's "pixels" are its own sample of surface points, so a view's
 * pixels are distinct from another view's (as in real images), and the ground truth of pixel i
 * of view v is the world point `p_i^v`.
 *
 * @module
 */
import type { Rng } from "../../ops/random.ts";
import { type Tensor, tensor } from "../../ops/tensor.ts";
import { checkOptions } from "../../ops/options.ts";
import { positiveIntOption } from "./options.ts";

/** A synthetic scene with its cameras. */
export interface Scene {
  /** World points of each view's pixels (flat `3P`), the ground truth of χ^v. */
  points: Float64Array[];
  /** Camera-to-world rotation of each view (row-major 3 × 3; camera looks along +z). */
  rotations: Float64Array[];
  /** Camera centre of each view. */
  centers: Float64Array[];
}

/** Options of {@link makeScene}. */
export interface SceneOptions {
  /** Number of views (default 4). */
  views?: number;
  /** Pixels (surface samples) per view (default 150). */
  pixels?: number;
}

function normalize(v: number[]): number[] {
  const n = Math.hypot(v[0], v[1], v[2]);
  return v.map((x) => x / n);
}

function cross(a: number[], b: number[]): number[] {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

/** Camera-to-world rotation of a camera at `c` looking at `target` (world z is up). */
function lookAt(c: number[], target: number[]): Float64Array {
  const z = normalize([target[0] - c[0], target[1] - c[1], target[2] - c[2]]);
  const x = normalize(cross(z, [0, 0, 1]));
  const y = cross(z, x);
  // columns are the camera axes in world coordinates
  return new Float64Array([x[0], y[0], z[0], x[1], y[1], z[1], x[2], y[2], z[2]]);
}

/** One surface sample: floor (40 %), sphere (35 %) or wall (25 %). */
function surfacePoint(rng: Rng, sphere: number[], radius: number, wallY: number): number[] {
  const u = rng.uniform();
  if (u < 0.4) return [rng.uniformIn(-1.4, 1.4), rng.uniformIn(-1.4, 1.2), 0];
  if (u < 0.75) {
    const d = normalize([rng.normal(), rng.normal(), rng.normal()]);
    return [sphere[0] + radius * d[0], sphere[1] + radius * d[1], sphere[2] + radius * d[2]];
  }
  return [rng.uniformIn(-1.4, 1.4), wallY, rng.uniformIn(0, 1.4)];
}

/**
 * A seeded scene: surfaces with jittered placement, `views` cameras on a 150° arc in front of
 * the wall at distance 3.2–4 and height 1.2–2, each looking at the scene centre.
 *
 * @example
 * ```ts
 * import { Rng } from "../../ops/random.ts";
 * import { makeScene } from "./synthetic_scene.ts";
 * const s = makeScene(new Rng(0), { views: 3, pixels: 10 });
 * console.log(s.points.length, s.points[0].length, s.centers.length); // 3 30 3
 * ```
 */
export function makeScene(rng: Rng, opts: SceneOptions = {}): Scene {
  checkOptions("makeScene", opts, { views: "number", pixels: "number" });
  const views = positiveIntOption("makeScene", "views", opts.views ?? 4);
  const pixels = positiveIntOption("makeScene", "pixels", opts.pixels ?? 150);
  if (views < 2) throw new RangeError(`makeScene: views must be at least 2, got ${views}`);
  const sphere = [rng.uniformIn(-0.5, 0.5), rng.uniformIn(-0.5, 0.3), rng.uniformIn(0.4, 0.7)];
  const radius = rng.uniformIn(0.35, 0.55), wallY = rng.uniformIn(1.2, 1.5);
  const target = [0, 0, 0.5];
  const points: Float64Array[] = [], rotations: Float64Array[] = [], centers: Float64Array[] = [];
  const start = rng.uniformIn(-0.3, 0.3);
  for (let v = 0; v < views; v++) {
    // azimuth around -y (the side facing the wall), spread over 150°
    const az = -Math.PI / 2 + start + ((v / (views - 1)) - 0.5) * (150 * Math.PI / 180);
    const dist = rng.uniformIn(3.2, 4), h = rng.uniformIn(1.2, 2);
    const c = [dist * Math.cos(az), dist * Math.sin(az), h];
    centers.push(new Float64Array(c));
    rotations.push(lookAt(c, target));
    const p = new Float64Array(3 * pixels);
    for (let i = 0; i < pixels; i++) p.set(surfacePoint(rng, sphere, radius, wallY), 3 * i);
    points.push(p);
  }
  return { points, rotations, centers };
}

/**
 * World points into camera `v`'s frame: `R_vᵀ (p − c_v)` for every row of the flat array `p`.
 *
 * @example
 * ```ts
 * import { Rng } from "../../ops/random.ts";
 * import { makeScene, toCamera } from "./synthetic_scene.ts";
 * const s = makeScene(new Rng(0), { views: 2, pixels: 4 });
 * console.log(toCamera(s, 0, s.centers[0]).every((x) => x === 0)); // true (the centre is the origin)
 * ```
 */
export function toCamera(scene: Scene, v: number, p: ArrayLike<number>): Float64Array {
  const R = scene.rotations[v], c = scene.centers[v];
  if (!R) {
    throw new RangeError(
      `toCamera: view ${v} is not in the scene (${scene.rotations.length} views)`,
    );
  }
  const out = new Float64Array(p.length);
  for (let i = 0; i < p.length; i += 3) {
    const d = [p[i] - c[0], p[i + 1] - c[1], p[i + 2] - c[2]];
    for (let k = 0; k < 3; k++) out[i + k] = R[k] * d[0] + R[3 + k] * d[1] + R[6 + k] * d[2];
  }
  return out;
}

/**
 * The unit ray of every pixel in its own camera's frame (`P × 3` per view): what known pixel
 * coordinates and intrinsics give DUSt3R's global alignment.
 *
 * @example
 * ```ts
 * import { Rng } from "../../ops/random.ts";
 * import { makeScene, sceneRays } from "./synthetic_scene.ts";
 * const r = sceneRays(makeScene(new Rng(0), { views: 2, pixels: 3 }))[0];
 * console.log(r.shape, Math.hypot(r.data[0], r.data[1], r.data[2]).toFixed(12)); // [3, 3] 1.000000000000
 * ```
 */
export function sceneRays(scene: Scene): Tensor[] {
  return scene.points.map((p, v) => {
    const q = toCamera(scene, v, p);
    for (let i = 0; i < q.length; i += 3) {
      const n = Math.hypot(q[i], q[i + 1], q[i + 2]);
      for (let k = 0; k < 3; k++) q[i + k] /= n;
    }
    return tensor(q, { shape: [q.length / 3, 3] });
  });
}
