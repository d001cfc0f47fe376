/**
 * Moving GEMM operands between JavaScript arrays and the WebAssembly memory: packing of op(B)
 * blocks into the NR-column micro-panels the micro-kernel streams through (Goto & van de Geijn,
 * ACM TOMS 34(3), 2008, §6: packing makes the kernel's loads contiguous whatever the strides and
 * transposes of the operand; edge panels are zero-filled so the kernel needs no edge cases),
 * staging of op(A) as stored, and the copies of C blocks in and out.
 *
 * @module
 */

/**
 * Storage of a packed or strided operand.
 *
 * @example
 * ```ts
 * import type { Data } from "./gemm_pack.ts";
 * const d: Data = new Float32Array(4);
 * console.log(d.length); // 4
 * ```
 */
export type Data = Float32Array | Float64Array;

/**
 * Where a strided operand lives: storage, first element, row stride, stored transposed.
 *
 * @example
 * ```ts
 * import type { Operand } from "./gemm_pack.ts";
 * const a: Operand = { data: new Float64Array(6), off: 0, ld: 3, trans: false }; // 2x3
 * console.log(a.ld); // 3
 * ```
 */
export interface Operand {
  /** Storage. */
  data: Data;
  /** Element offset of the operand's first element. */
  off: number;
  /** Row stride as stored. */
  ld: number;
  /** The operand is stored transposed (op(X) = Xᵀ). */
  trans: boolean;
}

/**
 * Packs depths `p0 … p0+depth-1`, columns `j0 … j0+cols-1` of op(B) into NR-column micro-panels
 * at `dst[at …]`: panel s holds `kPad × nr` elements, depth-major (element (p, j) at
 * `p·nr + j`). Columns past `cols` and depths past `depth` are zero.
 *
 * @example
 * ```ts
 * import { packB } from "./gemm_pack.ts";
 * const b = new Float64Array([1, 2, 3, 4, 5, 6]); // 2x3
 * const dst = new Float64Array(8);
 * packB(dst, 0, { data: b, off: 0, ld: 3, trans: false }, 0, 0, 2, 3, 2, 2);
 * console.log(dst); // Float64Array [1, 2, 4, 5, 3, 0, 6, 0]
 * ```
 */
export function packB(
  dst: Data,
  at: number,
  b: Operand,
  p0: number,
  j0: number,
  depth: number,
  cols: number,
  nr: number,
  kPad: number,
): void {
  const { data, off, ld } = b;
  for (let s0 = 0; s0 < cols; s0 += nr) {
    const base = at + s0 * kPad, w = Math.min(nr, cols - s0);
    if (w < nr || depth < kPad) dst.fill(0, base, base + nr * kPad);
    if (b.trans) {
      // op(B)[p][j] = B[j][p]: rows of storage are contiguous along p.
      for (let j = 0; j < w; j++) {
        const s = off + (j0 + s0 + j) * ld + p0;
        let d = base + j;
        for (let p = 0; p < depth; p++, d += nr) dst[d] = data[s + p];
      }
    } else {
      for (let p = 0; p < depth; p++) {
        const s = off + (p0 + p) * ld + j0 + s0, d = base + p * nr;
        for (let j = 0; j < w; j++) dst[d + j] = data[s + j];
      }
    }
  }
}

/**
 * Copies the m×n block of C at `c[off …]` (row stride `ld`) into `dst[at …]` (row stride
 * `dld`) multiplied by beta. beta = 0 writes zeros without reading C, so NaN or Inf in the old C
 * does not survive (BLAS semantics).
 *
 * @example
 * ```ts
 * import { loadC } from "./gemm_pack.ts";
 * const dst = new Float64Array(4);
 * loadC(dst, 0, 2, new Float64Array([1, 2, 3, 4]), 0, 2, 2, 2, 0.5);
 * console.log(dst); // Float64Array [0.5, 1, 1.5, 2]
 * ```
 */
export function loadC(
  dst: Data,
  at: number,
  dld: number,
  c: Data,
  off: number,
  ld: number,
  m: number,
  n: number,
  beta: number,
): void {
  for (let i = 0; i < m; i++) {
    const d = at + i * dld, s = off + i * ld;
    if (beta === 0) dst.fill(0, d, d + n);
    else if (beta === 1) dst.set(c.subarray(s, s + n), d);
    else for (let j = 0; j < n; j++) dst[d + j] = beta * c[s + j];
  }
}

/**
 * Copies the m×n block at `src[at …]` (row stride `sld`) back into C at `c[off …]` (row stride
 * `ld`).
 *
 * @example
 * ```ts
 * import { storeC } from "./gemm_pack.ts";
 * const c = new Float64Array(4);
 * storeC(c, 0, 2, new Float64Array([1, 2, 0, 3, 4, 0]), 0, 3, 2, 2);
 * console.log(c); // Float64Array [1, 2, 3, 4]
 * ```
 */
export function storeC(
  c: Data,
  off: number,
  ld: number,
  src: Data,
  at: number,
  sld: number,
  m: number,
  n: number,
): void {
  // One copy when both sides are the same contiguous rows (the common C of a fresh product).
  if (n === sld && n === ld) return c.set(src.subarray(at, at + m * n), off);
  for (let i = 0; i < m; i++) {
    const s = at + i * sld;
    c.set(src.subarray(s, s + n), off + i * ld);
  }
}

/**
 * Like {@link loadC}, but the block in `dst` is Cᵀ: element (i, j) of C goes to
 * `dst[at + j·dld + i]` (the GEMM computed with the operands' roles swapped).
 *
 * @example
 * ```ts
 * import { loadCT } from "./gemm_pack.ts";
 * const dst = new Float64Array(4);
 * loadCT(dst, 0, 2, new Float64Array([1, 2, 3, 4]), 0, 2, 2, 2, 1);
 * console.log(dst); // Float64Array [1, 3, 2, 4]
 * ```
 */
export function loadCT(
  dst: Data,
  at: number,
  dld: number,
  c: Data,
  off: number,
  ld: number,
  m: number,
  n: number,
  beta: number,
): void {
  for (let i = 0; i < m; i++) {
    const s = off + i * ld;
    if (beta === 0) { for (let j = 0; j < n; j++) dst[at + j * dld + i] = 0; }
    else for (let j = 0; j < n; j++) dst[at + j * dld + i] = beta * c[s + j];
  }
}

/**
 * Like {@link storeC}, but the block at `src` is Cᵀ: C[i][j] = `src[at + j·sld + i]`.
 *
 * @example
 * ```ts
 * import { storeCT } from "./gemm_pack.ts";
 * const c = new Float64Array(4);
 * storeCT(c, 0, 2, new Float64Array([1, 3, 0, 2, 4, 0]), 0, 3, 2, 2);
 * console.log(c); // Float64Array [1, 2, 3, 4]
 * ```
 */
export function storeCT(
  c: Data,
  off: number,
  ld: number,
  src: Data,
  at: number,
  sld: number,
  m: number,
  n: number,
): void {
  for (let i = 0; i < m; i++) {
    const d = off + i * ld;
    for (let j = 0; j < n; j++) c[d + j] = src[at + j * sld + i];
  }
}

/**
 * Copies stored rows `r0 … r0+rows-1`, columns `c0 … c0+width-1` of a strided matrix into
 * `dst[at …]` and returns the row stride of the copy: `ld` itself when the gaps between rows
 * are at most {@link STAGE_GAP} (one contiguous copy of the whole span, gaps included, is then
 * cheaper than a copy per row), else `width`, plus one cache line where the stride would be a
 * multiple of 1 KiB (rows at such strides share cache sets). The caller provides room for `rows`
 * rows of the returned stride, which never exceeds `width + STAGE_GAP`.
 *
 * @example
 * ```ts
 * import { stage } from "./gemm_pack.ts";
 * const src = new Float64Array([1, 2, 3, 4, 5, 6, 7, 8, 9]); // 3x3
 * const dst = new Float64Array(8);
 * console.log(stage(dst, 0, src, 0, 3, 1, 2, 0, 2), dst); // 3 Float64Array [4, 5, 6, 7, 8, 0, 0, 0]
 * ```
 */
export function stage(
  dst: Data,
  at: number,
  data: Data,
  off: number,
  ld: number,
  r0: number,
  rows: number,
  c0: number,
  width: number,
): number {
  const first = off + r0 * ld + c0, span = (rows - 1) * ld + width;
  const bytes = dst.BYTES_PER_ELEMENT;
  if (rows > 1 && ld <= width + STAGE_GAP && !aliased(ld, bytes)) {
    dst.set(data.subarray(first, first + span), at);
    return ld;
  }
  const stride = aliased(width, bytes) ? width + 64 / bytes : width;
  for (let r = 0; r < rows; r++) {
    const s = first + r * ld;
    dst.set(data.subarray(s, s + width), at + r * stride);
  }
  return stride;
}

/**
 * Whether rows `ld` elements apart fall into the same few cache sets: a stride that is a
 * multiple of 1 KiB maps the rows of a tile to at most 4 of the 64 L1 sets (and a fraction of
 * L2's), so the kernel's rows evict each other. Such copies get one cache line of padding.
 */
function aliased(ld: number, bytes: number): boolean {
  return (ld * bytes) % 1024 === 0;
}

/**
 * Largest gap between rows that {@link stage} copies along rather than copying row by row: one
 * typed-array copy has a fixed cost of about 160 element copies (≈ 30 ns vs ≈ 0.19 ns each,
 * measured in cache), so the returned stride never exceeds the width by more than this.
 *
 * @example
 * ```ts
 * import { STAGE_GAP } from "./gemm_pack.ts";
 * console.log(STAGE_GAP); // 160
 * ```
 */
export const STAGE_GAP = 160;
