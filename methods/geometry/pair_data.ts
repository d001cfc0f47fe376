/**
 * What the stand-in point-map regressor sees of an image pair (issue 20; spec
 * `compression_optim_attention.md` §9): for every pixel of either view, a feature vector that
 * encodes the pixel's 3-D point in the first view's camera frame — the direction `(x/z, y/z)`
 * and the log depth — through a fixed random `tanh` layer, plus noise.
 *
 Each scene has a latent *style* (`gamma`, `beta`, `kappa`: depth contrast, depth offset, lens
 * warp of the direction) that changes the encoding, as lighting and texture change what an
 * image says about depth. A model trained on scenes of many styles learns the average decoding;
 * on a new scene it makes a systematic, scene-specific error: a power law in depth and a radial
 * warp along the first camera's axis, whose strength grows with the pair's baseline angle θ
 * (`γ_eff = 1 + (θ/90°)(γ − 1)`, `κ_eff = (θ/90°) κ`), as DUSt3R degrades on wide, low-overlap
 * pairs. The features carry the pair's context `(cos θ, sin θ)`, as DUSt3R's decoder sees both
 * images, so a scene-specific correction is learnable. The errors thus disagree between the
 * pairs that see a pixel, which is what multi-view consensus exploits. A fraction of the pixels
 * of every pair are *mismatches*: their features encode a grossly wrong point that looks as
 * plausible as a right one, so the model is confidently wrong there.
 *
 * @module
 */
import type { Rng } from "../../ops/random.ts";
import { type Tensor, tensor } from "../../ops/tensor.ts";
import { checkOptions } from "../../ops/options.ts";
import { positiveIntOption } from "./options.ts";
import { type Scene, toCamera } from "./synthetic_scene.ts";
import { rotationAngleDeg } from "./similarity.ts";

/** A scene's latent appearance: `ℓ' = γ log z + β`, direction `d' = d (1 + κ‖d‖²)`. */
export interface SceneStyle {
  /** Depth contrast γ (1 is canonical). */
  gamma: number;
  /** Depth offset β (0 is canonical). */
  beta: number;
  /** Radial warp κ of the direction (0 is canonical). */
  kappa: number;
}

/** The fixed random encoder shared by all scenes (the "physics" of the images). */
export interface FeatureEncoder {
  /** `K × 3` mixing matrix, row-major. */
  mix: Float64Array;
  /** `K` offsets. */
  bias: Float64Array;
  /** Standard deviation of the feature noise. */
  noise: number;
}

/**
 * A seeded encoder with `features` outputs (default 12) and noise level `noise` (default 0.005).
 *
 * @example
 * ```ts
 * import { Rng } from "../../ops/random.ts";
 * import { makeEncoder } from "./pair_data.ts";
 * console.log(makeEncoder(new Rng(0), { features: 8 }).bias.length); // 8
 * ```
 */
export function makeEncoder(
  rng: Rng,
  opts: { features?: number; noise?: number } = {},
): FeatureEncoder {
  checkOptions("makeEncoder", opts, { features: "number", noise: "number" });
  const k = positiveIntOption("makeEncoder", "features", opts.features ?? 12);
  const noise = opts.noise ?? 0.005;
  if (!(noise >= 0) || !Number.isFinite(noise)) {
    throw new RangeError(`makeEncoder: noise must be finite and >= 0, got ${noise}`);
  }
  const mix = Float64Array.from({ length: 3 * k }, () => rng.normal(0, 0.5));
  const bias = Float64Array.from({ length: k }, () => rng.normal(0, 0.5));
  return { mix, bias, noise };
}

/** The canonical style (γ = 1, β = 0, κ = 0): what the pre-trained model decodes on average. */
export const CANONICAL_STYLE: SceneStyle = { gamma: 1, beta: 0, kappa: 0 };

/**
 * A style of the pre-training distribution: γ ∈ [0.95, 1.05], β ∈ [−0.05, 0.05],
 * κ ∈ [−0.02, 0.02].
 *
 * @example
 * ```ts
 * import { Rng } from "../../ops/random.ts";
 * import { trainingStyle } from "./pair_data.ts";
 * const s = trainingStyle(new Rng(0));
 * console.log(Math.abs(s.gamma - 1) <= 0.05); // true
 * ```
 */
export function trainingStyle(rng: Rng): SceneStyle {
  return {
    gamma: rng.uniformIn(0.95, 1.05),
    beta: rng.uniformIn(-0.05, 0.05),
    kappa: rng.uniformIn(-0.02, 0.02),
  };
}

/**
 * A shifted style of a new target scene, outside the pre-training range: |γ − 1| ∈ [0.1, 0.2],
 * |β| ∈ [0.05, 0.15], |κ| ∈ [0.05, 0.1], random signs.
 *
 * @example
 * ```ts
 * import { Rng } from "../../ops/random.ts";
 * import { shiftedStyle } from "./pair_data.ts";
 * const s = shiftedStyle(new Rng(0));
 * console.log(Math.abs(s.gamma - 1) >= 0.1); // true
 * ```
 */
export function shiftedStyle(rng: Rng): SceneStyle {
  const sign = (): number => (rng.uniform() < 0.5 ? -1 : 1);
  return {
    gamma: 1 + sign() * rng.uniformIn(0.1, 0.2),
    beta: sign() * rng.uniformIn(0.05, 0.15),
    kappa: sign() * rng.uniformIn(0.05, 0.1),
  };
}

/**
 * Features (`N × (K + 2)`) of camera-frame points `q` (flat `3N`, z > 0) under `style`, seen in
 * a pair with baseline angle `baseline` (radians): K encoder outputs, then `cos θ, sin θ`.
 *
 * @example
 * ```ts
 * import { Rng } from "../../ops/random.ts";
 * import { CANONICAL_STYLE, encodePoints, makeEncoder } from "./pair_data.ts";
 * const enc = makeEncoder(new Rng(0), { features: 4, noise: 0 });
 * console.log(encodePoints(enc, CANONICAL_STYLE, [0, 0, 2], new Rng(1)).shape); // [1, 6]
 * ```
 */
export function encodePoints(
  enc: FeatureEncoder,
  style: SceneStyle,
  q: ArrayLike<number>,
  rng: Rng,
  baseline = Math.PI / 2,
): Tensor {
  const n = q.length / 3, k = enc.bias.length, w = k + 2;
  const lam = baseline / (Math.PI / 2);
  const gamma = 1 + lam * (style.gamma - 1), kappa = lam * style.kappa;
  const out = new Float64Array(n * w);
  for (let i = 0; i < n; i++) {
    const z = q[3 * i + 2];
    if (!(z > 0)) throw new RangeError(`encodePoints: point ${i} has depth ${z}; need > 0`);
    const a = q[3 * i] / z, b = q[3 * i + 1] / z, warp = 1 + kappa * (a * a + b * b);
    const u = [a * warp, b * warp, gamma * Math.log(z) + style.beta];
    for (let j = 0; j < k; j++) {
      const m = enc.mix.subarray(3 * j, 3 * j + 3);
      out[i * w + j] = Math.tanh(m[0] * u[0] + m[1] * u[1] + m[2] * u[2] + enc.bias[j]) +
        (enc.noise > 0 ? rng.normal(0, enc.noise) : 0);
    }
    out[i * w + k] = Math.cos(baseline);
    out[i * w + k + 1] = Math.sin(baseline);
  }
  return tensor(out, { shape: [n, w] });
}

/** One image pair as the regressor sees it, with its ground truth. */
export interface PairData {
  /** `[n, m]`: the pair's frame is camera n's. */
  views: readonly [number, number];
  /** Features of each view's pixels (`P × (K + 2)`). */
  features: readonly [Tensor, Tensor];
  /** True points of each view's pixels in camera n's frame (flat `3P`). */
  truth: readonly [Float64Array, Float64Array];
  /** 1 where the pixel is a mismatch (its features encode a wrong point). */
  outlier: readonly [Uint8Array, Uint8Array];
}

/** Options of {@link makePairs}. */
export interface MakePairsOptions {
  /** Fraction of mismatched pixels per view and pair (default 0). */
  outlierRate?: number;
  /** Displacement of a mismatch, as a range of norms (default [0.6, 1.5]). */
  outlierShift?: readonly [number, number];
}

/** A mismatch: the true point moved by a random direction with a norm in `shift`, kept in front. */
function mismatch(q: Float64Array, i: number, shift: readonly [number, number], rng: Rng): void {
  for (;;) {
    const d = [rng.normal(), rng.normal(), rng.normal()];
    const s = rng.uniformIn(shift[0], shift[1]) / Math.hypot(d[0], d[1], d[2]);
    const z = q[3 * i + 2] + s * d[2];
    if (z > 0.5) {
      for (let k = 0; k < 3; k++) q[3 * i + k] += s * d[k];
      return;
    }
  }
}

/**
 * Every ordered pair `(n, m)`, n ≠ m, of the scene's views (DUSt3R's symmetrised complete graph),
 * with features under `style` and the given share of mismatches.
 *
 * @example
 * ```ts
 * import { Rng } from "../../ops/random.ts";
 * import { makeScene } from "./synthetic_scene.ts";
 * import { CANONICAL_STYLE, makeEncoder, makePairs } from "./pair_data.ts";
 * const rng = new Rng(0);
 * const scene = makeScene(rng, { views: 3, pixels: 5 });
 * const pairs = makePairs(scene, makeEncoder(rng), CANONICAL_STYLE, rng, { outlierRate: 0.2 });
 * console.log(pairs.length, pairs[0].features[1].shape); // 6 [5, 14]
 * ```
 */
export function makePairs(
  scene: Scene,
  enc: FeatureEncoder,
  style: SceneStyle,
  rng: Rng,
  opts: MakePairsOptions = {},
): PairData[] {
  checkOptions("makePairs", opts, { outlierRate: "number", outlierShift: "array" });
  const rate = opts.outlierRate ?? 0;
  if (!(rate >= 0 && rate < 1)) {
    throw new RangeError(`makePairs: outlierRate must be in [0, 1), got ${rate}`);
  }
  const shift = opts.outlierShift ?? [0.6, 1.5];
  if (!(shift[0] > 0 && shift[1] >= shift[0])) {
    throw new RangeError(
      `makePairs: outlierShift must be 0 < lo <= hi, got ${JSON.stringify(shift)}`,
    );
  }
  const out: PairData[] = [];
  const views = scene.points.length;
  for (let n = 0; n < views; n++) {
    for (let m = 0; m < views; m++) {
      if (m === n) continue;
      const truth = [n, m].map((v) => toCamera(scene, n, scene.points[v]));
      const baseline = (rotationAngleDeg(scene.rotations[n], scene.rotations[m]) * Math.PI) / 180;
      const outlier = truth.map((t) =>
        Uint8Array.from({ length: t.length / 3 }, () => rng.uniform() < rate ? 1 : 0)
      );
      const features = truth.map((t, k) => {
        const q = Float64Array.from(t);
        outlier[k].forEach((o, i) => o && mismatch(q, i, shift, rng));
        return encodePoints(enc, style, q, rng, baseline);
      });
      out.push({
        views: [n, m],
        features: [features[0], features[1]],
        truth: [truth[0], truth[1]],
        outlier: [outlier[0], outlier[1]],
      });
    }
  }
  return out;
}
