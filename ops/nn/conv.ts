/**
 * Convolutional layers as plain data plus pure functions, in the style of `layers.ts`:
 * `initConv2d`/`applyConv2d` (PyTorch's `nn.Conv2d` init), `initBatchNorm2d`/`applyBatchNorm2d`
 * (parameters and running statistics kept apart, so that the statistics are never
 * differentiated), and a small CNN (3×3 conv → batch norm → ReLU stages, the later ones with
 * stride 2, global average pooling and a linear head) for image classification experiments.
 *
 * @module
 */
import { type DType, ones, type Tensor, zeros } from "../tensor.ts";
import { Rng } from "../random.ts";
import { relu } from "../autograd/ops_unary.ts";
import { conv2d } from "../conv/conv2d.ts";
import type { Conv2dShapeOptions } from "../conv/conv_geom.ts";
import { batchNorm2d } from "../conv/batchnorm.ts";
import { adaptiveAvgPool2d } from "../conv/pool.ts";
import { flatten } from "../conv/flatten.ts";
import { checkKeys, type Pair, pair } from "../conv/options.ts";
import { applyLinear, initLinear, type LayerInitOptions, type LinearParams } from "./layers.ts";
import { kaimingUniform } from "./init.ts";

/** Parameters of a 2-D convolution: `weight` `[out, in/groups, kh, kw]` as PyTorch's `nn.Conv2d`. */
export interface Conv2dParams {
  /** `[out, in/groups, kh, kw]`. */
  readonly weight: Tensor;
  /** `[out]`, absent for a bias-free layer. */
  readonly bias?: Tensor;
}

function checkDim(fn: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) {
    throw new RangeError(`${fn}: ${name} must be a positive integer, got ${v}`);
  }
}

/**
 * A convolution layer initialised as PyTorch's `nn.Conv2d`: weight and bias
 * `U(−1/√fanIn, 1/√fanIn)` with `fanIn = in/groups · kh · kw` (Kaiming-uniform with a = √5;
 * He et al. 2015).
 *
 * @example
 * ```ts
 * import { initConv2d } from "./conv.ts";
 * const p = initConv2d(3, 8, 3, { seed: 0 });
 * console.log(p.weight.shape, p.bias?.shape); // [8, 3, 3, 3] [8]
 * console.log(initConv2d(4, 4, [5, 5], { groups: 4, bias: false }).weight.shape); // [4, 1, 5, 5]
 * ```
 */
export function initConv2d(
  inChannels: number,
  outChannels: number,
  kernelSize: Pair,
  opts: LayerInitOptions & { bias?: boolean; groups?: number } = {},
): Conv2dParams {
  checkKeys("initConv2d", opts, ["seed", "rng", "dtype", "bias", "groups"]);
  checkDim("initConv2d", "inChannels", inChannels);
  checkDim("initConv2d", "outChannels", outChannels);
  const groups = opts.groups ?? 1;
  checkDim("initConv2d", "groups", groups);
  if (inChannels % groups !== 0 || outChannels % groups !== 0) {
    throw new RangeError(
      `initConv2d: groups = ${groups} must divide inChannels ${inChannels} and outChannels ${outChannels}`,
    );
  }
  const [kh, kw] = pair("initConv2d", "kernelSize", kernelSize, 1, 1);
  const rng = opts.rng ?? new Rng(opts.seed ?? 0);
  const shape = [outChannels, inChannels / groups, kh, kw];
  const gain = Math.sqrt(2 / 6); // kaiming_uniform_(a=√5): bound = 1/√fanIn
  const weight = kaimingUniform(shape, { rng, gain, dtype: opts.dtype });
  if (opts.bias === false) return { weight };
  const bound = 1 / Math.sqrt((inChannels / groups) * kh * kw);
  const bias = zeros([outChannels], { dtype: opts.dtype });
  for (let i = 0; i < outChannels; i++) bias.data[i] = rng.uniformIn(-bound, bound);
  return { weight, bias };
}

/**
 * `conv2d(x, weight, { ...opts, bias })`: the layer applied to NCHW input.
 *
 * @example
 * ```ts
 * import { zeros } from "../tensor.ts";
 * import { applyConv2d, initConv2d } from "./conv.ts";
 * const y = applyConv2d(initConv2d(3, 8, 3), zeros([2, 3, 16, 16]), { stride: 2, padding: 1 });
 * console.log(y.shape); // [2, 8, 8, 8]
 * ```
 */
export function applyConv2d(p: Conv2dParams, x: Tensor, opts: Conv2dShapeOptions = {}): Tensor {
  checkKeys("applyConv2d", opts, ["stride", "padding", "dilation", "groups"]);
  return conv2d(x, p.weight, { ...opts, bias: p.bias });
}

/** Learned parameters of a batch norm: scale γ and shift β, `[C]`. */
export interface BatchNorm2dParams {
  /** γ, ones at init. */
  readonly weight: Tensor;
  /** β, zeros at init. */
  readonly bias: Tensor;
}

/** Running statistics of a batch norm (not learned: updated by training-mode calls). */
export interface BatchNorm2dState {
  /** Running mean, zeros at init. */
  readonly runningMean: Tensor;
  /** Running (unbiased) variance, ones at init. */
  readonly runningVar: Tensor;
}

/**
 * Batch-norm parameters and running statistics as PyTorch's `nn.BatchNorm2d` starts them.
 *
 * @example
 * ```ts
 * import { initBatchNorm2d } from "./conv.ts";
 * const { params, state } = initBatchNorm2d(2);
 * console.log(params.weight.data, state.runningVar.data); // Float64Array [1, 1] Float64Array [1, 1]
 * ```
 */
export function initBatchNorm2d(
  channels: number,
  opts: { dtype?: DType } = {},
): { params: BatchNorm2dParams; state: BatchNorm2dState } {
  checkDim("initBatchNorm2d", "channels", channels);
  return {
    params: { weight: ones([channels], opts), bias: zeros([channels], opts) },
    state: { runningMean: zeros([channels], opts), runningVar: ones([channels], opts) },
  };
}

/** Options of {@link applyBatchNorm2d} and {@link applySmallCnn}. */
export interface BatchNormModeOptions {
  /** Batch statistics and a running update (true) or the running statistics (false, default). */
  training?: boolean;
  /** Weight of the batch statistic in the running update (default 0.1). */
  momentum?: number;
  /** Variance floor (default 1e-5). */
  eps?: number;
}

/**
 * Batch norm with parameters `p` and running statistics `state`; returns the output and the
 * statistics to use next (updated in training, `state` itself in eval).
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { applyBatchNorm2d, initBatchNorm2d } from "./conv.ts";
 * const { params, state } = initBatchNorm2d(1);
 * const r = applyBatchNorm2d(params, state, tensor([1, 3], { shape: [2, 1, 1, 1] }), { training: true });
 * console.log(r.state.runningMean.data); // Float64Array [0.2]
 * ```
 */
export function applyBatchNorm2d(
  p: BatchNorm2dParams,
  state: BatchNorm2dState,
  x: Tensor,
  opts: BatchNormModeOptions = {},
): { y: Tensor; state: BatchNorm2dState } {
  checkKeys("applyBatchNorm2d", opts, ["training", "momentum", "eps"]);
  const r = batchNorm2d(x, { ...opts, ...p, ...state });
  if (opts.training !== true) return { y: r.y, state };
  return { y: r.y, state: { runningMean: r.runningMean!, runningVar: r.runningVar! } };
}

/** Configuration of {@link initSmallCnn}. */
export interface SmallCnnConfig {
  /** Channels of the input images. */
  inChannels: number;
  /** Classes (outputs of the head). */
  numClasses: number;
  /** Channels of each stage (default `[16, 32, 64]`); stage 0 has stride 1, the others stride 2. */
  widths?: readonly number[];
}

/** Learned parameters of the small CNN. */
export interface SmallCnnParams {
  /** One entry per stage: its 3×3 convolution (no bias: batch norm follows) and batch norm. */
  readonly stages: readonly { readonly conv: Conv2dParams; readonly bn: BatchNorm2dParams }[];
  /** The linear classifier on the pooled features. */
  readonly head: LinearParams;
}

/** Running statistics of the small CNN's batch norms, one per stage. */
export interface SmallCnnState {
  /** One per stage. */
  readonly stages: readonly BatchNorm2dState[];
}

/**
 * A convolution applied inside {@link applySmallCnn}, to substitute a factorised or adapted
 * kernel: receives the stage index, the input, the layer and the conv options.
 *
 * @example
 * ```ts
 * import { applyConv2d, type ConvHook } from "./conv.ts";
 * const hook: ConvHook = (_stage, x, p, o) => applyConv2d(p, x, o);
 * console.log(typeof hook); // function
 * ```
 */
export type ConvHook = (
  stage: number,
  x: Tensor,
  p: Conv2dParams,
  opts: Conv2dShapeOptions,
) => Tensor;

/**
 * A small CNN for image classification: per stage a 3×3 convolution (padding 1; stride 1 in
 * the first stage, 2 after, as in ResNet's downsampling stages, He et al. 2016), batch norm and
 * ReLU; then global average pooling and a linear head. Returns the parameters and the initial
 * running statistics.
 *
 * @example
 * ```ts
 * import { initSmallCnn } from "./conv.ts";
 * const { params } = initSmallCnn({ inChannels: 1, numClasses: 10 }, { seed: 0 });
 * console.log(params.stages.map((s) => s.conv.weight.shape[0]), params.head.weight.shape); // [16, 32, 64] [10, 64]
 * ```
 */
export function initSmallCnn(
  config: SmallCnnConfig,
  opts: LayerInitOptions = {},
): { params: SmallCnnParams; state: SmallCnnState } {
  checkKeys("initSmallCnn", config, ["inChannels", "numClasses", "widths"]);
  checkKeys("initSmallCnn", opts, ["seed", "rng", "dtype"]);
  const widths = config.widths ?? [16, 32, 64];
  if (!Array.isArray(widths) || widths.length === 0) {
    throw new RangeError(
      `initSmallCnn: widths must be a non-empty array, got ${JSON.stringify(widths)}`,
    );
  }
  const rng = opts.rng ?? new Rng(opts.seed ?? 0), dtype = opts.dtype;
  const stages = widths.map((w, i) => {
    const conv = initConv2d(i === 0 ? config.inChannels : widths[i - 1], w, 3, {
      rng,
      dtype,
      bias: false,
    });
    const bn = initBatchNorm2d(w, { dtype });
    return { conv, bn };
  });
  const head = initLinear(widths[widths.length - 1], config.numClasses, { rng, dtype });
  return {
    params: { stages: stages.map((s) => ({ conv: s.conv, bn: s.bn.params })), head },
    state: { stages: stages.map((s) => s.bn.state) },
  };
}

/**
 * Logits `[N, numClasses]` of the small CNN for images `x` `[N, C, H, W]`, and the running
 * statistics after the call (updated when `training`). Differentiable in `params`.
 *
 * @example
 * ```ts
 * import { randn } from "../random.ts";
 * import { applySmallCnn, initSmallCnn } from "./conv.ts";
 * const { params, state } = initSmallCnn({ inChannels: 1, numClasses: 3, widths: [4, 8] });
 * const r = applySmallCnn(params, state, randn([5, 1, 8, 8], { seed: 0 }), { training: true });
 * console.log(r.logits.shape, r.state.stages.length); // [5, 3] 2
 * ```
 */
export function applySmallCnn(
  params: SmallCnnParams,
  state: SmallCnnState,
  x: Tensor,
  opts: BatchNormModeOptions & { conv?: ConvHook } = {},
): { logits: Tensor; state: SmallCnnState } {
  const { conv, ...bnOpts } = opts;
  checkKeys("applySmallCnn", bnOpts, ["training", "momentum", "eps"]);
  if (state.stages.length !== params.stages.length) {
    throw new RangeError(
      `applySmallCnn: state has ${state.stages.length} stages, params ${params.stages.length}`,
    );
  }
  const hook: ConvHook = conv ?? ((_s, h, p, o) => applyConv2d(p, h, o));
  let h = x;
  const next = params.stages.map((st, i) => {
    h = hook(i, h, st.conv, { stride: i === 0 ? 1 : 2, padding: 1 });
    const r = applyBatchNorm2d(st.bn, state.stages[i], h, bnOpts);
    h = relu(r.y);
    return r.state;
  });
  const logits = applyLinear(params.head, flatten(adaptiveAvgPool2d(h, 1)));
  return { logits, state: { stages: next } };
}
