/**
 * LoRA on a 2-D convolution as PEFT does it (peft `lora.Conv2d`): `lora_A` is a convolution
 * with the layer's kernel, `[r, in, kh, kw]`, `lora_B` a 1×1 convolution `[out, r, 1, 1]`, and
 * `ΔW = s · (B₂ A₂)` reshaped to the kernel `[out, in, kh, kw]`, with `A₂ = A` as `[r, in·kh·kw]`
 * and `B₂ = B` as `[out, r]` (spec `specs/adapters.md` §1, §3; row-major, so the reshapes are
 * free). A LoRA state of a convolution is the state of that flattened `[out, in·kh·kw]` matrix.
 *
 * @module
 */
import { shapeStr, Tensor } from "../../ops/tensor.ts";

/**
 * Whether LoRA factors are a convolution's (`A` 4-D `[r, in, kh, kw]`, `B` `[out, r, 1, 1]`);
 * a malformed pair is a RangeError naming both shapes.
 *
 * @example
 * ```ts
 * import { zeros } from "../../ops/tensor.ts";
 * import { isConvLora } from "./lora_conv.ts";
 * console.log(isConvLora(zeros([2, 3, 3, 3]), zeros([8, 2, 1, 1])), isConvLora(zeros([2, 5]), zeros([4, 2]))); // true false
 * ```
 */
export function isConvLora(a: Tensor, b: Tensor): boolean {
  if (a.ndim === 2 && b.ndim === 2) return false;
  if (
    a.ndim !== 4 || b.ndim !== 4 || b.shape[2] !== 1 || b.shape[3] !== 1 ||
    b.shape[1] !== a.shape[0]
  ) {
    throw new RangeError(
      `isConvLora: A is ${shapeStr(a.shape)} and B is ${shapeStr(b.shape)}: expected matrices or ` +
        `[r, in, kh, kw] and [out, r, 1, 1]`,
    );
  }
  return true;
}

/**
 * A copy of a tensor as a matrix `[d0, d1·d2·…]` (row-major order unchanged).
 *
 * @example
 * ```ts
 * import { zeros } from "../../ops/tensor.ts";
 * import { asMatrix } from "./lora_conv.ts";
 * console.log(asMatrix(zeros([8, 3, 3, 3])).shape); // [8, 27]
 * ```
 */
export function asMatrix(t: Tensor): Tensor {
  if (t.ndim < 2) throw new RangeError(`asMatrix: tensor is ${shapeStr(t.shape)}`);
  return new Tensor(t.data.slice(), [t.shape[0], t.size / t.shape[0]]);
}

/**
 * A copy of a tensor with `shape` (sizes must agree; row-major order unchanged).
 *
 * @example
 * ```ts
 * import { zeros } from "../../ops/tensor.ts";
 * import { withShape } from "./lora_conv.ts";
 * console.log(withShape(zeros([8, 27]), [8, 3, 3, 3]).shape); // [8, 3, 3, 3]
 * ```
 */
export function withShape(t: Tensor, shape: readonly number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  if (n !== t.size) {
    throw new RangeError(`withShape: ${shapeStr(t.shape)} cannot be ${shapeStr(shape)}`);
  }
  return new Tensor(t.data.slice(), shape);
}
