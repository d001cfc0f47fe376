/**
 * Step-size rules for sub-gradient and gradient descent on factored recovery problems.
 * The geometric rule `η_t = η₀ρ^t` is the one Ma & Fattahi (JMLR 24(96), 2023) analyse (spec
 * §4.1); constant, Polyak (Charisopoulos et al., FoCM 2021) and normalized steps are kept for
 * the comparison of spec §4.3.
 *
 * @module
 */

/**
 * A step rule. The update is `U ← U − step·D` with `step` from {@link stepLength}:
 * - `geometric`: `η₀·ρ^t`;
 * - `constant`: `η`;
 * - `polyak`: `(f(U_t) − f*)/‖D_t‖_F²` (needs the optimal value `f*`);
 * - `normalized`: `η₀·ρ^t/‖D_t‖_F`.
 *
 * @example
 * ```ts
 * import { stepLength, type StepSchedule } from "./schedule.ts";
 * const s: StepSchedule = { kind: "constant", eta: 0.1 };
 * console.log(stepLength(s, 10, 0, 1)); // 0.1
 * ```
 */
export type StepSchedule =
  | { kind: "geometric"; eta0: number; rho: number }
  | { kind: "constant"; eta: number }
  | { kind: "polyak"; fStar: number }
  | { kind: "normalized"; eta0: number; rho: number };

/**
 * Validates a schedule and returns it; errors name `fn` and the offending field.
 *
 * @example
 * ```ts
 * import { checkSchedule } from "./schedule.ts";
 * console.log(checkSchedule("demo", { kind: "geometric", eta0: 0.3, rho: 0.99 }).kind); // geometric
 * ```
 */
export function checkSchedule(fn: string, s: StepSchedule): StepSchedule {
  if (s === null || typeof s !== "object") {
    throw new TypeError(`${fn}: schedule must be an object, got ${String(s)}`);
  }
  const pos = (name: string, v: unknown): void => {
    if (typeof v !== "number" || !(v > 0) || !Number.isFinite(v)) {
      throw new RangeError(`${fn}: schedule.${name} must be a positive finite number, got ${v}`);
    }
  };
  switch (s.kind) {
    case "geometric":
    case "normalized":
      pos("eta0", s.eta0);
      if (typeof s.rho !== "number" || !(s.rho > 0 && s.rho <= 1)) {
        throw new RangeError(`${fn}: schedule.rho must be in (0, 1], got ${s.rho}`);
      }
      return s;
    case "constant":
      pos("eta", s.eta);
      return s;
    case "polyak":
      if (typeof s.fStar !== "number" || !(s.fStar >= 0) || !Number.isFinite(s.fStar)) {
        throw new RangeError(`${fn}: schedule.fStar must be a finite number >= 0, got ${s.fStar}`);
      }
      return s;
    default:
      throw new TypeError(
        `${fn}: schedule.kind must be "geometric", "constant", "polyak" or "normalized", got ${
          JSON.stringify((s as { kind: unknown }).kind)
        }`,
      );
  }
}

/**
 * The multiplier of the (sub)gradient at iteration `t`, given the loss `f` and the squared
 * Frobenius norm of the (sub)gradient. A zero gradient gives a zero step for the rules that
 * divide by it (the iterate is stationary).
 *
 * @example
 * ```ts
 * import { stepLength } from "./schedule.ts";
 * console.log(stepLength({ kind: "geometric", eta0: 1, rho: 0.5 }, 3, 0, 1)); // 0.125
 * console.log(stepLength({ kind: "polyak", fStar: 1 }, 0, 3, 4)); // 0.5
 * ```
 */
export function stepLength(s: StepSchedule, t: number, f: number, gradNorm2: number): number {
  switch (s.kind) {
    case "geometric":
      return s.eta0 * Math.pow(s.rho, t);
    case "constant":
      return s.eta;
    case "polyak":
      return gradNorm2 > 0 ? Math.max(0, f - s.fStar) / gradNorm2 : 0;
    case "normalized":
      return gradNorm2 > 0 ? s.eta0 * Math.pow(s.rho, t) / Math.sqrt(gradNorm2) : 0;
  }
}
