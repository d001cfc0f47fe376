/**
 * The element-wise parts of one GaLore-AdamW update (spec `compression_optim_attention.md` §5a,
 * "Core algorithm"; Zhao et al., ICML 2024): Adam's direction in the projected space, and the
 * scaled, decayed application of the back-projected update to the weights. Each is one pass
 * that writes into memory the caller owns, with the arithmetic (operations, order and rounding)
 * of the straightforward form it replaces — `adamUpdate_` on a zero "parameter" and two passes
 * `W += α·B; W *= 1 − lr·wd` — so results are bit for bit those of that form.
 *
 * @module
 */
import type { Tensor } from "../../ops/tensor.ts";
import type { AdamHyper } from "../../ops/optim/adam.ts";

/**
 * Adam's update direction in the small space, in the "hf" convention (transformers' AdamW, as
 * GaLore's code): updates the moments `m`, `v` in place from `r` and writes
 * `u = −(lr·√(1−β2ᵗ)/(1−β1ᵗ))·m / (√v + ε)` into `u` (all of r's shape; `u` is only written).
 * Equal bit for bit to `adamUpdate_(zeros, r, m, v, { ...h, weightDecay: 0, style: "hf" })`.
 *
 * @example
 * ```ts
 * import { tensor, zeros } from "../../ops/tensor.ts";
 * import { adamDirection_ } from "./update_kernels.ts";
 * const u = zeros([2]), m = zeros([2]), v = zeros([2]);
 * adamDirection_(u, tensor([3, -4]), m, v, { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 0, t: 1 });
 * console.log(Array.from(u.data, (x) => x.toFixed(6))); // ["-0.100000", "0.100000"]
 * ```
 */
export function adamDirection_(
  u: Tensor,
  r: Tensor,
  m: Tensor,
  v: Tensor,
  h: Pick<AdamHyper, "lr" | "beta1" | "beta2" | "eps" | "t">,
): void {
  const ud = u.data, rd = r.data, md = m.data, vd = v.data;
  const { lr, beta1: b1, beta2: b2, eps } = h;
  const bc1 = 1 - b1 ** h.t, bc2 = 1 - b2 ** h.t;
  const stepSize = (lr * Math.sqrt(bc2)) / bc1;
  const c1 = 1 - b1, c2 = 1 - b2;
  for (let i = 0; i < ud.length; i++) {
    // `+ 0` as adamUpdate_'s `g + 0·p`: a −0 gradient counts as +0 there.
    const gi = rd[i] + 0;
    const mi = b1 * md[i] + c1 * gi;
    const vi = b2 * vd[i] + c2 * gi * gi;
    md[i] = mi;
    vd[i] = vi;
    // 0 − x, not −x: a zero step is +0 as in the zero parameter it replaces.
    ud[i] = 0 - (stepSize * mi) / (Math.sqrt(vi) + eps);
  }
}

/**
 * `W ← (W + α·B)·keep` in one pass, rounding as the two passes `W += α·B` then `W *= keep` do
 * (an f32 weight is rounded to f32 after the addition; `keep` = 1 − lr·wd, and 1 skips the
 * multiplication as the two-pass form skips its second pass).
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { applyUpdate_ } from "./update_kernels.ts";
 * const w = tensor([1, 2]);
 * applyUpdate_(w, tensor([4, 8]), 0.25, 0.5);
 * console.log(w.data); // Float64Array [1, 2]
 * ```
 */
export function applyUpdate_(w: Tensor, b: Tensor, alpha: number, keep: number): void {
  const wd = w.data, bd = b.data;
  if (wd instanceof Float32Array) {
    if (keep === 1) { for (let i = 0; i < wd.length; i++) wd[i] += alpha * bd[i]; }
    else for (let i = 0; i < wd.length; i++) wd[i] = Math.fround(wd[i] + alpha * bd[i]) * keep;
  } else {
    if (keep === 1) { for (let i = 0; i < wd.length; i++) wd[i] += alpha * bd[i]; }
    else for (let i = 0; i < wd.length; i++) wd[i] = (wd[i] + alpha * bd[i]) * keep;
  }
}
