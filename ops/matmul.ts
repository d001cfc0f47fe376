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
  /**
   * CPU only: write the product into this tensor (same dtype, the product's shape, no memory
   * shared with `a` or `b`) and return it, instead of allocating the result. Repeated products
   * then reuse warm memory: a fresh 8 MB result cost 22 ms of page faults on the development VM,
   * a third of a 1024² product.
   */
  out?: Tensor;
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
 * const c = tensor([[0, 0], [0, 0]]);
 * console.log(matmul(a, a, { out: c }) === c, c.data); // true Float64Array [7, 10, 15, 22]
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
    if (opts.out !== undefined) {
      throw new TypeError("matmul: out is for CPU tensors; GPU products return a new GpuTensor");
    }
    return matmulGpu(a as GpuTensor, b as GpuTensor, opts);
  }
  assertTensor("matmul", "a", a);
  assertTensor("matmul", "b", b);
  if (a.dtype !== b.dtype) {
    throw new TypeError(`matmul: dtypes differ: a is ${a.dtype}, b is ${b.dtype}`);
  }
  const transA = opts.transA ?? false, transB = opts.transB ?? false;
  checkFlag("transA", transA);
  checkFlag("transB", transB);
  if (a.shape.length === 2 && b.shape.length === 2) return matmul2d(a, b, transA, transB, opts.out);
  const { m, n, k, batch, count, sharedB } = matmulDims(a.shape, b.shape, transA, transB);
  const [ar, ac] = a.shape.slice(-2), [br, bc] = b.shape.slice(-2);
  const shape = [...batch, m, n];
  const out = opts.out === undefined
    ? allocData(a.dtype, count * m * n)
    : checkOut(opts.out, a, b, shape).data;
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
  return opts.out ?? new Tensor(out, shape);
}

function checkFlag(name: string, v: unknown): void {
  if (typeof v !== "boolean") {
    throw new TypeError(`matmul: ${name} must be a boolean, got ${typeof v} ${String(v)}`);
  }
}

/**
 * The product of two matrices: the common case, kept free of the batch bookkeeping (slices and
 * spreads cost ~1 µs a call, as much as a 16×16 product's arithmetic).
 */
function matmul2d(
  a: Tensor,
  b: Tensor,
  transA: boolean,
  transB: boolean,
  out: Tensor | undefined,
): Tensor {
  const [ar, ac] = a.shape, [br, bc] = b.shape;
  const m = transA ? ac : ar, k = transA ? ar : ac, n = transB ? br : bc;
  // matmulDims words the error.
  if ((transB ? bc : br) !== k) matmulDims(a.shape, b.shape, transA, transB);
  const c = out === undefined ? allocData(a.dtype, m * n) : checkOut(out, a, b, [m, n]).data;
  gemm({ m, n, k, transA, transB, a: a.data, lda: ac, b: b.data, ldb: bc, c, ldc: n });
  return out ?? new Tensor(c, [m, n]);
}

/** `out` must hold exactly the product and share no memory with the operands. */
function checkOut(out: Tensor, a: Tensor, b: Tensor, shape: number[]): Tensor {
  if (!(out instanceof Tensor)) {
    throw new TypeError(`matmul: out must be a Tensor, got ${typeof out} ${String(out)}`);
  }
  if (out.dtype !== a.dtype) {
    throw new TypeError(`matmul: out has dtype ${out.dtype}, the product is ${a.dtype}`);
  }
  if (out.shape.length !== shape.length || out.shape.some((d, i) => d !== shape[i])) {
    throw new RangeError(`matmul: out has shape [${out.shape}], the product is [${shape}]`);
  }
  for (const [name, t] of [["a", a], ["b", b]] as const) {
    if (overlaps(out.data, t.data)) {
      throw new RangeError(
        `matmul: out shares memory with ${name}; the product would read its own output`,
      );
    }
  }
  return out;
}

function overlaps(x: ArrayBufferView, y: ArrayBufferView): boolean {
  if (x.buffer !== y.buffer) return false;
  return x.byteOffset < y.byteOffset + y.byteLength && y.byteOffset < x.byteOffset + x.byteLength;
}
