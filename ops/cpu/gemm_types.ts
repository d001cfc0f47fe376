/**
 * The argument record of the strided GEMM kernels (BLAS `dgemm`/`sgemm` semantics on row-major
 * storage).
 *
 * @module
 */

/**
 * `C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C`, all row-major with leading dimensions
 * (row strides) `lda`, `ldb`, `ldc` and element offsets. `op(X)` is `X` or `Xᵀ`. A, B and C
 * must have the same element type, and C must not overlap A or B.
 *
 * @example
 * ```ts
 * import type { GemmArgs } from "./gemm_types.ts";
 * // C (2x2) = Aᵀ·B where A is stored 3x2 and B is 3x2.
 * const g: GemmArgs = {
 *   m: 2, n: 2, k: 3, transA: true,
 *   a: new Float64Array(6), lda: 2, b: new Float64Array(6), ldb: 2, c: new Float64Array(4), ldc: 2,
 * };
 * console.log(g.k); // 3
 * ```
 */
export interface GemmArgs {
  /** Rows of op(A) and C. */
  m: number;
  /** Columns of op(B) and C. */
  n: number;
  /** Columns of op(A) = rows of op(B). */
  k: number;
  /** Storage of A. */
  a: Float32Array | Float64Array;
  /** Offset of A's first element in `a` (default 0). */
  aOffset?: number;
  /** Row stride of A as stored. */
  lda: number;
  /** Use Aᵀ (A is stored k×m). */
  transA?: boolean;
  /** Storage of B. */
  b: Float32Array | Float64Array;
  /** Offset of B's first element in `b` (default 0). */
  bOffset?: number;
  /** Row stride of B as stored. */
  ldb: number;
  /** Use Bᵀ (B is stored n×k). */
  transB?: boolean;
  /** Storage of C (written). */
  c: Float32Array | Float64Array;
  /** Offset of C's first element in `c` (default 0). */
  cOffset?: number;
  /** Row stride of C. */
  ldc: number;
  /** Multiplier of the product (default 1). */
  alpha?: number;
  /** Multiplier of the old C (default 0: C is overwritten, its old contents ignored). */
  beta?: number;
}
