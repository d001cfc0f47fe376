/**
 * WebAssembly SIMD (f64x2) kernels for the two memory-bound loops of the decompositions that
 * are not matrix products: a sequence of plane rotations of adjacent rows (the vector updates
 * of the bidiagonal QR iteration) and row-by-row dot products (the matrix-vector product of
 * tridiagonalization), plus the fused row updates of bidiagonalization (`simd_kernels.ts`). The
 * operands live in one WebAssembly memory; {@link simdWorkspace} hands out f64 views of it.
 * Where SIMD is unavailable the callers keep their TypeScript loops.
 *
 * @module
 */
import { SIMD_MODULE } from "./simd_kernels.ts";

interface Kernels {
  rotRows: (...args: number[]) => void;
  dotRows: (...args: number[]) => void;
  rowsAxpyDot: (...args: number[]) => void;
  rowsAxpyAxpy: (...args: number[]) => void;
  dotRows4: (...args: number[]) => void;
  symvUpper: (...args: number[]) => void;
}

let state: { mem: WebAssembly.Memory; k: Kernels } | null | undefined;

function load(): { mem: WebAssembly.Memory; k: Kernels } | null {
  if (state !== undefined) return state;
  try {
    if (!WebAssembly.validate(SIMD_MODULE)) return state = null;
    const mem = new WebAssembly.Memory({ initial: 16 });
    const inst = new WebAssembly.Instance(new WebAssembly.Module(SIMD_MODULE), { env: { mem } });
    state = { mem, k: inst.exports as unknown as Kernels };
  } catch {
    state = null;
  }
  return state;
}

/** A set of f64 arrays inside the kernels' memory, valid until the next workspace is made. */
export interface SimdWorkspace {
  /** The arrays, in the order of the requested lengths. */
  arrays: Float64Array[];
  /** `x[lo … hi−1]` rows rotated in sequence: row j, j+1 by `(cs[j], sn[j])` (see rotateRows). */
  rotateRows: (
    x: Float64Array,
    ld: number,
    len: number,
    lo: number,
    hi: number,
    cs: Float64Array,
    sn: Float64Array,
  ) => void;
  /** `out[i] = Σ_k x[off + i·ld + k]·v[vOff + k]` for `rows` rows of `len` entries. */
  dotRows: (
    x: Float64Array,
    off: number,
    ld: number,
    rows: number,
    len: number,
    v: Float64Array,
    vOff: number,
    out: Float64Array,
    outOff: number,
  ) => void;
  /**
   * As {@link dotRows}, four rows per pass (each load of v serves four rows, eight independent
   * accumulators): about 3× faster on long rows; the sums are added in a different order.
   */
  dotRowsBlocked: (
    x: Float64Array,
    off: number,
    ld: number,
    rows: number,
    len: number,
    v: Float64Array,
    vOff: number,
    out: Float64Array,
    outOff: number,
  ) => void;
  /**
   * `out[outOff + i] = Σ_c A[i, c]·v[vOff + c]` for the symmetric `m × m` matrix A of which only
   * the upper triangle is read, by rows from its diagonal: `A[i, c] = x[off + i·ld + c]` for
   * c ≥ i (LAPACK `dsymv`, upper). Each stored entry serves two products, so A is read once.
   */
  symvUpper: (
    x: Float64Array,
    off: number,
    ld: number,
    m: number,
    v: Float64Array,
    vOff: number,
    out: Float64Array,
    outOff: number,
  ) => void;
  /**
   * For `rows` rows of `len` entries of `x` from `off`: `row_i ← row_i − f_i·g` and
   * `out_i = row_i·v` (the arrays are indexed from the given offsets; `f` and `out` by row).
   */
  rowsAxpyDot: (
    x: Float64Array,
    off: number,
    ld: number,
    rows: number,
    len: number,
    g: Float64Array,
    gOff: number,
    v: Float64Array,
    vOff: number,
    f: Float64Array,
    fOff: number,
    out: Float64Array,
    outOff: number,
  ) => void;
  /** For each row: `row_i ← row_i − z_i·v`, then `acc += u_i·row_i`. */
  rowsAxpyAxpy: (
    x: Float64Array,
    off: number,
    ld: number,
    rows: number,
    len: number,
    v: Float64Array,
    vOff: number,
    z: Float64Array,
    zOff: number,
    u: Float64Array,
    uOff: number,
    acc: Float64Array,
    accOff: number,
  ) => void;
}

/**
 * Zeroed f64 arrays of the given lengths placed in the SIMD kernels' memory (which grows as
 * needed, invalidating earlier workspaces), with the kernels bound to them; null where
 * WebAssembly SIMD is unavailable or the memory cannot grow to the size. Every array starts on
 * a 16-byte boundary.
 *
 * @example
 * ```ts
 * import { simdWorkspace } from "./simd.ts";
 * const ws = simdWorkspace([4, 2]);
 * if (ws) {
 *   const [x, out] = ws.arrays;
 *   x.set([1, 2, 3, 4]);
 *   ws.dotRows(x, 0, 2, 2, 2, x, 0, out, 0);
 *   console.log(out); // Float64Array [5, 11]
 * }
 * ```
 */
export function simdWorkspace(lengths: number[]): SimdWorkspace | null {
  const st = load();
  if (!st) return null;
  const offsets: number[] = [];
  let bytes = 0;
  for (const n of lengths) {
    offsets.push(bytes);
    bytes += Math.ceil((n * 8) / 16) * 16;
  }
  const need = Math.ceil(bytes / 65536) - st.mem.buffer.byteLength / 65536;
  try {
    if (need > 0) st.mem.grow(need);
  } catch {
    return null;
  }
  const buf = st.mem.buffer;
  const arrays = lengths.map((n, i) => new Float64Array(buf, offsets[i], n));
  for (const a of arrays) a.fill(0);
  const addr = (a: Float64Array, off: number): number => a.byteOffset + 8 * off;
  return {
    arrays,
    rotateRows: (x, ld, len, lo, hi, cs, sn) => {
      if (hi > lo && len > 0) {
        st.k.rotRows(x.byteOffset, 8 * ld, len, lo, hi, cs.byteOffset, sn.byteOffset);
      }
    },
    rowsAxpyDot: (x, off, ld, rows, len, g, gOff, v, vOff, f, fOff, out, outOff) => {
      if (rows > 0 && len > 0) {
        st.k.rowsAxpyDot(
          addr(x, off),
          8 * ld,
          rows,
          len,
          addr(g, gOff),
          addr(v, vOff),
          addr(f, fOff),
          addr(out, outOff),
        );
      }
    },
    rowsAxpyAxpy: (x, off, ld, rows, len, v, vOff, z, zOff, u, uOff, acc, accOff) => {
      if (rows > 0 && len > 0) {
        st.k.rowsAxpyAxpy(
          addr(x, off),
          8 * ld,
          rows,
          len,
          addr(v, vOff),
          addr(z, zOff),
          addr(u, uOff),
          addr(acc, accOff),
        );
      }
    },
    dotRows: (x, off, ld, rows, len, v, vOff, out, outOff) => {
      if (rows > 0) st.k.dotRows(addr(x, off), 8 * ld, rows, len, addr(v, vOff), addr(out, outOff));
    },
    symvUpper: (x, off, ld, m, v, vOff, out, outOff) => {
      if (m > 0) st.k.symvUpper(addr(x, off), 8 * ld, m, addr(v, vOff), addr(out, outOff));
    },
    dotRowsBlocked: (x, off, ld, rows, len, v, vOff, out, outOff) => {
      const r4 = rows & ~3, rest = rows - r4;
      const vAt = addr(v, vOff);
      if (r4 > 0) st.k.dotRows4(addr(x, off), 8 * ld, r4, len, vAt, addr(out, outOff));
      if (rest > 0) {
        st.k.dotRows(addr(x, off + r4 * ld), 8 * ld, rest, len, vAt, addr(out, outOff + r4));
      }
    },
  };
}
