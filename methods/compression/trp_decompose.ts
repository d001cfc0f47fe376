/**
 * Deploy-time factorisation of trained rank pruning (Xu et al., IJCAI 2020; spec
 * `compression_optim_attention.md` §1, "Deploy-time factorisation", "Complexity"): a conv
 * kernel replaced by two thinner convolutions from the truncated SVD of its reshape, and the
 * MAC counts the code reports.
 *
 * - NC: conv C→r (kh×kw, the original stride and padding) with `√Σ_r V_rᵀ`, then 1×1 r→N with
 *   `U_r √Σ_r` and the bias.
 * - VH: conv C→r (kh×1, padding `(p_h, 0)`) with `U_rᵀ`, then r→N (1×kw, padding `(0, p_w)`)
 *   with `Σ_r V_rᵀ` reshaped to `(r, N, kw)` and axes swapped to `(N, r, 1, kw)`, and the bias.
 * - ND: r paths per output filter i, a 1×1 conv with `√σ_ij U_i[:, j]` then a depthwise kh×kw
 *   conv with `√σ_ij V_i[:, j]` (original stride and padding), summed; the bias on the depthwise
 *   conv of path 0. The r paths run as one 1×1 conv C→r·N and one depthwise conv on r·N channels
 *   (channel `j·N + i` is path j of filter i), then the sum over the r blocks of N channels.
 *
 * @module
 */
import { conv2d } from "../../ops/conv/conv2d.ts";
import { reshape, sum } from "../../ops/autograd/ops.ts";
import type { Conv2dShapeOptions } from "../../ops/conv/conv_geom.ts";
import { checkKeys, type Pair, pair } from "../../ops/conv/options.ts";
import { svd } from "../../ops/linalg/svd.ts";
import { allocData, type DType, Tensor } from "../../ops/tensor.ts";
import type { Conv2dParams } from "../../ops/nn/conv.ts";
import { type TrpCriterion, trpRank } from "./trp_rank.ts";
import { checkScheme, kernelDims, trpReshape, type TrpScheme } from "./trp_reshape.ts";

/** One convolution of a factorised layer: its parameters and conv options. */
export interface TrpConvLayer {
  /** Weight (and bias on the last conv). */
  params: Conv2dParams;
  /** Stride, padding and groups of the conv. */
  opts: Conv2dShapeOptions;
}

/** A conv kernel factorised by {@link trpDecompose}. */
export interface TrpFactorised {
  /** The scheme. */
  scheme: TrpScheme;
  /** The rank r of the two convolutions (ND: paths per filter). */
  rank: number;
  /** The original kernel shape `[N, C, kh, kw]`. */
  shape: [number, number, number, number];
  /**
   * The two convolutions, applied in order. ND: the second gives `r·N` channels (path j of
   * filter i at `j·N + i`), summed over the r paths by {@link applyTrpFactorised}.
   */
  convs: [TrpConvLayer, TrpConvLayer];
}

/** Options of {@link trpDecompose}. */
export interface TrpDecomposeOptions {
  /** The scheme (required). */
  scheme: TrpScheme;
  /**
   * Rank criterion (default: the code's deploy thresholds, `{ value: 0.05 }` for NC/VH and
   * `{ energy: 0.85 }` for ND).
   */
  criterion?: TrpCriterion;
  /** A fixed rank instead of a criterion (ND: the shared path count). */
  rank?: number;
  /** Stride of the original conv (default 1). */
  stride?: Pair;
  /** Zero padding of the original conv (default 0). */
  padding?: Pair;
}

interface Svd {
  u: Float64Array;
  s: Float64Array;
  vt: Float64Array;
  p: number;
}

function svdOf(m: Tensor): Svd {
  const f = svd(m.dtype === "f64" ? m : new Tensor(Float64Array.from(m.data), m.shape));
  return {
    u: f.u.data as Float64Array,
    s: f.s.data as Float64Array,
    vt: f.vt.data as Float64Array,
    p: f.s.size,
  };
}

/** The shared rank r: `rank`, or `min(max_i k_i, p)` of the criterion over the matrices. */
function pickRank(fn: string, o: TrpDecomposeOptions, spectra: Svd[]): number {
  const p = spectra[0].p;
  if (o.rank !== undefined) {
    if (o.criterion !== undefined) throw new TypeError(`${fn}: give rank or criterion, not both`);
    if (!Number.isInteger(o.rank) || o.rank < 1 || o.rank > p) {
      throw new RangeError(`${fn}: rank must be an integer in [1, ${p}], got ${o.rank}`);
    }
    return o.rank;
  }
  const c = o.criterion ?? (o.scheme === "nd" ? { energy: 0.85 } : { value: 0.05 });
  const ks = spectra.map((f) => trpRank(f.s, c));
  const r = Math.min(Math.max(...ks), p);
  if (r < 1) {
    throw new RangeError(
      `${fn}: criterion ${JSON.stringify(c)} keeps no singular value (largest ${
        Math.max(...spectra.map((f) => f.s[0] ?? 0))
      }); the layer would be all bias`,
    );
  }
  return r;
}

function make(dtype: DType, shape: number[], at: (i: number[]) => number): Tensor {
  const t = new Tensor(allocData(dtype, shape.reduce((a, b) => a * b, 1)), shape);
  let k = 0;
  const idx = shape.map(() => 0);
  const walk = (d: number): void => {
    if (d === shape.length) {
      t.data[k++] = at(idx);
      return;
    }
    for (idx[d] = 0; idx[d] < shape[d]; idx[d]++) walk(d + 1);
  };
  walk(0);
  return t;
}

/**
 * Factorises the conv layer `conv` (`weight [N, C, kh, kw]`, optional bias `[N]`, groups 1)
 * into the two convolutions of `scheme` at the rank of `criterion` (or `rank`). At full rank
 * (`r = p`) the result equals the original conv to rounding; at lower rank it is the conv of
 * the best rank-r approximation of the reshaped kernel.
 *
 * @example
 * ```ts
 * import { randn } from "../../ops/random.ts";
 * import { conv2d } from "../../ops/conv/conv2d.ts";
import { reshape, sum } from "../../ops/autograd/ops.ts";
 * import { applyTrpFactorised, trpDecompose } from "./trp_decompose.ts";
 * const weight = randn([4, 3, 3, 3], { seed: 0 }), x = randn([1, 3, 8, 8], { seed: 1 });
 * const f = trpDecompose({ weight }, { scheme: "vh", rank: 9, padding: 1 });
 * const y = conv2d(x, weight, { padding: 1 }), z = applyTrpFactorised(f, x);
 * console.log(f.convs[0].params.weight.shape, y.data.every((v, i) => Math.abs(v - z.data[i]) < 1e-9)); // [9, 3, 3, 1] true
 * ```
 */
export function trpDecompose(conv: Conv2dParams, opts: TrpDecomposeOptions): TrpFactorised {
  const fn = "trpDecompose";
  checkKeys(fn, opts, ["scheme", "criterion", "rank", "stride", "padding"]);
  const scheme = checkScheme(fn, opts.scheme);
  const shape = kernelDims(fn, conv.weight);
  const [N, C, kh, kw] = shape;
  if (conv.bias !== undefined && (conv.bias.ndim !== 1 || conv.bias.shape[0] !== N)) {
    throw new RangeError(`${fn}: bias must have shape [${N}], got [${conv.bias.shape}]`);
  }
  const stride = pair(fn, "stride", opts.stride, 1, 1);
  const [ph, pw] = pair(fn, "padding", opts.padding, 0, 0);
  const spectra = trpReshape(conv.weight, scheme).map(svdOf);
  const r = pickRank(fn, opts, spectra);
  const dt = conv.weight.dtype, bias = conv.bias;
  const sq = (f: Svd, j: number): number => Math.sqrt(f.s[j]);
  if (scheme === "nc") {
    const f = spectra[0], q = C * kh * kw;
    // First: √Σ_r V_rᵀ as (r, C, kh, kw); second: U_r √Σ_r as (N, r, 1, 1).
    const first = make(
      dt,
      [r, C, kh, kw],
      ([j, c, h, w]) => sq(f, j) * f.vt[j * q + (c * kh + h) * kw + w],
    );
    const second = make(dt, [N, r, 1, 1], ([n, j]) => f.u[n * f.p + j] * sq(f, j));
    return {
      scheme,
      rank: r,
      shape,
      convs: [
        { params: { weight: first }, opts: { stride, padding: [ph, pw] } },
        { params: { weight: second, bias }, opts: {} },
      ],
    };
  }
  if (scheme === "vh") {
    const f = spectra[0], q = N * kw;
    const first = make(dt, [r, C, kh, 1], ([j, c, h]) => f.u[(c * kh + h) * f.p + j]);
    // Σ_r V_rᵀ is (r, N·kw): read as (r, N, kw), axes swapped to (N, r, kw).
    const second = make(dt, [N, r, 1, kw], ([n, j, , w]) => f.s[j] * f.vt[j * q + n * kw + w]);
    return {
      scheme,
      rank: r,
      shape,
      convs: [
        { params: { weight: first }, opts: { stride: [stride[0], 1], padding: [ph, 0] } },
        { params: { weight: second, bias }, opts: { stride: [1, stride[1]], padding: [0, pw] } },
      ],
    };
  }
  const q = kh * kw;
  // ND: channel j·N + i of both convs is path j of filter i (path-major, so that the sum over
  // paths is a sum over r contiguous blocks of N channels).
  const point = make(dt, [r * N, C, 1, 1], ([ji, c]) => {
    const f = spectra[ji % N], j = Math.floor(ji / N);
    return sq(f, j) * f.u[c * f.p + j];
  });
  const depth = make(dt, [r * N, 1, kh, kw], ([ji, , h, w]) => {
    const f = spectra[ji % N], j = Math.floor(ji / N);
    return sq(f, j) * f.vt[j * q + h * kw + w];
  });
  // The bias on the depthwise conv of path 0 only.
  const depthBias = bias && make(dt, [r * N], ([ji]) => (ji < N ? bias.data[ji] : 0));
  return {
    scheme,
    rank: r,
    shape,
    convs: [
      { params: { weight: point }, opts: {} },
      {
        params: depthBias ? { weight: depth, bias: depthBias } : { weight: depth },
        opts: { stride, padding: [ph, pw], groups: r * N },
      },
    ],
  };
}

/**
 * The factorised layer applied to NCHW input `x`: the two convolutions in order.
 * ND sums the second conv's r blocks of N channels (the paths). Differentiable in `x` and in
 * the factor weights.
 *
 * @example
 * ```ts
 * import { randn } from "../../ops/random.ts";
 * import { applyTrpFactorised, trpDecompose } from "./trp_decompose.ts";
 * const f = trpDecompose({ weight: randn([8, 4, 3, 3], { seed: 0 }) }, { scheme: "nd", rank: 2, padding: 1 });
 * console.log(applyTrpFactorised(f, randn([2, 4, 6, 6], { seed: 1 })).shape); // [2, 8, 6, 6]
 * ```
 */
export function applyTrpFactorised(f: TrpFactorised, x: Tensor): Tensor {
  const [a, b] = f.convs;
  const h = conv2d(x, a.params.weight, { ...a.opts, bias: a.params.bias });
  const y = conv2d(h, b.params.weight, { ...b.opts, bias: b.params.bias });
  if (f.scheme !== "nd") return y;
  const [n, , oh, ow] = y.shape, N = f.shape[0];
  return reshape(sum(reshape(y, [n, f.rank, N * oh * ow]), { axis: 1 }), [n, N, oh, ow]);
}

/**
 * MACs per output pixel (spec §1, "Complexity"; the code's speed-up formulas) of a kernel
 * `[N, C, kh, kw]`: original `N·C·kh·kw`; NC `r(C·kh·kw + N)`; VH `r(C·kh + N·kw)`;
 * ND `r(N·C + N·kh·kw)`.
 *
 * @example
 * ```ts
 * import { trpMacsPerPixel } from "./trp_decompose.ts";
 * console.log(trpMacsPerPixel([16, 16, 3, 3], "nc", 4), trpMacsPerPixel([16, 16, 3, 3], "original")); // 640 2304
 * ```
 */
export function trpMacsPerPixel(
  shape: readonly number[],
  scheme: TrpScheme | "original",
  rank = 0,
): number {
  const fn = "trpMacsPerPixel";
  if (shape.length !== 4 || shape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new RangeError(
      `${fn}: shape must be [N, C, kh, kw] of positive integers, got [${shape}]`,
    );
  }
  const [N, C, kh, kw] = shape;
  if (scheme === "original") return N * C * kh * kw;
  checkScheme(fn, scheme);
  if (!Number.isInteger(rank) || rank < 1) {
    throw new RangeError(`${fn}: rank must be a positive integer, got ${rank}`);
  }
  if (scheme === "nc") return rank * (C * kh * kw + N);
  if (scheme === "vh") return rank * (C * kh + N * kw);
  return rank * (N * C + N * kh * kw);
}
