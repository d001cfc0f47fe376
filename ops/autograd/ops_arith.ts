/**
 * Differentiable arithmetic with NumPy broadcasting: add, sub, mul, div, scale, neg.
 * Gradients of broadcast operands are summed back to the operand's shape.
 *
 * @module
 */
import * as ew from "../elementwise.ts";
import { GpuTensor } from "../gpu/gpu_tensor.ts";
import * as un from "../unary.ts";
import type { Tensor } from "../tensor.ts";
import { sumToShape } from "./broadcast.ts";
import { arith } from "./kernels.ts";
import { record } from "./tape.ts";

/**
 * `a + b` with broadcasting (`b` may be a number); differentiable.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { add } from "./ops_arith.ts";
 * console.log(add(tensor([1, 2]), 1).data); // Float64Array [2, 3]
 * ```
 */
export function add(a: Tensor, b: Tensor | number): Tensor;
/** The same on the GPU: GpuTensor operands give a GpuTensor (not recorded; see `ops/gpu`). */
export function add(a: GpuTensor, b: GpuTensor | number): GpuTensor;
export function add(a: Tensor | GpuTensor, b: Tensor | GpuTensor | number): Tensor | GpuTensor {
  if (a instanceof GpuTensor || b instanceof GpuTensor) {
    return ew.add(a as GpuTensor, b as GpuTensor | number);
  }
  const out = arith("add", a, b);
  return record("add", out, [a, b], (g, need) => [
    need[0] ? sumToShape(g, a.shape) : null,
    need[1] ? sumToShape(g, (b as Tensor).shape) : null,
  ]);
}

/**
 * `a - b` with broadcasting (`b` may be a number); differentiable.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { sub } from "./ops_arith.ts";
 * console.log(sub(tensor([1, 2]), tensor([1])).data); // Float64Array [0, 1]
 * ```
 */
export function sub(a: Tensor, b: Tensor | number): Tensor;
/** The same on the GPU: GpuTensor operands give a GpuTensor (not recorded; see `ops/gpu`). */
export function sub(a: GpuTensor, b: GpuTensor | number): GpuTensor;
export function sub(a: Tensor | GpuTensor, b: Tensor | GpuTensor | number): Tensor | GpuTensor {
  if (a instanceof GpuTensor || b instanceof GpuTensor) {
    return ew.sub(a as GpuTensor, b as GpuTensor | number);
  }
  const out = arith("sub", a, b);
  return record("sub", out, [a, b], (g, need) => [
    need[0] ? sumToShape(g, a.shape) : null,
    need[1] ? sumToShape(un.neg(g), (b as Tensor).shape) : null,
  ]);
}

/**
 * Elementwise `a * b` with broadcasting (`b` may be a number); differentiable.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { mul } from "./ops_arith.ts";
 * console.log(mul(tensor([1, 2]), tensor([3, 4])).data); // Float64Array [3, 8]
 * ```
 */
export function mul(a: Tensor, b: Tensor | number): Tensor;
/** The same on the GPU: GpuTensor operands give a GpuTensor (not recorded; see `ops/gpu`). */
export function mul(a: GpuTensor, b: GpuTensor | number): GpuTensor;
export function mul(a: Tensor | GpuTensor, b: Tensor | GpuTensor | number): Tensor | GpuTensor {
  if (a instanceof GpuTensor || b instanceof GpuTensor) {
    return ew.mul(a as GpuTensor, b as GpuTensor | number);
  }
  const out = arith("mul", a, b);
  return record("mul", out, [a, b], (g, need) => [
    need[0] ? sumToShape(arith("mul", g, b), a.shape) : null,
    need[1] ? sumToShape(arith("mul", g, a), (b as Tensor).shape) : null,
  ]);
}

/**
 * Elementwise `a / b` with broadcasting (`b` may be a number); differentiable.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { div } from "./ops_arith.ts";
 * console.log(div(tensor([3, 8]), 2).data); // Float64Array [1.5, 4]
 * ```
 */
export function div(a: Tensor, b: Tensor | number): Tensor;
/** The same on the GPU: GpuTensor operands give a GpuTensor (not recorded; see `ops/gpu`). */
export function div(a: GpuTensor, b: GpuTensor | number): GpuTensor;
export function div(a: Tensor | GpuTensor, b: Tensor | GpuTensor | number): Tensor | GpuTensor {
  if (a instanceof GpuTensor || b instanceof GpuTensor) {
    return ew.div(a as GpuTensor, b as GpuTensor | number);
  }
  const out = arith("div", a, b);
  return record("div", out, [a, b], (g, need) => {
    const ga = arith("div", g, b);
    return [
      need[0] ? sumToShape(ga, a.shape) : null,
      // d(a/b)/db = -(a/b)/b, so the b gradient is -(g/b)·out
      need[1] ? sumToShape(un.neg(arith("mul", ga, out)), (b as Tensor).shape) : null,
    ];
  });
}

/**
 * `s · a` for a number `s`; differentiable in `a`.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { scale } from "./ops_arith.ts";
 * console.log(scale(tensor([1, 2]), 3).data); // Float64Array [3, 6]
 * ```
 */
export function scale(a: Tensor, s: number): Tensor;
/** The same on the GPU. */
export function scale(a: GpuTensor, s: number): GpuTensor;
export function scale(a: Tensor | GpuTensor, s: number): Tensor | GpuTensor {
  if (typeof s !== "number") throw new TypeError(`scale: s must be a number, got ${String(s)}`);
  if (a instanceof GpuTensor) return ew.scale(a, s);
  const out = arith("mul", a, s);
  return record("scale", out, [a], (g) => [arith("mul", g, s)]);
}

/**
 * `-a`; differentiable.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { neg } from "./ops_arith.ts";
 * console.log(neg(tensor([1])).data); // Float64Array [-1]
 * ```
 */
export function neg(a: Tensor): Tensor {
  const out = un.neg(a);
  return record("neg", out, [a], (g) => [un.neg(g)]);
}
