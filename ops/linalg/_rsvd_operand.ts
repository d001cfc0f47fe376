/**
 * Internal: the matrix that randomizedSvd's products read, prepared in one pass over the input:
 * the finiteness check and `max |a|` (for the overflow scaling), and, where the power iterations
 * pay for it, a transposed copy. The products with `A` and with `Aᵀ` then both read their big
 * operand along stored rows (the GEMM kernel's fast layout: on the development VM a 42×2000 by
 * 2000×2000 product took 19–20 ms CPU that way against 31–33 ms reading A by columns), and
 * the check costs no separate pass.
 *
 * @module
 */
import { assertFinite, type Tensor } from "../tensor.ts";

/**
 * The operand of one randomizedSvd call (row-major f64).
 *
 * @example
 * ```ts
 * import type { RsvdOperand } from "./_rsvd_operand.ts";
 * const op: RsvdOperand = { a: new Float64Array([1, 2]), at: null, e: 0 };
 * console.log(op.a.length); // 2
 * ```
 */
export interface RsvdOperand {
  /** `m × n`: the input itself when it is f64 and needs no scaling, else a copy. */
  a: Float64Array;
  /** `n × m`: the transpose of `a`, when asked for. */
  at: Float64Array | null;
  /** `a` holds the input times `2^-e` (e = 0 unless products could overflow). */
  e: number;
}

/**
 * Checks the `m × n` matrix `t` for non-finite entries (RangeError naming `a`, as
 * `assertFinite`), scales it by a power of two into a copy when the products could overflow
 * (`max|a|·8·max(m, n) ≥ 2^1000`: the sums of up to max(m, n) terms of |a|·|Ω|, |Ω| < 8 in
 * practice), converts f32 to f64, and with `transpose` also returns `aᵀ`, made in the same
 * pass. Scaling by a power of two is exact, so the copies hold the same values as the scaled
 * input and the transpose exactly.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { rsvdOperand } from "./_rsvd_operand.ts";
 * const { a, at, e } = rsvdOperand(tensor([[1, 2, 3], [4, 5, 6]]), true);
 * console.log(a, at, e); // Float64Array [1, 2, 3, 4, 5, 6] Float64Array [1, 4, 2, 5, 3, 6] 0
 * ```
 */
export function rsvdOperand(t: Tensor, transpose: boolean): RsvdOperand {
  const [m, n] = t.shape, d = t.data;
  const at = transpose ? new Float64Array(m * n) : null;
  const big = at ? transposeMaxAbs(d, m, n, at) : maxAbs(d);
  if (!Number.isFinite(big)) assertFinite("randomizedSvd", "a", t);
  const e = big * 8 * Math.max(m, n) >= 2 ** 1000 ? Math.floor(Math.log2(big)) : 0;
  if (e === 0) {
    // f64 input is read in place: a copy of a large matrix costs more than several GEMMs with it.
    return { a: d instanceof Float64Array ? d : Float64Array.from(d), at, e };
  }
  const down = 2 ** -e;
  if (at) { for (let i = 0; i < at.length; i++) at[i] *= down; }
  return { a: Float64Array.from(d, (v) => v * down), at, e };
}

/** `max |d|`, or NaN when an entry is not finite (two running maxima: shorter chains). */
function maxAbs(d: Float32Array | Float64Array): number {
  let b0 = 0, b1 = 0, z = 0, i = 0;
  for (; i + 2 <= d.length; i += 2) {
    const p = d[i], q = d[i + 1], x = Math.abs(p), y = Math.abs(q);
    b0 = x > b0 ? x : b0;
    b1 = y > b1 ? y : b1;
    z += (p - p) + (q - q); // NaN from a non-finite entry on: adds instead of a branch per entry
  }
  if (i < d.length) {
    const p = d[i];
    b0 = Math.max(b0, Math.abs(p));
    z += p - p;
  }
  return Math.max(b0, b1) + z;
}

/** Square tiles of the transposition: 16 × 16 f64 is 2 KiB read and written per tile. */
const TILE = 16;

/**
 * `out (n × m) = dᵀ` for `d` (`m × n`) by tiles, four source rows at a time (each destination
 * row gets four adjacent stores); returns `max |d|` as {@link maxAbs}. (Measured on the
 * development VM, 2000×2000 into a fresh array: 13–14 ms CPU, against 21 ms with `Math.max`
 * of the four and 24 ms for a plain transposition followed by {@link maxAbs}.)
 */
function transposeMaxAbs(
  d: Float32Array | Float64Array,
  m: number,
  n: number,
  out: Float64Array,
): number {
  let b0 = 0, b1 = 0, z = 0;
  for (let i0 = 0; i0 < m; i0 += TILE) {
    const ie = Math.min(m, i0 + TILE);
    for (let j0 = 0; j0 < n; j0 += TILE) {
      const je = Math.min(n, j0 + TILE);
      let i = i0;
      for (; i + 4 <= ie; i += 4) {
        const s0 = i * n, s1 = s0 + n, s2 = s1 + n, s3 = s2 + n;
        for (let j = j0; j < je; j++) {
          const p = d[s0 + j], q = d[s1 + j], r = d[s2 + j], t = d[s3 + j], o = j * m + i;
          out[o] = p;
          out[o + 1] = q;
          out[o + 2] = r;
          out[o + 3] = t;
          const x = Math.abs(p), y = Math.abs(q), u = Math.abs(r), w = Math.abs(t);
          b0 = x > b0 ? x : b0;
          b1 = y > b1 ? y : b1;
          b0 = u > b0 ? u : b0;
          b1 = w > b1 ? w : b1;
          z += (p - p) + (q - q) + (r - r) + (t - t);
        }
      }
      for (; i < ie; i++) {
        for (let j = j0; j < je; j++) {
          const p = d[i * n + j], x = Math.abs(p);
          out[j * m + i] = p;
          b0 = x > b0 ? x : b0;
          z += p - p;
        }
      }
    }
  }
  return Math.max(b0, b1) + z;
}
