/**
 * Singular values (and optionally vectors) of an upper bidiagonal matrix by implicit-shift QR
 * (Golub & Reinsch, "Singular value decomposition and least squares solutions", Numer. Math.
 * 14, 1970) with the zero-shift sweep of Demmel & Kahan ("Accurate singular values of bidiagonal
 * matrices", SIAM J. Sci. Stat. Comput. 11, 1990) when the shift would swamp the smallest
 * singular value, in the structure of LAPACK `dbdsqr`. The rotations of a sweep are stored and
 * applied to the vector matrices in one pass per row ({@link rotateColumnsForward}).
 *
 * @module
 */
import { Scratch } from "./_scratch.ts";
import { givens, givensTo, rotateColumnPair, rotateColumnsForward } from "./dense.ts";

/** Scratch of {@link givensTo} for the sweeps: c, s, r of the last rotation. */
const G = new Float64Array(3);

/** The rotation buffers when the caller supplies none (reused: allocation costs here). */
const CU = new Scratch(), SU = new Scratch(), CV = new Scratch(), SV = new Scratch();

const EPS = 2 ** -52;

/**
 * Row-major matrices that receive the rotations (`null` = not wanted): the vectors are columns
 * 0…n−1 of `x`, or, with `byRows`, rows 0…n−1 (then `rows` is the vector length).
 */
export interface VectorSink {
  /** Storage. */
  x: Float64Array;
  /** Rows (the vector length when `byRows`). */
  rows: number;
  /** Leading dimension (row stride). */
  ld: number;
  /** Vectors are rows: rotations combine rows (contiguous, SIMD-friendly). */
  byRows?: boolean;
  /**
   * With `byRows`, a kernel applying the rotation sequence `lo … hi−1` to rows (entries
   * `0 … ld−1`), e.g. the WebAssembly SIMD one of `simd.ts`.
   */
  rotateRows?: (
    x: Float64Array,
    ld: number,
    len: number,
    lo: number,
    hi: number,
    cs: Float64Array,
    sn: Float64Array,
  ) => void;
}

/** Rotation buffers (n each) the caller may supply, e.g. inside the SIMD kernels' memory. */
export interface RotationBuffers {
  /** Cosines of the left (U) rotations. */
  cu: Float64Array;
  /** Sines of the left (U) rotations. */
  su: Float64Array;
  /** Cosines of the right (V) rotations. */
  cv: Float64Array;
  /** Sines of the right (V) rotations. */
  sv: Float64Array;
}

/**
 * Diagonalizes the upper bidiagonal `B = diag(d) + superdiag(e)` (n × n) in place: on return
 * `d` holds the singular values, non-negative and in descending order, and `u`, `v` (if given)
 * have been multiplied by the left and right singular vectors, so that `U·B·Vᵀ` is preserved.
 *
 * @throws {Error} if the iteration fails to converge (not observed; a safeguard).
 * @example
 * ```ts
 * import { bidiagonalSvd_ } from "./bdsqr.ts";
 * const d = new Float64Array([3, 4]), e = new Float64Array([0, 0]);
 * bidiagonalSvd_(d, e, 2, null, null);
 * console.log(d); // Float64Array [4, 3]
 * ```
 */
export function bidiagonalSvd_(
  d: Float64Array,
  e: Float64Array,
  n: number,
  u: VectorSink | null,
  v: VectorSink | null,
  buffers?: RotationBuffers,
): void {
  let smax = 0;
  for (let i = 0; i < n; i++) smax = Math.max(smax, Math.abs(d[i]), i < n - 1 ? Math.abs(e[i]) : 0);
  if (smax > 0) iterate(d, e, n, u, v, smax, buffers);
  finish(d, n, u, v);
}

function iterate(
  d: Float64Array,
  e: Float64Array,
  n: number,
  u: VectorSink | null,
  v: VectorSink | null,
  smax: number,
  buffers?: RotationBuffers,
): void {
  // Absolute floor (a hundredth of an ulp of ‖B‖): below it an entry is noise of the reduction.
  const floor = 0.01 * EPS * smax;
  const negligible = (i: number): boolean =>
    Math.abs(e[i]) <= EPS * (Math.abs(d[i]) + Math.abs(d[i + 1])) || Math.abs(e[i]) <= floor;
  const { cu, su, cv, sv } = buffers ??
    { cu: CU.get(n), su: SU.get(n), cv: CV.get(n), sv: SV.get(n) };
  const maxIter = 6 * n * n + 100;
  let iter = 0;
  let hi = n - 1;
  while (hi > 0) {
    if (negligible(hi - 1)) {
      e[hi - 1] = 0;
      hi--;
      continue;
    }
    let ll = hi - 1;
    while (ll > 0 && !negligible(ll - 1)) ll--;
    if (ll > 0) e[ll - 1] = 0;
    let zk = -1;
    for (let k = ll; k <= hi; k++) {
      if (Math.abs(d[k]) <= floor) {
        zk = k;
        break;
      }
    }
    if (zk >= 0) {
      d[zk] = 0;
      if (zk < hi) chaseRight(d, e, zk, hi, u);
      else chaseUp(d, e, ll, hi, v);
      continue;
    }
    if (++iter > maxIter) {
      throw new Error(`svd: bidiagonal QR did not converge in ${maxIter} sweeps`);
    }
    let shift = smallestSingular2x2(d[hi - 1], e[hi - 1], d[hi]);
    const sll = Math.abs(d[ll]);
    if ((shift / sll) ** 2 < EPS) shift = 0;
    if (shift === 0) zeroShiftSweep(d, e, ll, hi, cu, su, cv, sv);
    else shiftedSweep(d, e, ll, hi, shift, cu, su, cv, sv);
    if (v) rotateSequence(v, ll, hi, cv, sv);
    if (u) rotateSequence(u, ll, hi, cu, su);
  }
}

/** d[zk] = 0 with zk < hi: rotate row zk's superdiagonal entry out to the right (left rotations). */
function chaseRight(
  d: Float64Array,
  e: Float64Array,
  zk: number,
  hi: number,
  u: VectorSink | null,
): void {
  let g = e[zk];
  e[zk] = 0;
  for (let j = zk + 1; j <= hi && g !== 0; j++) {
    const [c, s, r] = givens(d[j], g);
    d[j] = r;
    if (u) rotatePair(u, j, zk, c, s);
    if (j < hi) {
      g = -s * e[j];
      e[j] = c * e[j];
    }
  }
}

/** d[hi] = 0: rotate column hi's entry up and out (right rotations). */
function chaseUp(
  d: Float64Array,
  e: Float64Array,
  ll: number,
  hi: number,
  v: VectorSink | null,
): void {
  let g = e[hi - 1];
  e[hi - 1] = 0;
  for (let j = hi - 1; j >= ll && g !== 0; j--) {
    const [c, s, r] = givens(d[j], g);
    d[j] = r;
    if (v) rotatePair(v, j, hi, c, s);
    if (j > ll) {
      g = -s * e[j - 1];
      e[j - 1] = c * e[j - 1];
    }
  }
}

function rotateSequence(
  t: VectorSink,
  lo: number,
  hi: number,
  c: Float64Array,
  s: Float64Array,
): void {
  if (!t.byRows) return rotateColumnsForward(t.x, t.rows, t.ld, lo, hi, c, s);
  if (t.rotateRows) return t.rotateRows(t.x, t.ld, t.ld, lo, hi, c, s);
  for (let j = lo; j < hi; j++) rotatePair(t, j, j + 1, c[j], s[j]);
}

/** Vector p ← c·p + s·q, vector q ← c·q − s·p. */
function rotatePair(t: VectorSink, p: number, q: number, c: number, s: number): void {
  if (!t.byRows) return rotateColumnPair(t.x, t.rows, t.ld, p, q, c, s);
  const x = t.x, bp = p * t.ld, bq = q * t.ld;
  for (let k = 0; k < t.rows; k++) {
    const xp = x[bp + k], xq = x[bq + k];
    x[bp + k] = c * xp + s * xq;
    x[bq + k] = c * xq - s * xp;
  }
}

function zeroShiftSweep(
  d: Float64Array,
  e: Float64Array,
  ll: number,
  hi: number,
  cu: Float64Array,
  su: Float64Array,
  cv: Float64Array,
  sv: Float64Array,
): void {
  let cs = 1, oldcs = 1, oldsn = 0;
  for (let i = ll; i < hi; i++) {
    givensTo(d[i] * cs, e[i], G);
    const c1 = G[0], s1 = G[1], r = G[2];
    cs = c1;
    if (i > ll) e[i - 1] = oldsn * r;
    givensTo(oldcs * r, d[i + 1] * s1, G);
    const c2 = G[0], s2 = G[1], r2 = G[2];
    oldcs = c2;
    oldsn = s2;
    d[i] = r2;
    cv[i] = c1;
    sv[i] = s1;
    cu[i] = c2;
    su[i] = s2;
  }
  const h = d[hi] * cs;
  d[hi] = h * oldcs;
  e[hi - 1] = h * oldsn;
}

function shiftedSweep(
  d: Float64Array,
  e: Float64Array,
  ll: number,
  hi: number,
  shift: number,
  cu: Float64Array,
  su: Float64Array,
  cv: Float64Array,
  sv: Float64Array,
): void {
  let f = (Math.abs(d[ll]) - shift) * (Math.sign(d[ll]) + shift / d[ll]);
  let g = e[ll];
  for (let i = ll; i < hi; i++) {
    givensTo(f, g, G);
    const cr = G[0], sr = G[1], r = G[2];
    if (i > ll) e[i - 1] = r;
    f = cr * d[i] + sr * e[i];
    e[i] = cr * e[i] - sr * d[i];
    g = sr * d[i + 1];
    d[i + 1] = cr * d[i + 1];
    givensTo(f, g, G);
    const cl = G[0], sl = G[1], r2 = G[2];
    d[i] = r2;
    f = cl * e[i] + sl * d[i + 1];
    d[i + 1] = cl * d[i + 1] - sl * e[i];
    if (i < hi - 1) {
      g = sl * e[i + 1];
      e[i + 1] = cl * e[i + 1];
    }
    cv[i] = cr;
    sv[i] = sr;
    cu[i] = cl;
    su[i] = sl;
  }
  e[hi - 1] = f;
}

/**
 * The smaller singular value of `[f g; 0 h]`, accurate to a few ulps (LAPACK `dlas2`).
 *
 * @example
 * ```ts
 * import { smallestSingular2x2 } from "./bdsqr.ts";
 * console.log(smallestSingular2x2(2, 0, 3)); // 2
 * ```
 */
export function smallestSingular2x2(f: number, g: number, h: number): number {
  const fa = Math.abs(f), ga = Math.abs(g), ha = Math.abs(h);
  const fhmn = Math.min(fa, ha), fhmx = Math.max(fa, ha);
  if (fhmn === 0) return 0;
  if (ga < fhmx) {
    const as = 1 + fhmn / fhmx, at = (fhmx - fhmn) / fhmx, au = (ga / fhmx) ** 2;
    return fhmn * (2 / (Math.sqrt(as * as + au) + Math.sqrt(at * at + au)));
  }
  const au = fhmx / ga;
  if (au === 0) return (fhmn * fhmx) / ga;
  const as = 1 + fhmn / fhmx, at = (fhmx - fhmn) / fhmx;
  const c = 1 / (Math.sqrt(1 + (as * au) ** 2) + Math.sqrt(1 + (at * au) ** 2));
  return 2 * (fhmn * c) * au;
}

/** Makes the values non-negative (flipping V's column) and sorts them descending with vectors. */
function finish(d: Float64Array, n: number, u: VectorSink | null, v: VectorSink | null): void {
  for (let i = 0; i < n; i++) {
    if (d[i] < 0 || Object.is(d[i], -0)) {
      d[i] = -d[i];
      if (v) negate(v, i);
    }
  }
  for (let i = 0; i < n - 1; i++) {
    let best = i;
    for (let j = i + 1; j < n; j++) if (d[j] > d[best]) best = j;
    if (best === i) continue;
    const t = d[i];
    d[i] = d[best];
    d[best] = t;
    if (u) swapColumns(u, i, best);
    if (v) swapColumns(v, i, best);
  }
}

function negate(t: VectorSink, i: number): void {
  if (t.byRows) { for (let k = 0; k < t.rows; k++) t.x[i * t.ld + k] = -t.x[i * t.ld + k]; }
  else for (let r = 0; r < t.rows; r++) t.x[r * t.ld + i] = -t.x[r * t.ld + i];
}

function swapColumns(s: VectorSink, i: number, j: number): void {
  if (s.byRows) {
    const a = s.x.slice(i * s.ld, i * s.ld + s.rows);
    s.x.copyWithin(i * s.ld, j * s.ld, j * s.ld + s.rows);
    s.x.set(a, j * s.ld);
    return;
  }
  for (let r = 0, b = 0; r < s.rows; r++, b += s.ld) {
    const t = s.x[b + i];
    s.x[b + i] = s.x[b + j];
    s.x[b + j] = t;
  }
}
