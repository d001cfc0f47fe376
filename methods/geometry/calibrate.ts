/**
 * LoRA3D's robust confidence calibration (Lu et al., "LoRA3D: Low-Rank Self-Calibration of 3D
 * Geometric Foundation Models", ICLR 2025; spec `compression_optim_attention.md` §9): IRLS that
 * alternates the global alignment with w fixed and the closed-form Geman–McClure update
 * `w_i = (μ / (μ + C_i r_i^p))²`; the calibrated confidence `Ĉ = w·C`; pseudo-labels are the
 * aligned global point maps brought back into each pair's frame, kept where `Ĉ > τ`.
 *
 * Defaults of the spec: μ = the median of `C r^p` over all points at the first update, then
 * fixed; 5 alternations; τ = the median of Ĉ over each predicted map.
 *
 * @module
 */
import {
  alignmentResiduals,
  globalAlign,
  type GlobalAlignResult,
  type PairPrediction,
  type PairWeights,
} from "./global_align.ts";
import { checkOptions } from "../../ops/options.ts";
import { positiveIntOption } from "./options.ts";
import {
  median,
  medianMu,
  type ResidualExponent,
  residualTerms,
  robustObjective,
  updateWeights,
} from "./robust_weight.ts";
import { invertSimilarity } from "./similarity.ts";
import type { Tensor } from "../../ops/tensor.ts";

/** Options of {@link calibrateAlignment}. */
export interface CalibrationOptions {
  /** Alternations of (weight update, re-alignment) after the plain alignment (default 5). */
  alternations?: number;
  /** Alignment sweeps per alternation (default 50). */
  sweeps?: number;
  /** μ (default: the median of `C r^p` at the first update). `Infinity` keeps every w = 1. */
  mu?: number;
  /** Residual exponent p (default 2). */
  exponent?: ResidualExponent;
  /** Pixel rays per view, passed to {@link globalAlign} (pose + depth parametrisation). */
  rays?: readonly Tensor[];
}

/** What {@link calibrateAlignment} returns. */
export interface CalibrationResult {
  /** The views `[n, m]` of each pair, as in the predictions. */
  views: (readonly [number, number])[];
  /** The plain confidence-weighted alignment (w = 1) the IRLS starts from. */
  plain: GlobalAlignResult;
  /** The alignment with the final weights. */
  alignment: GlobalAlignResult;
  /** Final weights per pair and view. */
  weights: PairWeights;
  /** Calibrated confidences `Ĉ = w·C`. */
  calibrated: PairWeights;
  /** The μ used. */
  mu: number;
  /** `Σ w C r^p + μ Σ (√w − 1)²` after each re-alignment. */
  objective: number[];
}

/**
 * Robust confidence calibration: plain alignment, then `alternations` times (weight update,
 * re-alignment from the current estimate).
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { calibrateAlignment } from "./calibrate.ts";
 * const a = tensor([[0, 0, 1], [1, 0, 2], [0, 1, 3]]), c = tensor([1, 1, 1]);
 * const r = calibrateAlignment([{ views: [0, 1], points: [a, a], confidence: [c, c] }], {
 *   alternations: 1, sweeps: 2, mu: 1,
 * });
 * console.log(r.weights[0][0]); // Float64Array [1, 1, 1] (a consistent pair keeps w = 1)
 * ```
 */
export function calibrateAlignment(
  preds: readonly PairPrediction[],
  opts: CalibrationOptions = {},
): CalibrationResult {
  const fn = "calibrateAlignment";
  checkOptions(fn, opts, {
    alternations: "number",
    sweeps: "number",
    mu: "number",
    exponent: "number",
    rays: "array",
  });
  const alternations = positiveIntOption(fn, "alternations", opts.alternations ?? 5);
  const sweeps = opts.sweeps ?? 50, exponent = opts.exponent ?? 2;
  let mu = opts.mu;
  if (mu !== undefined && !(mu > 0)) throw new RangeError(`${fn}: mu must be > 0, got ${mu}`);
  const rays = opts.rays;
  const plain = globalAlign(preds, { sweeps, exponent, rays });
  let alignment = plain;
  let weights: [Float64Array, Float64Array][] = [];
  const objective: number[] = [];
  for (let k = 0; k < alternations; k++) {
    const terms = alignmentResiduals(preds, alignment).map((rs, e) =>
      rs.map((r, j) => residualTerms(r, preds[e].confidence[j].data, exponent))
    );
    mu ??= medianMu(terms.flatMap((t) => t.flatMap((x) => Array.from(x))));
    weights = terms.map(([t0, t1]) => [updateWeights(t0, mu!), updateWeights(t1, mu!)]);
    alignment = globalAlign(preds, { weights, sweeps, exponent, init: alignment, rays });
    const after = alignmentResiduals(preds, alignment);
    let f = 0;
    after.forEach((rs, e) =>
      rs.forEach((r, j) => {
        const a = residualTerms(r, preds[e].confidence[j].data, exponent);
        a.forEach((ai, i) => f += robustObjective(weights[e][j][i], ai, mu!));
      })
    );
    objective.push(f);
  }
  const calibrated = weights.map(([w0, w1], e) =>
    [0, 1].map((j) => (j === 0 ? w0 : w1).map((w, i) => w * preds[e].confidence[j].data[i]))
  ).map(([a, b]) => [a, b] as [Float64Array, Float64Array]);
  const views = preds.map((p) => p.views);
  return { views, plain, alignment, weights, calibrated, mu: mu!, objective };
}

/** Pseudo-labels of one pair: points in the pair's frame, the mask `Ĉ > τ`, and τ. */
export interface PairPseudoLabels {
  /** Labels of each view's pixels (flat `3P`), in view n's frame. */
  labels: [Float64Array, Float64Array];
  /** 1 where the label is kept (`Ĉ > τ`). */
  mask: [Uint8Array, Uint8Array];
  /** The threshold used for each view. */
  tau: [number, number];
}

/**
 * Pseudo-labels (spec §9): for each pair e and view v ∈ e, `T_e⁻¹ χ^v` masked by `Ĉ > τ`, with
 * τ a number or `"median"` (default: the median of Ĉ over that predicted map).
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { calibrateAlignment, pseudoLabels } from "./calibrate.ts";
 * const a = tensor([[0, 0, 1], [1, 0, 2], [0, 1, 3]]), c = tensor([1, 2, 3]);
 * const cal = calibrateAlignment([{ views: [0, 1], points: [a, a], confidence: [c, c] }], { sweeps: 2 });
 * console.log(pseudoLabels(cal).map((p) => p.mask[0])); // [ Uint8Array [0, 0, 1] ]
 * ```
 */
export function pseudoLabels(
  cal: CalibrationResult,
  opts: { tau?: number | "median" } = {},
): PairPseudoLabels[] {
  checkOptions("pseudoLabels", opts, { tau: "any" }); // tau: a number or "median", checked below
  const tauOpt = opts.tau ?? "median";
  if (tauOpt !== "median" && (typeof tauOpt !== "number" || Number.isNaN(tauOpt))) {
    throw new RangeError(`pseudoLabels: tau must be a number or "median", got ${String(tauOpt)}`);
  }
  return cal.calibrated.map((chat, e) => {
    const t = cal.alignment.transforms[e];
    const maps = cal.alignment.pointMaps;
    const side = (j: 0 | 1): [Float64Array, Uint8Array, number] => {
      const tau = tauOpt === "median" ? median(chat[j], "pseudoLabels") : tauOpt;
      return [
        invertSimilarity(t, maps[cal.views[e][j]]),
        Uint8Array.from(chat[j], (c) => (c > tau ? 1 : 0)),
        tau,
      ];
    };
    const [l0, m0, t0] = side(0), [l1, m1, t1] = side(1);
    return { labels: [l0, l1], mask: [m0, m1], tau: [t0, t1] };
  });
}
