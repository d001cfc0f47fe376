/**
 * Internal helpers shared by the dense factorizations: validated f64 working copies of the
 * input and conversion of results back to the caller's dtype. f32 input is factored in f64
 * (more accurate, and the O(n³) kernels are the same code) and the result is rounded to f32.
 *
 * @module
 */
import {
  allocData,
  assertFinite,
  assertMatrix,
  assertTensor,
  type DType,
  shapeStr,
  Tensor,
} from "../tensor.ts";

/** A validated row-major f64 copy of a matrix argument. */
export interface WorkMatrix {
  /** Rows. */
  m: number;
  /** Columns. */
  n: number;
  /** Row-major f64 copy (owned by the caller: free to overwrite). */
  w: Float64Array;
  /** The argument's dtype (results are returned in it). */
  dtype: DType;
}

/**
 * Checks that `t` is a finite matrix and returns an f64 working copy.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { workMatrix } from "./_work.ts";
 * console.log(workMatrix("f", "a", tensor([[1, 2]])).n); // 2
 * ```
 */
export function workMatrix(fn: string, arg: string, t: Tensor): WorkMatrix {
  const [m, n] = assertMatrix(fn, arg, t);
  assertFinite(fn, arg, t);
  return { m, n, w: Float64Array.from(t.data), dtype: t.dtype };
}

/**
 * Like {@link workMatrix} but also requires a square matrix.
 *
 * @example
 * ```ts
 * import { eye } from "../tensor.ts";
 * import { workSquare } from "./_work.ts";
 * console.log(workSquare("f", "a", eye(3)).n); // 3
 * ```
 */
export function workSquare(fn: string, arg: string, t: Tensor): WorkMatrix {
  const wm = workMatrix(fn, arg, t);
  if (wm.m !== wm.n) {
    throw new RangeError(`${fn}: ${arg} must be square, got shape ${shapeStr(t.shape)}`);
  }
  return wm;
}

/**
 * Wraps f64 results as a tensor of `dtype` (rounded when f32).
 *
 * @example
 * ```ts
 * import { fromWork } from "./_work.ts";
 * console.log(fromWork(new Float64Array([1, 2]), [2], "f32").dtype); // "f32"
 * ```
 */
export function fromWork(w: Float64Array, shape: readonly number[], dtype: DType): Tensor {
  if (dtype === "f64") return new Tensor(w, shape);
  const out = allocData(dtype, w.length);
  out.set(w);
  return new Tensor(out, shape);
}

/**
 * Unit roundoff of a dtype: 2⁻⁵³ for f64, 2⁻²⁴ for f32.
 *
 * @example
 * ```ts
 * import { unitRoundoff } from "./_work.ts";
 * console.log(unitRoundoff("f64") === 2 ** -53); // true
 * ```
 */
export function unitRoundoff(dtype: DType): number {
  return dtype === "f32" ? 2 ** -24 : 2 ** -53;
}

/**
 * Validates a right-hand side: a vector of length `n` or an `n × k` matrix, finite, of
 * `dtype`. Returns its f64 copy as an `n × k` row-major block and whether it was a vector.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { workRhs } from "./_work.ts";
 * console.log(workRhs("f", tensor([1, 2]), 2, "f64").k); // 1
 * ```
 */
export function workRhs(
  fn: string,
  b: Tensor,
  n: number,
  dtype: DType,
): { w: Float64Array; k: number; vector: boolean } {
  assertTensor(fn, "b", b);
  if (b.dtype !== dtype) {
    throw new TypeError(`${fn}: dtypes differ: a is ${dtype}, b is ${b.dtype}`);
  }
  if ((b.ndim !== 1 && b.ndim !== 2) || b.shape[0] !== n) {
    throw new RangeError(
      `${fn}: b must be a vector of length ${n} or a matrix with ${n} rows, got shape ${
        shapeStr(b.shape)
      }`,
    );
  }
  assertFinite(fn, "b", b);
  return { w: Float64Array.from(b.data), k: b.ndim === 1 ? 1 : b.shape[1], vector: b.ndim === 1 };
}

/**
 * Reads an optional non-negative finite number option, throwing a RangeError naming it.
 *
 * @example
 * ```ts
 * import { optNonNegative } from "./_work.ts";
 * console.log(optNonNegative("f", "rcond", undefined, 0.5)); // 0.5
 * ```
 */
export function optNonNegative(
  fn: string,
  name: string,
  v: number | undefined,
  dflt: number,
): number {
  if (v === undefined) return dflt;
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
    throw new RangeError(`${fn}: ${name} must be a finite number >= 0, got ${String(v)}`);
  }
  return v;
}

/**
 * Reads an optional positive integer option, throwing a RangeError naming it.
 *
 * @example
 * ```ts
 * import { optPositiveInt } from "./_work.ts";
 * console.log(optPositiveInt("f", "iters", 3, 10)); // 3
 * ```
 */
export function optPositiveInt(
  fn: string,
  name: string,
  v: number | undefined,
  dflt: number,
  min = 1,
): number {
  if (v === undefined) return dflt;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
    throw new RangeError(`${fn}: ${name} must be an integer >= ${min}, got ${String(v)}`);
  }
  return v;
}

/**
 * Throws a RangeError naming `fn` when the square `a` (`n × n`) has an asymmetry
 * `max|aᵢⱼ − aⱼᵢ|` above `tol·max|aᵢⱼ|`; the message gives the largest one and where it is.
 * The differences are taken at half scale, so entries near the largest double do not overflow.
 *
 * @example
 * ```ts
 * import { assertSymmetric } from "./_work.ts";
 * try {
 *   assertSymmetric("f", new Float64Array([1, 2, 3, 1]), 2, 1e-12);
 * } catch (e) {
 *   console.log((e as Error).message);
 *   // f: a is not symmetric: |a[0,1] - a[1,0]| = 3.333e-1·max|a| exceeds tol = 1.000e-12
 * }
 * ```
 */
export function assertSymmetric(
  fn: string,
  a: ArrayLike<number>,
  n: number,
  tol: number,
): void {
  let big = 0, asym = 0, atI = 0, atJ = 0;
  for (let i = 0; i < n * n; i++) big = Math.max(big, Math.abs(a[i]));
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const x = 2 * Math.abs(0.5 * a[i * n + j] - 0.5 * a[j * n + i]);
      if (x > asym) asym = x, atI = i, atJ = j;
    }
  }
  if (!(asym > tol * big)) return;
  throw new RangeError(
    `${fn}: a is not symmetric: |a[${atI},${atJ}] - a[${atJ},${atI}]| = ${
      (asym / big).toExponential(3)
    }·max|a| exceeds tol = ${tol.toExponential(3)}`,
  );
}
