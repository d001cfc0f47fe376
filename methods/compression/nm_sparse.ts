/**
 * N:M semi-structured sparsity (in every group of M consecutive entries, exactly N are kept):
 * the projection Π onto the N:M set with the tie rule of spec `compression_optim_attention.md`
 * §3 (largest |value| first, the lower index on ties), the index storage `log2 C(M, N)` bits per
 * group, and a packed form with its product against dense activations (the sparse half of
 * DSFormer's `y = D (S x)`; Chand, Prabhu, Kumar, arXiv 2312.13211).
 *
 * @module
 */
import { checkOptions } from "../../ops/options.ts";
import { shapeStr, Tensor } from "../../ops/tensor.ts";

/** Options of {@link nmProject}. */
export interface NmOptions {
  /**
   * The axis the groups run along: 0 (default) groups `M` consecutive rows of each column
   * (DSFormer's "along k" for `S ∈ R^{k×n}`), 1 groups `M` consecutive columns of each row.
   */
  axis?: 0 | 1;
}

function checkNm(fn: string, n: number, m: number, len: number): void {
  if (!Number.isInteger(m) || m < 1) {
    throw new RangeError(`${fn}: M must be an integer ≥ 1, got ${m}`);
  }
  if (!Number.isInteger(n) || n < 1 || n > m) {
    throw new RangeError(`${fn}: N must be an integer in 1..M=${m}, got ${n}`);
  }
  if (len % m !== 0) {
    throw new RangeError(`${fn}: the grouped axis has length ${len}, not a multiple of M=${m}`);
  }
}

/**
 * The kept positions (offsets within the group, ascending) of one group: the `n` largest |v|,
 * ties to the lower offset. Selection by repeated scans: M is small (4, 8).
 */
function keepOfGroup(
  v: ArrayLike<number>,
  base: number,
  stride: number,
  n: number,
  m: number,
): number[] {
  const kept: boolean[] = new Array(m).fill(false);
  for (let t = 0; t < n; t++) {
    let best = -1, bestAbs = -1;
    for (let o = 0; o < m; o++) {
      const a = Math.abs(v[base + o * stride]);
      // Strictly greater: an equal value later in the group loses (lowest index wins).
      if (!kept[o] && a > bestAbs) [best, bestAbs] = [o, a];
    }
    kept[best] = true;
  }
  const out: number[] = [];
  for (let o = 0; o < m; o++) if (kept[o]) out.push(o);
  return out;
}

/** Calls `visit(base, stride)` for every group of `m` of a `rows × cols` matrix along `axis`. */
function forGroups(
  rows: number,
  cols: number,
  m: number,
  axis: 0 | 1,
  visit: (base: number, stride: number) => void,
): void {
  if (axis === 0) {
    for (let g = 0; g < rows; g += m) for (let j = 0; j < cols; j++) visit(g * cols + j, cols);
  } else {
    for (let i = 0; i < rows; i++) for (let g = 0; g < cols; g += m) visit(i * cols + g, 1);
  }
}

function matrixOf(fn: string, s: Tensor): [number, number] {
  if (!(s instanceof Tensor) || s.ndim !== 2) {
    throw new TypeError(
      `${fn}: s must be a matrix Tensor, got ${s instanceof Tensor ? shapeStr(s.shape) : typeof s}`,
    );
  }
  for (let i = 0; i < s.size; i++) {
    if (!Number.isFinite(s.data[i])) {
      throw new RangeError(`${fn}: s has a non-finite entry ${s.data[i]} at flat index ${i}`);
    }
  }
  return [s.shape[0], s.shape[1]];
}

/**
 * Π: the N:M-sparse matrix nearest to `s` in Frobenius norm. In every group of `m`
 * consecutive entries along `axis` it keeps the `n` of largest magnitude (the lower index wins
 * a tie) and zeros the rest. Idempotent. Spec §3 "Projection Π onto the sparsity set".
 *
 * @throws {RangeError} if N, M are not integers with 1 ≤ N ≤ M, the grouped axis is not a
 * multiple of M, or `s` has a non-finite entry.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { nmProject } from "./nm_sparse.ts";
 * console.log(nmProject(tensor([[1, -3, 2, 2]]), 2, 4, { axis: 1 }).data); // Float64Array [0, -3, 2, 0]
 * ```
 */
export function nmProject(s: Tensor, n: number, m: number, opts: NmOptions = {}): Tensor {
  checkOptions("nmProject", opts, { axis: "integer" });
  const axis = opts.axis ?? 0;
  if (axis !== 0 && axis !== 1) throw new RangeError(`nmProject: axis must be 0 or 1, got ${axis}`);
  const [rows, cols] = matrixOf("nmProject", s);
  checkNm("nmProject", n, m, axis === 0 ? rows : cols);
  const out = new Tensor(new (s.data.constructor as Float64ArrayConstructor)(s.size), [rows, cols]);
  forGroups(rows, cols, m, axis, (base, stride) => {
    for (const o of keepOfGroup(s.data, base, stride, n, m)) {
      out.data[base + o * stride] = s.data[base + o * stride];
    }
  });
  return out;
}

/**
 * Bits of index storage per group of an N:M pattern: `log2 C(M, N)` (spec §3; 2:4 → 2.585).
 *
 * @example
 * ```ts
 * import { nmIndexBits } from "./nm_sparse.ts";
 * console.log(nmIndexBits(2, 4).toFixed(3), nmIndexBits(4, 4)); // 2.585 0
 * ```
 */
export function nmIndexBits(n: number, m: number): number {
  checkNm("nmIndexBits", n, m, m);
  let c = 1;
  for (let i = 0; i < n; i++) c = (c * (m - i)) / (i + 1);
  return Math.log2(Math.round(c));
}

/**
 * An N:M-sparse `rows × cols` matrix grouped along axis 0 (columns hold the groups), stored
 * column by column: for column j, group g, slot t the kept value and its row.
 */
export interface NmPacked {
  /** Rows of the dense matrix (a multiple of `m`). */
  readonly rows: number;
  /** Columns of the dense matrix. */
  readonly cols: number;
  /** N. */
  readonly n: number;
  /** M. */
  readonly m: number;
  /** Kept values, `cols · (rows/m) · n` of them, column-major by group. */
  readonly values: Float64Array | Float32Array;
  /** Row of each kept value. */
  readonly rowIndex: Int32Array;
}

/**
 * Packs the N:M pattern of `s` (groups along axis 0) into {@link NmPacked}. `s` must already
 * be N:M sparse (e.g. the output of {@link nmProject}); a group with more than N non-zeros is
 * an error, never silently projected. Where a group has fewer non-zeros, zeros fill the slots.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { nmPack } from "./nm_sparse.ts";
 * const p = nmPack(tensor([[0], [5], [0], [7]]), 2, 4);
 * console.log(p.values, p.rowIndex); // Float64Array [5, 7] Int32Array [1, 3]
 * ```
 */
export function nmPack(s: Tensor, n: number, m: number): NmPacked {
  const [rows, cols] = matrixOf("nmPack", s);
  checkNm("nmPack", n, m, rows);
  const groups = rows / m;
  const values = new (s.data.constructor as Float64ArrayConstructor)(cols * groups * n);
  const rowIndex = new Int32Array(cols * groups * n);
  for (let j = 0; j < cols; j++) {
    for (let g = 0; g < groups; g++) {
      const at = (j * groups + g) * n;
      const kept = keepOfGroup(s.data, g * m * cols + j, cols, n, m);
      for (let o = 0; o < m; o++) {
        const v = s.data[(g * m + o) * cols + j];
        if (v !== 0 && !kept.includes(o)) {
          throw new RangeError(
            `nmPack: column ${j}, group ${g} has more than N=${n} non-zeros in ${m}; project it first`,
          );
        }
      }
      kept.forEach((o, t) => {
        values[at + t] = s.data[(g * m + o) * cols + j];
        rowIndex[at + t] = g * m + o;
      });
    }
  }
  return { rows, cols, n, m, values, rowIndex };
}

/**
 * `x · Sᵀ` for activations `x` (`[B, cols]`, one token per row, as `linear(x, S)`) and a
 * packed N:M matrix S (`rows × cols`): `[B, rows]`, costing `B · nnz(S)` multiply-adds instead
 * of `B · rows · cols`.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { nmMatmulT, nmPack } from "./nm_sparse.ts";
 * const p = nmPack(tensor([[0, 1], [2, 0]]), 1, 2);
 * console.log(nmMatmulT(tensor([[1, 10]]), p).data); // Float64Array [10, 2]
 * ```
 */
export function nmMatmulT(x: Tensor, s: NmPacked): Tensor {
  if (!(x instanceof Tensor) || x.ndim !== 2 || x.shape[1] !== s.cols) {
    throw new RangeError(
      `nmMatmulT: x must be [B, ${s.cols}], got ${
        x instanceof Tensor ? shapeStr(x.shape) : typeof x
      }`,
    );
  }
  const b = x.shape[0], { rows, cols, values, rowIndex } = s;
  const per = values.length / cols;
  const Arr = x.data.constructor as Float64ArrayConstructor;
  // Work on Xᵀ (cols × B) and Yᵀ (rows × B): every kept entry (r, j, v) of S is one contiguous
  // axpy Yᵀ[r, :] += v·Xᵀ[j, :] of length B, which the JIT keeps in a tight loop (a per-token
  // scatter over r was 8x slower than the dense GEMM here).
  const xt = new Arr(cols * b), yt = new Arr(rows * b), xd = x.data;
  for (let i = 0; i < b; i++) for (let j = 0; j < cols; j++) xt[j * b + i] = xd[i * cols + j];
  for (let j = 0; j < cols; j++) {
    const xo = j * b, at = j * per;
    for (let t = 0; t < per; t++) {
      const v = values[at + t];
      if (v === 0) continue;
      const yo = rowIndex[at + t] * b;
      for (let i = 0; i < b; i++) yt[yo + i] += v * xt[xo + i];
    }
  }
  const out = new Tensor(new Arr(b * rows), [b, rows]);
  const od = out.data;
  for (let r = 0; r < rows; r++) for (let i = 0; i < b; i++) od[i * rows + r] = yt[r * b + i];
  return out;
}
