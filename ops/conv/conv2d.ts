/**
 * `conv2d`: 2-D convolution (cross-correlation, as PyTorch's `F.conv2d`) of NCHW input with
 * stride, zero padding, dilation, channel groups and bias; differentiable in input, weight and
 * bias on the CPU, and run by an implicit-GEMM WGSL kernel when given GpuTensors.
 *
 * Reference: Dumoulin & Visin, "A guide to convolution arithmetic for deep learning" (2016),
 * for the output-size rule; Chellapilla et al. (2006) for im2col. Spec: issue 12 §2.
 *
 * @module
 */
import { assertTensor, Tensor } from "../tensor.ts";
import { GpuTensor } from "../gpu/gpu_tensor.ts";
import { conv2dGpu } from "../gpu/conv2d.ts";
import { record } from "../autograd/tape.ts";
import { conv2dGeom, type Conv2dShapeOptions } from "./conv_geom.ts";
import { conv2dForward, conv2dGradBias, conv2dGradInput, conv2dGradWeight } from "./conv2d_cpu.ts";

/**
 * Options of {@link conv2d}.
 *
 * @example
 * ```ts
 * import type { Conv2dOptions } from "./conv2d.ts";
 * const o: Conv2dOptions = { stride: 2, padding: [1, 1], groups: 1 };
 * console.log(o.stride); // 2
 * ```
 */
export interface Conv2dOptions<T extends Tensor | GpuTensor = Tensor> extends Conv2dShapeOptions {
  /** Added to every output value of channel `o` (shape `[O]`, same dtype/device as `x`). */
  bias?: T;
}

function checkDtypes(x: Tensor, w: unknown, bias: unknown): asserts w is Tensor {
  assertTensor("conv2d", "weight", w);
  if (bias !== undefined) assertTensor("conv2d", "bias", bias);
  const b = bias as Tensor | undefined;
  if (w.dtype !== x.dtype || (b !== undefined && b.dtype !== x.dtype)) {
    throw new TypeError(
      `conv2d: dtypes differ: x ${x.dtype}, weight ${w.dtype}${b ? `, bias ${b.dtype}` : ""}`,
    );
  }
}

/**
 * 2-D convolution of `x` `[N, C, H, W]` with `weight` `[O, C/groups, kh, kw]`, giving
 * `[N, O, H', W']` with `H' = ⌊(H + 2·padH − dilH·(kh − 1) − 1) / strideH⌋ + 1` (W alike).
 * Output channel `o` of group `g = ⌊o·groups/O⌋` sees input channels `g·C/groups …`; `groups = C`
 * is a depthwise convolution. f32 and f64; differentiable in `x`, `weight` and `bias`.
 *
 * Bad input: a TypeError for unknown option keys or mixed dtypes; a RangeError naming the shapes
 * for a channel/group mismatch, negative padding, a non-integer or zero stride, or a kernel
 * larger than the padded input.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { conv2d } from "./conv2d.ts";
 * const x = tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], { shape: [1, 1, 3, 3] });
 * const w = tensor([1, 0, 0, -1], { shape: [1, 1, 2, 2] });
 * console.log(conv2d(x, w).data); // Float64Array [-4, -4, -4, -4]
 * console.log(conv2d(x, w, { padding: 1, stride: 2 }).shape); // [1, 1, 2, 2]
 * ```
 *
 * Given GpuTensors it enqueues the convolution on their GPU and returns a GpuTensor (forward
 * only; see `conv2dGpu`).
 */
export function conv2d(x: Tensor, weight: Tensor, opts?: Conv2dOptions): Tensor;
/** The convolution of GpuTensors on their GPU (f32, forward only). */
export function conv2d(x: GpuTensor, weight: GpuTensor, opts?: Conv2dOptions<GpuTensor>): GpuTensor;
export function conv2d(
  x: Tensor | GpuTensor,
  weight: Tensor | GpuTensor,
  opts: Conv2dOptions<Tensor> | Conv2dOptions<GpuTensor> = {},
): Tensor | GpuTensor {
  if (x instanceof GpuTensor || weight instanceof GpuTensor) {
    return conv2dGpu(x as GpuTensor, weight as GpuTensor, opts as Conv2dOptions<GpuTensor>);
  }
  assertTensor("conv2d", "x", x);
  const bias = (opts as Conv2dOptions | undefined)?.bias;
  checkDtypes(x, weight, bias);
  const g = conv2dGeom("conv2d", x.shape, weight.shape, bias?.shape, opts);
  const out = new Tensor(conv2dForward(g, x.data, weight.data, bias?.data), g.outShape);
  return record("conv2d", out, [x, weight, bias], (gOut, need) => [
    need[0] ? new Tensor(conv2dGradInput(g, weight.data, gOut.data), x.shape) : null,
    need[1] ? new Tensor(conv2dGradWeight(g, x.data, gOut.data), weight.shape) : null,
    need[2] && bias ? new Tensor(conv2dGradBias(g, gOut.data), bias.shape) : null,
  ]);
}

/**
 * The output shape `conv2d(x, weight, opts)` would have, after the same checks.
 *
 * @example
 * ```ts
 * import { conv2dOutShape } from "./conv2d.ts";
 * console.log(conv2dOutShape([8, 3, 32, 32], [16, 3, 3, 3], { stride: 2, padding: 1 })); // [8, 16, 16, 16]
 * ```
 */
export function conv2dOutShape(
  xShape: readonly number[],
  wShape: readonly number[],
  opts: Conv2dShapeOptions = {},
): number[] {
  return [...conv2dGeom("conv2dOutShape", xShape, wShape, undefined, opts).outShape];
}
