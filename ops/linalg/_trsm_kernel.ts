/**
 * Internal: the in-place blocked triangular solve (BLAS `trsm`) behind solveTriangular, solve
 * and nystrom.
 *
 * @module
 */
import { gemm } from "../cpu/gemm.ts";

const NB = 64; // block rows solved by substitution; the rest is updated by GEMM

/**
 * Overwrites the row-major `n × k` block `x` with `T⁻¹·x` for the triangle of the `n × n`
 * row-major `t`. The caller has checked that the diagonal has no zero (unless `unit`).
 *
 * @example
 * ```ts
 * import { trsmInPlace } from "./_trsm_kernel.ts";
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
 * Throws a RangeError naming `fn` and the first zero diagonal entry of the `n × n` row-major `t`.
 *
 * @example
 * ```ts
 * import { checkDiagonal } from "./_trsm_kernel.ts";
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
