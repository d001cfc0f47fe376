/** Small helpers shared by the distillation tests. */
import type { Tensor } from "../../../mod.ts";
import { matmul } from "../../../mod.ts";

/** Largest absolute entry-wise difference. */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`lengths ${a.length} and ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** The explicit projector P = U Uᵀ (D × D), for oracles only. */
export function projector(u: Tensor): Tensor {
  return matmul(u, u, { transB: true });
}

/** f64 unit roundoff. */
export const U64 = 2 ** -53;
