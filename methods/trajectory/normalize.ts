/**
 * Per-agent canonical frame of EigenTrajectory (Bae et al., ICCV 2023; spec §2): translate the
 * last observed point to the origin, rotate the heading x₈ − x₆ onto +x and, for the moving
 * group, scale so the mean step over the last two steps is 1. Exactly invertible.
 *
 * @module
 */

/** Per-agent transform parameters, computed from the history only (spec §2). */
export interface NormParams {
  /** Number of agents. */
  readonly count: number;
  /** Origin x (x₈). */
  readonly ox: Float64Array;
  /** Origin y. */
  readonly oy: Float64Array;
  /** cos θ of the heading angle θ = atan2(d_y, d_x), d = x₈ − x₆. */
  readonly cos: Float64Array;
  /** sin θ. */
  readonly sin: Float64Array;
  /** Scale λ: 2/‖d‖ for moving agents, 1 for static ones. */
  readonly scale: Float64Array;
}

function checkHistory(fn: string, history: Float64Array, obsLen: number): number {
  if (!Number.isInteger(obsLen) || obsLen < 3) {
    throw new RangeError(
      `${fn}: obsLen must be an integer ≥ 3 (heading uses x₈ − x₆), got ${obsLen}`,
    );
  }
  if (!(history instanceof Float64Array) || history.length % (2 * obsLen) !== 0) {
    throw new RangeError(
      `${fn}: history must be a Float64Array of count × ${obsLen} × 2, got length ${history.length}`,
    );
  }
  return history.length / (2 * obsLen);
}

/**
 * Heading speed ‖x_T − x_{T−2}‖ / 2 of each agent (metres per step), the quantity compared with
 * `static_dist` by the moving/static rule.
 *
 * @example
 * ```ts
 * import { headingSpeed } from "./normalize.ts";
 * console.log(headingSpeed(new Float64Array([0, 0, 3, 0, 6, 8]), 3)); // Float64Array [5]
 * ```
 */
export function headingSpeed(history: Float64Array, obsLen: number): Float64Array {
  const n = checkHistory("headingSpeed", history, obsLen);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const e = (i * obsLen + obsLen - 1) * 2, b = e - 4;
    out[i] = Math.hypot(history[e] - history[b], history[e + 1] - history[b + 1]) / 2;
  }
  return out;
}

/**
 * The moving/static split of spec §2: agent `i` is moving (1) when its heading speed is
 * strictly above `staticDist`, else static (0).
 *
 * @example
 * ```ts
 * import { movingMask } from "./normalize.ts";
 * const h = new Float64Array([0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0.2, 0]);
 * console.log(movingMask(h, 3, 0.3)); // Uint8Array [1, 0]
 * ```
 */
export function movingMask(history: Float64Array, obsLen: number, staticDist: number): Uint8Array {
  // Infinity is allowed: everyone static (no scaling), as in the spec §8.16 protocol.
  if (!(staticDist >= 0)) {
    throw new RangeError(`movingMask: staticDist must be a number ≥ 0, got ${staticDist}`);
  }
  const v = headingSpeed(history, obsLen);
  const out = new Uint8Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i] > staticDist ? 1 : 0;
  return out;
}

/**
 * Transform parameters from each agent's history. `scaled[i]` says whether agent `i` uses the
 * moving rule (λ = 2/‖d‖); a scaled agent with d = 0 is rejected, since the moving rule never
 * admits one.
 *
 * @example
 * ```ts
 * import { normParams } from "./normalize.ts";
 * const p = normParams(new Float64Array([0, 0, 1, 1, 2, 2]), 3, new Uint8Array([1]));
 * console.log(p.scale[0].toFixed(4), (Math.atan2(p.sin[0], p.cos[0]) * 180 / Math.PI).toFixed(1)); // 0.7071 45.0
 * ```
 */
export function normParams(history: Float64Array, obsLen: number, scaled: Uint8Array): NormParams {
  const n = checkHistory("normParams", history, obsLen);
  if (scaled.length !== n) {
    throw new RangeError(`normParams: scaled has ${scaled.length} entries for ${n} agents`);
  }
  const ox = new Float64Array(n), oy = new Float64Array(n);
  const cos = new Float64Array(n), sin = new Float64Array(n), scale = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const e = (i * obsLen + obsLen - 1) * 2, b = e - 4;
    // Plain subtraction gives +0 for a standing agent, so atan2 yields 0, never −π (spec §2).
    const dx = history[e] - history[b], dy = history[e + 1] - history[b + 1];
    const th = Math.atan2(dy, dx);
    ox[i] = history[e];
    oy[i] = history[e + 1];
    cos[i] = Math.cos(th);
    sin[i] = Math.sin(th);
    const len = Math.hypot(dx, dy);
    if (scaled[i] && !(len > 0)) {
      throw new RangeError(
        `normParams: agent ${i} has zero heading d = x₈ − x₆ but uses the moving rule`,
      );
    }
    scale[i] = scaled[i] ? 2 / len : 1;
  }
  return { count: n, ox, oy, cos, sin, scale };
}

function checkPoints(fn: string, pts: Float64Array, p: NormParams): number {
  // With no agents only an empty array fits: a non-empty one would silently map to zeros.
  const fits = (n: number): boolean => p.count === 0 ? n === 0 : n % (2 * p.count) === 0;
  if (!(pts instanceof Float64Array) || !fits(pts.length)) {
    throw new RangeError(
      `${fn}: points must be a Float64Array of ${p.count} agents × T × 2, got length ${pts.length}`,
    );
  }
  return p.count === 0 ? 0 : pts.length / (2 * p.count);
}

/**
 * Forward transform p' = (p − o)·R(θ)·λ of every point (`count × T × 2`, any T) with each
 * agent's own parameters.
 *
 * @example
 * ```ts
 * import { normalizePoints, normParams } from "./normalize.ts";
 * const h = new Float64Array([0, 0, 1, 1, 2, 2]);
 * const p = normParams(h, 3, new Uint8Array([1]));
 * console.log(Array.from(normalizePoints(h, p), (v) => Math.round(v * 1e9) / 1e9)); // [-2, 0, -1, 0, 0, 0]
 * ```
 */
export function normalizePoints(points: Float64Array, p: NormParams): Float64Array {
  const T = checkPoints("normalizePoints", points, p);
  const out = new Float64Array(points.length);
  for (let i = 0; i < p.count; i++) {
    const c = p.cos[i], s = p.sin[i], l = p.scale[i], ox = p.ox[i], oy = p.oy[i];
    for (let t = 0, o = i * T * 2; t < T; t++, o += 2) {
      const a = points[o] - ox, b = points[o + 1] - oy;
      // "+ 0" turns a −0 into +0, so the last observed point is bit-exactly (+0, +0).
      out[o] = l * (a * c + b * s) + 0;
      out[o + 1] = l * (b * c - a * s) + 0;
    }
  }
  return out;
}

/**
 * Inverse transform p = (p'/λ)·R(θ)ᵀ + o. `points` holds `reps × count × T × 2` values (e.g. S
 * predicted futures per agent, mode-major); agent `i` of every block uses parameters `i`.
 *
 * @example
 * ```ts
 * import { denormalizePoints, normalizePoints, normParams } from "./normalize.ts";
 * const h = new Float64Array([0, 0, 1, 1, 2, 2]);
 * const p = normParams(h, 3, new Uint8Array([0]));
 * const back = denormalizePoints(normalizePoints(h, p), p);
 * console.log(Math.max(...back.map((v, i) => Math.abs(v - h[i]))) < 1e-12); // true
 * ```
 */
export function denormalizePoints(points: Float64Array, p: NormParams, reps = 1): Float64Array {
  if (!Number.isInteger(reps) || reps < 1 || points.length % reps !== 0) {
    throw new RangeError(
      `denormalizePoints: reps must be a positive divisor of the length, got ${reps}`,
    );
  }
  const block = points.length / reps;
  const T = checkPoints("denormalizePoints", points.subarray(0, block), p);
  const out = new Float64Array(points.length);
  for (let r = 0; r < reps; r++) {
    for (let i = 0; i < p.count; i++) {
      const c = p.cos[i], s = p.sin[i], l = p.scale[i], ox = p.ox[i], oy = p.oy[i];
      for (let t = 0, o = r * block + i * T * 2; t < T; t++, o += 2) {
        const a = points[o] / l, b = points[o + 1] / l;
        out[o] = ox + a * c - b * s;
        out[o + 1] = oy + a * s + b * c;
      }
    }
  }
  return out;
}
