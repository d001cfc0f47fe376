/**
 * DyLoRA — dynamic, search-free low-rank adaptation (Valipour, Rezagholizadeh, Kobyzev &
 * Ghodsi, EACL 2023, arXiv 2210.07558). Spec: `specs/adapters.md` §9.
 *
 * One LoRA of rank `r_max` trained so that every truncation works: at active rank b,
 * `ΔW_b = (α/b)·B[:, :b] A[:b, :]` (with `useRslora`, `α/√b`: rsLoRA's scale at the active rank).
 * `state.scale` is always the scale of the active rank. Each step samples `b ~ U{1..r_max}` (shared by all layers).
 * In the `"frozen"` mode (reference GLUE training) gradients reach only component `b − 1`; in
 * `"nonfrozen"` all first b components train.
 *
 * @module
 */
import { stopGradient } from "../../ops/autograd/grad.ts";
import { add, scale } from "../../ops/autograd/ops_arith.ts";
import { matmul } from "../../ops/autograd/ops_matmul.ts";
import { sliceCols, sliceRows } from "../../ops/autograd/ops_shape.ts";
import type { Rng } from "../../ops/random.ts";
import { sliceCols as cutCols, sliceRows as cutRows } from "../../ops/shape.ts";
import type { Tensor } from "../../ops/tensor.ts";
import { type AdapterMethod, countParams, positiveInt } from "./adapter.ts";
import {
  lora,
  loraFromFactors,
  type LoraOptions,
  type LoraParams,
  loraScale,
  type LoraState,
} from "./lora.ts";

/** Options of {@link dyLora}`.init`: LoRA's, with `r` the maximal rank, plus the mode. */
export interface DyLoraOptions extends LoraOptions {
  /** `"frozen"` (default: only the b-th component trains) or `"nonfrozen"`. */
  mode?: "frozen" | "nonfrozen";
}

/** State of a DyLoRA adapter: a rank-`r_max` LoRA with an active rank (`scale` is that rank's). */
export interface DyLoraState extends LoraState {
  /** Active rank b (1 ≤ b ≤ r). */
  readonly active: number;
  /** Update mode. */
  readonly mode: "frozen" | "nonfrozen";
}

/**
 * A copy of the state at active rank `b`, with `scale` set to that rank's (`α/b`, or `α/√b`).
 * Set the active rank only through this function.
 *
 * @example
 * ```ts
 * import { Rng, randn } from "../../ops/random.ts";
 * import { dyLora, withRank } from "./dylora.ts";
 * const st = dyLora.init(randn([4, 4], { seed: 0 }), { r: 4 }, new Rng(0));
 * console.log(withRank(st, 2).active); // 2
 * ```
 */
export function withRank(s: DyLoraState, b: number): DyLoraState {
  positiveInt("withRank", "b", b);
  if (b > s.r) throw new RangeError(`withRank: b = ${b} exceeds r_max = ${s.r}`);
  return { ...s, active: b, scale: loraScale(s.alpha, b, s.useRslora) };
}

/**
 * Draws the active rank of a step: uniform on `1..r_max`.
 *
 * @example
 * ```ts
 * import { Rng } from "../../ops/random.ts";
 * import { sampleRank } from "./dylora.ts";
 * const b = sampleRank(new Rng(0), 8);
 * console.log(b >= 1 && b <= 8); // true
 * ```
 */
export function sampleRank(rng: Rng, rMax: number): number {
  return rng.int(positiveInt("sampleRank", "rMax", rMax)) + 1;
}

/**
 * The DyLoRA method (spec §9).
 *
 * @example
 * ```ts
 * import { Rng, randn } from "../../ops/random.ts";
 * import { dyLora, withRank } from "./dylora.ts";
 * const st = dyLora.init(randn([6, 5], { seed: 0 }), { r: 4, alpha: 8 }, new Rng(0));
 * console.log(dyLora.delta(withRank(st, 2)).shape, dyLora.paramCount(st)); // [6, 5] 44
 * ```
 */
export const dyLora: AdapterMethod<DyLoraOptions, DyLoraState> = {
  name: "dylora",
  init(w: Tensor, opts: DyLoraOptions, rng: Rng): DyLoraState {
    const mode = opts.mode ?? "frozen";
    if (mode !== "frozen" && mode !== "nonfrozen") {
      throw new RangeError(
        `dyLora.init: mode must be "frozen" or "nonfrozen", got ${String(mode)}`,
      );
    }
    const st = lora.init(w, opts, rng);
    return { ...st, method: "dylora", active: st.r, mode };
  },
  delta(s: DyLoraState): Tensor {
    const b = s.active;
    const s_b = loraScale(s.alpha, b, s.useRslora);
    const { a, b: bm } = s.params;
    if (s.mode === "nonfrozen" || b === 1) {
      const prod = matmul(sliceCols(bm, 0, b), sliceRows(a, 0, b));
      return scale(prod, s_b);
    }
    // Components < b are detached so that only component b − 1 receives gradient.
    const head = matmul(
      stopGradient(sliceCols(bm, 0, b - 1)),
      stopGradient(sliceRows(a, 0, b - 1)),
    );
    const last = matmul(sliceCols(bm, b - 1, b), sliceRows(a, b - 1, b));
    return scale(add(head, last), s_b);
  },
  trainable(s: DyLoraState): LoraParams {
    return s.params;
  },
  paramCount(s: DyLoraState): number {
    return countParams(s.params);
  },
};

/**
 * Export at rank b as a plain LoRA: `lora_A = A[:b]`, `lora_B = B[:, :b]`, `r = b`, same α and
 * the same `useRslora` (so its scale is `α/b` or `α/√b`, as `delta` at rank b).
 *
 * @example
 * ```ts
 * import { Rng, randn } from "../../ops/random.ts";
 * import { dyLora, dyLoraToLora } from "./dylora.ts";
 * const st = dyLora.init(randn([6, 5], { seed: 0 }), { r: 4, alpha: 8 }, new Rng(0));
 * console.log(dyLoraToLora(st, 2).r, dyLoraToLora(st, 2).scale); // 2 4
 * ```
 */
export function dyLoraToLora(s: DyLoraState, b: number = s.active): LoraState {
  withRank(s, b);
  return loraFromFactors(cutRows(s.params.a, 0, b), cutCols(s.params.b, 0, b), {
    alpha: s.alpha,
    useRslora: s.useRslora,
  });
}
