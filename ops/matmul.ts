/**
 * Matrix product front end: shape checks, transposes and batching over the CPU GEMM kernel.
 *
 * @module
 */
import { gemm } from "./cpu/gemm.ts";
import { matmulDims } from "./matmul_shape.ts";
import { allocData, assertTensor, Tensor } from "./tensor.ts";
import { GpuTensor, matmulGpu } from "./gpu/dispatch.ts";

/** Options of {@link matmul}. */
export interface MatmulOptions {
  /** Multiply by the transpose of `a`'s last two axes (default false). */
  transA?: boolean;
  /** Multiply by the transpose of `b`'s last two axes (default false). */
  transB?: boolean;
}

/**
 * Matrix product `op(a) · op(b)`. Both operands are matrices, or both are stacks of matrices
 * with the same leading (batch) shape; a 2-D `b` is shared by every matrix of a batched `a`.
 * Dtypes must match.
 *
 * @example
 * ```ts
 * import { tensor } from "./tensor.ts";
 * import { matmul } from "./matmul.ts";
 * const a = tensor([[1, 2], [3, 4]]);
 * console.log(matmul(a, a).data); // Float64Array [7, 10, 15, 22]
 * console.log(matmul(a, a, { transA: true }).data); // Float64Array [10, 14, 14, 20]
 * ```
 *
 * Given GpuTensors (see `ops/gpu/`), it enqueues the product on their GPU and returns a
 * GpuTensor.
 */
export function matmul(a: Tensor, b: Tensor, opts?: MatmulOptions): Tensor;
/** `op(a)·op(b)` of two GpuTensors on their GPU (see `matmulGpu`). */
export function matmul(a: GpuTensor, b: GpuTensor, opts?: MatmulOptions): GpuTensor;
export function matmul(
  a: Tensor | GpuTensor,
  b: Tensor | GpuTensor,
  opts: MatmulOptions = {},
): Tensor | GpuTensor {
  if (a instanceof GpuTensor || b instanceof GpuTensor) {
    return matmulGpu(a as GpuTensor, b as GpuTensor, opts);
  }
  assertTensor("matmul", "a", a);
  assertTensor("matmul", "b", b);
  if (a.dtype !== b.dtype) {
    throw new TypeError(`matmul: dtypes differ: a is ${a.dtype}, b is ${b.dtype}`);
  }
  const transA = opts.transA ?? false, transB = opts.transB ?? false;
  for (const [name, v] of [["transA", transA], ["transB", transB]] as const) {
    if (typeof v !== "boolean") {
      throw new TypeError(`matmul: ${name} must be a boolean, got ${typeof v} ${String(v)}`);
    }
  }
  const { m, n, k, batch, count, sharedB } = matmulDims(a.shape, b.shape, transA, transB);
  const [ar, ac] = a.shape.slice(-2), [br, bc] = b.shape.slice(-2);
  const out = allocData(a.dtype, count * m * n);
  for (let t = 0; t < count; t++) {
    gemm({
      m,
      n,
      k,
      transA,
      transB,
      a: a.data,
      aOffset: t * ar * ac,
      lda: ac,
      b: b.data,
      bOffset: sharedB ? 0 : t * br * bc,
      ldb: bc,
      c: out,
      cOffset: t * m * n,
      ldc: n,
    });
  }
  return new Tensor(out, [...batch, m, n]);
}
