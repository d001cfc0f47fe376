/**
 * Learning-rate schedules: functions from the number of updates taken to a rate. Step decay,
 * cosine annealing (Loshchilov & Hutter, SGDR, ICLR 2017) and linear warm-up (Goyal et al.
 * 2017), and warm-up followed by cosine as used for transformer pre-training.
 *
 * @module
 */
import type { Schedule } from "./optimizer.ts";

function pos(fn: string, name: string, v: number, allowZero = false): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || (!allowZero && v === 0)) {
    throw new RangeError(
      `${fn}: ${name} must be a ${allowZero ? "non-negative" : "positive"} number, got ${
        String(v)
      }`,
    );
  }
  return v;
}

function checkStep(fn: string, step: number): number {
  if (!Number.isInteger(step) || step < 0) {
    throw new RangeError(`${fn}: step must be a non-negative integer, got ${step}`);
  }
  return step;
}

/**
 * `lr · gamma^⌊step / stepSize⌋` (PyTorch's `StepLR`).
 *
 * @example
 * ```ts
 * import { stepDecay } from "./schedule.ts";
 * const s = stepDecay({ lr: 1, stepSize: 10, gamma: 0.5 });
 * console.log(s(0), s(10), s(25)); // 1 0.5 0.25
 * ```
 */
export function stepDecay(o: { lr: number; stepSize: number; gamma?: number }): Schedule {
  const lr = pos("stepDecay", "lr", o.lr, true),
    gamma = pos("stepDecay", "gamma", o.gamma ?? 0.1, true);
  if (!Number.isInteger(o.stepSize) || o.stepSize < 1) {
    throw new RangeError(`stepDecay: stepSize must be a positive integer, got ${o.stepSize}`);
  }
  return (step) => lr * gamma ** Math.floor(checkStep("stepDecay", step) / o.stepSize);
}

/**
 * Cosine annealing from `lr` to `minLr` over `totalSteps`, then `minLr`.
 *
 * @example
 * ```ts
 * import { cosineDecay } from "./schedule.ts";
 * const s = cosineDecay({ lr: 1, totalSteps: 100 });
 * console.log(s(0), s(50).toFixed(3), s(100)); // 1 "0.500" 0
 * ```
 */
export function cosineDecay(o: { lr: number; totalSteps: number; minLr?: number }): Schedule {
  const lr = pos("cosineDecay", "lr", o.lr, true),
    minLr = pos("cosineDecay", "minLr", o.minLr ?? 0, true);
  const total = pos("cosineDecay", "totalSteps", o.totalSteps);
  return (step) => {
    const t = Math.min(checkStep("cosineDecay", step), total) / total;
    return minLr + 0.5 * (lr - minLr) * (1 + Math.cos(Math.PI * t));
  };
}

/**
 * Linear warm-up from `lr / warmupSteps` to `lr` over `warmupSteps` updates, then `after`
 * (default: constant `lr`), which is called with the step count since warm-up ended.
 *
 * @example
 * ```ts
 * import { linearWarmup } from "./schedule.ts";
 * const s = linearWarmup({ lr: 1, warmupSteps: 4 });
 * console.log(s(0), s(3), s(10)); // 0.25 1 1
 * ```
 */
export function linearWarmup(o: { lr: number; warmupSteps: number; after?: Schedule }): Schedule {
  const lr = pos("linearWarmup", "lr", o.lr, true);
  if (!Number.isInteger(o.warmupSteps) || o.warmupSteps < 0) {
    throw new RangeError(
      `linearWarmup: warmupSteps must be a non-negative integer, got ${o.warmupSteps}`,
    );
  }
  const w = o.warmupSteps;
  return (step) => {
    checkStep("linearWarmup", step);
    if (step < w) return (lr * (step + 1)) / w;
    return o.after ? o.after(step - w) : lr;
  };
}

/**
 * Linear warm-up for `warmupSteps`, then cosine decay to `minLr` over the remaining
 * `totalSteps − warmupSteps` updates.
 *
 * @example
 * ```ts
 * import { warmupCosine } from "./schedule.ts";
 * const s = warmupCosine({ lr: 1, warmupSteps: 10, totalSteps: 110 });
 * console.log(s(4), s(10), s(110)); // 0.5 1 0
 * ```
 */
export function warmupCosine(
  o: { lr: number; warmupSteps: number; totalSteps: number; minLr?: number },
): Schedule {
  if (!(o.totalSteps > o.warmupSteps)) {
    throw new RangeError(
      `warmupCosine: totalSteps ${o.totalSteps} must exceed warmupSteps ${o.warmupSteps}`,
    );
  }
  const after = cosineDecay({ lr: o.lr, totalSteps: o.totalSteps - o.warmupSteps, minLr: o.minLr });
  return linearWarmup({ lr: o.lr, warmupSteps: o.warmupSteps, after });
}
