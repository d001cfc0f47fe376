/**
 * Streaming kernels over a measurement-major dense design: `m` rows of `len` stored
 * coefficients each (one `A_i` per row, full or packed-symmetric). The fused kernel reads each
 * row once per iteration while it is still in cache, as spec §2.3 asks (Ma & Fattahi 2023).
 * Accumulation is always in f64, also for f32 storage (spec §9: f32 storage is exact when y
 * is computed from the stored, rounded design).
 *
 * Each kernel exists once per storage type: a function that sees both Float32Array and
 * Float64Array becomes polymorphic in V8 and runs markedly slower.
 *
 * @module
 */
import type { ResidualWeight } from "./operator.ts";

/**
 * `out_i = Σ_j a[i·len + j]·x_j` for `i < m` (a GEMV over f64 storage).
 *
 * @example
 * ```ts
 * import { dotRows64 } from "./dense_kernels.ts";
 * const out = new Float64Array(2);
 * dotRows64(new Float64Array([1, 2, 3, 4]), 2, 2, new Float64Array([1, 1]), out);
 * console.log(out); // Float64Array [3, 7]
 * ```
 */
export function dotRows64(
  a: Float64Array,
  len: number,
  m: number,
  x: Float64Array,
  out: Float64Array,
): void {
  for (let i = 0; i < m; i++) out[i] = dot64(a, i * len, x, len);
}

/**
 * `out_i = Σ_j a[i·len + j]·x_j` for `i < m` over f32 storage, accumulated in f64.
 *
 * @example
 * ```ts
 * import { dotRows32 } from "./dense_kernels.ts";
 * const out = new Float64Array(2);
 * dotRows32(new Float32Array([1, 2, 3, 4]), 2, 2, new Float64Array([1, 1]), out);
 * console.log(out); // Float64Array [3, 7]
 * ```
 */
export function dotRows32(
  a: Float32Array,
  len: number,
  m: number,
  x: Float64Array,
  out: Float64Array,
): void {
  for (let i = 0; i < m; i++) out[i] = dot32(a, i * len, x, len);
}

/**
 * `s = Σ_i w_i·a_i` over f64 storage (the transposed GEMV); `s` is overwritten.
 *
 * @example
 * ```ts
 * import { accumulateRows64 } from "./dense_kernels.ts";
 * const s = new Float64Array(2);
 * accumulateRows64(new Float64Array([1, 2, 3, 4]), 2, 2, new Float64Array([1, -1]), s);
 * console.log(s); // Float64Array [-2, -2]
 * ```
 */
export function accumulateRows64(
  a: Float64Array,
  len: number,
  m: number,
  w: Float64Array,
  s: Float64Array,
): void {
  s.fill(0, 0, len);
  for (let i = 0; i < m; i++) if (w[i] !== 0) axpy64(w[i], a, i * len, s, len);
}

/**
 * `s = Σ_i w_i·a_i` over f32 storage, accumulated in f64; `s` is overwritten.
 *
 * @example
 * ```ts
 * import { accumulateRows32 } from "./dense_kernels.ts";
 * const s = new Float64Array(2);
 * accumulateRows32(new Float32Array([1, 2, 3, 4]), 2, 2, new Float64Array([1, -1]), s);
 * console.log(s); // Float64Array [-2, -2]
 * ```
 */
export function accumulateRows32(
  a: Float32Array,
  len: number,
  m: number,
  w: Float64Array,
  s: Float64Array,
): void {
  s.fill(0, 0, len);
  for (let i = 0; i < m; i++) if (w[i] !== 0) axpy32(w[i], a, i * len, s, len);
}

/**
 * The fused pass over f64 storage: `res_i = ⟨a_i, x⟩ − y_i`, then `s += weight(res_i)·a_i`
 * while row `i` is hot. With `"sign"`, rows with a zero residual are skipped (sign(0) = 0).
 *
 * @example
 * ```ts
 * import { fusedPass64 } from "./dense_kernels.ts";
 * const res = new Float64Array(2), s = new Float64Array(2);
 * fusedPass64(new Float64Array([1, 2, 3, 4]), 2, 2, new Float64Array([1, 1]),
 *   new Float64Array([0, 10]), "sign", res, s);
 * console.log(res, s); // Float64Array [3, -3] Float64Array [-2, -2]
 * ```
 */
export function fusedPass64(
  a: Float64Array,
  len: number,
  m: number,
  x: Float64Array,
  y: Float64Array,
  weight: ResidualWeight,
  res: Float64Array,
  s: Float64Array,
): void {
  s.fill(0, 0, len);
  const sign = weight === "sign";
  for (let i = 0; i < m; i++) {
    const off = i * len;
    const r = dot64(a, off, x, len) - y[i];
    res[i] = r;
    const w = sign ? (r > 0 ? 1 : r < 0 ? -1 : r === 0 ? 0 : NaN) : r;
    if (w !== 0) axpy64(w, a, off, s, len);
  }
}

/**
 * The fused pass over f32 storage (see {@link fusedPass64}); arithmetic is f64.
 *
 * @example
 * ```ts
 * import { fusedPass32 } from "./dense_kernels.ts";
 * const res = new Float64Array(2), s = new Float64Array(2);
 * fusedPass32(new Float32Array([1, 2, 3, 4]), 2, 2, new Float64Array([1, 1]),
 *   new Float64Array([0, 10]), "residual", res, s);
 * console.log(res, s); // Float64Array [3, -3] Float64Array [-6, -6]
 * ```
 */
export function fusedPass32(
  a: Float32Array,
  len: number,
  m: number,
  x: Float64Array,
  y: Float64Array,
  weight: ResidualWeight,
  res: Float64Array,
  s: Float64Array,
): void {
  s.fill(0, 0, len);
  const sign = weight === "sign";
  for (let i = 0; i < m; i++) {
    const off = i * len;
    const r = dot32(a, off, x, len) - y[i];
    res[i] = r;
    const w = sign ? (r > 0 ? 1 : r < 0 ? -1 : r === 0 ? 0 : NaN) : r;
    if (w !== 0) axpy32(w, a, off, s, len);
  }
}

// Eight independent accumulators hide the floating-point add latency (about 4 cycles), which
// otherwise bounds a single-accumulator dot product to one term per latency. The WebAssembly
// kernel (dense_wasm.ts) sums in this same order, so both paths agree bitwise.
function dot64(a: Float64Array, off: number, x: Float64Array, len: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
  let j = 0;
  for (; j + 7 < len; j += 8) {
    const p = off + j;
    s0 += a[p] * x[j];
    s1 += a[p + 1] * x[j + 1];
    s2 += a[p + 2] * x[j + 2];
    s3 += a[p + 3] * x[j + 3];
    s4 += a[p + 4] * x[j + 4];
    s5 += a[p + 5] * x[j + 5];
    s6 += a[p + 6] * x[j + 6];
    s7 += a[p + 7] * x[j + 7];
  }
  for (; j < len; j++) s0 += a[off + j] * x[j];
  return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
}

function dot32(a: Float32Array, off: number, x: Float64Array, len: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
  let j = 0;
  for (; j + 7 < len; j += 8) {
    const p = off + j;
    s0 += a[p] * x[j];
    s1 += a[p + 1] * x[j + 1];
    s2 += a[p + 2] * x[j + 2];
    s3 += a[p + 3] * x[j + 3];
    s4 += a[p + 4] * x[j + 4];
    s5 += a[p + 5] * x[j + 5];
    s6 += a[p + 6] * x[j + 6];
    s7 += a[p + 7] * x[j + 7];
  }
  for (; j < len; j++) s0 += a[off + j] * x[j];
  return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
}

function axpy64(w: number, a: Float64Array, off: number, s: Float64Array, len: number): void {
  let j = 0;
  for (; j + 3 < len; j += 4) {
    const p = off + j;
    s[j] += w * a[p];
    s[j + 1] += w * a[p + 1];
    s[j + 2] += w * a[p + 2];
    s[j + 3] += w * a[p + 3];
  }
  for (; j < len; j++) s[j] += w * a[off + j];
}

function axpy32(w: number, a: Float32Array, off: number, s: Float64Array, len: number): void {
  let j = 0;
  for (; j + 3 < len; j += 4) {
    const p = off + j;
    s[j] += w * a[p];
    s[j + 1] += w * a[p + 1];
    s[j + 2] += w * a[p + 2];
    s[j + 3] += w * a[p + 3];
  }
  for (; j < len; j++) s[j] += w * a[off + j];
}
