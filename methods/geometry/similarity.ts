/**
 * Weighted similarity alignment of 3-D point sets (Umeyama, "Least-squares estimation of
 * transformation parameters between two point patterns", IEEE TPAMI 13(4), 1991): the `s, R, t`
 * minimising `Σ w_i ‖y_i − (s R x_i + t)‖²` with `R ∈ SO(3)`. LoRA3D's global alignment and its
 * IRLS toy (spec `compression_optim_attention.md` §9) call it with the weights `w_i C_i`.
 *
 * Points are `n × 3` tensors (one point per row).
 *
 * @module
 */
import { svd } from "../../ops/linalg/svd.ts";
import { shapeStr, type Tensor, tensor } from "../../ops/tensor.ts";
import { checkOptions } from "../../ops/options.ts";

/** A similarity transform `x ↦ s R x + t`. */
export interface Similarity {
  /** Scale s > 0. */
  scale: number;
  /** Rotation R (3 × 3, row-major, det +1). */
  rotation: Float64Array;
  /** Translation t (3). */
  translation: Float64Array;
}

/** Weighted first and second moments of a point pair set: what every solve below needs. */
export interface PairMoments {
  /** Total weight. */
  w: number;
  /** Weighted centroid of the sources. */
  mx: Float64Array;
  /** Weighted centroid of the targets. */
  my: Float64Array;
  /** `Σ w‖x − mx‖²`. */
  sxx: number;
  /** `Σ w‖y − my‖²`. */
  syy: number;
  /** Cross-covariance `Σ w (y − my)(x − mx)ᵀ`, row-major 3 × 3. */
  cov: Float64Array;
}

/**
 * Checks that `t` is an `n × 3` point tensor and returns n.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { assertPoints } from "./similarity.ts";
 * console.log(assertPoints("f", "x", tensor([[0, 0, 1]]))); // 1
 * ```
 */
export function assertPoints(fn: string, arg: string, t: Tensor): number {
  if (t?.shape?.length !== 2 || t.shape[1] !== 3) {
    throw new RangeError(`${fn}: ${arg} must be n x 3 points, got ${shapeStr(t?.shape ?? [])}`);
  }
  return t.shape[0];
}

/**
 * Weighted moments of the correspondences `x_i → y_i` (flat `3n` arrays). Weights must be
 * finite and ≥ 0 with a positive total.
 *
 * @example
 * ```ts
 * import { pairMoments } from "./similarity.ts";
 * const m = pairMoments([0, 0, 0, 2, 0, 0], [1, 1, 1, 1, 1, 1], [1, 1]);
 * console.log(m.mx, m.sxx); // Float64Array [1, 0, 0] 2
 * ```
 */
export function pairMoments(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  w: ArrayLike<number>,
): PairMoments {
  const n = w.length;
  if (x.length !== 3 * n || y.length !== 3 * n) {
    throw new RangeError(
      `pairMoments: ${n} weights need 3n = ${3 * n} coordinates, got x ${x.length}, y ${y.length}`,
    );
  }
  let tw = 0;
  const mx = new Float64Array(3), my = new Float64Array(3);
  for (let i = 0; i < n; i++) {
    const wi = w[i];
    if (!(wi >= 0) || !Number.isFinite(wi)) {
      throw new RangeError(`pairMoments: weight ${i} must be finite and >= 0, got ${wi}`);
    }
    tw += wi;
    for (let k = 0; k < 3; k++) mx[k] += wi * x[3 * i + k], my[k] += wi * y[3 * i + k];
  }
  if (!(tw > 0)) throw new RangeError(`pairMoments: the weights sum to ${tw}; need > 0`);
  for (let k = 0; k < 3; k++) mx[k] /= tw, my[k] /= tw;
  let sxx = 0, syy = 0;
  const cov = new Float64Array(9);
  for (let i = 0; i < n; i++) {
    const wi = w[i];
    if (wi === 0) continue;
    const dx = [x[3 * i] - mx[0], x[3 * i + 1] - mx[1], x[3 * i + 2] - mx[2]];
    const dy = [y[3 * i] - my[0], y[3 * i + 1] - my[1], y[3 * i + 2] - my[2]];
    for (let r = 0; r < 3; r++) {
      sxx += wi * dx[r] * dx[r];
      syy += wi * dy[r] * dy[r];
      for (let c = 0; c < 3; c++) cov[3 * r + c] += wi * dy[r] * dx[c];
    }
  }
  return { w: tw, mx, my, sxx, syy, cov };
}

/**
 * The rotation maximising `tr(Rᵀ Σ)` (Kabsch/Umeyama with the reflection fix) and the value
 * `tr(D S)`, so the best scale for these moments is `trace / sxx`.
 *
 * @example
 * ```ts
 * import { procrustesRotation } from "./similarity.ts";
 * const { rotation, trace } = procrustesRotation(new Float64Array([2, 0, 0, 0, 3, 0, 0, 0, 1]));
 * console.log(rotation, trace); // Float64Array [1, 0, 0, 0, 1, 0, 0, 0, 1] 6
 * ```
 */
export function procrustesRotation(cov: Float64Array): { rotation: Float64Array; trace: number } {
  const { u, s, vt } = svd(tensor(Array.from(cov), { shape: [3, 3] }));
  const U = u.data, V = vt.data, S = s.data;
  const det = (m: ArrayLike<number>): number =>
    m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) +
    m[2] * (m[3] * m[7] - m[4] * m[6]);
  const d = det(U) * det(V) < 0 ? -1 : 1;
  const rotation = new Float64Array(9);
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) {
      rotation[3 * r + c] = U[3 * r] * V[c] + U[3 * r + 1] * V[3 + c] +
        d * U[3 * r + 2] * V[6 + c];
    }
  }
  return { rotation, trace: S[0] + S[1] + d * S[2] };
}

/**
 * The similarity with rotation `rotation`, scale `scale` and the translation that is optimal for
 * them: `t = my − s R mx`.
 *
 * @example
 * ```ts
 * import { pairMoments, similarityFromMoments } from "./similarity.ts";
 * const m = pairMoments([0, 0, 0], [1, 2, 3], [1]);
 * console.log(similarityFromMoments(m, new Float64Array([1, 0, 0, 0, 1, 0, 0, 0, 1]), 1).translation);
 * // Float64Array [1, 2, 3]
 * ```
 */
export function similarityFromMoments(
  m: PairMoments,
  rotation: Float64Array,
  scale: number,
): Similarity {
  const translation = new Float64Array(3);
  for (let r = 0; r < 3; r++) {
    const rx = rotation[3 * r] * m.mx[0] + rotation[3 * r + 1] * m.mx[1] +
      rotation[3 * r + 2] * m.mx[2];
    translation[r] = m.my[r] - scale * rx;
  }
  return { scale, rotation, translation };
}

/** Options of {@link weightedUmeyama}. */
export interface UmeyamaOptions {
  /** Non-negative weight per point (default: all 1). */
  weights?: ArrayLike<number>;
  /** Estimate the scale (default true); false fixes s = 1 (rigid Kabsch). */
  withScale?: boolean;
}

/**
 * The weighted least-squares similarity `y ≈ s R x + t` (Umeyama 1991).
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { weightedUmeyama } from "./similarity.ts";
 * const x = tensor([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]]);
 * const y = tensor([[1, 1, 1], [3, 1, 1], [1, 3, 1], [1, 1, 3]]);
 * const t = weightedUmeyama(x, y);
 * console.log(t.scale.toFixed(6), Array.from(t.translation, (v) => v.toFixed(6)));
 * // 2.000000 [ "1.000000", "1.000000", "1.000000" ]
 * ```
 */
export function weightedUmeyama(x: Tensor, y: Tensor, opts: UmeyamaOptions = {}): Similarity {
  checkOptions("weightedUmeyama", opts, { weights: "object", withScale: "boolean" });
  const n = assertPoints("weightedUmeyama", "x", x);
  if (assertPoints("weightedUmeyama", "y", y) !== n) {
    throw new RangeError(
      `weightedUmeyama: x is ${shapeStr(x.shape)} but y is ${shapeStr(y.shape)}`,
    );
  }
  const w = opts.weights ?? new Float64Array(n).fill(1);
  if (w.length !== n) {
    throw new RangeError(`weightedUmeyama: weights has ${w.length} entries for ${n} points`);
  }
  const m = pairMoments(x.data, y.data, w);
  const { rotation, trace } = procrustesRotation(m.cov);
  let scale = 1;
  if (opts.withScale ?? true) {
    if (!(m.sxx > 0)) throw new RangeError("weightedUmeyama: the weighted x points coincide");
    scale = trace / m.sxx;
  }
  return similarityFromMoments(m, rotation, scale);
}

/**
 * `s R x_i + t` for every row of the flat `3n` array `x`, into a new flat array.
 *
 * @example
 * ```ts
 * import { applySimilarity } from "./similarity.ts";
 * const id = new Float64Array([1, 0, 0, 0, 1, 0, 0, 0, 1]);
 * console.log(applySimilarity({ scale: 2, rotation: id, translation: new Float64Array([1, 0, 0]) }, [1, 1, 1]));
 * // Float64Array [3, 2, 2]
 * ```
 */
export function applySimilarity(t: Similarity, x: ArrayLike<number>): Float64Array {
  const out = new Float64Array(x.length);
  const R = t.rotation, s = t.scale, tr = t.translation;
  for (let i = 0; i < x.length; i += 3) {
    for (let r = 0; r < 3; r++) {
      out[i + r] = s * (R[3 * r] * x[i] + R[3 * r + 1] * x[i + 1] + R[3 * r + 2] * x[i + 2]) +
        tr[r];
    }
  }
  return out;
}

/**
 * The inverse map `x = Rᵀ(y − t) / s` of every row of the flat array `y`.
 *
 * @example
 * ```ts
 * import { applySimilarity, invertSimilarity } from "./similarity.ts";
 * const t = { scale: 2, rotation: new Float64Array([0, -1, 0, 1, 0, 0, 0, 0, 1]), translation: new Float64Array([1, 2, 3]) };
 * console.log(invertSimilarity(t, applySimilarity(t, [1, 2, 3]))); // Float64Array [1, 2, 3]
 * ```
 */
export function invertSimilarity(t: Similarity, y: ArrayLike<number>): Float64Array {
  const out = new Float64Array(y.length);
  const R = t.rotation, s = t.scale, tr = t.translation;
  for (let i = 0; i < y.length; i += 3) {
    const d = [y[i] - tr[0], y[i + 1] - tr[1], y[i + 2] - tr[2]];
    for (let c = 0; c < 3; c++) {
      out[i + c] = (R[c] * d[0] + R[3 + c] * d[1] + R[6 + c] * d[2]) / s;
    }
  }
  return out;
}

/**
 * The angle in degrees of the rotation `Raᵀ Rb` (geodesic distance on SO(3)).
 *
 * @example
 * ```ts
 * import { rotationAngleDeg } from "./similarity.ts";
 * const id = [1, 0, 0, 0, 1, 0, 0, 0, 1];
 * console.log(Math.round(rotationAngleDeg(id, [0, -1, 0, 1, 0, 0, 0, 0, 1]))); // 90
 * ```
 */
export function rotationAngleDeg(ra: ArrayLike<number>, rb: ArrayLike<number>): number {
  // ‖Ra − Rb‖_F = 2√2 sin(θ/2): accurate for small angles, where acos((tr − 1)/2) loses half
  // the digits
  let d2 = 0;
  for (let i = 0; i < 9; i++) d2 += (ra[i] - rb[i]) ** 2;
  const s = Math.min(1, Math.sqrt(d2) / (2 * Math.SQRT2));
  return (2 * Math.asin(s) * 180) / Math.PI;
}
