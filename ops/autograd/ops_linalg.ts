/**
 * Decompositions that methods differentiate through: `svd` (thin), `svdvals`, `eigh`, `qr`
 * (reduced, m ≥ n), `cholesky` and `solve`. Each computes exactly what the `ops/linalg` function
 * computes and, while `grad` records, adds its backward:
 *
 * - eigh: Ā = sym(V (diag(λ̄) + F ∘ VᵀV̄) Vᵀ), F_ij = 1/(λ_j − λ_i) (Giles 2008, §3.1).
 * - svd: Ā = U[(F∘(UᵀŪ − ŪᵀU))S + diag(S̄) + S(F∘(VᵀV̄ − V̄ᵀV))]Vᵀ + (I − UUᵀ)ŪS⁻¹Vᵀ
 *   + US⁻¹V̄ᵀ(I − VVᵀ), F_ij = 1/(σ_j² − σ_i²) (Townsend 2016, "Differentiating the SVD").
 * - qr: Ā = (Q̄ + Q·copyltu(M))R⁻ᵀ, M = RR̄ᵀ − Q̄ᵀQ (Walter & Lehmann 2018; m ≥ n).
 * - cholesky: Ā = sym(L⁻ᵀ Φ(LᵀL̄) L⁻¹), Φ = lower triangle with half diagonal (Murray 2016).
 * - solve: B̄ = A⁻ᵀX̄, Ā = −B̄Xᵀ.
 *
 * The vector gradients need distinct eigen/singular values (and σ > 0 where m ≠ n): where they
 * are not, the backward throws a RangeError rather than return Inf/NaN. Gradients that only
 * reach the values (s, λ) are always defined.
 *
 * @module
 */
import { add, sub } from "../elementwise.ts";
import { matmul } from "../matmul.ts";
import { transpose } from "../shape.ts";
import { allocData, Tensor } from "../tensor.ts";
import { cholesky as choleskyRaw, type CholeskyOptions } from "../linalg/cholesky.ts";
import { eigh as eighRaw, type EighOptions, type EighResult } from "../linalg/eigh.ts";
import { qr as qrRaw, type QrOptions } from "../linalg/qr.ts";
import { solve as solveRaw } from "../linalg/solve.ts";
import { svd as svdRaw, type SvdOptions, type SvdResult } from "../linalg/svd.ts";
import { solveTriangular } from "../linalg/triangular.ts";
import { isTraced, record } from "./tape.ts";

/** `(x + xᵀ)/2` of a square matrix. */
function sym(x: Tensor): Tensor {
  const n = x.shape[0], d = x.data, out = allocData(x.dtype, x.size);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) out[i * n + j] = 0.5 * (d[i * n + j] + d[j * n + i]);
  }
  return new Tensor(out, x.shape);
}

/** `x ∘ F`, `F_ij = 1/(v_j − v_i)` off the diagonal and 0 on it; throws where v_i = v_j. */
function gapScale(op: string, x: Tensor, v: ArrayLike<number>): Tensor {
  const k = v.length, d = x.data, out = allocData(x.dtype, x.size);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      if (i === j || d[i * k + j] === 0) continue;
      const gap = v[j] - v[i];
      if (gap === 0) {
        throw new RangeError(
          `${op}: gradient of the vectors needs distinct values; values ${i} and ${j} are equal (${
            v[i]
          })`,
        );
      }
      out[i * k + j] = d[i * k + j] / gap;
    }
  }
  return new Tensor(out, x.shape);
}

/** `d[i]` added to the diagonal of square `x` (in place), returns x. */
function addDiag_(x: Tensor, d: ArrayLike<number>): Tensor {
  const k = d.length;
  for (let i = 0; i < k; i++) x.data[i * k + i] += d[i];
  return x;
}

/** Rows (scaleRows) or columns of `x` multiplied by `d`. */
function scaleAxis(x: Tensor, d: ArrayLike<number>, rows: boolean): Tensor {
  const [m, n] = x.shape, out = allocData(x.dtype, x.size), xd = x.data;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) out[i * n + j] = xd[i * n + j] * d[rows ? i : j];
  }
  return new Tensor(out, x.shape);
}

function zerosLike(t: Tensor): Tensor {
  return new Tensor(allocData(t.dtype, t.size), t.shape);
}

/**
 * Eigenvalues (ascending) and eigenvectors of a symmetric matrix, as `ops/linalg` `eigh`;
 * differentiable in `a` (symmetric gradient; the vectors' gradient needs distinct eigenvalues).
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { grad } from "./grad.ts";
 * import { eigh } from "./ops_linalg.ts";
 * import { sum } from "./ops_reduce.ts";
 * const g = grad((a: ReturnType<typeof tensor>) => sum(eigh(a).values))(tensor([[2, 1], [1, 3]]));
 * console.log(g.data); // Float64Array [1, 0, 0, 1] (d trace / dA = I)
 * ```
 */
export function eigh(a: Tensor, opts: EighOptions = {}): EighResult {
  const r = eighRaw(a, opts);
  if (!isTraced(a)) return r;
  const lam = r.values.data, v = r.vectors;
  const around = (inner: Tensor): Tensor => sym(matmul(matmul(v, inner), v, { transB: true }));
  // One node per output; the gradients of the two add up at `a`.
  const values = record("eigh.values", r.values, [a], (g) => {
    return [around(addDiag_(zerosLike(matmul(v, v, { transA: true })), g.data))];
  });
  const vectors = record("eigh.vectors", r.vectors, [a], (g) => {
    return [around(gapScale("eigh", matmul(v, g, { transA: true }), lam))];
  });
  return { values, vectors };
}

/**
 * Singular value decomposition, as `ops/linalg` `svd`; differentiable in `a` for the thin
 * factors (the vectors' gradient needs distinct σ, and σ > 0 when `a` is not square).
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { grad } from "./grad.ts";
 * import { svd } from "./ops_linalg.ts";
 * import { sum } from "./ops_reduce.ts";
 * const g = grad((a: ReturnType<typeof tensor>) => sum(svd(a).s))(tensor([[3, 0], [0, -2]]));
 * console.log(g.data); // Float64Array [1, 0, 0, -1] (the nuclear norm's gradient U·Vᵀ)
 * ```
 */
export function svd(a: Tensor, opts: SvdOptions = {}): SvdResult {
  const traced = isTraced(a);
  if (traced && opts.full === true && a.shape[0] !== a.shape[1]) {
    throw new TypeError(
      "svd: full factors of a non-square traced matrix have no gradient; use the thin svd",
    );
  }
  if (!traced) return svdRaw(a, opts);
  const wantUV = opts.computeUV ?? true;
  const r = svdRaw(a, { ...opts, computeUV: true });
  const back = (gu: Tensor | null, gs: Tensor | null, gvt: Tensor | null): Tensor =>
    svdBackward(a, r, gu, gs, gvt);
  const s = record("svd.s", r.s, [a], (g) => [back(null, g, null)]);
  if (!wantUV) {
    const empty = svdRaw(a, opts);
    return { u: empty.u, s, vt: empty.vt };
  }
  const u = record("svd.u", r.u, [a], (g) => [back(g, null, null)]);
  const vt = record("svd.vt", r.vt, [a], (g) => [back(null, null, g)]);
  return { u, s, vt };
}

function svdBackward(
  a: Tensor,
  r: SvdResult,
  gu: Tensor | null,
  gs: Tensor | null,
  gvt: Tensor | null,
): Tensor {
  const [m, n] = a.shape, sv = r.s.data, k = sv.length;
  const u = r.u, vt = r.vt, v = transpose(vt);
  const sq = Array.from(sv, (x) => x * x);
  const inner = new Tensor(allocData(a.dtype, k * k), [k, k]);
  if (gs !== null) addDiag_(inner, gs.data);
  const inv = Array.from(sv, (x) => (x === 0 ? Infinity : 1 / x));
  let extra: Tensor | null = null;
  if (gu !== null) {
    const utgu = matmul(u, gu, { transA: true });
    const j = gapScale("svd", sub(utgu, transpose(utgu)), sq);
    addTo_(inner, scaleAxis(j, sv, false));
    if (m > k) {
      checkPositive(sv);
      const proj = sub(gu, matmul(u, matmul(u, gu, { transA: true })));
      extra = matmul(scaleAxis(proj, inv, false), vt);
    }
  }
  if (gvt !== null) {
    const gv = transpose(gvt);
    const vtgv = matmul(vt, gv);
    const kk = gapScale("svd", sub(vtgv, transpose(vtgv)), sq);
    addTo_(inner, scaleAxis(kk, sv, true));
    if (n > k) {
      checkPositive(sv);
      const proj = sub(gv, matmul(v, matmul(vt, gv)));
      const term = matmul(scaleAxis(u, inv, false), proj, { transB: true });
      extra = extra === null ? term : add(extra, term);
    }
  }
  const core = matmul(matmul(u, inner), vt);
  return extra === null ? core : add(core, extra);
}

function checkPositive(s: ArrayLike<number>): void {
  for (let i = 0; i < s.length; i++) {
    if (s[i] === 0) {
      throw new RangeError(
        `svd: gradient of the vectors of a non-square matrix needs σ > 0; σ${i} is 0`,
      );
    }
  }
}

function addTo_(x: Tensor, y: Tensor): void {
  for (let i = 0; i < x.size; i++) x.data[i] += y.data[i];
}

/**
 * Singular values (descending), differentiable: the gradient of σ_i is u_i·v_iᵀ.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { svdvals } from "./ops_linalg.ts";
 * console.log(svdvals(tensor([[3, 0], [0, 4]])).data); // Float64Array [4, 3]
 * ```
 */
export function svdvals(a: Tensor): Tensor {
  return svd(a, { computeUV: false }).s;
}

/**
 * QR factorization, as `ops/linalg` `qr`; differentiable in `a` for the reduced factors (and
 * mode "r") of an m×n matrix with m ≥ n and R of full rank.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { qr } from "./ops_linalg.ts";
 * const { q, r } = qr(tensor([[3, 1], [4, 2]]));
 * console.log(q.shape, r.shape); // [2, 2] [2, 2]
 * ```
 */
export function qr(a: Tensor, opts: QrOptions = {}): { q: Tensor; r: Tensor } {
  if (!isTraced(a)) return qrRaw(a, opts);
  const mode = opts.mode ?? "reduced";
  const [m, n] = a.shape;
  if (m < n || (mode === "complete" && m !== n)) {
    throw new TypeError(
      `qr: the gradient needs m ≥ n and reduced factors; a is ${m}x${n}, mode "${mode}"`,
    );
  }
  const f = qrRaw(a, { mode: "reduced" });
  const back = (gq: Tensor | null, gr: Tensor | null): Tensor => {
    const q = f.q, r = f.r;
    const gqq = gq ?? zerosLike(q);
    let mm = matmul(gqq, q, { transA: true }); // Q̄ᵀQ
    mm = gr === null ? scaleAll(mm, -1) : sub(matmul(r, gr, { transB: true }), mm);
    const b = add(gqq, matmul(q, copyltu(mm)));
    // Ā = B·R⁻ᵀ  ⇔  R·Āᵀ = Bᵀ
    return transpose(solveTriangular(r, transpose(b), { lower: false }));
  };
  const r = record("qr.r", f.r, [a], (g) => [back(null, g)]);
  if (mode === "r") return { q: qrRaw(a, { mode: "r" }).q, r };
  const q = record("qr.q", f.q, [a], (g) => [back(g, null)]);
  return { q, r };
}

/** The symmetric matrix with `m`'s lower triangle (and diagonal). */
function copyltu(m: Tensor): Tensor {
  const n = m.shape[0], d = m.data, out = allocData(m.dtype, m.size);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) out[i * n + j] = out[j * n + i] = d[i * n + j];
  }
  return new Tensor(out, m.shape);
}

function scaleAll(x: Tensor, s: number): Tensor {
  return new Tensor(x.data.map((v) => v * s), x.shape);
}

/**
 * Cholesky factor, as `ops/linalg` `cholesky`; differentiable in `a` (symmetric gradient).
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { cholesky } from "./ops_linalg.ts";
 * console.log(cholesky(tensor([[4, 2], [2, 5]])).data); // Float64Array [2, 0, 1, 2]
 * ```
 */
export function cholesky(a: Tensor, opts: CholeskyOptions = {}): Tensor {
  const out = choleskyRaw(a, opts);
  if (!isTraced(a)) return out;
  const upper = opts.upper ?? false;
  return record("cholesky", out, [a], (g) => {
    const l = upper ? transpose(out) : out;
    const gl = upper ? transpose(g) : g;
    const phi = matmul(l, gl, { transA: true });
    const n = l.shape[0];
    for (let i = 0; i < n; i++) {
      phi.data[i * n + i] *= 0.5;
      for (let j = i + 1; j < n; j++) phi.data[i * n + j] = 0;
    }
    // S = L⁻ᵀ Φ L⁻¹: solve Lᵀ·Y = Φ, then S = Y·L⁻¹ ⇔ Lᵀ·Sᵀ = Yᵀ.
    const y = solveTriangular(l, phi, { lower: true, trans: true });
    const s = transpose(solveTriangular(l, transpose(y), { lower: true, trans: true }));
    return [sym(s)];
  });
}

/**
 * Solves `a·x = b` (b a vector or a matrix), as `ops/linalg` `solve`; differentiable in both.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { solve } from "./ops_linalg.ts";
 * console.log(solve(tensor([[2, 0], [0, 4]]), tensor([2, 8])).data); // Float64Array [1, 2]
 * ```
 */
export function solve(a: Tensor, b: Tensor): Tensor {
  const x = solveRaw(a, b);
  return record("solve", x, [a, b], (g, need) => {
    const gb = solveRaw(transpose(a), g);
    let ga: Tensor | null = null;
    if (need[0]) {
      const gb2 = gb.ndim === 1 ? col(gb) : gb;
      const x2 = x.ndim === 1 ? col(x) : x;
      ga = scaleAll(matmul(gb2, x2, { transB: true }), -1);
    }
    return [ga, need[1] ? gb : null];
  });
}

function col(v: Tensor): Tensor {
  return new Tensor(v.data, [v.size, 1]);
}
