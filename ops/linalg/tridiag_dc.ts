/**
 * Divide and conquer for the symmetric tridiagonal eigenproblem (Cuppen, "A divide and conquer
 * method for the symmetric tridiagonal eigenproblem", Numer. Math. 36, 1981), with deflation
 * (Dongarra & Sorensen, SIAM J. Sci. Stat. Comput. 8, 1987) and the Gu–Eisenstat recomputation
 * of the rank-one vector that keeps the eigenvectors orthogonal without extra precision (Gu &
 * Eisenstat, "A stable and efficient algorithm for the rank-one modification of the symmetric
 * eigenproblem", SIAM J. Matrix Anal. Appl. 15, 1994) — the method of LAPACK `dstedc`. The
 * eigenvector updates are matrix products and run through the GEMM.
 *
 * @module
 */
import { gemm } from "../cpu/gemm.ts";
import { ldexp, tridiagonalEigen_ } from "./tridiag.ts";

const EPS = 2 ** -52;
/** Subproblems up to this size are solved by implicit QL. */
const LEAF = 24;

/**
 * Eigenvalues (ascending, written to `d`) and eigenvectors (returned, n × n row-major, columns)
 * of the symmetric tridiagonal `diag(d) + offdiag(e)` (`e[i]` couples i and i+1). `scratch`, two
 * arrays of at least n² entries each, holds every merge's rank-one eigenvectors instead of fresh
 * arrays (eigh passes arrays of its WebAssembly workspace, which stay mapped between calls:
 * first-touch page faults of fresh arrays cost this VM more than the work done in them).
 *
 * @throws {RangeError} if a scratch array is shorter than n².
 * @example
 * ```ts
 * import { tridiagonalEigenDc } from "./tridiag_dc.ts";
 * const d = new Float64Array([2, 2]), e = new Float64Array([1, 0]);
 * const q = tridiagonalEigenDc(d, e, 2);
 * console.log(d, q.length); // Float64Array [1, 3] 4
 * ```
 */
export function tridiagonalEigenDc(
  d: Float64Array,
  e: Float64Array,
  n: number,
  scratch: [Float64Array, Float64Array] | null = null,
): Float64Array {
  for (const [i, x] of (scratch ?? []).entries()) {
    if (x.length < n * n) {
      throw new RangeError(
        `tridiagonalEigenDc: scratch[${i}] has ${x.length} entries, fewer than n² = ${n * n}`,
      );
    }
  }
  return solve(d.subarray(0, n), e.subarray(0, n), n, scratch);
}

function solve(
  d: Float64Array,
  e: Float64Array,
  n: number,
  scratch: [Float64Array, Float64Array] | null,
): Float64Array {
  if (n <= LEAF) {
    const q = new Float64Array(n * n);
    for (let i = 0; i < n; i++) q[i * n + i] = 1;
    const ee = Float64Array.from(e.subarray(0, n));
    tridiagonalEigen_(d, ee, n, q);
    return q;
  }
  const k = n >> 1;
  const beta = e[k - 1];
  const rho = Math.abs(beta);
  // T = diag(T₁ − ρ·e_last·e_lastᵀ, T₂ − ρ·e₁·e₁ᵀ) + ρ·u·uᵀ with u = (e_last; sign(β)·e₁).
  d[k - 1] -= rho;
  d[k] -= rho;
  const q1 = solve(d.subarray(0, k), e.subarray(0, k), k, scratch);
  const q2 = solve(d.subarray(k, n), e.subarray(k, n), n - k, scratch);
  const z = new Float64Array(n);
  const sgn = beta < 0 ? -1 : 1;
  for (let j = 0; j < k; j++) z[j] = q1[(k - 1) * k + j];
  for (let j = 0; j < n - k; j++) z[k + j] = sgn * q2[j];
  // The children are done with the scratch arrays: this merge's W may live there.
  const w = mergeRankOne(d, z, rho, n, scratch);
  // Q = blockdiag(Q₁, Q₂)·W
  const q = new Float64Array(n * n);
  gemm({ m: k, n, k, a: q1, lda: k, b: w, ldb: n, c: q, ldc: n });
  gemm({
    m: n - k,
    n,
    k: n - k,
    a: q2,
    lda: n - k,
    b: w,
    bOffset: k * n,
    ldb: n,
    c: q,
    cOffset: k * n,
    ldc: n,
  });
  return q;
}

/**
 * Eigen-decomposition of `diag(d) + ρ·z·zᵀ` (ρ ≥ 0): overwrites `d` with the eigenvalues in
 * ascending order and returns the n × n eigenvector matrix (columns), in `scratch[0]` if given.
 */
function mergeRankOne(
  d: Float64Array,
  z: Float64Array,
  rho: number,
  n: number,
  scratch: [Float64Array, Float64Array] | null,
): Float64Array {
  let zn2 = 0;
  for (let i = 0; i < n; i++) zn2 += z[i] * z[i];
  const zn = Math.sqrt(zn2);
  rho *= zn2;
  if (zn > 0) { for (let i = 0; i < n; i++) z[i] /= zn; }
  const perm = Array.from({ length: n }, (_, i) => i).sort((a, b) => d[a] - d[b]);
  const ds = new Float64Array(n), zs = new Float64Array(n);
  for (let i = 0; i < n; i++) ds[i] = d[perm[i]], zs[i] = z[perm[i]];
  let dmax = 0;
  for (let i = 0; i < n; i++) dmax = Math.max(dmax, Math.abs(ds[i]));
  // Solve at unit scale (times an exact power of two): the secular model and the products of
  // Gu–Eisenstat multiply two or more differences, which under/overflow for merges whose
  // entries are near 1e∓150 (a graded matrix's subproblems, or a direct call at such scales).
  const big = Math.max(dmax, rho);
  // (In two factors: a subnormal merge needs a scale past 2^1023, which `2 ** p` makes Infinity.)
  const sp = big > 0 ? -Math.ceil(Math.log2(big)) : 0;
  for (let i = 0; i < n; i++) ds[i] = ldexp(ds[i], sp);
  rho = ldexp(rho, sp);
  dmax = ldexp(dmax, sp);
  const tol = 8 * EPS * Math.max(dmax, rho);
  // r: the basis (sorted coordinates) each coordinate stands for after deflating rotations.
  // Allocated at the first deflating rotation (most merges of random matrices have none).
  let r: Float64Array | null = null;
  const kept: number[] = [], deflated: number[] = [];
  for (let i = 0; i < n; i++) {
    if (rho * Math.abs(zs[i]) <= tol) {
      deflated.push(i);
      continue;
    }
    const j = kept.length > 0 ? kept[kept.length - 1] : -1;
    if (j >= 0) {
      const tau = Math.hypot(zs[i], zs[j]);
      const c = zs[i] / tau, s = -zs[j] / tau;
      if (Math.abs(c * s * (ds[i] - ds[j])) <= tol) {
        // Rotate coordinate j out: its z becomes 0 and it decouples.
        const dj = ds[j], di = ds[i];
        ds[j] = c * c * dj + s * s * di;
        ds[i] = s * s * dj + c * c * di;
        zs[i] = tau;
        zs[j] = 0;
        if (r === null) {
          r = new Float64Array(n * n);
          for (let t = 0; t < n; t++) r[t * n + t] = 1;
        }
        for (let row = 0; row < n; row++) {
          const rj = r[row * n + j], ri = r[row * n + i];
          r[row * n + j] = c * rj + s * ri;
          r[row * n + i] = -s * rj + c * ri;
        }
        kept.pop();
        deflated.push(j);
      }
    }
    kept.push(i);
  }
  const kk = kept.length;
  const dk = new Float64Array(kk), zk = new Float64Array(kk);
  for (let t = 0; t < kk; t++) dk[t] = ds[kept[t]], zk[t] = zs[kept[t]];
  const { lambda, y } = secularEigen(dk, zk, rho, scratch ? scratch[1] : null);
  const vals = new Float64Array(n);
  deflated.forEach((j, c) => vals[c] = ds[j]);
  const nd = deflated.length;
  for (let t = 0; t < kk; t++) vals[nd + t] = lambda[t];
  // Column c of the result goes to position dest[c] of the ascending order.
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => vals[a] - vals[b]);
  const dest = new Int32Array(n);
  order.forEach((c, pos) => dest[c] = pos);
  for (let c = 0; c < n; c++) d[dest[c]] = ldexp(vals[c], -sp);
  const w = scratch ? scratch[0].subarray(0, n * n).fill(0) : new Float64Array(n * n);
  if (r === null) {
    // Sorted coordinate j is original coordinate perm[j]: deflated ones are unit vectors.
    deflated.forEach((j, c) => w[perm[j] * n + dest[c]] = 1);
    for (let t = 0; t < kk; t++) {
      const row = perm[kept[t]] * n, yr = t * kk;
      for (let c = 0; c < kk; c++) w[row + dest[nd + c]] = y[yr + c];
    }
    return w;
  }
  // General case: the deflating rotations are in r (sorted coordinates).
  const rr0 = r;
  for (let row = 0; row < n; row++) {
    const dst = perm[row] * n, rr = row * n;
    deflated.forEach((j, c) => w[dst + dest[c]] = rr0[rr + j]);
    for (let t = 0; t < kk; t++) {
      const x = rr0[rr + kept[t]];
      if (x === 0) continue;
      const yr = t * kk;
      for (let c = 0; c < kk; c++) w[dst + dest[nd + c]] += x * y[yr + c];
    }
  }
  return w;
}

/**
 * Roots λ (ascending) of `1 + ρ·Σ z_j²/(d_j − λ) = 0` for strictly increasing d and non-zero z,
 * and the eigenvectors `y_i ∝ ẑ_j/(d_j − λ_i)` (rows of `y` index j, columns index i) with ẑ
 * recomputed from the roots (Gu & Eisenstat 1994).
 */
function secularEigen(
  d: Float64Array,
  z: Float64Array,
  rho: number,
  yBuf: Float64Array | null,
): { lambda: Float64Array; y: Float64Array } {
  const k = d.length;
  const origin = new Int32Array(k), tau = new Float64Array(k), lambda = new Float64Array(k);
  let z2 = 0;
  const wts = new Float64Array(k); // ρ·z_j², the weights of the poles
  for (let j = 0; j < k; j++) z2 += z[j] * z[j], wts[j] = rho * z[j] * z[j];
  for (let i = 0; i < k; i++) {
    [origin[i], tau[i]] = secularRoot(d, wts, rho, i, z2);
    lambda[i] = d[origin[i]] + tau[i];
  }
  // diff(i, j) = d_j − λ_i, accurate because it is measured from λ_i's nearest pole.
  const diff = (i: number, j: number): number => (d[j] - d[origin[i]]) - tau[i];
  const zh = new Float64Array(k);
  // Four quotients per division: the merge is at unit scale (max(|d|, ρ) ∈ (1/2, 1]), so every
  // factor lies in [~(8u)², 3] (the deflation keeps poles 8u apart and ρ·|z_j| above 8u, so a
  // root stays ≳ ρz_j² from its poles) and a product of four can neither overflow nor underflow.
  for (let j = 0; j < k; j++) {
    const dj = d[j];
    let p = -diff(j, j) / rho;
    let num = 1, den = 1, cnt = 0;
    for (let i = 0; i < k; i++) {
      if (i === j) continue;
      num *= (d[origin[i]] - dj) + tau[i];
      den *= d[i] - dj;
      if (++cnt === 4) p *= num / den, num = 1, den = 1, cnt = 0;
    }
    p *= num / den;
    zh[j] = (z[j] < 0 ? -1 : 1) * Math.sqrt(Math.max(p, 0));
  }
  // Row by row (contiguous writes); the column norms are accumulated on the way.
  // Every entry of y is written below: a scratch buffer needs no clearing.
  const y = yBuf ? yBuf.subarray(0, k * k) : new Float64Array(k * k);
  const norm2 = new Float64Array(k), base = new Float64Array(k);
  for (let i = 0; i < k; i++) base[i] = d[origin[i]]; // the pole root i is measured from
  for (let j = 0; j < k; j++) {
    const dj = d[j], zj = zh[j], row = j * k;
    for (let i = 0; i < k; i++) {
      const v = zj / ((dj - base[i]) - tau[i]);
      y[row + i] = v;
      norm2[i] += v * v;
    }
  }
  for (let i = 0; i < k; i++) norm2[i] = 1 / Math.sqrt(norm2[i]);
  for (let j = 0; j < k; j++) {
    const row = j * k;
    for (let i = 0; i < k; i++) y[row + i] *= norm2[i];
  }
  return { lambda, y };
}

/**
 * Root i of the secular equation as `(origin index, τ)` with `λ = d[origin] + τ`, τ measured
 * from the nearer pole so that every `d_j − λ` is computed with small relative error. Each step
 * solves a two-pole rational model of f fitted to its value and slope (the "middle way" of
 * Li, "Solving secular equations stably and efficiently", LAPACK Working Note 89, 1993, as in
 * `dlaed4`), falling back to bisection of the bracket whenever the model step leaves it.
 * `wts[j] = ρ·z_j²` are the pole weights and `z2 = Σ z_j²`.
 */
function secularRoot(
  d: Float64Array,
  wts: Float64Array,
  rho: number,
  i: number,
  z2: number,
): [number, number] {
  const k = d.length;
  const last = i === k - 1;
  let org: number, lo: number, hi: number, t: number;
  const sums = SUMS; // ψ (poles ≤ i), ψ', φ (poles > i), φ' at t from the pole org
  if (last) {
    org = i, lo = 0, hi = rho * z2, t = 0.5 * (lo + hi);
    secularSums(d, wts, i, d[org], t, sums);
  } else {
    // f is increasing between poles; its sign at the midpoint tells which pole is nearer. The
    // evaluation there is also the first iterate (LAPACK dlaed4 starts from it too): the model
    // step below starts at the end of the bracket that the midpoint is.
    const mid = 0.5 * (d[i + 1] - d[i]);
    t = mid;
    secularSums(d, wts, i, d[i], t, sums);
    if (1 + sums[0] + sums[2] >= 0) org = i, lo = 0, hi = mid;
    else org = i + 1, lo = -mid, hi = 0, t = -mid;
  }
  const base = d[org];
  const p = d[i] - base, q = last ? 0 : d[i + 1] - base;
  for (let it = 0; it < 100; it++) {
    if (it > 0) secularSums(d, wts, i, base, t, sums);
    const psi = sums[0], dpsi = sums[1], phi = sums[2], dphi = sums[3];
    const f = 1 + psi + phi;
    if (f === 0) break;
    if (f > 0) hi = t;
    else lo = t;
    if (Math.abs(f) <= 8 * k * EPS * (1 + Math.abs(psi) + Math.abs(phi))) break;
    let next = modelStep(p, q, t, psi, dpsi, phi, dphi, last);
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    else if (Math.abs(next - t) <= STEP_DONE * Math.abs(next)) {
      // The model converges quadratically: after a step this small the next one would be
      // below the rounding of t, so take it and skip the confirming evaluation.
      t = next;
      break;
    }
    if (next === t || hi - lo <= 2 * EPS * Math.max(Math.abs(lo), Math.abs(hi))) break;
    t = next;
  }
  return [org, t];
}

const SUMS = new Float64Array(4);
/** A model step below this fraction of the root is the last one (its square is below u). */
const STEP_DONE = 2 ** -30;

/**
 * ψ = Σ_{j ≤ i} w_j/(δ_j − t), its slope Σ w_j/(δ_j − t)², and φ, φ' over j > i, with
 * δ_j = d_j − base: one division per term (its reciprocal serves the value and the slope).
 */
function secularSums(
  d: Float64Array,
  wts: Float64Array,
  i: number,
  base: number,
  t: number,
  out: Float64Array,
): void {
  let psi = 0, dpsi = 0, phi = 0, dphi = 0;
  for (let j = 0; j <= i; j++) {
    const inv = 1 / ((d[j] - base) - t), r = wts[j] * inv;
    psi += r, dpsi += r * inv;
  }
  for (let j = i + 1; j < d.length; j++) {
    const inv = 1 / ((d[j] - base) - t), r = wts[j] * inv;
    phi += r, dphi += r * inv;
  }
  out[0] = psi, out[1] = dpsi, out[2] = phi, out[3] = dphi;
}

/** The root of the two-pole model `c + s/(p − x) + S/(q − x)` nearest the current bracket. */
function modelStep(
  p: number,
  q: number,
  t: number,
  psi: number,
  dpsi: number,
  phi: number,
  dphi: number,
  last: boolean,
): number {
  const s = dpsi * (p - t) * (p - t);
  if (last) {
    const c = 1 + psi - dpsi * (p - t) + phi;
    return c > 0 ? p + s / c : NaN;
  }
  const sq = dphi * (q - t) * (q - t);
  const c = 1 + psi - dpsi * (p - t) + phi - dphi * (q - t);
  // c(p − x)(q − x) + s(q − x) + S(p − x) = 0
  const a2 = c, b2 = -(c * (p + q) + s + sq), c2 = c * p * q + s * q + sq * p;
  if (a2 === 0) return c2 / -b2;
  const disc = b2 * b2 - 4 * a2 * c2;
  if (disc < 0) return NaN;
  const h = -0.5 * (b2 + (b2 >= 0 ? 1 : -1) * Math.sqrt(disc));
  const x1 = h / a2, x2 = h !== 0 ? c2 / h : NaN;
  // The root between the poles is the one wanted.
  const lo = Math.min(p, q), hi = Math.max(p, q);
  return x1 > lo && x1 < hi ? x1 : x2;
}
