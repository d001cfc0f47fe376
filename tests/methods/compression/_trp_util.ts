import assert from "node:assert/strict";
import type { Tensor } from "../../../ops/tensor.ts";

/** The three TRP schemes, as literal types. */
export const SCHEMES = ["nc", "vh", "nd"] as const;

/** `max |a − b|` over equal-shaped tensors. */
export function maxAbsDiff(a: Tensor, b: Tensor): number {
  assert.deepEqual(a.shape, b.shape);
  let d = 0;
  for (let i = 0; i < a.size; i++) d = Math.max(d, Math.abs(a.data[i] - b.data[i]));
  return d;
}
