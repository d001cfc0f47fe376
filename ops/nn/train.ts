/**
 * A minimal training loop: value-and-gradient of a loss over a parameter tree, optional
 * gradient clipping, an optimizer step, and a progress line on stderr (steps/s, loss) that is
 * shown only when stderr is a terminal.
 *
 * @module
 */
import type { Tensor } from "../tensor.ts";
import { valueAndGrad } from "../autograd/grad.ts";
import type { TreeLike } from "../autograd/tree.ts";
import { clipGradNorm_ } from "../optim/clip.ts";
import type { Optimizer, OptimizerState } from "../optim/optimizer.ts";

/** What {@link train} reports after each step. */
export interface StepInfo {
  /** 0-based index of the step just taken. */
  step: number;
  /** Loss before the update. */
  loss: number;
  /** Global gradient norm before clipping (only when `clipNorm` is set). */
  gradNorm?: number;
}

/** Options of {@link train}. */
export interface TrainOptions<P extends TreeLike, S extends OptimizerState> {
  /** The parameters (updated in place). */
  params: P;
  /** Scalar loss of the parameters at a step (draw the step's batch from `step`). */
  loss: (params: P, step: number) => Tensor;
  /** The optimizer. */
  optimizer: Optimizer<S>;
  /** Number of steps to take. */
  steps: number;
  /** Optimizer state to resume from (default: `optimizer.init(params)`). */
  state?: S;
  /** Clip the global gradient norm to this value before each update. */
  clipNorm?: number;
  /** Called after every step; return `false` to stop early. */
  onStep?: (info: StepInfo) => void | boolean;
  /** Progress line: `"auto"` (default) shows it only when stderr is a terminal. */
  progress?: boolean | "auto";
  /** Prefix of the progress line (default `"train"`). */
  label?: string;
}

/** What {@link train} returns. */
export interface TrainResult<S> {
  /** The loss at every step taken. */
  losses: number[];
  /** The optimizer state after the last step. */
  state: S;
  /** Wall-clock seconds. */
  seconds: number;
  /** Steps per second. */
  stepsPerSec: number;
}

function showProgress(opt: boolean | "auto" | undefined): boolean {
  if (opt === true || opt === false) return opt;
  try {
    return Deno.stderr.isTerminal();
  } catch {
    return false;
  }
}

/**
 * Runs `steps` optimizer steps on `loss(params, step)`, updating `params` in place. A
 * non-finite loss stops training with a RangeError naming the step.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { square, sum } from "../autograd/ops.ts";
 * import { sgd } from "../optim/sgd.ts";
 * import { train } from "./train.ts";
 * const params = { w: tensor([3]) };
 * const r = train({ params, loss: (p) => sum(square(p.w)), optimizer: sgd({ lr: 0.25 }), steps: 20 });
 * console.log(r.losses[0], params.w.data[0] < 1e-5); // 9 true
 * ```
 */
export function train<P extends TreeLike, S extends OptimizerState>(
  o: TrainOptions<P, S>,
): TrainResult<S> {
  if (!Number.isInteger(o.steps) || o.steps < 0) {
    throw new RangeError(`train: steps must be a non-negative integer, got ${o.steps}`);
  }
  const vg = valueAndGrad((p: P, step: number) => o.loss(p, step));
  const state = o.state ?? o.optimizer.init(o.params);
  const losses: number[] = [];
  const show = showProgress(o.progress);
  const label = o.label ?? "train";
  const enc = new TextEncoder();
  const t0 = performance.now();
  let lastDraw = 0;
  for (let step = 0; step < o.steps; step++) {
    const { value, grad } = vg(o.params, step);
    const loss = value.data[0];
    if (!Number.isFinite(loss)) throw new RangeError(`train: loss is ${loss} at step ${step}`);
    losses.push(loss);
    const info: StepInfo = { step, loss };
    if (o.clipNorm !== undefined) info.gradNorm = clipGradNorm_(grad as TreeLike, o.clipNorm);
    o.optimizer.step_(o.params, grad as TreeLike, state);
    const now = performance.now();
    if (show && (now - lastDraw > 100 || step === o.steps - 1)) {
      lastDraw = now;
      const rate = (step + 1) / ((now - t0) / 1000);
      const line = `\r${label} step ${step + 1}/${o.steps}  loss ${loss.toPrecision(5)}  ${
        rate.toFixed(1)
      } steps/s`;
      Deno.stderr.writeSync(enc.encode(line));
    }
    if (o.onStep?.(info) === false) break;
  }
  if (show) Deno.stderr.writeSync(enc.encode("\n"));
  const seconds = (performance.now() - t0) / 1000;
  return { losses, state, seconds, stepsPerSec: losses.length / Math.max(seconds, 1e-9) };
}
