/**
 * One-sided Jacobi SVD (Hestenes, "Inversion of matrices by biorthogonalization and related
 * results", J. SIAM 6, 1958; Demmel & Veselić, "Jacobi's method is more accurate than QR", SIAM
 * J. Matrix Anal. Appl. 13, 1992): plane rotations orthogonalize the columns of A until every
 * pair is orthogonal to working precision. Slower than {@link svd} but entirely independent of
 * it, which is why the tests use it as the second algorithm.
 *
 * @module
 */
import { assertUntraced } from "../autograd/tape.ts";
import { Tensor } from "../tensor.ts";
import { f64Matrix, scaleExponent, scalePow2_, toTensor, transposeData } from "./dense.ts";
import { svdFlip } from "./svd.ts";

const EPS = 2 ** -52;
const MAX_SWEEPS = 80;

function dot(x: Float64Array, i: number, j: number, len: number): number {
  let s = 0;
  const a = i * len, b = j * len;
  for (let k = 0; k < len; k++) s += x[a + k] * x[b + k];
  return s;
}

function rotateRows(
  x: Float64Array,
  i: number,
  j: number,
  len: number,
  c: number,
  s: number,
): void {
  const a = i * len, b = j * len;
  for (let k = 0; k < len; k++) {
    const xi = x[a + k], xj = x[b + k];
    x[a + k] = c * xi - s * xj;
    x[b + k] = s * xi + c * xj;
  }
}

/** Orthogonalizes the n rows (length m) of g, accumulating the rotations in the rows of v. */
function orthogonalize(g: Float64Array, n: number, m: number, v: Float64Array): void {
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let rotated = false;
    for (let i = 0; i < n - 1; i++) {
      for (let j = i + 1; j < n; j++) {
        const alpha = dot(g, i, i, m), beta = dot(g, j, j, m), gamma = dot(g, i, j, m);
        if (gamma === 0 || Math.abs(gamma) <= EPS * Math.sqrt(alpha) * Math.sqrt(beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t), s = c * t;
        rotateRows(g, i, j, m, c, s);
        rotateRows(v, i, j, n, c, s);
      }
    }
    if (!rotated) return;
  }
  throw new Error(`jacobiSvd: no convergence in ${MAX_SWEEPS} sweeps`);
}

/** Replaces zero rows of the n × m row set `u` by unit vectors orthogonal to the others. */
function completeBasis(u: Float64Array, n: number, m: number, zero: boolean[]): void {
  let cand = 0;
  for (let j = 0; j < n; j++) {
    if (!zero[j]) continue;
    for (; cand < m; cand++) {
      const x = new Float64Array(m);
      x[cand] = 1;
      for (let pass = 0; pass < 2; pass++) {
        for (let i = 0; i < n; i++) {
          if (i === j || (zero[i] && i > j)) continue;
          let p = 0;
          for (let k = 0; k < m; k++) p += u[i * m + k] * x[k];
          for (let k = 0; k < m; k++) x[k] -= p * u[i * m + k];
        }
      }
      const nx = Math.sqrt(x.reduce((s, y) => s + y * y, 0));
      if (nx > 0.5) {
        for (let k = 0; k < m; k++) u[j * m + k] = x[k] / nx;
        cand++;
        break;
      }
    }
  }
}

/**
 * Reduced SVD `a = u · diag(s) · vt` by one-sided Jacobi rotations (Hestenes 1958; Demmel &
 * Veselić 1992), s descending, signs as {@link svdFlip}. f32 input is computed in f64 and
 * rounded. O(sweeps·m·n²): meant for small matrices and as an independent reference.
 *
 * @throws {RangeError} if `a` is not a matrix or has a non-finite entry.
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { jacobiSvd } from "./jacobi_svd.ts";
 * console.log(jacobiSvd(tensor([[0, 2], [1, 0]])).s.data); // Float64Array [2, 1]
 * ```
 */
export function jacobiSvd(a: Tensor): { u: Tensor; s: Tensor; vt: Tensor } {
  assertUntraced("jacobiSvd", { a });
  const { m, n, w, dtype } = f64Matrix("jacobiSvd", "a", a);
  const e = scaleExponent(w);
  scalePow2_(w, -e);
  const tall = m >= n;
  // Rows of g are the columns of the (tall) matrix: the rotations then act on contiguous rows.
  const [rows, len] = tall ? [n, m] : [m, n];
  const g = tall ? transposeData(w, m, n) : w;
  const v = new Float64Array(rows * rows);
  for (let i = 0; i < rows; i++) v[i * rows + i] = 1;
  orthogonalize(g, rows, len, v);
  const s = new Float64Array(rows);
  const zero: boolean[] = [];
  for (let i = 0; i < rows; i++) {
    s[i] = Math.sqrt(dot(g, i, i, len));
    zero.push(s[i] === 0);
    if (s[i] > 0) { for (let k = 0; k < len; k++) g[i * len + k] /= s[i]; }
  }
  completeBasis(g, rows, len, zero);
  const order = Array.from({ length: rows }, (_, i) => i).sort((x, y) => s[y] - s[x]);
  const sSorted = new Float64Array(rows), gS = new Float64Array(rows * len);
  const vS = new Float64Array(rows * rows);
  order.forEach((src, dst) => {
    sSorted[dst] = s[src];
    gS.set(g.subarray(src * len, (src + 1) * len), dst * len);
    vS.set(v.subarray(src * rows, (src + 1) * rows), dst * rows);
  });
  // tall: u = gSᵀ (m × n), vt = vS (n × n); wide: u = vSᵀ (m × m), vt = gS (m × n).
  const u = tall
    ? new Tensor(transposeData(gS, rows, len), [m, n])
    : new Tensor(transposeData(vS, rows, rows), [m, m]);
  const vt = tall ? new Tensor(vS, [n, n]) : new Tensor(gS, [m, n]);
  svdFlip(u, vt);
  scalePow2_(sSorted, e);
  return {
    u: toTensor(u.data as Float64Array, u.shape, dtype),
    s: toTensor(sSorted, [rows], dtype),
    vt: toTensor(vt.data as Float64Array, vt.shape, dtype),
  };
}
