/**
 * Shape rules of the matrix product, shared by the CPU and GPU front ends so that both accept
 * and reject exactly the same operands with the same messages.
 *
 * @module
 */
import { shapeSize, shapeStr } from "./tensor.ts";

/** The product's dimensions: `op(a)` is m×k, `op(b)` is k×n, over `count` batch matrices. */
export interface MatmulDims {
  m: number;
  n: number;
  k: number;
  /** Leading (batch) shape of `a`, and of the result. */
  batch: number[];
  /** Number of matrices in the batch. */
  count: number;
  /** `b` is one matrix shared by every matrix of `a`. */
  sharedB: boolean;
}

/**
 * Checks the operand shapes of `op(a) · op(b)` and returns the product's dimensions. Both are
 * matrices, or stacks with the same batch shape, or a stack times one shared matrix.
 *
 * @example
 * ```ts
 * import { matmulDims } from "./matmul_shape.ts";
 * console.log(matmulDims([5, 2, 3], [4, 3], false, true).n); // 4
 * ```
 */
export function matmulDims(
  a: readonly number[],
  b: readonly number[],
  transA: boolean,
  transB: boolean,
): MatmulDims {
  if (a.length < 2 || b.length < 2) {
    throw new RangeError(
      `matmul: operands must be at least 2-D, a is ${shapeStr(a)}, b is ${shapeStr(b)}`,
    );
  }
  const [ar, ac] = a.slice(-2), [br, bc] = b.slice(-2);
  const [m, k] = transA ? [ac, ar] : [ar, ac];
  const [k2, n] = transB ? [bc, br] : [br, bc];
  if (k !== k2) {
    throw new RangeError(
      `matmul: inner dimensions differ: a is ${shapeStr(a)}${transA ? "ᵀ" : ""}, b is ${
        shapeStr(b)
      }${transB ? "ᵀ" : ""}`,
    );
  }
  const batch = a.slice(0, -2);
  const sharedB = b.length === 2;
  if (!sharedB && (b.length !== a.length || b.slice(0, -2).some((d, i) => d !== batch[i]))) {
    throw new RangeError(`matmul: batch shapes differ: a is ${shapeStr(a)}, b is ${shapeStr(b)}`);
  }
  return { m, n, k, batch, count: shapeSize(batch), sharedB };
}
