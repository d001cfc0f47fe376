/**
 * Small dense products of the per-iteration bookkeeping (`M = L Rᵀ`, `S·R`, `Sᵀ·L`), sized
 * `d×d×r'`. They cost O(d²r') against the O(m·d²) design pass, so plain loops suffice, and
 * they avoid the per-call setup (argument checks, panel allocation) of the general GEMM,
 * which dominated small runs such as `d = 20, r' = 2`.
 *
 * @module
 */

/**
 * `out = L Rᵀ` for row-major `L` (`n1×k`) and `R` (`n2×k`); `out` is `n1×n2`.
 *
 * @example
 * ```ts
 * import { multiplyABt } from "./small_matmul.ts";
 * const out = new Float64Array(4);
 * multiplyABt(new Float64Array([1, 2]), new Float64Array([3, 4]), 2, 2, 1, out);
 * console.log(out); // Float64Array [3, 4, 6, 8]
 * ```
 */
export function multiplyABt(
  l: Float64Array,
  r: Float64Array,
  n1: number,
  n2: number,
  k: number,
  out: Float64Array,
): Float64Array {
  for (let i = 0; i < n1; i++) {
    const li = i * k;
    for (let j = 0; j < n2; j++) {
      const rj = j * k;
      let s = 0;
      for (let c = 0; c < k; c++) s += l[li + c] * r[rj + c];
      out[i * n2 + j] = s;
    }
  }
  return out;
}

/**
 * `out = op(S)·F` with `S` row-major `rows×cols` and `op(S)` = `S` or `Sᵀ`; `F` has `k` columns.
 *
 * @example
 * ```ts
 * import { multiplyAB } from "./small_matmul.ts";
 * const s = new Float64Array([1, 2, 3, 4]), f = new Float64Array([1, 1]), out = new Float64Array(2);
 * console.log(multiplyAB(s, 2, 2, false, f, 1, out)); // Float64Array [3, 7]
 * console.log(multiplyAB(s, 2, 2, true, f, 1, out)); // Float64Array [4, 6]
 * ```
 */
export function multiplyAB(
  s: Float64Array,
  rows: number,
  cols: number,
  transpose: boolean,
  f: Float64Array,
  k: number,
  out: Float64Array,
): Float64Array {
  const n = transpose ? cols : rows, inner = transpose ? rows : cols;
  out.fill(0, 0, n * k);
  for (let i = 0; i < n; i++) {
    const oi = i * k;
    for (let p = 0; p < inner; p++) {
      const v = transpose ? s[p * cols + i] : s[i * cols + p];
      if (v === 0) continue;
      const fp = p * k;
      for (let c = 0; c < k; c++) out[oi + c] += v * f[fp + c];
    }
  }
  return out;
}
