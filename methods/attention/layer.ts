/**
 * Three attention layers behind one interface, for token input `[B, N, C]` on an `[H, W]`
 * grid: `"softmax"` (the scaled dot-product attention of `ops/nn/attention.ts`, non-causal, no
 * RoPE), `"linear"` (φ = ELU + 1, {@link linearCore}) and `"rala"` (RALA as in spec
 * `compression_optim_attention.md` §7: one 1×1 map to `[Q | K | V | O]`, {@link ralaCore},
 * LePE = 5×5 depthwise conv on V added to the output, gating by O, output projection; Fan,
 * Huang, He, CVPR 2025). Softmax and linear attention project `[Q | K | V]` and then out.
 *
 * @module
 */
import * as ad from "../../ops/autograd/ops.ts";
import { conv2d } from "../../ops/conv/conv2d.ts";
import { attentionCore } from "../../ops/nn/attention.ts";
import { type Conv2dParams, initConv2d } from "../../ops/nn/conv.ts";
import {
  applyLinear,
  initLinear,
  type LayerInitOptions,
  type LinearParams,
} from "../../ops/nn/layers.ts";
import { checkOptions } from "../../ops/options.ts";
import { Rng } from "../../ops/random.ts";
import type { Tensor } from "../../ops/tensor.ts";
import { checkTokens, type Grid, splitHeads, toImage, toTokens } from "./heads.ts";
import { linearCore } from "./linear_core.ts";
import { ralaCore } from "./rala_core.ts";

/** The attention types. */
export type AttentionKind = "softmax" | "linear" | "rala";

/** Every attention type, in the order experiments report them. */
export const ATTENTION_KINDS: readonly AttentionKind[] = ["softmax", "linear", "rala"];

/** Softmax and linear attention: `[Q | K | V]` projection (`[3C, C]`) and output projection. */
export interface QkvAttentionParams {
  /** `[3C, C]` weight and `[3C]` bias. */
  readonly qkv: LinearParams;
  /** `[C, C]` weight and `[C]` bias. */
  readonly proj: LinearParams;
}

/** RALA: the `[Q | K | V | O]` map, the LePE depthwise conv and the output projection. */
export interface RalaParams {
  /** `[4C, C]` weight and `[4C]` bias (the paper's 1×1 conv). */
  readonly qkvo: LinearParams;
  /** LePE: `[C, 1, 5, 5]` depthwise weight and `[C]` bias. */
  readonly lepe: Conv2dParams;
  /** `[C, C]` weight and `[C]` bias. */
  readonly proj: LinearParams;
}

/** Parameters of any attention layer. */
export type AttentionLayerParams = QkvAttentionParams | RalaParams;

/** Options of {@link initAttentionLayer}. */
export interface AttentionInitOptions extends LayerInitOptions {
  /** Number of heads (must divide the width). */
  nHeads: number;
}

/** Options of {@link attentionLayer} and {@link applyAttentionLayer}. */
export interface AttentionLayerOptions {
  /** Number of heads (must divide C). */
  nHeads: number;
  /** Token grid `[H, W]` with `H·W = N`. */
  grid: Grid;
  /** RALA only: 2-D RoPE on the numerator (default true). */
  rope?: boolean;
  /** RALA only: add the 5×5 depthwise conv of V (default true). */
  lepe?: boolean;
  /** RALA only: multiply the attention output by O before the projection (default true). */
  gate?: boolean;
}

/** What {@link attentionLayer} returns: the output and the matrices the rank analysis reads. */
export interface AttentionLayerResult {
  /** The layer output `[B, N, C]`. */
  y: Tensor;
  /** The attention output per head before LePE and gating: `[B, h, N, d]`. */
  attn: Tensor;
  /** What enters the output projection, per head: `[B, h, N, d]` (RALA: `(a + LePE) ⊙ O`). */
  heads: Tensor;
  /** The d×d KV buffers `[B, h, d, d]`; null for softmax attention, which has none. */
  kv: Tensor | null;
}

function checkKind(fn: string, kind: unknown): asserts kind is AttentionKind {
  if (!ATTENTION_KINDS.includes(kind as AttentionKind)) {
    throw new TypeError(
      `${fn}: kind must be one of ${ATTENTION_KINDS.join(", ")}, got ${JSON.stringify(kind)}`,
    );
  }
}

/**
 * Fresh parameters of an attention layer of width `dim` (PyTorch-style uniform init, biases
 * on).
 *
 * @example
 * ```ts
 * import { initAttentionLayer } from "./layer.ts";
 * const p = initAttentionLayer("rala", 8, { nHeads: 2, seed: 0 });
 * console.log("qkvo" in p && p.qkvo.weight.shape); // [32, 8]
 * ```
 */
export function initAttentionLayer(
  kind: AttentionKind,
  dim: number,
  opts: AttentionInitOptions,
): AttentionLayerParams {
  checkKind("initAttentionLayer", kind);
  checkOptions("initAttentionLayer", opts, {
    nHeads: "integer",
    seed: "number",
    rng: "object",
    dtype: ["f32", "f64"],
  });
  if (!Number.isInteger(dim) || dim < 1 || dim % opts.nHeads !== 0) {
    throw new RangeError(
      `initAttentionLayer: dim must be a positive multiple of nHeads ${opts.nHeads}, got ${dim}`,
    );
  }
  const init = { rng: opts.rng ?? new Rng(opts.seed ?? 0), dtype: opts.dtype };
  if (kind !== "rala") {
    return { qkv: initLinear(dim, 3 * dim, init), proj: initLinear(dim, dim, init) };
  }
  return {
    qkvo: initLinear(dim, 4 * dim, init),
    lepe: initConv2d(dim, dim, 5, { ...init, groups: dim }),
    proj: initLinear(dim, dim, init),
  };
}

function ralaLayer(p: RalaParams, x: Tensor, o: AttentionLayerOptions): AttentionLayerResult {
  const c = x.shape[2];
  const qkvo = applyLinear(p.qkvo, x);
  const [q, k, v, gate] = [0, 1, 2, 3].map((i) => ad.sliceAxis(qkvo, 2, i * c, (i + 1) * c));
  const core = ralaCore(q, k, v, { nHeads: o.nHeads, grid: o.grid, rope: o.rope ?? true });
  let a = core.out;
  if (o.lepe ?? true) {
    const lepe = conv2d(toImage(v, o.grid), p.lepe.weight, {
      padding: 2,
      groups: c,
      bias: p.lepe.bias,
    });
    a = ad.add(a, toTokens(lepe));
  }
  if (o.gate ?? true) a = ad.mul(a, gate);
  return {
    y: applyLinear(p.proj, a),
    attn: core.heads,
    heads: splitHeads(a, o.nHeads),
    kv: core.kv,
  };
}

function qkvLayer(
  kind: "softmax" | "linear",
  p: QkvAttentionParams,
  x: Tensor,
  o: AttentionLayerOptions,
): AttentionLayerResult {
  for (const key of ["rope", "lepe", "gate"] as const) {
    if (o[key] !== undefined) {
      throw new TypeError(`attentionLayer: option "${key}" applies to "rala" only, not "${kind}"`);
    }
  }
  const c = x.shape[2];
  const qkv = applyLinear(p.qkv, x);
  const [q, k, v] = [0, 1, 2].map((i) => ad.sliceAxis(qkv, 2, i * c, (i + 1) * c));
  let out: Tensor, heads: Tensor, kv: Tensor | null = null;
  if (kind === "softmax") {
    out = attentionCore(q, k, v, { nHeads: o.nHeads, causal: false, ropeTheta: null });
    heads = splitHeads(out, o.nHeads);
  } else {
    ({ out, heads, kv } = linearCore(q, k, v, { nHeads: o.nHeads, grid: o.grid }));
  }
  return { y: applyLinear(p.proj, out), attn: heads, heads, kv };
}

/**
 * Runs an attention layer of type `kind` on `x` `[B, N, C]` and returns its output with the
 * per-head matrices of the rank analysis. Differentiable; f32 and f64.
 *
 * @example
 * ```ts
 * import { randn } from "../../ops/random.ts";
 * import { attentionLayer, initAttentionLayer } from "./layer.ts";
 * const p = initAttentionLayer("rala", 8, { nHeads: 2 });
 * const r = attentionLayer("rala", p, randn([1, 4, 8], { seed: 1 }), { nHeads: 2, grid: [2, 2] });
 * console.log(r.y.shape, r.kv?.shape); // [1, 4, 8] [1, 2, 4, 4]
 * ```
 */
export function attentionLayer(
  kind: AttentionKind,
  p: AttentionLayerParams,
  x: Tensor,
  opts: AttentionLayerOptions,
): AttentionLayerResult {
  checkKind("attentionLayer", kind);
  checkOptions("attentionLayer", opts, {
    nHeads: "integer",
    grid: "array",
    rope: "boolean",
    lepe: "boolean",
    gate: "boolean",
  });
  checkTokens("attentionLayer", x, opts.grid, opts.nHeads);
  const isRala = "qkvo" in p;
  if (isRala !== (kind === "rala")) {
    throw new TypeError(`attentionLayer: the parameters are not those of a "${kind}" layer`);
  }
  return isRala ? ralaLayer(p, x, opts) : qkvLayer(kind as "softmax" | "linear", p, x, opts);
}

/**
 * The output `[B, N, C]` of {@link attentionLayer} alone.
 *
 * @example
 * ```ts
 * import { randn } from "../../ops/random.ts";
 * import { applyAttentionLayer, initAttentionLayer } from "./layer.ts";
 * const p = initAttentionLayer("linear", 8, { nHeads: 2 });
 * const x = randn([2, 6, 8], { seed: 1 });
 * console.log(applyAttentionLayer("linear", p, x, { nHeads: 2, grid: [2, 3] }).shape); // [2, 6, 8]
 * ```
 */
export function applyAttentionLayer(
  kind: AttentionKind,
  p: AttentionLayerParams,
  x: Tensor,
  opts: AttentionLayerOptions,
): Tensor {
  return attentionLayer(kind, p, x, opts).y;
}
