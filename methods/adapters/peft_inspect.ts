/**
 * Per-module summary of a PEFT adapter: ΔW's shape, rank and singular-value spectrum, and the
 * trainable parameter count (the `inspect` command of `experiments/peft.ts`).
 *
 * @module
 */
import { eye, type Tensor } from "../../ops/tensor.ts";
import { moduleScale } from "./peft_config.ts";
import type { PeftLoraAdapter } from "./peft.ts";
import type { PeftAdapter } from "./peft_adapter.ts";
import { type PeftRandLoraAdapter, peftRandLoraDelta } from "./peft_randlora.ts";
import { lowRankSingularValues, numericalRank } from "./spectrum.ts";

/** What `inspect` reports for one adapted module. */
export interface ModuleReport {
  /** Dotted module path. */
  module: string;
  /** Logical shape `[out, in]` of ΔW (empty when unknown: RandLoRA without base shapes). */
  shape: number[];
  /** Configured rank of the module (`r_m`). */
  r: number;
  /** Numerical rank of ΔW (−1 when the spectrum is unknown). */
  rank: number;
  /** Trainable scalars of the module. */
  params: number;
  /** Singular values of ΔW, descending (scale included). */
  singularValues: number[];
}

/**
 * Inspects every module of a PEFT adapter. RandLoRA needs the base weight shapes (`[out, in]`
 * by module) to place its bases; without them its spectrum is left empty.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { parsePeftConfig } from "./peft_config.ts";
 * import { inspectPeftAdapter } from "./peft_inspect.ts";
 * const config = parsePeftConfig({ peft_type: "LORA", r: 1, lora_alpha: 2, target_modules: ["q"] });
 * const m = { kind: "linear" as const, a: tensor([[3, 4]]), b: tensor([[1], [0]]) };
 * const [rep] = inspectPeftAdapter({ config, modules: new Map([["q", m]]), replacements: new Map(), metadata: {} });
 * console.log(rep.shape, rep.rank, rep.params, rep.singularValues); // [2, 2] 1 4 [10]
 * ```
 */
export function inspectPeftAdapter(
  adapter: PeftAdapter,
  shapes: Map<string, readonly number[]> = new Map(),
): ModuleReport[] {
  if (adapter.config.peft_type === "LORA") return inspectLora(adapter as PeftLoraAdapter);
  const ad = adapter as PeftRandLoraAdapter;
  const out: ModuleReport[] = [];
  for (const [module, m] of ad.modules) {
    const params = m.lambda.size + m.gamma.size;
    const stored = shapes.get(module);
    if (stored === undefined) {
      out.push({
        module,
        shape: [],
        r: ad.config.r as number,
        rank: -1,
        params,
        singularValues: [],
      });
      continue;
    }
    const d = peftRandLoraDelta(ad, module, stored);
    const sv = spectrumOfDense(d);
    const shape = ad.config.fan_in_fan_out ? [stored[1], stored[0]] : [stored[0], stored[1]];
    out.push({
      module,
      shape,
      r: ad.config.r as number,
      rank: numericalRank(sv, Math.max(...shape) * 2 ** -52),
      params,
      singularValues: sv,
    });
  }
  return out;
}

function inspectLora(ad: PeftLoraAdapter): ModuleReport[] {
  const out: ModuleReport[] = [];
  for (const [module, m] of ad.modules) {
    const { r, scale } = moduleScale(ad.config, module);
    const sv = lowRankSingularValues(m.b, m.a, scale);
    const shape = m.kind === "embedding"
      ? [m.a.shape[1], m.b.shape[0]]
      : [m.b.shape[0], m.a.shape[1]];
    const params = m.a.size + m.b.size + (m.bBias?.size ?? 0);
    // NumPy's matrix_rank tolerance for the m × n ΔW, not just r · 2^-52.
    const rank = numericalRank(sv, Math.max(...shape) * 2 ** -52);
    out.push({ module, shape, r, rank, params, singularValues: sv });
  }
  return out;
}

/** Spectrum of a dense matrix via the factor routine with a unit right factor (`M · I`). */
function spectrumOfDense(d: Tensor): number[] {
  const [m, n] = d.shape;
  return m >= n
    ? lowRankSingularValues(d, eye(n, n, { dtype: d.dtype }))
    : lowRankSingularValues(eye(m, m, { dtype: d.dtype }), d);
}
