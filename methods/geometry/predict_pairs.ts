/**
 * Runs the point-map regressor on every pair of a scene and returns DUSt3R-style pair
 * predictions for the global alignment (issue 20; spec `compression_optim_attention.md` §9).
 *
 * @module
 */
import type { LoraState } from "../adapters/lora.ts";
import type { PairPrediction } from "./global_align.ts";
import type { PairData } from "./pair_data.ts";
import { type PointMapModel, predictPoints } from "./pointmap_model.ts";
import type { PairPseudoLabels } from "./calibrate.ts";
import type { PointMapData } from "./pointmap_train.ts";
import { tensor } from "../../ops/tensor.ts";

/**
 * The model's points and confidences for both views of every pair (LoRA adapters optional).
 *
 * @example
 * ```ts
 * import { Rng } from "../../ops/random.ts";
 * import { CANONICAL_STYLE, initPointMapModel, makeEncoder, makePairs, makeScene, predictPairs } from "./mod.ts";
 * const rng = new Rng(0);
 * const pairs = makePairs(makeScene(rng, { views: 2, pixels: 3 }), makeEncoder(rng), CANONICAL_STYLE, rng);
 * console.log(predictPairs(initPointMapModel(), pairs)[1].points[0].shape); // [3, 3]
 * ```
 */
export function predictPairs(
  model: PointMapModel,
  pairs: readonly PairData[],
  adapters?: readonly LoraState[],
): PairPrediction[] {
  return pairs.map((p) => {
    const a = predictPoints(model, p.features[0], adapters);
    const b = predictPoints(model, p.features[1], adapters);
    return {
      views: p.views,
      points: [a.points, b.points],
      confidence: [a.confidence, b.confidence],
    };
  });
}

/**
 * The rows LoRA self-calibration fits: every pseudo-labelled pixel (mask 1) of every pair, its
 * features and its label.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { pseudoLabelRows } from "./predict_pairs.ts";
 * const f = tensor([[1, 2], [3, 4]]);
 * const pair = { views: [0, 1] as const, features: [f, f] as const, truth: [new Float64Array(6), new Float64Array(6)] as const, outlier: [new Uint8Array(2), new Uint8Array(2)] as const };
 * const pl = { labels: [new Float64Array(6), new Float64Array(6)] as [Float64Array, Float64Array], mask: [Uint8Array.of(1, 0), Uint8Array.of(0, 1)] as [Uint8Array, Uint8Array], tau: [0, 0] as [number, number] };
 * console.log(pseudoLabelRows([pair], [pl]).x.data); // Float64Array [1, 2, 3, 4]
 * ```
 */
export function pseudoLabelRows(
  pairs: readonly PairData[],
  labels: readonly PairPseudoLabels[],
): PointMapData {
  if (pairs.length !== labels.length) {
    throw new RangeError(`pseudoLabelRows: ${pairs.length} pairs but ${labels.length} label sets`);
  }
  const xs: number[] = [], ys: number[] = [];
  const k = pairs[0].features[0].shape[1];
  pairs.forEach((p, e) => {
    for (let j = 0; j < 2; j++) {
      const f = p.features[j].data, l = labels[e].labels[j];
      labels[e].mask[j].forEach((m, i) => {
        if (!m) return;
        for (let c = 0; c < k; c++) xs.push(f[i * k + c]);
        ys.push(l[3 * i], l[3 * i + 1], l[3 * i + 2]);
      });
    }
  });
  return {
    x: tensor(Float64Array.from(xs), { shape: [xs.length / k, k] }),
    y: tensor(Float64Array.from(ys), { shape: [ys.length / 3, 3] }),
  };
}

/**
 * Ground-truth rows of every pixel of every pair (pre-training on other scenes).
 *
 * @example
 * ```ts
 * import { Rng } from "../../ops/random.ts";
 * import { CANONICAL_STYLE, makeEncoder, makePairs, makeScene, truthRows } from "./mod.ts";
 * const rng = new Rng(0);
 * const pairs = makePairs(makeScene(rng, { views: 2, pixels: 3 }), makeEncoder(rng), CANONICAL_STYLE, rng);
 * console.log(truthRows(pairs).y.shape); // [12, 3]
 * ```
 */
export function truthRows(pairs: readonly PairData[]): PointMapData {
  return pseudoLabelRows(
    pairs,
    pairs.map((p) => ({
      labels: [p.truth[0], p.truth[1]],
      mask: [p.outlier[0].map((o) => 1 - o), p.outlier[1].map((o) => 1 - o)],
      tau: [0, 0],
    })),
  );
}
