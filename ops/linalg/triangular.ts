/**
 * Triangular solves `op(T)·X = B` (BLAS `trsm`), the back end of solve, lstsq and Cholesky
 * based solvers.
 *
 * @module
 */
import { assertUntraced } from "../autograd/tape.ts";
import { assertTensor, type Tensor } from "../tensor.ts";
import { fromWork, workRhs, workSquare } from "./_work.ts";
import { checkDiagonal, trsmInPlace } from "./_trsm_kernel.ts";

/** Options of {@link solveTriangular}. */
export interface SolveTriangularOptions {
  /** `a` is lower triangular (true) or upper triangular (false); the other triangle is ignored. */
  lower: boolean;
  /** Assume ones on the diagonal without reading it (default false). */
  unitDiagonal?: boolean;
  /** Solve with `aᵀ` instead of `a` (default false). */
  trans?: boolean;
}

/**
 * Solves `op(a)·x = b` for triangular `a` (`op(a) = a`, or `aᵀ` with `trans`), `b` a vector
 * of length `n` or an `n × k` matrix; `x` has `b`'s shape. Only the triangle named by `lower`
 * is read. f32 input is solved in f64 and rounded to f32.
 *
 * Algorithm: blocked forward/back substitution, the off-diagonal blocks by GEMM (Golub & Van
 * Loan, "Matrix Computations", 4th ed., §3.1); backward stable.
 *
 * @throws {TypeError} if `a` or `b` is not a Tensor or their dtypes differ.
 * @throws {RangeError} for non-square or non-finite `a`, mismatched `b`, or a zero on the
 * diagonal of `a` (singular; the message names the index).
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { solveTriangular } from "./triangular.ts";
 * const l = tensor([[2, 0], [1, 1]]);
 * console.log(solveTriangular(l, tensor([2, 5]), { lower: true }).data); // Float64Array [1, 4]
 * console.log(solveTriangular(l, tensor([2, 5]), { lower: true, trans: true }).data);
 * // Float64Array [-1.5, 5]
 * ```
 */
export function solveTriangular(a: Tensor, b: Tensor, opts: SolveTriangularOptions): Tensor {
  assertUntraced("solveTriangular", { a, b });
  const fn = "solveTriangular";
  assertTensor(fn, "a", a);
  if (opts === null || typeof opts !== "object" || typeof opts.lower !== "boolean") {
    throw new TypeError(`${fn}: opts.lower must be a boolean, got ${String(opts?.lower)}`);
  }
  const { n, w, dtype } = workSquare(fn, "a", a);
  const rhs = workRhs(fn, b, n, dtype);
  const unit = opts.unitDiagonal ?? false;
  let lower = opts.lower;
  let t = w;
  if (opts.trans) {
    t = transposed(w, n);
    lower = !lower;
  }
  if (!unit) checkDiagonal(fn, t, n);
  trsmInPlace(t, n, rhs.w, rhs.k, lower, unit);
  return fromWork(rhs.w, b.shape, dtype);
}

function transposed(w: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[j * n + i] = w[i * n + j];
  return out;
}
