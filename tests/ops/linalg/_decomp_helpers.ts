/**
 * Test oracles shared by the QR / SVD / eigh / norm tests: residuals in the Frobenius norm,
 * orthogonality defects, and the classical hard matrices (Kahan, graded, rank-deficient).
 *
 * @module
 */
import { Rng } from "../../../ops/random.ts";
import { type DType, Tensor } from "../../../ops/tensor.ts";

/** Unit roundoff of a dtype. */
export function unitRoundoff(dtype: DType): number {
  return dtype === "f32" ? 2 ** -24 : 2 ** -53;
}

/** Frobenius norm of a row-major array, in f64 (entries are small enough in the tests). */
export function fro(x: ArrayLike<number>): number {
  let big = 0;
  for (let i = 0; i < x.length; i++) big = Math.max(big, Math.abs(x[i]));
  if (big === 0) return 0;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i] / big) ** 2;
  return big * Math.sqrt(s);
}

/** Naive f64 product of row-major `a` (m×k, or k×m with transA) and `b` (k×n). */
export function mm(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  m: number,
  k: number,
  n: number,
  transA = false,
): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const x = transA ? a[p * m + i] : a[i * k + p];
      for (let j = 0; j < n; j++) c[i * n + j] += x * b[p * n + j];
    }
  }
  return c;
}

/** ‖XᵀX − I‖_F for the m×p matrix X (orthonormal columns). */
export function orthDefect(x: Tensor): number {
  const [m, p] = x.shape;
  const g = mm(x.data, x.data, p, m, p, true);
  for (let i = 0; i < p; i++) g[i * p + i] -= 1;
  return fro(g);
}

/** ‖XXᵀ − I‖_F for the q×n matrix X (orthonormal rows). */
export function rowOrthDefect(x: Tensor): number {
  const [q, n] = x.shape;
  const xt = new Float64Array(n * q);
  for (let i = 0; i < q; i++) for (let j = 0; j < n; j++) xt[j * q + i] = x.data[i * n + j];
  return orthDefect(new Tensor(xt, [n, q]));
}

/** ‖A − U·diag(s)·Vt‖_F using the leading k = len(s) columns/rows of U and Vt. */
export function svdResidual(a: Tensor, u: Tensor, s: Tensor, vt: Tensor): number {
  const [m, n] = a.shape;
  const k = s.shape[0], uc = u.shape[1];
  const us = new Float64Array(m * k);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < k; j++) us[i * k + j] = u.data[i * uc + j] * s.data[j];
  }
  const r = mm(us, vt.data.subarray(0, k * n), m, k, n);
  for (let i = 0; i < m * n; i++) r[i] -= a.data[i];
  return fro(r);
}

/** A matrix with independent standard normal entries. */
export function gaussian(m: number, n: number, seed: number, dtype: DType = "f64"): Tensor {
  const rng = new Rng(seed);
  const d = dtype === "f32" ? new Float32Array(m * n) : new Float64Array(m * n);
  for (let i = 0; i < d.length; i++) d[i] = rng.normal();
  return new Tensor(d, [m, n]);
}

/** A random symmetric matrix (G + Gᵀ)/2. */
export function symmetric(n: number, seed: number, dtype: DType = "f64"): Tensor {
  const g = gaussian(n, n, seed, "f64").data;
  const d = dtype === "f32" ? new Float32Array(n * n) : new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) d[i * n + j] = 0.5 * (g[i * n + j] + g[j * n + i]);
  }
  return new Tensor(d, [n, n]);
}

/** The Kahan matrix: upper triangular, diag sⁱ, above-diagonal −c·sⁱ (c² + s² = 1). */
export function kahan(n: number, theta = 1.2): Tensor {
  const c = Math.cos(theta), s = Math.sin(theta);
  const d = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const si = s ** i;
    d[i * n + i] = si;
    for (let j = i + 1; j < n; j++) d[i * n + j] = -c * si;
  }
  return new Tensor(d, [n, n]);
}

/** A Gaussian matrix with rows and columns graded by 10^(−(i+j)/step). */
export function graded(n: number, seed: number, step = 4): Tensor {
  const g = gaussian(n, n, seed);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) g.data[i * n + j] *= 10 ** (-(i + j) / step);
  }
  return g;
}

/** An exactly rank-r product (m×r)·(r×n) of Gaussian factors. */
export function lowRank(m: number, n: number, r: number, seed: number): Tensor {
  const a = gaussian(m, r, seed), b = gaussian(r, n, seed + 1);
  return new Tensor(mm(a.data, b.data, m, r, n), [m, n]);
}

/** A copy of `t` with every entry multiplied by `f`. */
export function scaled(t: Tensor, f: number): Tensor {
  const d = t.data.slice();
  for (let i = 0; i < d.length; i++) d[i] *= f;
  return new Tensor(d, t.shape);
}

/** True if some entry is NaN or infinite. */
export function hasNonFinite(...ts: Tensor[]): boolean {
  return ts.some((t) => t.data.some((x) => !Number.isFinite(x)));
}
