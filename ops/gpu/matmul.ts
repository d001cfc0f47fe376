/**
 * The GPU matrix product front end: shape checks as on the CPU, then GEMV for matrix–vector
 * shapes, the register-blocked GEMM otherwise (batched over leading axes).
 *
 * @module
 */
import { matmulDims } from "../matmul_shape.ts";
import { shapeSize, Tensor } from "../tensor.ts";
import { gemmGpu, type GemmKernel } from "./gemm.ts";
import { gemvCols, gemvRows } from "./gemv.ts";
import { assertGpuTensor, assertSameGpu, type GpuTensor } from "./gpu_tensor.ts";

/** Options of {@link matmulGpu}. */
export interface MatmulGpuOptions {
  /** Use the transpose of `a`'s last two axes (default false). */
  transA?: boolean;
  /** Use the transpose of `b`'s last two axes (default false). */
  transB?: boolean;
  /** GEMM kernel (default `"auto"`: by shape, GEMV for vector shapes); for benches and tests. */
  kernel?: GemmKernel;
}

/**
 * `op(a)·op(b)` on the GPU with the CPU `matmul`'s rules: both operands at least 2-D, equal
 * batch shapes, or a 2-D `b` shared by every matrix of `a`.
 *
 * @example
 * ```ts
 * import { requestGpu } from "./device.ts";
 * import { matmulGpu } from "./matmul.ts";
 * import { tensor } from "../tensor.ts";
 * const gpu = await requestGpu({ allowFallback: true });
 * if (gpu) {
 *   const a = gpu.upload(tensor([[1, 2], [3, 4]]));
 *   console.log((await matmulGpu(a, a, { transB: true }).read()).data); // Float32Array [5, 11, 11, 25]
 *   gpu.destroy();
 * }
 * ```
 */
export function matmulGpu(a: GpuTensor, b: GpuTensor, opts: MatmulGpuOptions = {}): GpuTensor {
  assertGpuTensor("matmul", "a", a);
  assertGpuTensor("matmul", "b", b);
  assertSameGpu("matmul", a, b);
  const transA = opts.transA ?? false, transB = opts.transB ?? false;
  const { m, n, k, batch, count, sharedB } = matmulDims(a.shape, b.shape, transA, transB);
  const [ar, ac] = a.shape.slice(-2), [br, bc] = b.shape.slice(-2);
  const gpu = a.gpu;
  const shape = [...batch, m, n];
  if (k === 0) return gpu.upload(new Tensor(new Float32Array(shapeSize(shape)), shape));
  const out = gpu.empty(shape);
  if (count === 1 && (opts.kernel ?? "auto") === "auto" && (n === 1 || m === 1)) {
    gemvPath(a, b, m, n, k, transA, transB, out);
    return out;
  }
  const args = {
    m,
    n,
    k,
    batch: count,
    transA,
    transB,
    strideA: ar * ac,
    strideB: sharedB ? 0 : br * bc,
  };
  gemmGpu(gpu, args, a.buffer, b.buffer, out.buffer, opts.kernel ?? "auto");
  return out;
}

/** Routes a vector-shaped product to the row or column GEMV (a vector's layout is contiguous
 * either way, so its transpose flag does not matter). */
function gemvPath(
  a: GpuTensor,
  b: GpuTensor,
  m: number,
  n: number,
  k: number,
  transA: boolean,
  transB: boolean,
  out: GpuTensor,
): void {
  const gpu = a.gpu;
  if (n === 1) {
    // C (m×1) = op(A)·x with x = b.
    if (transA) gemvCols(gpu, k, m, a.buffer, b.buffer, out.buffer);
    else gemvRows(gpu, m, k, a.buffer, b.buffer, out.buffer);
  } else {
    // C (1×n) = xᵀ·op(B) = (op(B)ᵀ·x)ᵀ with x = a.
    if (transB) gemvRows(gpu, n, k, b.buffer, a.buffer, out.buffer);
    else gemvCols(gpu, k, n, b.buffer, a.buffer, out.buffer);
  }
}
