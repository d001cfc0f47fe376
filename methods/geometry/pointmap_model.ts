/**
 * The stand-in for a DUSt3R-type point-map regressor (issue 20; spec
 * `compression_optim_attention.md` §9): an MLP from a pixel's features to its 3-D point in the
 * pair's frame and a confidence. The head decodes `(a, b, ℓ, o)` into the point
 * `e^ℓ (a, b, 1)` (direction times depth) and the confidence `C = 1 + e^o` (DUSt3R's
 * parametrisation, Wang et al., CVPR 2024, §3.3). Optional LoRA adapters (Hu et al., ICLR 2022;
 * `methods/adapters/lora.ts`) add `s·B A x` to every linear layer.
 *
 * @module
 */
import * as ad from "../../ops/autograd/ops.ts";
import { applyLinear, initMlp, type MlpParams } from "../../ops/nn/layers.ts";
import { shapeStr, type Tensor, tensor } from "../../ops/tensor.ts";
import { loraApply, type LoraState } from "../adapters/lora.ts";
import { checkOptions } from "../../ops/options.ts";
import { positiveIntOption } from "./options.ts";

/** The regressor's parameters: an MLP `[K, hidden…, 4]`. */
export interface PointMapModel {
  /** The layers. */
  mlp: MlpParams;
}

/** Options of {@link initPointMapModel}. */
export interface PointMapModelOptions {
  /** Input features (default 14: the 12 encoder outputs and the pair context of `pair_data.ts`). */
  features?: number;
  /** Hidden widths (default [64, 64]). */
  hidden?: readonly number[];
  /** Seed of the initialisation (default 0). */
  seed?: number;
}

/**
 * A fresh regressor (PyTorch-style linear initialisation).
 *
 * @example
 * ```ts
 * import { initPointMapModel } from "./pointmap_model.ts";
 * const m = initPointMapModel({ features: 6, hidden: [8] });
 * console.log(m.mlp.layers.map((l) => l.weight.shape)); // [[8, 6], [4, 8]]
 * ```
 */
export function initPointMapModel(opts: PointMapModelOptions = {}): PointMapModel {
  checkOptions("initPointMapModel", opts, { features: "number", hidden: "array", seed: "number" });
  const k = positiveIntOption("initPointMapModel", "features", opts.features ?? 14);
  const hidden = opts.hidden ?? [64, 64];
  hidden.forEach((h) => positiveIntOption("initPointMapModel", "hidden", h));
  return { mlp: initMlp([k, ...hidden, 4], { seed: opts.seed ?? 0 }) };
}

/** A prediction: points `N × 3` and confidences `N`. */
export interface PointMapPrediction {
  /** Predicted points. */
  points: Tensor;
  /** Predicted confidences (> 1). */
  confidence: Tensor;
}

/**
 * Runs the regressor on features `x` (`N × K`), with one LoRA adapter per linear layer if given
 * (differentiable in the model and in the adapters' parameters).
 *
 * @example
 * ```ts
 * import { zeros } from "../../ops/tensor.ts";
 * import { initPointMapModel, predictPoints } from "./pointmap_model.ts";
 * const m = initPointMapModel({ features: 3, hidden: [5] });
 * const { points, confidence } = predictPoints(m, zeros([2, 3]));
 * console.log(points.shape, confidence.shape, confidence.data[0] > 1); // [2, 3] [2] true
 * ```
 */
export function predictPoints(
  model: PointMapModel,
  x: Tensor,
  adapters?: readonly LoraState[],
): PointMapPrediction {
  const layers = model.mlp.layers;
  if (x.shape.length !== 2 || x.shape[1] !== layers[0].weight.shape[1]) {
    throw new RangeError(
      `predictPoints: x is ${shapeStr(x.shape)}, the model takes N x ${layers[0].weight.shape[1]}`,
    );
  }
  if (adapters !== undefined && adapters.length !== layers.length) {
    throw new RangeError(
      `predictPoints: ${adapters.length} adapters for ${layers.length} linear layers`,
    );
  }
  let h = x;
  layers.forEach((layer, j) => {
    let z = applyLinear(layer, h);
    if (adapters) z = ad.add(z, loraApply(adapters[j], h));
    h = j < layers.length - 1 ? ad.gelu(z) : z;
  });
  const n = x.shape[0];
  const depth = ad.exp(ad.sliceCols(h, 2, 3));
  const ray = ad.concat([
    ad.sliceCols(h, 0, 2),
    tensor(new Float64Array(n).fill(1), { shape: [n, 1] }),
  ], 1);
  const points = ad.mul(ray, depth);
  const confidence = ad.reshape(ad.add(ad.exp(ad.sliceCols(h, 3, 4)), 1), [n]);
  return { points, confidence };
}

/**
 * DUSt3R's confidence-aware regression loss (Wang et al., CVPR 2024, eq. 4), averaged over the
 * rows: `mean_i C_i ‖x̂_i − x_i‖ − α log C_i`.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { confidenceLoss } from "./pointmap_model.ts";
 * const pred = { points: tensor([[0, 0, 1]]), confidence: tensor([2]) };
 * console.log(confidenceLoss(pred, tensor([[0, 3, 5]]), 0.5).data[0].toFixed(4)); // 9.6534
 * ```
 */
export function confidenceLoss(pred: PointMapPrediction, target: Tensor, alpha = 0.2): Tensor {
  const [n, d] = pred.points.shape;
  if (target.shape.length !== 2 || target.shape[0] !== n || target.shape[1] !== d) {
    throw new RangeError(
      `confidenceLoss: target is ${shapeStr(target.shape)}, predictions are ${
        shapeStr(pred.points.shape)
      }`,
    );
  }
  if (!(alpha > 0) || !Number.isFinite(alpha)) {
    throw new RangeError(`confidenceLoss: alpha must be finite and > 0, got ${alpha}`);
  }
  // the epsilon keeps the gradient of the norm finite at an exact hit
  const err = ad.sqrt(ad.add(ad.sum(ad.square(ad.sub(pred.points, target)), { axis: 1 }), 1e-12));
  const c = pred.confidence;
  return ad.mean(ad.sub(ad.mul(c, err), ad.scale(ad.log(c), alpha)));
}
