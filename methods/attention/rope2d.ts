/**
 * Two-dimensional rotary position embedding as RALA's code applies it (Fan et al., CVPR 2025;
 * spec `compression_optim_attention.md` §7, "2-D RoPE as in the code"): per head of width d,
 * d/4 frequencies `θ_f = 10000^(−f/(d/4 − 1))` (θ₀ = 1 when d/4 = 1), each used by one channel
 * pair; the first d/2 channels rotate with the token's row, the last d/2 with its column.
 *
 * @module
 */
import { record } from "../../ops/autograd/tape.ts";
import { shapeStr, type Tensor } from "../../ops/tensor.ts";
import type { Grid } from "./heads.ts";

/** Angle tables of a grid: `cos` and `sin`, row-major `[N, d/2]` (one angle per pair). */
export interface Rope2dTables {
  /** The grid the tables were made for. */
  readonly grid: Grid;
  /** Head width d (a multiple of 4). */
  readonly d: number;
  /** `cos` of each token's angle per channel pair, `[N·d/2]`. */
  readonly cos: Float64Array;
  /** `sin` of each token's angle per channel pair, `[N·d/2]`. */
  readonly sin: Float64Array;
}

/**
 * The angle tables of 2-D RoPE for a head width `d` (multiple of 4) on a `[H, W]` grid.
 *
 * @example
 * ```ts
 * import { rope2dTables } from "./rope2d.ts";
 * const t = rope2dTables([2, 2], 4); // θ = [1]: pair 0 turns by row, pair 1 by column
 * console.log(t.cos.length, t.sin[3 * 2 + 1].toFixed(4)); // 8 "0.8415"
 * ```
 */
export function rope2dTables(grid: Grid, d: number): Rope2dTables {
  if (!Number.isInteger(d) || d < 4 || d % 4 !== 0) {
    throw new RangeError(`rope2dTables: head width d must be a positive multiple of 4, got ${d}`);
  }
  const [h, w] = grid, q = d / 4, pairs = d / 2;
  const theta = Array.from({ length: q }, (_, f) => q === 1 ? 1 : Math.pow(10000, -f / (q - 1)));
  const cos = new Float64Array(h * w * pairs), sin = new Float64Array(h * w * pairs);
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      const base = (r * w + c) * pairs;
      for (let t = 0; t < pairs; t++) {
        // Pairs 0..q-1 are the first d/2 channels (row angle), pairs q..2q-1 the last (column).
        const angle = t < q ? r * theta[t] : c * theta[t - q];
        cos[base + t] = Math.cos(angle);
        sin[base + t] = Math.sin(angle);
      }
    }
  }
  return { grid, d, cos, sin };
}

function rotate(src: Tensor, tables: Rope2dTables, sign: 1 | -1): Tensor {
  const out = src.clone(), x = src.data, y = out.data, { cos, sin, d } = tables;
  const n = tables.grid[0] * tables.grid[1], pairs = d / 2;
  for (let base = 0; base < x.length; base += d) {
    const tab = ((base / d) % n) * pairs;
    for (let t = 0; t < pairs; t++) {
      const c = cos[tab + t], s = sign * sin[tab + t], i = base + 2 * t;
      y[i] = x[i] * c - x[i + 1] * s;
      y[i + 1] = x[i + 1] * c + x[i] * s;
    }
  }
  return out;
}

/**
 * Rotates each channel pair `(x₀, x₁) ↦ (x₀cos − x₁sin, x₁cos + x₀sin)` by the angle of its
 * token; `x` is `[..., N, d]` with N and d matching `tables`. Differentiable (the backward is
 * the inverse rotation).
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { applyRope2d, rope2dTables } from "./rope2d.ts";
 * const x = tensor([[1, 0, 1, 0], [1, 0, 1, 0]]); // tokens (0,0) and (0,1) of a 1×2 grid
 * const y = applyRope2d(x, rope2dTables([1, 2], 4));
 * console.log(Array.from(y.data, (v) => +v.toFixed(4))); // [1, 0, 1, 0, 1, 0, 0.5403, 0.8415]
 * ```
 */
export function applyRope2d(x: Tensor, tables: Rope2dTables): Tensor {
  const n = tables.grid[0] * tables.grid[1];
  if (x.ndim < 2 || x.shape[x.ndim - 1] !== tables.d || x.shape[x.ndim - 2] !== n) {
    throw new RangeError(
      `applyRope2d: x must be [..., ${n}, ${tables.d}] for these tables, got ${shapeStr(x.shape)}`,
    );
  }
  const out = rotate(x, tables, 1);
  return record("rope2d", out, [x], (g) => [rotate(g, tables, -1)]);
}
