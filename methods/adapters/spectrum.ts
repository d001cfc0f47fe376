/**
 * Singular values of a low-rank product `B A` (`B ∈ R^{m×r}`, `A ∈ R^{r×n}`) without forming
 * it: with thin QR factors `B = Q_B R_B` and `Aᵀ = Q_A R_A`, `B A = Q_B (R_B R_Aᵀ) Q_Aᵀ`, so
 * the spectrum is that of the `r × r` core, found by one-sided Jacobi (Hestenes 1958; Demmel &
 * Veselić, SIAM J. Matrix Anal. Appl. 13(4), 1992), which is accurate for small values too.
 * Used to inspect adapters (rank, spectrum of ΔW) at a cost of `O((m + n) r²)`.
 *
 * @module
 */
import { assertMatrix, shapeStr, type Tensor } from "../../ops/tensor.ts";

/** R factor (`r × r`, upper triangular) of the thin QR of an `m × r` column block (CGS2). */
function thinR(cols: Float64Array[], r: number): Float64Array {
  const R = new Float64Array(r * r);
  const q: Float64Array[] = [];
  for (let j = 0; j < r; j++) {
    const v = cols[j].slice();
    // Classical Gram–Schmidt applied twice ("twice is enough", Giraud et al. 2005).
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < q.length; i++) {
        let d = 0;
        for (let k = 0; k < v.length; k++) d += q[i][k] * v[k];
        R[i * r + j] += d;
        for (let k = 0; k < v.length; k++) v[k] -= d * q[i][k];
      }
    }
    let nrm = 0;
    for (let k = 0; k < v.length; k++) nrm += v[k] * v[k];
    nrm = Math.sqrt(nrm);
    R[j * r + j] = nrm;
    // A dependent column contributes a zero direction; keep q orthonormal by skipping it.
    if (nrm > 0) {
      for (let k = 0; k < v.length; k++) v[k] /= nrm;
      q.push(v);
    } else {
      q.push(new Float64Array(v.length));
    }
  }
  return R;
}

/** Singular values (descending) of a small square matrix by one-sided Jacobi on its columns. */
function jacobiSingularValues(M: Float64Array, r: number): number[] {
  const a = M.slice();
  for (let sweep = 0; sweep < 60; sweep++) {
    let rotated = false;
    for (let p = 0; p < r - 1; p++) {
      for (let q = p + 1; q < r; q++) {
        let alpha = 0, beta = 0, gamma = 0;
        for (let i = 0; i < r; i++) {
          const x = a[i * r + p], y = a[i * r + q];
          alpha += x * x;
          beta += y * y;
          gamma += x * y;
        }
        if (Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta) || gamma === 0) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t), s = c * t;
        for (let i = 0; i < r; i++) {
          const x = a[i * r + p], y = a[i * r + q];
          a[i * r + p] = c * x - s * y;
          a[i * r + q] = s * x + c * y;
        }
      }
    }
    if (!rotated) break;
  }
  const out: number[] = [];
  for (let j = 0; j < r; j++) {
    let n = 0;
    for (let i = 0; i < r; i++) n += a[i * r + j] ** 2;
    out.push(Math.sqrt(n));
  }
  return out.sort((x, y) => y - x);
}

/**
 * The `r` singular values (descending) of `scale · B A`, computed in float64 from the factors.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { lowRankSingularValues } from "./spectrum.ts";
 * const b = tensor([[3, 0], [0, 1], [0, 0]]), a = tensor([[1, 0], [0, 2]]);
 * console.log(lowRankSingularValues(b, a)); // [3, 2]
 * ```
 */
export function lowRankSingularValues(b: Tensor, a: Tensor, scale = 1): number[] {
  const [m, r] = assertMatrix("lowRankSingularValues", "b", b);
  const [r2, n] = assertMatrix("lowRankSingularValues", "a", a);
  if (r !== r2) {
    throw new RangeError(
      `lowRankSingularValues: b is ${shapeStr(b.shape)}, a is ${shapeStr(a.shape)}: ranks differ`,
    );
  }
  for (const [name, t] of [["b", b], ["a", a]] as const) {
    const i = t.data.findIndex((v) => !Number.isFinite(v));
    if (i >= 0) {
      throw new RangeError(`lowRankSingularValues: ${name} has a non-finite entry at ${i}`);
    }
  }
  if (!Number.isFinite(scale)) {
    throw new RangeError(`lowRankSingularValues: scale must be finite, got ${scale}`);
  }
  const colsB = Array.from({ length: r }, (_, j) => {
    const c = new Float64Array(m);
    for (let i = 0; i < m; i++) c[i] = b.data[i * r + j];
    return c;
  });
  const colsA = Array.from(
    { length: r },
    (_, j) => Float64Array.from(a.data.subarray(j * n, j * n + n)),
  );
  const rb = thinR(colsB, r), ra = thinR(colsA, r);
  // Core = R_B R_Aᵀ.
  const core = new Float64Array(r * r);
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < r; j++) {
      let acc = 0;
      for (let k = 0; k < r; k++) acc += rb[i * r + k] * ra[j * r + k];
      core[i * r + j] = acc * Math.abs(scale);
    }
  }
  return jacobiSingularValues(core, r);
}

/**
 * Numerical rank of a spectrum: the count of singular values above `tol · σ_max`. The default
 * `tol` is `sv.length · 2^-52`, since the function does not know the matrix shape; for an
 * `m × n` matrix pass `max(m, n) · 2^-52` to match NumPy's `matrix_rank` (and the dtype's unit
 * roundoff scale for float32 data).
 *
 * @example
 * ```ts
 * import { numericalRank } from "./spectrum.ts";
 * console.log(numericalRank([3, 1, 1e-20], 1e-12)); // 2
 * ```
 */
export function numericalRank(sv: readonly number[], tol = sv.length * 2 ** -52): number {
  if (sv.length === 0) return 0;
  const top = Math.max(...sv);
  return sv.filter((s) => s > tol * top).length;
}
