/**
 * The positive feature map of linear attention, `φ(z) = ELU(z) + 1` (Katharopoulos et al.,
 * ICML 2020; RALA, Fan et al. CVPR 2025, spec `compression_optim_attention.md` §7).
 *
 * @module
 */
import { record } from "../../ops/autograd/tape.ts";
import type { Tensor } from "../../ops/tensor.ts";

/**
 * `φ(z) = ELU(z) + 1`: `z + 1` for `z > 0`, `e^z` otherwise, so φ > 0 everywhere and the
 * attention normaliser never vanishes. Differentiable: `φ'(z) = 1` for `z > 0`, `e^z` otherwise.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { eluPlusOne } from "./feature_map.ts";
 * console.log(eluPlusOne(tensor([2, 0])).data); // Float64Array [3, 1]
 * ```
 */
export function eluPlusOne(x: Tensor): Tensor {
  const out = x.clone();
  const o = out.data;
  for (let i = 0; i < o.length; i++) o[i] = o[i] > 0 ? o[i] + 1 : Math.exp(o[i]);
  return record("eluPlusOne", out, [x], (g) => {
    const gx = g.clone(), d = gx.data, xd = x.data;
    // The derivative is 1 above zero and e^z = φ(z) below: reuse the saved output.
    for (let i = 0; i < d.length; i++) if (!(xd[i] > 0)) d[i] *= o[i];
    return [gx];
  });
}
