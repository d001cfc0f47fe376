/**
 * Gradient-norm clipping (Pascanu, Mikolov & Bengio, ICML 2013) over a whole gradient tree, as
 * `torch.nn.utils.clip_grad_norm_`.
 *
 * @module
 */
import { treeLeaves, type TreeLike } from "../autograd/tree.ts";

/**
 * The global 2-norm of every tensor in `grads` together (accumulated in f64).
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { globalNorm } from "./clip.ts";
 * console.log(globalNorm({ a: tensor([3]), b: tensor([4]) })); // 5
 * ```
 */
export function globalNorm(grads: TreeLike): number {
  let big = 0;
  const leaves = treeLeaves(grads, "globalNorm");
  for (const [, g] of leaves) for (const x of g.data) big = Math.max(big, Math.abs(x));
  if (big === 0 || !Number.isFinite(big)) return big;
  let s = 0; // scaled by the largest entry so that squares neither overflow nor underflow
  for (const [, g] of leaves) for (const x of g.data) s += (x / big) * (x / big);
  return big * Math.sqrt(s);
}

/**
 * Scales `grads` in place so that their global norm is at most `maxNorm` (factor
 * `maxNorm / (norm + 1e-6)` when the norm exceeds it) and returns the norm before clipping.
 * A non-finite norm is an error, not a silent NaN update.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { clipGradNorm_, globalNorm } from "./clip.ts";
 * const g = { w: tensor([30, 40]) };
 * console.log(clipGradNorm_(g, 5), globalNorm(g).toFixed(4)); // 50 "5.0000"
 * ```
 */
export function clipGradNorm_(grads: TreeLike, maxNorm: number): number {
  if (typeof maxNorm !== "number" || !(maxNorm > 0)) {
    throw new RangeError(
      `clipGradNorm_: maxNorm must be a positive number, got ${String(maxNorm)}`,
    );
  }
  const norm = globalNorm(grads);
  if (!Number.isFinite(norm)) {
    throw new RangeError(`clipGradNorm_: the gradient norm is ${norm}`);
  }
  const coef = maxNorm / (norm + 1e-6);
  if (coef < 1) {
    for (const [, g] of treeLeaves(grads)) {
      const d = g.data;
      for (let i = 0; i < d.length; i++) d[i] *= coef;
    }
  }
  return norm;
}
