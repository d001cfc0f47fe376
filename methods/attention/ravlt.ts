/**
 * A small hierarchical vision transformer in the pattern of RAVLT (Fan, Huang, He, CVPR 2025;
 * spec `compression_optim_attention.md` §7, "Hyperparameters"), sized for 8×8 digit images:
 * a convolutional patch embedding, then stages of blocks, each block
 * `x ← x + CPE(x)` (3×3 depthwise conv), `x ← x + Attn(LN(x))`, `x ← x + ConvFFN(LN(x))`,
 * a strided 3×3 conv between stages, and global average pooling with a linear head. The
 * attention type is a constructor option; the ConvFFN is `fc2(u + DW3×3(u))`, `u = GELU(fc1 x)`.
 *
 * @module
 */
import * as ad from "../../ops/autograd/ops.ts";
import { conv2d } from "../../ops/conv/conv2d.ts";
import { type Conv2dParams, initConv2d } from "../../ops/nn/conv.ts";
import {
  applyLayerNorm,
  applyLinear,
  initLayerNorm,
  initLinear,
  type LayerNormParams,
  type LinearParams,
} from "../../ops/nn/layers.ts";
import { checkOptions } from "../../ops/options.ts";
import { Rng } from "../../ops/random.ts";
import { type DType, shapeStr, type Tensor } from "../../ops/tensor.ts";
import { type Grid, toImage, toTokens } from "./heads.ts";
import {
  ATTENTION_KINDS,
  type AttentionKind,
  attentionLayer,
  type AttentionLayerParams,
  initAttentionLayer,
} from "./layer.ts";

/** Shape of a RAVLT-style model. */
export interface RavltConfig {
  /** Attention type of every block. */
  attention: AttentionKind;
  /** Channels per stage (default `[32, 64]`). */
  dims: number[];
  /** Blocks per stage (default `[1, 1]`). */
  depths: number[];
  /** Heads per stage (default `[2, 4]`: head width 16). */
  heads: number[];
  /** ConvFFN hidden width / dim (default 2). */
  mlpRatio: number;
  /** Input channels (default 1). */
  inChannels: number;
  /** Number of classes (default 10). */
  classes: number;
}

/** One block's parameters. */
export interface RavltBlockParams {
  /** Conditional positional encoding: 3×3 depthwise conv. */
  readonly cpe: Conv2dParams;
  /** Pre-attention layer norm. */
  readonly norm1: LayerNormParams;
  /** The attention layer. */
  readonly attn: AttentionLayerParams;
  /** Pre-FFN layer norm. */
  readonly norm2: LayerNormParams;
  /** ConvFFN: `fc1`, the 3×3 depthwise conv `dw`, `fc2`. */
  readonly ffn: {
    readonly fc1: LinearParams;
    readonly dw: Conv2dParams;
    readonly fc2: LinearParams;
  };
}

/** A stage: an optional strided downsampling conv (not on stage 0) and its blocks. */
export interface RavltStageParams {
  /** 3×3 stride-2 conv from the previous width (absent on the first stage). */
  readonly down?: Conv2dParams;
  /** The blocks. */
  readonly blocks: RavltBlockParams[];
}

/** All parameters of the model. */
export interface RavltParams {
  /** Patch embedding: 3×3 conv, stride 1. */
  readonly stem: Conv2dParams;
  /** The stages. */
  readonly stages: RavltStageParams[];
  /** Final layer norm. */
  readonly norm: LayerNormParams;
  /** Classifier. */
  readonly head: LinearParams;
}

/** Options of {@link initRavlt}: the config fields to override, seed and dtype. */
export type RavltInitOptions = Partial<RavltConfig> & { seed?: number; dtype?: DType };

/**
 * The full config with defaults filled in (checked).
 *
 * @example
 * ```ts
 * import { ravltConfig } from "./ravlt.ts";
 * console.log(ravltConfig({ attention: "rala" }).dims); // [32, 64]
 * ```
 */
export function ravltConfig(opts: Partial<RavltConfig>): RavltConfig {
  const c: RavltConfig = {
    attention: opts.attention ?? "rala",
    dims: opts.dims ?? [32, 64],
    depths: opts.depths ?? [1, 1],
    heads: opts.heads ?? [2, 4],
    mlpRatio: opts.mlpRatio ?? 2,
    inChannels: opts.inChannels ?? 1,
    classes: opts.classes ?? 10,
  };
  if (!ATTENTION_KINDS.includes(c.attention)) {
    throw new TypeError(
      `ravlt: attention must be one of ${ATTENTION_KINDS.join(", ")}, got ${c.attention}`,
    );
  }
  const s = c.dims.length;
  if (s < 1 || c.depths.length !== s || c.heads.length !== s) {
    throw new RangeError(
      `ravlt: dims, depths and heads need one entry per stage, got ${c.dims}, ${c.depths}, ${c.heads}`,
    );
  }
  c.dims.forEach((d, i) => {
    if (!Number.isInteger(d) || d < 1 || d % c.heads[i] !== 0 || !(c.depths[i] >= 1)) {
      throw new RangeError(
        `ravlt: stage ${i}: dim ${d}, heads ${c.heads[i]}, depth ${c.depths[i]}`,
      );
    }
  });
  return c;
}

/**
 * Fresh parameters of a RAVLT-style model (PyTorch-style uniform init).
 *
 * @example
 * ```ts
 * import { initRavlt } from "./ravlt.ts";
 * const p = initRavlt({ attention: "linear", seed: 0 });
 * console.log(p.stages.length, p.head.weight.shape); // 2 [10, 64]
 * ```
 */
export function initRavlt(opts: RavltInitOptions = {}): RavltParams {
  checkOptions("initRavlt", opts, {
    attention: ATTENTION_KINDS,
    dims: "array",
    depths: "array",
    heads: "array",
    mlpRatio: "number",
    inChannels: "integer",
    classes: "integer",
    seed: "number",
    dtype: ["f32", "f64"],
  });
  const c = ravltConfig(opts), rng = new Rng(opts.seed ?? 0), o = { rng, dtype: opts.dtype };
  const dw = (ch: number): Conv2dParams => initConv2d(ch, ch, 3, { ...o, groups: ch });
  const stages = c.dims.map((dim, s): RavltStageParams => {
    const hidden = Math.round(dim * c.mlpRatio);
    const blocks = Array.from({ length: c.depths[s] }, (): RavltBlockParams => ({
      cpe: dw(dim),
      norm1: initLayerNorm(dim, { dtype: opts.dtype }),
      attn: initAttentionLayer(c.attention, dim, { ...o, nHeads: c.heads[s] }),
      norm2: initLayerNorm(dim, { dtype: opts.dtype }),
      ffn: { fc1: initLinear(dim, hidden, o), dw: dw(hidden), fc2: initLinear(hidden, dim, o) },
    }));
    return s === 0 ? { blocks } : { down: initConv2d(c.dims[s - 1], dim, 3, o), blocks };
  });
  const last = c.dims[c.dims.length - 1];
  return {
    stem: initConv2d(c.inChannels, c.dims[0], 3, o),
    stages,
    norm: initLayerNorm(last, { dtype: opts.dtype }),
    head: initLinear(last, c.classes, o),
  };
}

/** Sees the input of every attention layer: stage, block, tokens `[B, N, C]`, grid. */
export type AttentionHook = (stage: number, block: number, tokens: Tensor, grid: Grid) => void;

function dwConv(p: Conv2dParams, img: Tensor): Tensor {
  return conv2d(img, p.weight, { padding: 1, groups: img.shape[1], bias: p.bias });
}

function block(
  p: RavltBlockParams,
  c: RavltConfig,
  s: number,
  t: Tensor,
  grid: Grid,
  hook: (tokens: Tensor) => void,
): Tensor {
  t = ad.add(t, toTokens(dwConv(p.cpe, toImage(t, grid))));
  const a = applyLayerNorm(p.norm1, t);
  hook(a);
  t = ad.add(t, attentionLayer(c.attention, p.attn, a, { nHeads: c.heads[s], grid }).y);
  const u = ad.gelu(applyLinear(p.ffn.fc1, applyLayerNorm(p.norm2, t)));
  const u2 = ad.add(u, toTokens(dwConv(p.ffn.dw, toImage(u, grid))));
  return ad.add(t, applyLinear(p.ffn.fc2, u2));
}

/**
 * Class logits `[B, classes]` of images `x` `[B, inChannels, H, W]`. Differentiable.
 *
 * @example
 * ```ts
 * import { randn } from "../../ops/random.ts";
 * import { initRavlt, ravltForward } from "./ravlt.ts";
 * const p = initRavlt({ attention: "rala" });
 * console.log(ravltForward(p, { attention: "rala" }, randn([2, 1, 8, 8], { seed: 1 })).shape); // [2, 10]
 * ```
 */
export function ravltForward(
  p: RavltParams,
  config: Partial<RavltConfig>,
  x: Tensor,
  onAttention?: AttentionHook,
): Tensor {
  const c = ravltConfig(config);
  if (x.ndim !== 4 || x.shape[1] !== c.inChannels) {
    throw new RangeError(
      `ravltForward: x must be [B, ${c.inChannels}, H, W], got ${shapeStr(x.shape)}`,
    );
  }
  let img = ad.gelu(conv2d(x, p.stem.weight, { padding: 1, bias: p.stem.bias }));
  let t = toTokens(img);
  p.stages.forEach((st, s) => {
    if (st.down) img = conv2d(img, st.down.weight, { padding: 1, stride: 2, bias: st.down.bias });
    const grid: Grid = [img.shape[2], img.shape[3]];
    t = toTokens(img);
    st.blocks.forEach((b, i) => {
      t = block(b, c, s, t, grid, (a) => onAttention?.(s, i, a, grid));
    });
    img = toImage(t, grid);
  });
  const pooled = ad.mean(applyLayerNorm(p.norm, t), { axis: 1 });
  return applyLinear(p.head, pooled);
}
