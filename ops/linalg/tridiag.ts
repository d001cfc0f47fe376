/**
 * Symmetric tridiagonal reduction `A = Q·T·Qᵀ` by Householder similarity transforms (LAPACK
 * `dsytd2`; Golub & Van Loan, "Matrix Computations", 4th ed., §8.3.1) and the implicit QL
 * iteration with Wilkinson-type shifts for the eigenpairs of T (Bowdler, Martin, Reinsch &
 * Wilkinson, "The QR and QL algorithms for symmetric matrices", Numer. Math. 11, 1968 —
 * EISPACK `tql2`). The rotations of each QL sweep are stored and applied to the vectors in one
 * pass ({@link rotateColumnsBackward}).
 *
 * @module
 */
import { Scratch } from "./_scratch.ts";
import { rotateColumnsBackward } from "./dense.ts";
import { makeReflector } from "./householder.ts";
import type { SimdWorkspace } from "./simd.ts";
import { blockedPanels, NB } from "./_tridiag_panels.ts";

const EPS = 2 ** -52;

/** The tridiagonal form of a symmetric matrix. */
export interface Tridiagonal {
  /** Diagonal (n). */
  d: Float64Array;
  /** Off-diagonal: `e[i]` couples i and i+1 (n entries, last 0). */
  e: Float64Array;
  /** τ of the reflectors stored in the rows of the work array (reflector k in row k). */
  tau: Float64Array;
}

/**
 * Reduces the full, symmetric, row-major `n × n` array `w` to tridiagonal form in place; on
 * return row k holds reflector k right of the superdiagonal and the rest of `w` is scratch. From
 * order 96 on, panels of rows are reduced first (`_tridiag_panels.ts`, LAPACK `dsytrd`: upper
 * triangle only, trailing updates through the GEMM). The last rows are reduced one at a time with
 * both triangles kept up to date, so every step's rank-2 update and the next step's
 * matrix-vector product share one contiguous pass over the trailing rows. `e` and `tau` are
 * views of `eTau` (2n zeros; allocated when not given).
 *
 * @example
 * ```ts
 * import { tridiagonalize_ } from "./tridiag.ts";
 * const { d, e } = tridiagonalize_(new Float64Array([2, 1, 1, 2]), 2);
 * console.log(d, e[0]); // Float64Array [2, 2] 1
 * ```
 */
export function tridiagonalize_(
  w: Float64Array,
  n: number,
  simd: SimdWorkspace | null = null,
  eTau: Float64Array = new Float64Array(2 * n),
): Tridiagonal {
  // e and τ share one buffer (the caller's, zeroed, or one allocation): creating a typed array
  // costs more than a small reduction.
  const d = new Float64Array(n);
  const e = eTau.subarray(0, n), tau = eTau.subarray(n, 2 * n);
  const p = P_SCRATCH.get(n), q = Q_SCRATCH.get(n);
  if (n <= UPPER_MAX) {
    reduceUpper(w, n, e, tau, p);
    for (let i = 0; i < n; i++) d[i] = w[i * n + i];
    if (n >= 2) e[n - 2] = w[(n - 2) * n + n - 1];
    return { d, e, tau };
  }
  const k0 = n >= BLOCKED_MIN ? blockedPanels(w, n, d, e, tau, simd) : 0;
  let prev = -1; // row holding the reflector whose rank-2 update is still pending
  for (let k = k0; k < n - 2; k++) {
    const rk = k * n;
    if (prev >= 0) rank2Row(w, n, k, k, prev, q);
    const t = makeReflector(w, rk + k + 1, 1, n - k - 1);
    tau[k] = t;
    e[k] = w[rk + k + 1];
    w[rk + k + 1] = 1;
    // p = τ·A₂₂·v, fused with the pending update of each row.
    for (let i = k + 1; i < n; i++) {
      if (prev >= 0) rank2Row(w, n, i, k + 1, prev, q);
      const ri = i * n;
      let acc0 = 0, acc1 = 0, j = k + 1;
      for (; j + 1 < n; j += 2) {
        acc0 += w[ri + j] * w[rk + j];
        acc1 += w[ri + j + 1] * w[rk + j + 1];
      }
      if (j < n) acc0 += w[ri + j] * w[rk + j];
      p[i] = t * (acc0 + acc1);
    }
    // q = p − (τ/2)(pᵀv)·v, so that A₂₂ ← A₂₂ − v·qᵀ − q·vᵀ
    let pv = 0;
    for (let i = k + 1; i < n; i++) pv += p[i] * w[rk + i];
    const half = 0.5 * t * pv;
    for (let i = k + 1; i < n; i++) q[i] = p[i] - half * w[rk + i];
    prev = k;
  }
  if (prev >= 0) { for (let i = n - 2; i < n; i++) rank2Row(w, n, i, n - 2, prev, q); }
  for (let i = k0; i < n; i++) d[i] = w[i * n + i];
  if (n >= 2 && n - 2 >= k0) e[n - 2] = w[(n - 2) * n + n - 1];
  return { d, e, tau };
}

/**
 * Orders reduced on the upper triangle alone ({@link reduceUpper}): 4/3·n³ flops instead of the
 * 2n³ of the two-triangle passes, which only pay off once rows no longer fit in L1.
 */
const UPPER_MAX = 32;

/**
 * Unblocked reduction on the upper triangle (LAPACK `dsytd2` with uplo = 'U', here row k
 * holding reflector k right of the superdiagonal): `p = τ·A₂₂·v` takes, from each row i of the
 * trailing upper triangle, its dot product with v and scatters `a_ij·v_i` to `p_j`; the rank-2
 * update `A₂₂ ← A₂₂ − v·qᵀ − q·vᵀ` touches the upper triangle only. The lower triangle is left
 * stale (scratch).
 */
function reduceUpper(
  w: Float64Array,
  n: number,
  e: Float64Array,
  tau: Float64Array,
  p: Float64Array,
): void {
  for (let k = 0; k < n - 2; k++) {
    const rk = k * n;
    const t = makeReflector(w, rk + k + 1, 1, n - k - 1);
    tau[k] = t;
    e[k] = w[rk + k + 1];
    w[rk + k + 1] = 1;
    if (t === 0) continue; // H = I: the trailing block stays as it is
    for (let i = k + 1; i < n; i++) p[i] = 0;
    let i = k + 1;
    for (; i + 1 < n; i += 2) {
      // Rows i and i+1 together: one pass over p and v for both.
      const ri = i * n, r1 = ri + n, vi = w[rk + i], v1 = w[rk + i + 1];
      const a01 = w[ri + i + 1];
      let acc = w[ri + i] * vi + a01 * v1, acc1 = a01 * vi + w[r1 + i + 1] * v1;
      for (let j = i + 2; j < n; j++) {
        const a = w[ri + j], b = w[r1 + j], vj = w[rk + j];
        acc += a * vj;
        acc1 += b * vj;
        p[j] += a * vi + b * v1;
      }
      p[i] += acc;
      p[i + 1] += acc1;
    }
    if (i < n) p[i] += w[i * n + i] * w[rk + i];
    // q = p − (τ/2)(pᵀv)·v, in p
    let pv = 0;
    for (let i = k + 1; i < n; i++) {
      p[i] *= t;
      pv += p[i] * w[rk + i];
    }
    const half = 0.5 * t * pv;
    for (let i = k + 1; i < n; i++) p[i] -= half * w[rk + i];
    // Two rows at a time share the loads of p and v.
    i = k + 1;
    for (; i + 1 < n; i += 2) {
      const ri = i * n, r1 = ri + n, vi = w[rk + i], qi = p[i], v1 = w[rk + i + 1], q1 = p[i + 1];
      w[ri + i] -= vi * qi + qi * vi;
      for (let j = i + 1; j < n; j++) {
        const pj = p[j], vj = w[rk + j];
        w[ri + j] -= vi * pj + qi * vj;
        w[r1 + j] -= v1 * pj + q1 * vj;
      }
    }
    if (i < n) w[i * n + i] -= 2 * w[rk + i] * p[i];
  }
}

const P_SCRATCH = new Scratch(), Q_SCRATCH = new Scratch();
const CS_SCRATCH = new Scratch(), SN_SCRATCH = new Scratch();

/** Orders from which the panels pay for themselves. */
const BLOCKED_MIN = 96;

/**
 * Lengths of the arrays {@link tridiagonalize_} uses from a SIMD workspace, in order: the
 * matrix (n²), p, the panels [V W] and [W V] (n·2·NB each), xy (2·NB), corr (n), zeros (2·NB),
 * zeros (n), a row buffer (n).
 *
 * @example
 * ```ts
 * import { tridiagonalWorkspace } from "./tridiag.ts";
 * console.log(tridiagonalWorkspace(4)[0]); // 16
 * ```
 */
export function tridiagonalWorkspace(n: number): number[] {
  return [n * n, n, n * 2 * NB, n * 2 * NB, 2 * NB, n, 2 * NB, n, n];
}

/** Row i, columns c0…: `A[i, j] −= v_i·q_j + q_i·v_j` with v stored in row `vr` from col vr+1. */
function rank2Row(
  w: Float64Array,
  n: number,
  i: number,
  c0: number,
  vr: number,
  q: Float64Array,
): void {
  const ri = i * n, rv = vr * n;
  const vi = w[rv + i], qi = q[i];
  for (let j = c0; j < n; j++) w[ri + j] -= vi * q[j] + qi * w[rv + j];
}

/**
 * Eigenvalues (ascending, in `d`) of the symmetric tridiagonal `T = diag(d) + offdiag(e)` by
 * the implicit QL iteration (EISPACK `tql2`); `z` (n × n row-major, or null) is multiplied by
 * the eigenvectors, so passing `Q` of the reduction gives the eigenvectors of A as columns.
 *
 * @throws {Error} if an eigenvalue needs more than 60 iterations (not observed; a safeguard).
 * @example
 * ```ts
 * import { tridiagonalEigen_ } from "./tridiag.ts";
 * const d = new Float64Array([2, 2]), e = new Float64Array([1, 0]);
 * tridiagonalEigen_(d, e, 2, null);
 * console.log(d); // Float64Array [1, 3]
 * ```
 */
export function tridiagonalEigen_(
  d: Float64Array,
  e: Float64Array,
  n: number,
  z: Float64Array | null,
): void {
  const cs = CS_SCRATCH.get(n), sn = SN_SCRATCH.get(n);
  if (n > 0) e[n - 1] = 0;
  let tnorm = 0;
  for (let i = 0; i < n; i++) tnorm = Math.max(tnorm, Math.abs(d[i]) + Math.abs(e[i]));
  // Iterate at unit scale (an exact power of two; LAPACK dsteqr scales its blocks too): at
  // subnormal scale EPS·|d| underflows to 0, so no off-diagonal ever counted as negligible and
  // the iteration never converged (a divide-and-conquer leaf of 1e-310 entries, say).
  const e2 = tnorm > 0 && (tnorm < 2 ** -500 || tnorm > 2 ** 500)
    ? Math.floor(Math.log2(tnorm))
    : 0;
  if (e2 !== 0) {
    for (let i = 0; i < n; i++) [d[i], e[i]] = [ldexp(d[i], -e2), ldexp(e[i], -e2)];
    tnorm = ldexp(tnorm, -e2);
  }
  // Absolute floor (a hundredth of an ulp of ‖T‖) so that clusters near zero still split.
  const floor = 0.01 * EPS * tnorm;
  // Small z: each rotation goes to the vectors as soon as it is known. The sweep's scalar
  // recurrence is latency-bound (a root and a division per step), and the independent vector
  // updates fill its idle cycles (one pass afterwards costs their full time on top).
  const fused = z !== null && n <= FUSED_MAX;
  const split = (m: number): boolean =>
    Math.abs(e[m]) <= EPS * (Math.abs(d[m]) + Math.abs(d[m + 1])) || Math.abs(e[m]) <= floor;
  for (let l = 0; l < n; l++) {
    for (let iter = 0;; iter++) {
      let m = l;
      while (m < n - 1 && !split(m)) m++;
      if (m === l) break;
      if (iter >= 60) throw new Error(`eigh: QL iteration did not converge for eigenvalue ${l}`);
      const lo = qlSweep(d, e, l, m, cs, sn, fused ? z : null, n);
      if (z && !fused && lo < m) rotateColumnsBackward(z, n, n, lo, m, cs, sn);
    }
  }
  if (e2 !== 0) { for (let i = 0; i < n; i++) d[i] = ldexp(d[i], e2); }
  sortAscending(d, n, z);
}

/**
 * `x·2^p`, exact unless the result under/overflows, for |p| up to 2098: in two factors, since
 * `2 ** p` alone is Infinity past 1023 (scaling a subnormal to unit needs up to 2^1074).
 *
 * @example
 * ```ts
 * import { ldexp } from "./tridiag.ts";
 * console.log(ldexp(5e-324, 1074)); // 1
 * ```
 */
export function ldexp(x: number, p: number): number {
  const h = Math.trunc(p / 2);
  return x * 2 ** h * 2 ** (p - h);
}

/** Orders up to which the QL rotations are applied to the vectors inside the sweep. */
const FUSED_MAX = 64;

/**
 * One implicit QL sweep with a Wilkinson shift on the unreduced block l…m. Stores rotation i
 * in `(cs[i], sn[i])` and returns the lowest index stored (a sweep that meets an exact zero
 * stops early). With `z` (n × n), rotation i is also applied to its columns i, i+1 at once.
 */
function qlSweep(
  d: Float64Array,
  e: Float64Array,
  l: number,
  m: number,
  cs: Float64Array,
  sn: Float64Array,
  z: Float64Array | null,
  n: number,
): number {
  let g = (d[l + 1] - d[l]) / (2 * e[l]);
  let r = hypot(g, 1);
  g = d[m] - d[l] + e[l] / (g + (g >= 0 ? r : -r));
  let s = 1, c = 1, p = 0;
  for (let i = m - 1; i >= l; i--) {
    const f = s * e[i], b = c * e[i];
    r = hypot(f, g);
    e[i + 1] = r;
    if (r === 0) {
      // The sweep decoupled the block: undo the pending shift and stop here.
      d[i + 1] -= p;
      e[m] = 0;
      return i + 1;
    }
    s = f / r;
    c = g / r;
    g = d[i + 1] - p;
    r = (d[i] - g) * s + 2 * c * b;
    p = s * r;
    d[i + 1] = g + p;
    g = c * r - b;
    cs[i] = c;
    sn[i] = s;
    if (z) {
      for (let b = i; b < n * n; b += n) {
        const x = z[b], y = z[b + 1];
        z[b + 1] = s * x + c * y;
        z[b] = c * x - s * y;
      }
    }
  }
  d[l] -= p;
  e[l] = g;
  e[m] = 0;
  return l;
}

function hypot(a: number, b: number): number {
  // The plain root where a² + b² can neither overflow nor lose digits to underflow (most
  // calls); the scaled form outside that range.
  const ss = a * a + b * b;
  if (ss > 2 ** -1000 && ss < 2 ** 1000) return Math.sqrt(ss);
  const x = Math.abs(a), y = Math.abs(b);
  const big = x > y ? x : y;
  if (big === 0) return 0;
  const u = x / big, v = y / big;
  return big * Math.sqrt(u * u + v * v);
}

function sortAscending(d: Float64Array, n: number, z: Float64Array | null): void {
  for (let i = 0; i < n - 1; i++) {
    let best = i;
    for (let j = i + 1; j < n; j++) if (d[j] < d[best]) best = j;
    if (best === i) continue;
    const t = d[i];
    d[i] = d[best];
    d[best] = t;
    if (!z) continue;
    for (let r = 0; r < n; r++) {
      const x = z[r * n + i];
      z[r * n + i] = z[r * n + best];
      z[r * n + best] = x;
    }
  }
}
