/**
 * Independent naive references and test matrices for the factorization tests (LU, LDU,
 * Cholesky, solve, lstsq, low-rank methods). Everything here is a plain triple loop in f64.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Rng } from "../../../ops/random.ts";
import { type DType, Tensor } from "../../../ops/tensor.ts";

/** Unit roundoff of a dtype. */
export function uOf(dtype: DType): number {
  return dtype === "f32" ? 2 ** -24 : 2 ** -53;
}

/** Naive row-major product of `m × k` and `k × n` arrays, in f64. */
export function naiveMul(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  m: number,
  k: number,
  n: number,
): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let t = 0; t < k; t++) {
      const av = a[i * k + t];
      for (let j = 0; j < n; j++) c[i * n + j] += av * b[t * n + j];
    }
  }
  return c;
}

/** Naive transpose of a row-major `m × n` array. */
export function naiveT(a: ArrayLike<number>, m: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[j * m + i] = a[i * n + j];
  return out;
}

/**
 * Frobenius norm of `a − b` (or of `a`), scaled by the largest |entry| so that the residuals
 * of the 1e±150 tests neither underflow to 0 (which would pass any check) nor overflow.
 */
export function frob(a: ArrayLike<number>, b?: ArrayLike<number>): number {
  const big = maxAbs(a, b);
  if (big === 0 || !Number.isFinite(big)) return big;
  let s = 0;
  for (let i = 0; i < a.length; i++) s += ((a[i] - (b ? b[i] : 0)) / big) ** 2;
  return big * Math.sqrt(s);
}

/** Largest |entry| of `a − b` (or of `a`). */
export function maxAbs(a: ArrayLike<number>, b?: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s = Math.max(s, Math.abs(a[i] - (b ? b[i] : 0)));
  return s;
}

/** Rows of the row-major `m × n` array `a` taken in the order `p` (`out[i] = a[p[i]]`). */
export function permuteRows(
  a: ArrayLike<number>,
  p: ArrayLike<number>,
  n: number,
): Float64Array {
  const out = new Float64Array(p.length * n);
  for (let i = 0; i < p.length; i++) {
    for (let j = 0; j < n; j++) out[i * n + j] = a[p[i] * n + j];
  }
  return out;
}

/** A seeded standard normal `m × n` matrix. */
export function randMat(m: number, n: number, seed: number, dtype: DType = "f64"): Tensor {
  const rng = new Rng(seed);
  const d = dtype === "f32" ? new Float32Array(m * n) : new Float64Array(m * n);
  for (let i = 0; i < d.length; i++) d[i] = rng.normal();
  return new Tensor(d, [m, n]);
}

/** An exactly rank-`r` `m × n` product of seeded normal factors (entries exact in f64 sums). */
export function rankDeficient(m: number, n: number, r: number, seed: number): Tensor {
  // Integer factors keep the product exactly representable, so its rank is exactly r.
  const rng = new Rng(seed);
  const a = Float64Array.from({ length: m * r }, () => rng.int(7) - 3);
  const b = Float64Array.from({ length: r * n }, () => rng.int(7) - 3);
  return new Tensor(naiveMul(a, b, m, r, n), [m, n]);
}

/** A seeded SPD matrix `GᵀG + n·I`. */
export function spd(n: number, seed: number): Tensor {
  const g = randMat(n, n, seed).data;
  const a = naiveMul(naiveT(g, n, n), g, n, n, n);
  for (let i = 0; i < n; i++) a[i * n + i] += n;
  return new Tensor(a, [n, n]);
}

/** A `m × n` matrix `U diag(s) Vᵀ` with orthonormal U, V (Gram–Schmidt of normals) and given s. */
export function withSpectrum(m: number, n: number, s: readonly number[], seed: number): Tensor {
  const k = s.length;
  const u = orthonormalCols(m, k, seed), v = orthonormalCols(n, k, seed + 7919);
  const us = new Float64Array(m * k);
  for (let i = 0; i < m; i++) for (let j = 0; j < k; j++) us[i * k + j] = u[i * k + j] * s[j];
  return new Tensor(naiveMul(us, naiveT(v, n, k), m, k, n), [m, n]);
}

/** `m × k` matrix with orthonormal columns, by twice-repeated modified Gram–Schmidt. */
export function orthonormalCols(m: number, k: number, seed: number): Float64Array {
  const q = randMat(m, k, seed).data as Float64Array;
  for (let pass = 0; pass < 2; pass++) {
    for (let j = 0; j < k; j++) {
      for (let t = 0; t < j; t++) {
        let d = 0;
        for (let i = 0; i < m; i++) d += q[i * k + t] * q[i * k + j];
        for (let i = 0; i < m; i++) q[i * k + j] -= d * q[i * k + t];
      }
      let nrm = 0;
      for (let i = 0; i < m; i++) nrm += q[i * k + j] ** 2;
      nrm = Math.sqrt(nrm);
      for (let i = 0; i < m; i++) q[i * k + j] /= nrm;
    }
  }
  return q;
}

/** The Kahan matrix of order n (upper triangular, ill conditioned; Higham, ASNA §8.3). */
export function kahan(n: number, theta = 1.2, pert = 25): Tensor {
  const s = Math.sin(theta), c = Math.cos(theta);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const si = s ** i;
    a[i * n + i] = si * (1 + pert * 2 ** -52 * (n - i));
    for (let j = i + 1; j < n; j++) a[i * n + j] = -c * si;
  }
  return new Tensor(a, [n, n]);
}

/** Asserts that `f` throws an instance of `ctor` whose message contains `text`. */
export function throwsWith(
  f: () => unknown,
  ctor: new (...args: never[]) => Error,
  text: string,
): void {
  assert.throws(f, (e: unknown) => {
    if (!(e instanceof ctor)) throw new Error(`expected ${ctor.name}, got ${String(e)}`);
    if (!e.message.includes(text)) {
      throw new Error(`message "${e.message}" does not contain "${text}"`);
    }
    return true;
  });
}
