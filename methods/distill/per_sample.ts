/**
 * Per-sample gradients of a softmax-regression head in closed form, written with the
 * differentiable ops so that they can themselves be differentiated (the role of
 * `create_graph=True` in the reference code of OTD: Fan et al., ICCV 2023, camwew/TADA-MI;
 * spec `compression_optim_attention.md` §10, "Per-sample gradients").
 *
 * @module
 */
import { concat, linear, mul, reshape, softmax, sub } from "../../ops/autograd/ops.ts";
import { assertTensor, full, type Tensor, zeros } from "../../ops/tensor.ts";

function oneHot(labels: ArrayLike<number>, classes: number, like: Tensor): Tensor {
  const y = zeros([labels.length, classes], { dtype: like.dtype });
  for (let b = 0; b < labels.length; b++) {
    const c = labels[b];
    if (!Number.isInteger(c) || c < 0 || c >= classes) {
      throw new RangeError(
        `softmaxHeadGrads: labels[${b}] must be an integer class in [0, ${classes}), got ${c}`,
      );
    }
    y.data[b * classes + c] = 1;
  }
  return y;
}

function checkHead(features: Tensor, weight: Tensor, bias: Tensor | undefined): void {
  const fn = "softmaxHeadGrads";
  assertTensor(fn, "features", features);
  assertTensor(fn, "weight", weight);
  if (features.ndim !== 2 || weight.ndim !== 2 || features.shape[1] !== weight.shape[1]) {
    throw new RangeError(
      `${fn}: features must be B×h and weight C×h, got [${features.shape}] and [${weight.shape}]`,
    );
  }
  if (bias !== undefined) {
    assertTensor(fn, "bias", bias);
    if (bias.ndim !== 1 || bias.shape[0] !== weight.shape[0]) {
      throw new RangeError(`${fn}: bias must have shape [${weight.shape[0]}], got [${bias.shape}]`);
    }
  }
}

/**
 * The gradient of each sample's cross-entropy `ℓ_b = −log softmax(W f_b + b)[y_b]` with respect
 * to the head `(W, b)`: `∂ℓ_b/∂W = (p_b − e_{y_b}) f_bᵀ` and `∂ℓ_b/∂b = p_b − e_{y_b}`, with
 * `p_b` the softmax output. Returned as a `[B, C, h + 1]` tensor whose slice `[b, c]` is the
 * gradient of row c of the augmented head `[W | b]` (`[B, C, h]` without bias), so that
 * flattening a sample gives `g_b = vec(∂ℓ_b/∂θ_h)` and a class's slice is its "row" for the
 * cross-class stream. Differentiable in `features`, `weight` and `bias`.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { softmaxHeadGrads } from "./per_sample.ts";
 * // Zero head: p = (1/2, 1/2); label 0 gives p − e₀ = (−1/2, 1/2).
 * const g = softmaxHeadGrads(tensor([[2, 4]]), tensor([[0, 0], [0, 0]]), tensor([0, 0]), [0]);
 * console.log(g.shape, g.data); // [1, 2, 3] Float64Array [-1, -2, -0.5, 1, 2, 0.5]
 * ```
 */
export function softmaxHeadGrads(
  features: Tensor,
  weight: Tensor,
  bias: Tensor | undefined,
  labels: ArrayLike<number>,
): Tensor {
  checkHead(features, weight, bias);
  const [n, h] = features.shape, c = weight.shape[0];
  if (labels.length !== n) {
    throw new RangeError(`softmaxHeadGrads: ${labels.length} labels for ${n} samples`);
  }
  const err = sub(softmax(linear(features, weight, bias)), oneHot(labels, c, features));
  const inputs = bias === undefined
    ? features
    : concat([features, full([n, 1], 1, { dtype: features.dtype })], 1);
  const k = bias === undefined ? h : h + 1;
  return mul(reshape(err, [n, c, 1]), reshape(inputs, [n, 1, k]));
}
