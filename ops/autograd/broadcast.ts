/**
 * Moving gradients between a broadcast result and its operands: summing a gradient down to an
 * operand's shape, and expanding a reduced gradient back up.
 *
 * @module
 */
import { stridesOf } from "../shape.ts";
import { allocData, shapeSize, shapeStr, Tensor } from "../tensor.ts";

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Strides of `shape` inside `outShape` under NumPy broadcasting (0 on broadcast axes).
 *
 * @example
 * ```ts
 * import { broadcastStridesOf } from "./broadcast.ts";
 * console.log(broadcastStridesOf([3, 1], [2, 3, 4])); // [0, 1, 0]
 * ```
 */
export function broadcastStridesOf(
  shape: readonly number[],
  outShape: readonly number[],
): number[] {
  const s = stridesOf(shape);
  const off = outShape.length - shape.length;
  return outShape.map((_, i) => (i < off || shape[i - off] === 1 ? 0 : s[i - off]));
}

/**
 * Sums `g` (of a broadcast result's shape) down to `shape`, the operand's shape: the adjoint
 * of broadcasting. Returns `g` itself when the shapes agree.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { sumToShape } from "./broadcast.ts";
 * console.log(sumToShape(tensor([[1, 2], [3, 4]]), [2]).data); // Float64Array [4, 6]
 * ```
 */
export function sumToShape(g: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(g.shape, shape)) return g;
  if (shape.length > g.ndim) {
    throw new RangeError(
      `sumToShape: ${shapeStr(shape)} is not a broadcast of ${shapeStr(g.shape)}`,
    );
  }
  const out = allocData(g.dtype, shapeSize(shape));
  const src = g.data;
  const inner = g.ndim ? g.shape[g.ndim - 1] : 1;
  if (shapeSize(shape) === 1) {
    let acc = 0;
    for (let i = 0; i < src.length; i++) acc += src[i];
    out[0] = acc;
    return new Tensor(out, shape);
  }
  const st = broadcastStridesOf(shape, g.shape);
  const nd = g.ndim;
  const si = st[nd - 1];
  const idx = new Array<number>(Math.max(0, nd - 1)).fill(0);
  let p = 0;
  for (let o = 0; o < src.length; o += inner) {
    if (si === 0) {
      let acc = 0;
      for (let j = 0; j < inner; j++) acc += src[o + j];
      out[p] += acc;
    } else {
      for (let j = 0; j < inner; j++) out[p + j] += src[o + j];
    }
    for (let ax = nd - 2; ax >= 0; ax--) {
      idx[ax]++;
      p += st[ax];
      if (idx[ax] < g.shape[ax]) break;
      p -= st[ax] * g.shape[ax];
      idx[ax] = 0;
    }
  }
  return new Tensor(out, shape);
}

/**
 * Broadcasts `g` up to `shape` (NumPy rules; `g` may have fewer axes). The adjoint of
 * {@link sumToShape}.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { expandTo } from "./broadcast.ts";
 * console.log(expandTo(tensor([[1], [2]]), [2, 2]).data); // Float64Array [1, 1, 2, 2]
 * ```
 */
export function expandTo(g: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const st = broadcastStridesOf(g.shape, shape);
  const out = allocData(g.dtype, shapeSize(shape));
  const nd = shape.length;
  const inner = nd ? shape[nd - 1] : 1;
  const si = nd ? st[nd - 1] : 0;
  const idx = new Array<number>(Math.max(0, nd - 1)).fill(0);
  const src = g.data;
  let p = 0;
  for (let o = 0; o < out.length; o += inner) {
    for (let j = 0; j < inner; j++) out[o + j] = src[p + j * si];
    for (let ax = nd - 2; ax >= 0; ax--) {
      idx[ax]++;
      p += st[ax];
      if (idx[ax] < shape[ax]) break;
      p -= st[ax] * shape[ax];
      idx[ax] = 0;
    }
  }
  return new Tensor(out, shape);
}

/**
 * A tensor object that shares `t`'s storage under another shape of the same size. Internal:
 * used only for values that never escape an op (flattening for GEMM), since lowrank's public
 * ops return fresh storage.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { view } from "./broadcast.ts";
 * console.log(view(tensor([1, 2, 3, 4]), [2, 2]).shape); // [2, 2]
 * ```
 */
export function view(t: Tensor, shape: readonly number[]): Tensor {
  return new Tensor(t.data, shape);
}
