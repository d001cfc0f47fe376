/**
 * Binary cross-entropy on logits as one differentiable op (the CTR training loss): the value is
 * `mean(softplus(z) − y·z)` in f64 and the backward `(σ(z) − y)/n`, with no rounded probability
 * ever passed to a log.
 *
 * @module
 */
import { record } from "../../ops/autograd/tape.ts";
import { allocData, assertTensor, Tensor } from "../../ops/tensor.ts";
import { softplus } from "./metrics.ts";

/**
 * Mean binary cross-entropy of `labels` (0/1) given `logits` (any shape, one logit per label,
 * row-major). Differentiable in `logits`.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { bceWithLogits } from "./bce.ts";
 * console.log(bceWithLogits(tensor([0, 0]), [1, 0]).data[0].toFixed(4)); // 0.6931
 * ```
 */
export function bceWithLogits(logits: Tensor, labels: ArrayLike<number>): Tensor {
  assertTensor("bceWithLogits", "logits", logits);
  const n = logits.size;
  if (labels.length !== n) {
    throw new RangeError(
      `bceWithLogits: ${n} logits but ${labels.length} labels; one label per logit`,
    );
  }
  if (n === 0) throw new RangeError("bceWithLogits: no logits");
  let s = 0;
  for (let i = 0; i < n; i++) {
    const y = labels[i];
    if (y !== 0 && y !== 1) {
      throw new RangeError(`bceWithLogits: labels[${i}] = ${y} is not 0 or 1`);
    }
    s += softplus(logits.data[i]) - y * logits.data[i];
  }
  const out = allocData(logits.dtype, 1);
  out[0] = s / n;
  return record("bceWithLogits", new Tensor(out, []), [logits], (g) => {
    const gl = allocData(logits.dtype, n), gs = g.data[0] / n;
    for (let i = 0; i < n; i++) gl[i] = gs * (1 / (1 + Math.exp(-logits.data[i])) - labels[i]);
    return [new Tensor(gl, logits.shape)];
  });
}
