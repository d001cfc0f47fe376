/**
 * The rank analysis of RALA (Fan, Huang, He, CVPR 2025; spec `compression_optim_attention.md`
 * §7, "Rank analysis"): the numerical rank `#{σᵢ > tol·σ₁}` of the d×d KV buffer and of the
 * N×d output of every head and image.
 *
 * @module
 */
import { svdvals } from "../../ops/autograd/ops_linalg.ts";
import { stopGradient } from "../../ops/autograd/grad.ts";
import { checkOptions } from "../../ops/options.ts";
import { shapeStr, Tensor } from "../../ops/tensor.ts";
import {
  type AttentionKind,
  attentionLayer,
  type AttentionLayerOptions,
  type AttentionLayerParams,
} from "./layer.ts";

/**
 * Numerical rank of a matrix: the count of singular values above `tol·σ₁` (0 for a zero
 * matrix). Default `tol`: 1e-6 for f64, 1e-4 for f32 (spec §7).
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { numericalRank } from "./ranks.ts";
 * console.log(numericalRank(tensor([[1, 2], [2, 4], [0, 0]]))); // 1
 * ```
 */
export function numericalRank(a: Tensor, tol?: number): number {
  if (a.ndim !== 2) {
    throw new RangeError(`numericalRank: a must be a matrix, got ${shapeStr(a.shape)}`);
  }
  const t = tol ?? (a.dtype === "f64" ? 1e-6 : 1e-4);
  if (!(t >= 0 && t < 1)) throw new RangeError(`numericalRank: tol must be in [0, 1), got ${tol}`);
  const s = svdvals(stopGradient(a)).data;
  if (s.length === 0 || !(s[0] > 0)) return 0;
  let r = 0;
  while (r < s.length && s[r] > t * s[0]) r++;
  return r;
}

/**
 * Ranks of every matrix of a `[B, h, m, n]` stack: `[B][h]`.
 *
 * @example
 * ```ts
 * import { zeros } from "../../ops/tensor.ts";
 * import { stackRanks } from "./ranks.ts";
 * console.log(stackRanks(zeros([1, 2, 3, 3]))); // [ [ 0, 0 ] ]
 * ```
 */
export function stackRanks(t: Tensor, tol?: number): number[][] {
  if (t.ndim !== 4) throw new RangeError(`stackRanks: need [B, h, m, n], got ${shapeStr(t.shape)}`);
  const [b, h, m, n] = t.shape, sz = m * n;
  return Array.from({ length: b }, (_, i) =>
    Array.from({ length: h }, (_, j) => {
      const off = (i * h + j) * sz;
      return numericalRank(new Tensor(t.data.slice(off, off + sz), [m, n]), tol);
    }));
}

/** Options of {@link attentionRanks}: the layer's options plus the rank tolerance. */
export interface AttentionRanksOptions extends AttentionLayerOptions {
  /** Relative tolerance (default 1e-6 for f64, 1e-4 for f32). */
  tol?: number;
}

/** Ranks per image and head (`[B][h]`). */
export interface AttentionRanks {
  /** Rank of the d×d KV buffer; null for softmax attention (it has no buffer). */
  kv: number[][] | null;
  /** Rank of the N×d attention output before LePE and gating. */
  attn: number[][];
  /** Rank of the N×d matrix that enters the output projection (RALA: after LePE and gating). */
  output: number[][];
}

/**
 * Runs the layer on `x` `[B, N, C]` and returns the numerical ranks of its KV buffers and
 * outputs per image and head, as the paper's analysis does.
 *
 * @example
 * ```ts
 * import { randn } from "../../ops/random.ts";
 * import { initAttentionLayer } from "./layer.ts";
 * import { attentionRanks } from "./ranks.ts";
 * const p = initAttentionLayer("rala", 8, { nHeads: 2 });
 * const r = attentionRanks("rala", p, randn([1, 16, 8], { seed: 1 }), { nHeads: 2, grid: [4, 4] });
 * console.log(r.kv, r.output); // [ [ 4, 4 ] ] [ [ 4, 4 ] ]
 * ```
 */
export function attentionRanks(
  kind: AttentionKind,
  p: AttentionLayerParams,
  x: Tensor,
  opts: AttentionRanksOptions,
): AttentionRanks {
  checkOptions("attentionRanks", opts, {
    nHeads: "integer",
    grid: "array",
    rope: "boolean",
    lepe: "boolean",
    gate: "boolean",
    tol: "number",
  });
  const { tol, ...layerOpts } = opts;
  const r = attentionLayer(kind, p, x, layerOpts);
  return {
    kv: r.kv === null ? null : stackRanks(r.kv, tol),
    attn: stackRanks(r.attn, tol),
    output: stackRanks(r.heads, tol),
  };
}
