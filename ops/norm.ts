/**
 * Vector and matrix norms. The spectral (`2`) and nuclear (`"nuc"`) matrix norms need singular
 * values and live in `ops/linalg/norms.ts`; this file has the norms that need no decomposition.
 *
 * @module
 */
import { assertTensor, shapeStr, type Tensor } from "./tensor.ts";

/**
 * Norm orders that need no decomposition.
 *
 * @example
 * ```ts
 * import { tensor } from "./tensor.ts";
 * import { elementaryNorm, type ElementaryNormOrd } from "./norm.ts";
 * const ord: ElementaryNormOrd = "max";
 * console.log(elementaryNorm(tensor([3, -4]), ord)); // 4
 * ```
 */
export type ElementaryNormOrd = "fro" | 1 | 2 | "inf" | typeof Infinity | "max";

/**
 * Frobenius norm (the 2-norm of a vector), computed with scaling so that entries near
 * 1e±200 neither overflow nor underflow (as LAPACK's `dnrm2`).
 *
 * @example
 * ```ts
 * import { tensor } from "./tensor.ts";
 * import { frobenius } from "./norm.ts";
 * console.log(frobenius(tensor([3, 4]))); // 5
 * ```
 */
export function frobenius(t: Tensor): number {
  assertTensor("frobenius", "t", t);
  return scaledNorm2(t.data);
}

/**
 * Overflow-safe Euclidean norm of `x[off], x[off+stride], …` (`n` terms); NaN if any term is
 * NaN.
 *
 * @example
 * ```ts
 * import { scaledNorm2 } from "./norm.ts";
 * // every other entry, starting at index 1: ‖(3e200, 4e200)‖ without overflow
 * console.log(scaledNorm2([0, 3e200, 0, 4e200], 2, 1, 2)); // ≈ 5e+200
 * ```
 */
export function scaledNorm2(
  x: ArrayLike<number>,
  n: number = x.length,
  off = 0,
  stride = 1,
): number {
  let big = 0;
  for (let i = 0, p = off; i < n; i++, p += stride) {
    const a = Math.abs(x[p]);
    if (a > big || a !== a) big = a;
  }
  if (big === 0 || !Number.isFinite(big)) return big;
  let s = 0;
  const inv = 1 / big;
  if (!Number.isFinite(inv)) {
    for (let i = 0, p = off; i < n; i++, p += stride) {
      const v = x[p] / big;
      s += v * v;
    }
  } else {
    for (let i = 0, p = off; i < n; i++, p += stride) {
      const v = x[p] * inv;
      s += v * v;
    }
  }
  return big * Math.sqrt(s);
}

/**
 * Norms that need no decomposition: vectors `1 | 2 | "inf"`, matrices `"fro" | 1 | "inf" | "max"`
 * (1 = max column abs sum, inf = max row abs sum, max = largest |entry|). For a matrix 2-norm or
 * nuclear norm use `norm` from `ops/linalg`.
 *
 * @example
 * ```ts
 * import { tensor } from "./tensor.ts";
 * import { elementaryNorm } from "./norm.ts";
 * const a = tensor([[1, -2], [3, 4]]);
 * console.log(elementaryNorm(a, 1), elementaryNorm(a, "inf")); // 6 7
 * ```
 */
export function elementaryNorm(t: Tensor, ord: ElementaryNormOrd = "fro"): number {
  assertTensor("norm", "t", t);
  const x = t.data;
  if (ord === "fro") return scaledNorm2(x);
  if (ord === "max") return absMax(x);
  const inf = ord === "inf" || ord === Infinity;
  if (t.ndim <= 1) {
    if (ord === 2) return scaledNorm2(x);
    if (inf) return absMax(x);
    if (ord === 1) {
      let s = 0;
      for (let i = 0; i < x.length; i++) s += Math.abs(x[i]);
      return s;
    }
  } else if (t.ndim === 2 && (ord === 1 || inf)) {
    const [m, n] = t.shape;
    const sums = new Float64Array(inf ? m : n);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) sums[inf ? i : j] += Math.abs(x[i * n + j]);
    }
    return absMax(sums);
  }
  throw new RangeError(
    `norm: order ${String(ord)} is not supported for shape ${shapeStr(t.shape)}`,
  );
}

function absMax(x: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) {
    const a = Math.abs(x[i]);
    if (a > m || a !== a) m = a;
  }
  return m;
}
