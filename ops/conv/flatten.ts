/**
 * `flatten`: merges a run of axes into one (a differentiable reshape), as between the
 * convolutional trunk and the linear head of a CNN.
 *
 * @module
 */
import { reshape } from "../autograd/ops_shape.ts";
import { assertTensor, shapeStr, type Tensor } from "../tensor.ts";
import { checkKeys } from "./options.ts";

/**
 * Options of {@link flatten}.
 *
 * @example
 * ```ts
 * import type { FlattenOptions } from "./flatten.ts";
 * const o: FlattenOptions = { startDim: 0 };
 * console.log(o.startDim); // 0
 * ```
 */
export interface FlattenOptions {
  /** First axis merged (default 1: keep the batch axis); negative counts from the end. */
  startDim?: number;
  /** Last axis merged (default −1); negative counts from the end. */
  endDim?: number;
}

function axis(x: Tensor, name: string, v: number): number {
  const a = v < 0 ? v + x.ndim : v;
  if (!Number.isInteger(v) || a < 0 || a >= x.ndim) {
    throw new RangeError(`flatten: ${name} = ${v} is not an axis of x ${shapeStr(x.shape)}`);
  }
  return a;
}

/**
 * Merges axes `startDim … endDim` of `x` into one (PyTorch's `torch.flatten` with the
 * `nn.Flatten` default `startDim = 1`): `[N, C, H, W]` becomes `[N, C·H·W]`. Differentiable.
 *
 * @example
 * ```ts
 * import { zeros } from "../tensor.ts";
 * import { flatten } from "./flatten.ts";
 * console.log(flatten(zeros([2, 3, 4, 5])).shape); // [2, 60]
 * console.log(flatten(zeros([2, 3, 4, 5]), { startDim: 0, endDim: 1 }).shape); // [6, 4, 5]
 * ```
 */
export function flatten(x: Tensor, opts: FlattenOptions = {}): Tensor {
  assertTensor("flatten", "x", x);
  checkKeys("flatten", opts, ["startDim", "endDim"]);
  const s = axis(x, "startDim", opts.startDim ?? 1), e = axis(x, "endDim", opts.endDim ?? -1);
  if (s > e) {
    throw new RangeError(
      `flatten: startDim ${opts.startDim ?? 1} comes after endDim ${opts.endDim ?? -1} for x ${
        shapeStr(x.shape)
      }`,
    );
  }
  const merged = x.shape.slice(s, e + 1).reduce((a, b) => a * b, 1);
  return reshape(x, [...x.shape.slice(0, s), merged, ...x.shape.slice(e + 1)]);
}
