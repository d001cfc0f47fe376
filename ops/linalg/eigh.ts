/**
 * Eigendecomposition of a real symmetric matrix: Householder tridiagonalization and implicit QL
 * with Wilkinson shifts (Golub & Van Loan, "Matrix Computations", 4th ed., §8.3; Bowdler et
 * al., Numer. Math. 11, 1968).
 *
 * @module
 */
import { checkOptions } from "../options.ts";
import { assertFinite, assertMatrix, shapeStr, type Tensor } from "../tensor.ts";
import { scalePow2_, toTensor } from "./dense.ts";
import { applyQFromRows_, formQFromRows } from "./householder.ts";
import { tridiagonalEigen_, tridiagonalize_, tridiagonalWorkspace } from "./tridiag.ts";
import { tridiagonalEigenDc } from "./tridiag_dc.ts";
import { simdWorkspace } from "./simd.ts";
import { Scratch } from "./_scratch.ts";

/** The working copy below order 96 (it is discarded once the eigenvectors are formed). */
const W_SCRATCH = new Scratch();
/** e and τ of the tridiagonal form (consumed here, never returned). */
const ET_SCRATCH = new Scratch();

/** Below this order implicit QL beats divide and conquer (no GEMM to amortize). */
const DC_MIN = 48;
/**
 * Largest order whose divide-and-conquer scratch (2n² f64) is kept in the SIMD workspace, which
 * never shrinks: 64 MiB at most stays mapped after a call; larger orders allocate per call.
 */
const DC_SCRATCH_MAX = 2048;

/** Options of {@link eigh}. */
export interface EighOptions {
  /**
   * Largest accepted asymmetry `max|aᵢⱼ − aⱼᵢ|` relative to `max|aᵢⱼ|` (default `32·n·u`, with u
   * the unit roundoff of the input dtype). Larger asymmetry is a RangeError; what is accepted is
   * symmetrized as `(a + aᵀ)/2`.
   */
  tol?: number;
}

/** The result of {@link eigh}: `a = vectors · diag(values) · vectorsᵀ`. */
export interface EighResult {
  /** Eigenvalues, ascending (1-D). */
  values: Tensor;
  /** Orthonormal eigenvectors as columns (n × n), each with its largest-|entry| positive. */
  vectors: Tensor;
}

/**
 * Eigenvalues (ascending) and orthonormal eigenvectors (columns) of a symmetric matrix, f64 or
 * f32 (f32 is computed in f64 and rounded). Householder tridiagonalization + implicit QL
 * (Golub & Van Loan §8.3; Bowdler, Martin, Reinsch & Wilkinson 1968). The matrix is scaled by an
 * exact power of two first, so entries near 1e±150 are fine. Signs are deterministic: the
 * largest-|entry| of each vector is positive. A 0×0 input gives empty results.
 *
 * @throws {RangeError} if `a` is not a square matrix, has a non-finite entry, or is not
 * symmetric within `tol` (the message gives the measured asymmetry).
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { eigh } from "./eigh.ts";
 * const { values, vectors } = eigh(tensor([[2, 1], [1, 2]]));
 * console.log(values.data, vectors.shape); // Float64Array [1, 3] [2, 2]
 * ```
 */
export function eigh(a: Tensor, opts: EighOptions = {}): EighResult {
  checkOptions("eigh", opts, { tol: "number" });
  const [m, n] = assertMatrix("eigh", "a", a);
  if (m !== n) throw new RangeError(`eigh: a must be square, got shape ${shapeStr(a.shape)}`);
  assertFinite("eigh", "a", a);
  const dtype = a.dtype;
  const u = dtype === "f32" ? 2 ** -24 : 2 ** -53;
  const tol = opts.tol ?? 32 * Math.max(n, 1) * u;
  if (typeof tol !== "number" || !(tol >= 0)) {
    throw new RangeError(`eigh: tol must be a non-negative number, got ${String(opts.tol)}`);
  }
  // The working copy lives in the SIMD kernels' memory when it can (tridiagonalization's
  // matrix-vector products then run there), up to DC_SCRATCH_MAX with two n² scratch arrays for
  // the divide and conquer: that memory stays mapped between calls, while the pages of fresh n²
  // arrays are faulted in on first touch (≈ 14 µs per 4 KB page on this VM: 7 ms per 2 MB).
  const extra = n <= DC_SCRATCH_MAX ? [n * n, n * n] : [];
  const simd = n >= 96 ? simdWorkspace([...tridiagonalWorkspace(n), ...extra]) : null;
  const w = simd ? simd.arrays[0] : W_SCRATCH.get(n * n);
  const e = maxExponent(a.data);
  symmetrize(a.data, w, n, -e, tol);
  const td = tridiagonalize_(w, n, simd, ET_SCRATCH.get(2 * n).fill(0, 0, 2 * n));
  let z: Float64Array;
  if (n < DC_MIN) {
    z = formQFromRows(w, n, Math.max(n - 2, 0), td.tau);
    tridiagonalEigen_(td.d, td.e, n, z);
  } else {
    // Eigenvectors of T, then the reflectors applied to them (cheaper than forming Q first).
    const ws = extra.length > 0 ? simd?.arrays : undefined;
    z = tridiagonalEigenDc(td.d, td.e, n, ws ? [ws[ws.length - 2], ws[ws.length - 1]] : null);
    applyQFromRows_(w, n, n - 2, td.tau, z);
  }
  scalePow2_(td.d, e);
  flipColumns(z, n);
  return { values: toTensor(td.d, [n], dtype), vectors: toTensor(z, [n, n], dtype) };
}

/**
 * Writes `dst = 2^s·(src + srcᵀ)/2` (a copy in f64) in one pass over 32 × 32 tile pairs (a
 * plain column walk of the lower triangle misses the cache on every entry for n ≳ 256), measuring
 * max|a| and the largest asymmetry of the scaled matrix on the way; if that exceeds `tol·max|a|`
 * `src` is searched again for the place to report (the error path only). The scaling
 * is exact and applied before the sum, in two steps so that neither 2^s nor a + aᵀ overflows.
 */
function symmetrize(
  src: Float32Array | Float64Array,
  dst: Float64Array,
  n: number,
  s: number,
  tol: number,
): void {
  const h = Math.trunc(s / 2), f1 = 2 ** h, f2 = 2 ** (s - h);
  let big = 0, asym = 0;
  const T = 32;
  for (let i0 = 0; i0 < n; i0 += T) {
    const i1 = Math.min(n, i0 + T);
    for (let j0 = i0; j0 < n; j0 += T) {
      const j1 = Math.min(n, j0 + T);
      for (let i = i0; i < i1; i++) {
        const ri = i * n;
        if (j0 === i0) {
          const x = (src[ri + i] * f1) * f2, ax = Math.abs(x);
          dst[ri + i] = x;
          if (ax > big) big = ax;
        }
        for (let j = Math.max(j0, i + 1); j < j1; j++) {
          const x = (src[ri + j] * f1) * f2, y = (src[j * n + i] * f1) * f2;
          const ax = Math.abs(x), ay = Math.abs(y), dxy = Math.abs(x - y);
          if (ax > big) big = ax;
          if (ay > big) big = ay;
          if (dxy > asym) asym = dxy;
          const avg = 0.5 * (x + y);
          dst[ri + j] = avg;
          dst[j * n + i] = avg;
        }
      }
    }
  }
  if (asym > tol * big) throwAsymmetry(src, n, tol);
}

/** round(log₂ max|x|), 0 for a zero array: the exponent that brings the entries near 1. */
function maxExponent(x: Float32Array | Float64Array): number {
  let big = 0;
  for (let i = 0; i < x.length; i++) {
    const v = Math.abs(x[i]);
    if (v > big) big = v;
  }
  return big === 0 ? 0 : Math.round(Math.log2(big));
}

/** Throws the RangeError naming the largest asymmetry (first in row order among ties). */
function throwAsymmetry(a: ArrayLike<number>, n: number, tol: number): never {
  let big = 0, asym = 0, atI = 0, atJ = 0;
  for (let i = 0; i < n * n; i++) big = Math.max(big, Math.abs(a[i]));
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const x = Math.abs(a[i * n + j] - a[j * n + i]);
      if (x > asym) asym = x, atI = i, atJ = j;
    }
  }
  throw new RangeError(
    `eigh: a is not symmetric: |a[${atI},${atJ}] - a[${atJ},${atI}]| = ${
      (asym / big).toExponential(3)
    }·max|a| exceeds tol = ${tol.toExponential(3)}`,
  );
}

function flipColumns(z: Float64Array, n: number): void {
  if (n <= 32) return flipColumnsSmall(z, n);
  // Row-major walk: per column, the first entry of largest magnitude decides the sign.
  const best = new Float64Array(n), sign = new Float64Array(n).fill(1);
  for (let i = 0; i < n; i++) {
    const r = i * n;
    for (let j = 0; j < n; j++) {
      const x = z[r + j], ax = Math.abs(x);
      if (ax > best[j]) {
        best[j] = ax;
        sign[j] = x < 0 ? -1 : 1;
      }
    }
  }
  for (let i = 0; i < n; i++) {
    const r = i * n;
    for (let j = 0; j < n; j++) z[r + j] *= sign[j];
  }
}

/** {@link flipColumns} column by column without scratch arrays: the column fits in cache. */
function flipColumnsSmall(z: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) {
    let best = 0, neg = false;
    for (let p = j; p < n * n; p += n) {
      const x = z[p], ax = Math.abs(x);
      if (ax > best) best = ax, neg = x < 0;
    }
    if (!neg) continue;
    for (let p = j; p < n * n; p += n) z[p] = -z[p];
  }
}
