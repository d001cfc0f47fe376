/**
 * Conversion of a PEFT LoRA saved on a residual base (`init_lora_weights` = `pissa`,
 * `pissa_niter_K`, `olora`, `corda`, without PEFT's `path_initial_model_for_weight_conversion`)
 * into a plain LoRA on the original W. Spec: `specs/adapters.md` §2 "Export as plain LoRA on the
 * original W": `W_res + sBA − W = s(BA − B₀A₀) = s·[B | B₀][A ; −A₀]`, rank 2r, `lora_alpha` 2α
 * (√2·α with rsLoRA) so that s is unchanged, patterns doubled with them.
 *
 * @module
 */
import { concat } from "../../ops/shape.ts";
import { scale } from "../../ops/elementwise.ts";
import { shapeStr } from "../../ops/tensor.ts";
import { initKind } from "./peft_config.ts";
import type { PeftLoraAdapter } from "./peft.ts";
import { loraStatesFromPeft, peftLoraFromStates } from "./peft_export.ts";
import { loraFromFactors, type LoraState } from "./lora.ts";

/**
 * The plain-LoRA form of a residual-initialized adapter, given the initial adapter (the
 * factors A₀, B₀ saved before training, the file PEFT's conversion reads). The result has
 * `init_lora_weights: true` and merges onto the original W. Every module of `adapter` must be
 * in `initial` with the same rank, alpha and shapes.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { parsePeftConfig } from "./peft_config.ts";
 * import { convertResidualPeft } from "./peft_convert.ts";
 * const config = parsePeftConfig({ peft_type: "LORA", r: 1, lora_alpha: 1, target_modules: ["q"], init_lora_weights: "pissa" });
 * const at = (a: number[][], b: number[][]) => ({ config, modules: new Map([["q", { kind: "linear" as const, a: tensor(a), b: tensor(b) }]]), replacements: new Map(), metadata: {} });
 * const out = convertResidualPeft(at([[2, 0]], [[1]]), at([[1, 0]], [[1]]));
 * console.log(out.config.r, out.config.init_lora_weights); // 2 true
 * ```
 */
export function convertResidualPeft(
  adapter: PeftLoraAdapter,
  initial: PeftLoraAdapter,
): PeftLoraAdapter {
  if (initKind(adapter.config) !== "residual") {
    throw new RangeError(
      `convertResidualPeft: init_lora_weights is ${
        JSON.stringify(adapter.config.init_lora_weights)
      }, not a residual initialization (pissa, pissa_niter_K, olora, corda)`,
    );
  }
  const now = loraStatesFromPeft(adapter), init = loraStatesFromPeft(initial);
  const out: Record<string, LoraState> = {};
  for (const [module, s] of Object.entries(now)) {
    const s0 = init[module];
    if (s0 === undefined) {
      throw new RangeError(`convertResidualPeft: the initial adapter has no module "${module}"`);
    }
    const same = (x: readonly number[], y: readonly number[]): boolean =>
      x.length === y.length && x.every((v, i) => v === y[i]);
    if (!same(s.params.a.shape, s0.params.a.shape) || !same(s.params.b.shape, s0.params.b.shape)) {
      throw new RangeError(
        `convertResidualPeft: "${module}" is A ${shapeStr(s.params.a.shape)}, B ${
          shapeStr(s.params.b.shape)
        } but the initial adapter's is A ${shapeStr(s0.params.a.shape)}, B ${
          shapeStr(s0.params.b.shape)
        }`,
      );
    }
    if (s.scale !== s0.scale) {
      throw new RangeError(
        `convertResidualPeft: "${module}" has scale ${s.scale}, the initial adapter ${s0.scale}`,
      );
    }
    const a = concat([s.params.a, scale(s0.params.a, -1)], 0);
    const b = concat([s.params.b, s0.params.b], 1);
    const alpha = s.useRslora ? Math.SQRT2 * s.alpha : 2 * s.alpha;
    out[module] = loraFromFactors(a, b, { alpha, useRslora: s.useRslora });
  }
  const {
    r: _r,
    lora_alpha: _a,
    rank_pattern: _rp,
    alpha_pattern: _ap,
    init_lora_weights: _i,
    ...rest
  } = adapter.config;
  const converted = peftLoraFromStates(out, { ...rest, init_lora_weights: true });
  return { ...converted, replacements: adapter.replacements, metadata: adapter.metadata };
}
