/**
 * Differentiable matrix product (with transposes, batching and a shared right operand) and the
 * affine map `linear(x, W, b) = x·Wᵀ + b`. Forward and backward go straight to the strided CPU
 * GEMM; stacks that share `b` are flattened into one GEMM so the kernel sees large panels.
 *
 * @module
 */
import { gemm } from "../cpu/gemm.ts";
import { matmul as checkedMatmul, type MatmulOptions } from "../matmul.ts";
import {
  allocData,
  assertTensor,
  shapeSize,
  shapeStr,
  type Tensor,
  type TensorData,
} from "../tensor.ts";
import { Tensor as T } from "../tensor.ts";
import { GpuTensor } from "../gpu/gpu_tensor.ts";
import { record } from "./tape.ts";

/**
 * `count` GEMMs `out[t] = op(x[t]) · op(y[t])` with `op(x)` M×K and `op(y)` K×N. A stride of 0
 * reuses one matrix for every t; `outStride = 0` sums all products into one M×N result.
 */
function gemmLoop(
  count: number,
  m: number,
  n: number,
  k: number,
  x: TensorData,
  xStride: number,
  tx: boolean,
  y: TensorData,
  yStride: number,
  ty: boolean,
  out: TensorData,
  outStride: number,
): void {
  for (let t = 0; t < count; t++) {
    gemm({
      m,
      n,
      k,
      a: x,
      aOffset: t * xStride,
      lda: tx ? m : k,
      transA: tx,
      b: y,
      bOffset: t * yStride,
      ldb: ty ? k : n,
      transB: ty,
      c: out,
      cOffset: t * outStride,
      ldc: n,
      beta: outStride === 0 && t > 0 ? 1 : 0,
    });
  }
}

/**
 * Matrix product `op(a)·op(b)` (as the CPU `matmul`: matrices, or stacks with equal batch
 * shapes, or a stack times a shared matrix); differentiable in both operands.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { matmul } from "./ops_matmul.ts";
 * const a = tensor([[1, 2], [3, 4]]);
 * console.log(matmul(a, a, { transB: true }).data); // Float64Array [5, 11, 11, 25]
 * ```
 */
export function matmul(a: Tensor, b: Tensor, opts?: MatmulOptions): Tensor;
/** `op(a)·op(b)` of two GpuTensors on their GPU (not recorded; see `matmulGpu`). */
export function matmul(a: GpuTensor, b: GpuTensor, opts?: MatmulOptions): GpuTensor;
export function matmul(
  a: Tensor | GpuTensor,
  b: Tensor | GpuTensor,
  opts: MatmulOptions = {},
): Tensor | GpuTensor {
  if (a instanceof GpuTensor || b instanceof GpuTensor) {
    return checkedMatmul(a as GpuTensor, b as GpuTensor, opts);
  }
  assertTensor("matmul", "a", a);
  assertTensor("matmul", "b", b);
  const tA = opts.transA ?? false, tB = opts.transB ?? false;
  const shared = b.ndim === 2 && a.ndim > 2;
  if (!(shared && !tA)) {
    const out = checkedMatmul(a, b, opts);
    return record("matmul", out, [a, b], (g, need) => matmulBackward(a, b, tA, tB, g, need));
  }
  // A stack times one matrix: one GEMM over the flattened rows.
  const [ar, ac] = a.shape.slice(-2);
  if (a.dtype !== b.dtype) {
    throw new TypeError(`matmul: dtypes differ: a is ${a.dtype}, b is ${b.dtype}`);
  }
  if ((tB ? b.shape[1] : b.shape[0]) !== ac) {
    throw new RangeError(
      `matmul: inner dimensions differ: a is ${shapeStr(a.shape)}, b is ${shapeStr(b.shape)}${
        tB ? "ᵀ" : ""
      }`,
    );
  }
  const rows = a.size / ac;
  const n = tB ? b.shape[0] : b.shape[1];
  const out = allocData(a.dtype, rows * n);
  gemmLoop(1, rows, n, ac, a.data, 0, false, b.data, 0, tB, out, 0);
  const res = new T(out, [...a.shape.slice(0, -2), ar, n]);
  return record("matmul", res, [a, b], (g, need) => matmulBackward(a, b, tA, tB, g, need));
}

function matmulBackward(
  a: Tensor,
  b: Tensor,
  tA: boolean,
  tB: boolean,
  g: Tensor,
  need: readonly boolean[],
): (Tensor | null)[] {
  const [ar, ac] = a.shape.slice(-2), [br, bc] = b.shape.slice(-2);
  const m = tA ? ac : ar, k = tA ? ar : ac, n = tB ? br : bc;
  const count = shapeSize(a.shape.slice(0, -2));
  const sharedB = b.ndim === 2 && a.ndim > 2;
  const aStride = ar * ac, bStride = sharedB ? 0 : br * bc;
  let ga: Tensor | null = null, gb: Tensor | null = null;
  if (need[0]) {
    const d = allocData(a.dtype, a.size);
    if (tA) gemmLoop(count, k, m, n, b.data, bStride, tB, g.data, m * n, true, d, k * m);
    else if (sharedB) gemmLoop(1, count * m, k, n, g.data, 0, false, b.data, 0, !tB, d, 0);
    else gemmLoop(count, m, k, n, g.data, m * n, false, b.data, bStride, !tB, d, m * k);
    ga = new T(d, a.shape);
  }
  if (need[1]) {
    const d = allocData(b.dtype, b.size);
    const flat = sharedB && !tA;
    const [cnt, mm] = flat ? [1, count * m] : [count, m];
    const outStride = sharedB ? 0 : k * n;
    if (tB) gemmLoop(cnt, n, k, mm, g.data, mm * n, true, a.data, aStride, tA, d, outStride);
    else gemmLoop(cnt, k, n, mm, a.data, aStride, !tA, g.data, mm * n, false, d, outStride);
    gb = new T(d, b.shape);
  }
  return [ga, gb];
}

/**
 * The affine map `x·Wᵀ + b` over the last axis of `x`, with `W` stored `[out, in]` as in
 * PyTorch's `nn.Linear` (so checkpoint weights are used as stored); differentiable in all three.
 * One fused op: all leading axes of `x` are flattened into a single GEMM, the bias is added in
 * place, and the backward is two GEMMs and a column sum.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { linear } from "./ops_matmul.ts";
 * const w = tensor([[1, 0], [0, 2], [1, 1]]); // 2 inputs -> 3 outputs
 * console.log(linear(tensor([[1, 2]]), w, tensor([0, 0, 1])).data); // Float64Array [1, 4, 4]
 * ```
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor): Tensor {
  assertTensor("linear", "x", x);
  assertTensor("linear", "weight", weight);
  if (weight.ndim !== 2) {
    throw new RangeError(`linear: weight must be [out, in], got shape ${shapeStr(weight.shape)}`);
  }
  const [nOut, nIn] = weight.shape;
  if (x.ndim < 1 || x.shape[x.ndim - 1] !== nIn) {
    throw new RangeError(
      `linear: x is ${shapeStr(x.shape)} but weight ${shapeStr(weight.shape)} takes ${nIn} inputs`,
    );
  }
  if (x.dtype !== weight.dtype || (bias !== undefined && bias.dtype !== x.dtype)) {
    throw new TypeError(
      `linear: dtypes differ: x ${x.dtype}, weight ${weight.dtype}, bias ${bias?.dtype}`,
    );
  }
  if (bias !== undefined) {
    assertTensor("linear", "bias", bias);
    if (bias.ndim !== 1 || bias.shape[0] !== nOut) {
      throw new RangeError(`linear: bias must have shape [${nOut}], got ${shapeStr(bias.shape)}`);
    }
  }
  const rows = shapeSize(x.shape.slice(0, -1));
  const y = allocData(x.dtype, rows * nOut);
  gemmLoop(1, rows, nOut, nIn, x.data, 0, false, weight.data, 0, true, y, 0);
  if (bias !== undefined) {
    const b = bias.data;
    for (let r = 0; r < rows; r++) {
      const o = r * nOut;
      for (let j = 0; j < nOut; j++) y[o + j] += b[j];
    }
  }
  const out = new T(y, [...x.shape.slice(0, -1), nOut]);
  return record("linear", out, [x, weight, bias], (g, need) => {
    let gx: Tensor | null = null, gw: Tensor | null = null, gb: Tensor | null = null;
    if (need[0]) {
      const d = allocData(x.dtype, x.size);
      gemmLoop(1, rows, nIn, nOut, g.data, 0, false, weight.data, 0, false, d, 0);
      gx = new T(d, x.shape);
    }
    if (need[1]) {
      const d = allocData(x.dtype, weight.size);
      gemmLoop(1, nOut, nIn, rows, g.data, 0, true, x.data, 0, false, d, 0);
      gw = new T(d, weight.shape);
    }
    if (need[2]) {
      const d = allocData(x.dtype, nOut), gd = g.data;
      for (let r = 0; r < rows; r++) {
        const o = r * nOut;
        for (let j = 0; j < nOut; j++) d[j] += gd[o + j];
      }
      gb = new T(d, [nOut]);
    }
    return [gx, gw, gb];
  });
}
