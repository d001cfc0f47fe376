/**
 * Noise models of robust recovery, each independent of the design (spec §1.3): sparse outliers
 * of arbitrary magnitude, a magnitude-bounded-away-from-zero outlier variant for the invariance
 * check, and sparse or dense Gaussian noise. Ma & Fattahi, JMLR 24(96), 2023 (outlier and
 * Gaussian noise models); outlier magnitudes follow Tong, Ma & Chi (JMLR 2021) code.
 *
 * @module
 */
import type { Rng } from "../ops/random.ts";

/**
 * A noise model. `p` is the probability that a measurement is corrupted.
 * - `outlier`: `s_i = scale·max_j|y_j|·U(−1,1)` (scale 10);
 * - `outlier-bounded`: `s_i = ±scale·(1 + U(0,1))·max_j|y_j|`, bounded away from zero;
 * - `gaussian`: `s_i ~ N(0, ν²)` (ν = 1); `p = 1` is dense noise.
 *
 * @example
 * ```ts
 * import { Rng } from "../ops/random.ts";
 * import { drawNoise, type NoiseModel } from "./noise.ts";
 * const model: NoiseModel = { kind: "gaussian", p: 1, nu: 0.1 };
 * console.log(drawNoise(new Float64Array(5), model, new Rng(0)).corrupted); // Uint8Array(5) [1, 1, 1, 1, 1]
 * ```
 */
export type NoiseModel =
  | { kind: "none" }
  | { kind: "outlier"; p: number; scale?: number }
  | { kind: "outlier-bounded"; p: number; scale?: number }
  | { kind: "gaussian"; p: number; nu?: number };

/** Drawn noise: the values `s` and which measurements were corrupted. */
export interface NoiseDraw {
  /** `s_i` (zero where not corrupted). */
  s: Float64Array;
  /** 1 where measurement `i` was corrupted. */
  corrupted: Uint8Array;
}

/**
 * Draws noise for clean measurements `clean` (used only for the outlier magnitude
 * `max_j|⟨A_j, X*⟩|`).
 *
 * @example
 * ```ts
 * import { drawNoise } from "./noise.ts";
 * import { Rng } from "../ops/random.ts";
 * const { s, corrupted } = drawNoise(new Float64Array([1, -2, 3, 0.5]), { kind: "outlier", p: 0.5 }, new Rng(1));
 * console.log(s.every((v, i) => (v !== 0) === (corrupted[i] === 1) && Math.abs(v) <= 30)); // true
 * ```
 */
export function drawNoise(clean: Float64Array, model: NoiseModel, rng: Rng): NoiseDraw {
  const m = clean.length;
  const s = new Float64Array(m), corrupted = new Uint8Array(m);
  if (model === null || typeof model !== "object") {
    throw new TypeError(`drawNoise: model must be an object, got ${String(model)}`);
  }
  if (model.kind === "none") return { s, corrupted };
  if (!["outlier", "outlier-bounded", "gaussian"].includes(model.kind)) {
    throw new TypeError(
      `drawNoise: model.kind must be "none", "outlier", "outlier-bounded" or "gaussian", got ${
        JSON.stringify(model.kind)
      }`,
    );
  }
  const p = checkProbability(model.p);
  let big = 0;
  for (let i = 0; i < m; i++) big = Math.max(big, Math.abs(clean[i]));
  for (let i = 0; i < m; i++) {
    if (!(rng.uniform() < p)) continue;
    corrupted[i] = 1;
    s[i] = sample(model, big, rng);
  }
  return { s, corrupted };
}

function sample(model: Exclude<NoiseModel, { kind: "none" }>, big: number, rng: Rng): number {
  switch (model.kind) {
    case "outlier":
      return positive("scale", model.scale ?? 10) * big * rng.uniformIn(-1, 1);
    case "outlier-bounded": {
      const mag = positive("scale", model.scale ?? 10) * (1 + rng.uniform()) * big;
      return rng.uniform() < 0.5 ? -mag : mag;
    }
    case "gaussian":
      return positive("nu", model.nu ?? 1) * rng.normal();
  }
}

function checkProbability(p: unknown): number {
  if (typeof p !== "number" || !(p >= 0 && p <= 1)) {
    throw new RangeError(`drawNoise: model.p must be a probability in [0, 1], got ${String(p)}`);
  }
  return p;
}

function positive(name: string, v: number): number {
  if (!(v > 0) || !Number.isFinite(v)) {
    throw new RangeError(`drawNoise: model.${name} must be a positive finite number, got ${v}`);
  }
  return v;
}
