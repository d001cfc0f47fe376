/**
 * Triangular solves `op(T)·X = B` (BLAS `trsm`), the back end of solve, lstsq and Cholesky
 * based solvers.
 *
 * @module
 */
import { gemm } from "../cpu/gemm.ts";
import { assertTensor, type Tensor } from "../tensor.ts";
import { fromWork, workRhs, workSquare } from "./_work.ts";

/** Options of {@link solveTriangular}. */
export interface SolveTriangularOptions {
  /** `a` is lower triangular (true) or upper triangular (false); the other triangle is ignored. */
  lower: boolean;
  /** Assume ones on the diagonal without reading it (default false). */
  unitDiagonal?: boolean;
  /** Solve with `aᵀ` instead of `a` (default false). */
  trans?: boolean;
}

const NB = 64; // block rows solved by substitution; the rest is updated by GEMM

/**
 * Overwrites the row-major `n × k` block `x` with `T⁻¹·x` for the triangle of the `n × n`
 * row-major `t`. The caller has checked that the diagonal has no zero (unless `unit`).
 *
 * @example
 * ```ts
 * import { trsmInPlace } from "./triangular.ts";
 * const x = new Float64Array([2, 5]);
 * trsmInPlace(new Float64Array([2, 0, 1, 1]), 2, x, 1, true, false);
 * console.log(x); // Float64Array [1, 4]
 * ```
 */
export function trsmInPlace(
  t: Float64Array,
  n: number,
  x: Float64Array,
  k: number,
  lower: boolean,
  unit: boolean,
): void {
  for (let b = 0; b < n; b += NB) {
    const len = Math.min(NB, n - b);
    const i0 = lower ? b : n - b - len, i1 = i0 + len;
    substituteBlock(t, n, x, k, i0, i1, lower, unit);
    const rest0 = lower ? i1 : 0, rest1 = lower ? n : i0;
    if (rest1 > rest0) updateRest(t, n, x, k, i0, i1, rest0, rest1);
  }
}

function substituteBlock(
  t: Float64Array,
  n: number,
  x: Float64Array,
  k: number,
  i0: number,
  i1: number,
  lower: boolean,
  unit: boolean,
): void {
  const step = lower ? 1 : -1;
  for (let i = lower ? i0 : i1 - 1; i >= i0 && i < i1; i += step) {
    const xi = i * k, ti = i * n;
    const [s0, s1] = lower ? [i0, i] : [i + 1, i1];
    for (let s = s0; s < s1; s++) {
      const c = t[ti + s];
      if (c === 0) continue;
      const xs = s * k;
      for (let j = 0; j < k; j++) x[xi + j] -= c * x[xs + j];
    }
    if (!unit) {
      const d = t[ti + i];
      for (let j = 0; j < k; j++) x[xi + j] /= d;
    }
  }
}

/** `x[r0:r1] -= T[r0:r1, i0:i1] · x[i0:i1]` by GEMM on copies (C never aliases A or B). */
function updateRest(
  t: Float64Array,
  n: number,
  x: Float64Array,
  k: number,
  i0: number,
  i1: number,
  r0: number,
  r1: number,
): void {
  const len = i1 - i0;
  gemm({
    m: r1 - r0,
    n: k,
    k: len,
    a: t,
    aOffset: r0 * n + i0,
    lda: n,
    b: x.slice(i0 * k, i1 * k),
    ldb: k,
    c: x,
    cOffset: r0 * k,
    ldc: k,
    alpha: -1,
    beta: 1,
  });
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

/**
 * Throws a RangeError naming `fn` and the first zero diagonal entry of the `n × n` row-major `t`.
 *
 * @example
 * ```ts
 * import { checkDiagonal } from "./triangular.ts";
 * checkDiagonal("demo", new Float64Array([1, 0, 0, 2]), 2); // passes: no zero pivot
 * ```
 */
export function checkDiagonal(fn: string, t: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    if (t[i * n + i] === 0) {
      throw new RangeError(`${fn}: a is singular: diagonal entry ${i} is 0`);
    }
  }
}

function transposed(w: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[j * n + i] = w[i * n + j];
  return out;
}
