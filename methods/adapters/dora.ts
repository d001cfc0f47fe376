/**
 * DoRA — weight-decomposed low-rank adaptation (Liu, Wang, Yin, Molchanov, Wang, Cheng & Chen,
 * ICML 2024, arXiv 2402.09353), in PEFT's form (`use_dora=True`): the adapted weight is
 * `W' = m ⊙ (W + ΔW) / ‖W + ΔW‖`, with the norm taken per output row (`[out, in]` layout,
 * over the input features), `ΔW = s·BA` the LoRA update and `m ∈ R^out` a trainable magnitude
 * initialised to `‖W‖` per row (so `W' = W` at init, as B = 0). As in PEFT (and §4.3 of the
 * paper) the norm is treated as a constant in the backward pass. PEFT files store `m` under
 * `<module>.lora_magnitude_vector` (spec `specs/adapters.md` §3).
 *
 * @module
 */
import { stopGradient } from "../../ops/autograd/grad.ts";
import { add, div, mul } from "../../ops/autograd/ops_arith.ts";
import { reshape } from "../../ops/autograd/ops_shape.ts";
import { sum } from "../../ops/autograd/ops_reduce.ts";
import { sqrt, square } from "../../ops/autograd/ops_unary.ts";
import { assertMatrix, shapeStr, type Tensor, zeros } from "../../ops/tensor.ts";

function checkMagnitude(fn: string, out: number, m: Tensor): void {
  if (m.ndim !== 1 || m.shape[0] !== out) {
    throw new RangeError(`${fn}: magnitude is [${m.shape.join(", ")}], the weight has ${out} rows`);
  }
}

/**
 * Per-row Euclidean norms `‖W[i, :]‖` of an `[out, in]` weight (float64): DoRA's initial
 * magnitude.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { doraRowNorms } from "./dora.ts";
 * console.log(doraRowNorms(tensor([[3, 4], [0, 2]])).data); // Float64Array [5, 2]
 * ```
 */
export function doraRowNorms(w: Tensor): Tensor {
  const [out, inp] = assertMatrix("doraRowNorms", "w", w);
  const n = zeros([out]);
  for (let i = 0; i < out; i++) {
    let s = 0;
    for (let j = 0; j < inp; j++) s += w.data[i * inp + j] ** 2;
    n.data[i] = Math.sqrt(s);
  }
  return n;
}

/**
 * The merged DoRA weight `m ⊙ (W + ΔW)/‖W + ΔW‖` (rows), in float64: PEFT's
 * `merge_and_unload` for a DoRA module.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { doraMerged } from "./dora.ts";
 * const w = tensor([[3, 4]]), d = tensor([[0, 0]]);
 * console.log(doraMerged(w, d, tensor([10])).data); // Float64Array [6, 8]
 * ```
 */
export function doraMerged(w: Tensor, delta: Tensor, magnitude: Tensor): Tensor {
  const [out, inp] = assertMatrix("doraMerged", "w", w);
  if (delta.shape[0] !== out || delta.shape[1] !== inp) {
    throw new RangeError(`doraMerged: w is ${shapeStr(w.shape)}, ΔW ${shapeStr(delta.shape)}`);
  }
  checkMagnitude("doraMerged", out, magnitude);
  const v = zeros([out, inp]);
  for (let i = 0; i < v.size; i++) v.data[i] = w.data[i] + delta.data[i];
  const norms = doraRowNorms(v);
  for (let i = 0; i < out; i++) {
    const f = magnitude.data[i] / norms.data[i];
    for (let j = 0; j < inp; j++) v.data[i * inp + j] *= f;
  }
  return v;
}

/**
 * The DoRA weight as a differentiable expression of ΔW and m (for training): the row norm of
 * `W + ΔW` is detached (`stopGradient`), as PEFT does. Same dtype as `w`.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { doraWeight } from "./dora.ts";
 * console.log(doraWeight(tensor([[3, 4]]), tensor([[0, 0]]), tensor([5])).data); // Float64Array [3, 4]
 * ```
 */
export function doraWeight(w: Tensor, delta: Tensor, magnitude: Tensor): Tensor {
  const [out] = assertMatrix("doraWeight", "w", w);
  checkMagnitude("doraWeight", out, magnitude);
  const v = add(w, delta);
  const norm = stopGradient(sqrt(sum(square(v), { axis: 1, keepDims: true })));
  return mul(div(reshape(magnitude, [out, 1]), norm), v);
}
