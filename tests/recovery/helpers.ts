/** Shared oracles for the recovery tests: naive dense algebra, written independently. */
import type { Rng } from "../../ops/random.ts";
import { orthonormalizeColumns } from "../../recovery/truth.ts";

/** Unit roundoff of f64. */
export const U64 = 2 ** -53;

/** Naive `A·B` for row-major `n×k` and `k×p`. */
export function naiveMatmul(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  n: number,
  k: number,
  p: number,
): Float64Array {
  const c = new Float64Array(n * p);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p; j++) {
      let s = 0;
      for (let t = 0; t < k; t++) s += a[i * k + t] * b[t * p + j];
      c[i * p + j] = s;
    }
  }
  return c;
}

/** Naive transpose of a row-major `n×p` matrix. */
export function naiveTranspose(a: ArrayLike<number>, n: number, p: number): Float64Array {
  const t = new Float64Array(n * p);
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) t[j * n + i] = a[i * p + j];
  return t;
}

/** `Σ a_i b_i`. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Euclidean norm. */
export function norm(a: ArrayLike<number>): number {
  return Math.sqrt(dot(a, a));
}

/** Max-abs difference. */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** `‖a − b‖ / ‖b‖`. */
export function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  for (let i = 0; i < a.length; i++) num += (a[i] - b[i]) ** 2;
  return Math.sqrt(num) / norm(b);
}

/** A matrix with i.i.d. N(0,1) entries. */
export function gaussian(n: number, rng: Rng): Float64Array {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal();
  return a;
}

/** A random `k×k` orthogonal matrix. */
export function randomOrthogonal(k: number, rng: Rng): Float64Array {
  return orthonormalizeColumns(gaussian(k * k, rng), k, k);
}
