/**
 * Forecasting metrics of the ETH/UCY benchmark as computed by EigenTrajectory (Bae et al.,
 * ICCV 2023; spec §5): best-of-S ADE/FDE pooled over agent-windows, the temporal correlation
 * coefficient (TCC) and the collision rate (COL).
 *
 * Predictions are `S × N × T × 2` (mode-major), ground truth `N × T × 2`, interleaved x/y.
 *
 * @module
 */

/** Per-agent best-of-S errors. */
export interface BestOfS {
  /** min over modes of the mean displacement error, per agent. */
  readonly ade: Float64Array;
  /** min over modes of the final displacement error, per agent (its mode may differ). */
  readonly fde: Float64Array;
}

function shapeOf(fn: string, pred: Float64Array, truth: Float64Array, modes: number): number {
  if (!Number.isInteger(modes) || modes < 1) {
    throw new RangeError(`${fn}: modes must be a positive integer, got ${modes}`);
  }
  if (pred.length !== modes * truth.length) {
    throw new RangeError(
      `${fn}: pred has ${pred.length} values, expected modes (${modes}) × truth (${truth.length})`,
    );
  }
  return truth.length;
}

/**
 * Best-of-S ADE and FDE per agent (spec §5). `T` is the number of future steps.
 *
 * @example
 * ```ts
 * import { bestOfS } from "./metrics.ts";
 * const truth = new Float64Array([1, 0, 2, 0]); // one agent, T = 2
 * const pred = new Float64Array([1, 1, 2, 1, 1, 0, 3, 0]); // two modes
 * const r = bestOfS(pred, truth, 2, 2);
 * console.log(r.ade[0], r.fde[0]); // 0.5 1
 * ```
 */
export function bestOfS(
  pred: Float64Array,
  truth: Float64Array,
  modes: number,
  T: number,
): BestOfS {
  const size = shapeOf("bestOfS", pred, truth, modes);
  if (!Number.isInteger(T) || T < 1 || size % (2 * T) !== 0) {
    throw new RangeError(`bestOfS: T = ${T} does not divide the ${size} truth values into 2T`);
  }
  const n = size / (2 * T);
  const ade = new Float64Array(n).fill(Infinity), fde = new Float64Array(n).fill(Infinity);
  for (let s = 0; s < modes; s++) {
    for (let i = 0; i < n; i++) {
      let sum = 0, last = 0;
      for (let t = 0, o = i * 2 * T; t < T; t++, o += 2) {
        // sqrt of the sum of squares: Math.hypot is several times slower in this hot loop.
        const dx = pred[s * size + o] - truth[o], dy = pred[s * size + o + 1] - truth[o + 1];
        last = Math.sqrt(dx * dx + dy * dy);
        sum += last;
      }
      // A NaN mode makes the agent's score NaN (and keeps it so): `x < min` alone would skip
      // it, and a diverged forecast would score as well as its finite modes.
      const a = sum / T;
      if (a < ade[i] || a !== a) ade[i] = a;
      if (last < fde[i] || last !== last) fde[i] = last;
    }
  }
  return { ade, fde };
}

/**
 * Arithmetic mean of a per-agent metric: the benchmark pools agent-windows, it does not average
 * per-scene or per-file means (spec §5).
 *
 * @example
 * ```ts
 * import { pooledMean } from "./metrics.ts";
 * console.log(pooledMean(new Float64Array([1, 0, 0, 0]))); // 0.25
 * ```
 */
export function pooledMean(values: ArrayLike<number>): number {
  if (values.length === 0) throw new RangeError("pooledMean: values must not be empty");
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s / values.length;
}

function pearson(a: Float64Array, b: Float64Array): number {
  const n = a.length;
  let ma = 0, mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - ma, db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  const r = sab / Math.sqrt(saa * sbb);
  // A constant series gives 0/0; the reference counts that coordinate as 0 (spec §5). A
  // non-finite input stays NaN rather than passing for a constant series.
  if (Number.isNaN(r)) return Number.isFinite(saa) && Number.isFinite(sbb) ? 0 : NaN;
  return Math.max(-1, Math.min(1, r));
}

/**
 * Temporal correlation coefficient per agent (spec §5): take the mode with the smallest final
 * error (ties: lowest mode), correlate it with the truth over time for x and for y, and average
 * the two. Higher is better.
 *
 * @example
 * ```ts
 * import { tcc } from "./metrics.ts";
 * const truth = new Float64Array([1, 1, 2, 2, 3, 3]);
 * console.log(tcc(truth, truth, 1, 3)[0]); // 1
 * ```
 */
export function tcc(
  pred: Float64Array,
  truth: Float64Array,
  modes: number,
  T: number,
): Float64Array {
  const size = shapeOf("tcc", pred, truth, modes);
  if (!Number.isInteger(T) || T < 2 || size % (2 * T) !== 0) {
    throw new RangeError(`tcc: T = ${T} must be ≥ 2 and divide the ${size} truth values into 2T`);
  }
  const n = size / (2 * T), out = new Float64Array(n);
  const px = new Float64Array(T), py = new Float64Array(T);
  const gx = new Float64Array(T), gy = new Float64Array(T);
  for (let i = 0; i < n; i++) {
    const base = i * 2 * T, last = base + 2 * T - 2;
    let best = 0, bestErr = Infinity;
    for (let s = 0; s < modes; s++) {
      const e = Math.hypot(
        pred[s * size + last] - truth[last],
        pred[s * size + last + 1] - truth[last + 1],
      );
      if (e < bestErr || e !== e) [best, bestErr] = [s, e]; // a NaN end point is kept (NaN TCC)
    }
    for (let t = 0; t < T; t++) {
      px[t] = pred[best * size + base + 2 * t];
      py[t] = pred[best * size + base + 2 * t + 1];
      gx[t] = truth[base + 2 * t];
      gy[t] = truth[base + 2 * t + 1];
    }
    out[i] = (pearson(px, gx) + pearson(py, gy)) / 2;
  }
  return out;
}

/** Dense points checked by the collision metric: 3 between each predicted pair, first 14. */
const COL_DENSE = 14, COL_SUB = 4, COL_RADIUS = 0.2;

/**
 * Collision rate per agent in percent (spec §5): densify each predicted path (3 interpolated
 * points between steps, first 14 dense points), and count the modes in which the agent comes
 * strictly closer than 0.2 m to another agent of its scene, same mode, same dense time.
 *
 * @example
 * ```ts
 * import { collisionRate } from "./metrics.ts";
 * // two agents, one mode, T = 5, both at the same point at step 1
 * const a = [0, 0, 1, 0, 2, 0, 3, 0, 4, 0], b = [0, 0, 1, 5, 2, 9, 3, 9, 4, 9];
 * const pred = new Float64Array([...a, ...b]);
 * console.log(collisionRate(pred, new Int32Array([0, 2]), 1, 5)); // Float64Array [100, 100]
 * ```
 */
export function collisionRate(
  pred: Float64Array,
  sceneStart: Int32Array,
  modes: number,
  T: number,
): Float64Array {
  if (!Number.isInteger(modes) || modes < 1) {
    throw new RangeError(`collisionRate: modes must be a positive integer, got ${modes}`);
  }
  // Agents outside [sceneStart[0], last) would be skipped silently: the offsets must cover all.
  if (sceneStart.length < 1 || sceneStart[0] !== 0) {
    throw new RangeError(`collisionRate: sceneStart must start at 0, got [${sceneStart}]`);
  }
  for (let j = 1; j < sceneStart.length; j++) {
    if (sceneStart[j] < sceneStart[j - 1]) {
      throw new RangeError(`collisionRate: sceneStart decreases at index ${j}`);
    }
  }
  const n = sceneStart[sceneStart.length - 1];
  if (!Number.isInteger(T) || T < 5 || pred.length !== modes * n * 2 * T) {
    throw new RangeError(
      `collisionRate: pred has ${pred.length} values, expected ${modes} modes × ${n} agents × ${T} steps × 2 (T ≥ 5)`,
    );
  }
  const hits = new Float64Array(n);
  const dense = new Float64Array(n * COL_DENSE * 2);
  for (let s = 0; s < modes; s++) {
    densify(pred, s * n * 2 * T, n, T, dense);
    for (let j = 0; j + 1 < sceneStart.length; j++) {
      for (let a = sceneStart[j]; a < sceneStart[j + 1]; a++) {
        hits[a] += collides(dense, a, sceneStart[j], sceneStart[j + 1]);
      }
    }
  }
  for (let i = 0; i < n; i++) hits[i] = (100 * hits[i]) / modes;
  return hits;
}

function densify(pred: Float64Array, off: number, n: number, T: number, out: Float64Array): void {
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < COL_DENSE; j++) {
      const q = Math.floor(j / COL_SUB), f = (j % COL_SUB) / COL_SUB;
      const p = off + (i * T + q) * 2;
      const o = (i * COL_DENSE + j) * 2;
      out[o] = pred[p] + f * (pred[p + 2] - pred[p]);
      out[o + 1] = pred[p + 1] + f * (pred[p + 3] - pred[p + 1]);
    }
  }
}

/** 1 if agent `a` collides in this mode, 0 if not, NaN if a distance it needs is NaN. */
function collides(dense: Float64Array, a: number, lo: number, hi: number): number {
  let unknown = false;
  for (let b = lo; b < hi; b++) {
    if (b === a) continue;
    for (let j = 0; j < COL_DENSE; j++) {
      const oa = (a * COL_DENSE + j) * 2, ob = (b * COL_DENSE + j) * 2;
      const dx = dense[oa] - dense[ob], dy = dense[oa + 1] - dense[ob + 1];
      const d2 = dx * dx + dy * dy;
      if (d2 < COL_RADIUS * COL_RADIUS) return 1;
      // A NaN distance is not "far apart": a broken forecast must not count as collision-free.
      if (d2 !== d2) unknown = true;
    }
  }
  return unknown ? NaN : 0;
}

/** Pooled scores of one forecast of a set. */
export interface ForecastScores {
  /** Best-of-S ADE (m). */
  ade: number;
  /** Best-of-S FDE (m). */
  fde: number;
  /** Mean TCC. */
  tcc: number;
  /** Mean collision rate (%). */
  col: number;
}

/**
 * All four metrics of spec §5 for a forecast `pred` (`modes × N × T × 2`) of the futures of
 * the agent-windows of a set (`truth`, `N × T × 2`, grouped into scenes by `sceneStart`).
 *
 * @example
 * ```ts
 * import { scoreForecast } from "./metrics.ts";
 * const truth = new Float64Array([1, 0, 2, 0, 3, 0, 4, 0, 5, 0]);
 * const s = scoreForecast(truth, truth, new Int32Array([0, 1]), 1, 5);
 * console.log(s.ade, s.fde, s.tcc, s.col); // 0 0 0.5 0
 * ```
 */
export function scoreForecast(
  pred: Float64Array,
  truth: Float64Array,
  sceneStart: Int32Array,
  modes: number,
  T: number,
): ForecastScores {
  const b = bestOfS(pred, truth, modes, T);
  return {
    ade: pooledMean(b.ade),
    fde: pooledMean(b.fde),
    tcc: pooledMean(tcc(pred, truth, modes, T)),
    col: pooledMean(collisionRate(pred, sceneStart, modes, T)),
  };
}
