/**
 * Basic layers as plain data plus pure functions: Linear, Embedding, LayerNorm, RMSNorm and an
 * MLP. Each `initX` returns a record of Tensors (named as in PyTorch, so checkpoints map by
 * key) and each `applyX` is differentiable through `ops/autograd`.
 *
 * @module
 */
import { type DType, ones, type Tensor, zeros } from "../tensor.ts";
import { Rng } from "../random.ts";
import * as ad from "../autograd/ops.ts";
import { kaimingUniform, normalInit } from "./init.ts";

/** Parameters of a linear layer: `weight` is `[out, in]` as in PyTorch's `nn.Linear`. */
export interface LinearParams {
  /** `[out, in]`. */
  readonly weight: Tensor;
  /** `[out]`, absent for a bias-free layer. */
  readonly bias?: Tensor;
}

/** Options of the layer initializers. */
export interface LayerInitOptions {
  /** Seed of a fresh generator (default 0); ignored when `rng` is given. */
  seed?: number;
  /** Generator to draw from. */
  rng?: Rng;
  /** Element type (default `"f64"`). */
  dtype?: DType;
}

function checkDim(fn: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) {
    throw new RangeError(`${fn}: ${name} must be a positive integer, got ${v}`);
  }
}

/**
 * A linear layer initialised as PyTorch's `nn.Linear`: weight and bias `U(−1/√in, 1/√in)`
 * (Kaiming-uniform with a = √5; He et al. 2015).
 *
 * @example
 * ```ts
 * import { initLinear } from "./layers.ts";
 * const p = initLinear(3, 2, { seed: 0 });
 * console.log(p.weight.shape, p.bias?.shape); // [2, 3] [2]
 * ```
 */
export function initLinear(
  inFeatures: number,
  outFeatures: number,
  opts: LayerInitOptions & { bias?: boolean } = {},
): LinearParams {
  checkDim("initLinear", "inFeatures", inFeatures);
  checkDim("initLinear", "outFeatures", outFeatures);
  const rng = opts.rng ?? new Rng(opts.seed ?? 0);
  const gain = Math.sqrt(2 / 6); // kaiming_uniform_(a=√5): bound = 1/√fanIn
  const weight = kaimingUniform([outFeatures, inFeatures], { rng, gain, dtype: opts.dtype });
  if (opts.bias === false) return { weight };
  const bound = 1 / Math.sqrt(inFeatures);
  const bias = zeros([outFeatures], { dtype: opts.dtype });
  for (let i = 0; i < outFeatures; i++) bias.data[i] = rng.uniformIn(-bound, bound);
  return { weight, bias };
}

/**
 * `x·Wᵀ + b` over the last axis of `x`.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { applyLinear } from "./layers.ts";
 * console.log(applyLinear({ weight: tensor([[2, 0]]) }, tensor([[3, 4]])).data); // Float64Array [6]
 * ```
 */
export function applyLinear(p: LinearParams, x: Tensor): Tensor {
  return ad.linear(x, p.weight, p.bias);
}

/** Parameters of an embedding table `[num, dim]`. */
export interface EmbeddingParams {
  /** `[numEmbeddings, dim]`. */
  readonly weight: Tensor;
}

/**
 * An embedding table with `N(0, std²)` rows (default std 1, as PyTorch's `nn.Embedding`).
 *
 * @example
 * ```ts
 * import { initEmbedding } from "./layers.ts";
 * console.log(initEmbedding(10, 4, { seed: 0 }).weight.shape); // [10, 4]
 * ```
 */
export function initEmbedding(
  num: number,
  dim: number,
  opts: LayerInitOptions & { std?: number } = {},
): EmbeddingParams {
  checkDim("initEmbedding", "num", num);
  checkDim("initEmbedding", "dim", dim);
  return { weight: normalInit([num, dim], opts.std ?? 1, opts) };
}

/**
 * Rows of the table for integer `ids` (shape `[...ids.shape, dim]`).
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { applyEmbedding } from "./layers.ts";
 * console.log(applyEmbedding({ weight: tensor([[1, 1], [2, 2]]) }, [1]).data); // Float64Array [2, 2]
 * ```
 */
export function applyEmbedding(p: EmbeddingParams, ids: ad.Indices): Tensor {
  return ad.gather(p.weight, ids);
}

/** Parameters of a layer norm. */
export interface LayerNormParams {
  /** `[dim]`, ones at init. */
  readonly weight: Tensor;
  /** `[dim]`, zeros at init; absent without bias. */
  readonly bias?: Tensor;
}

/**
 * Layer norm parameters (weight 1, bias 0), as PyTorch's `nn.LayerNorm`.
 *
 * @example
 * ```ts
 * import { initLayerNorm } from "./layers.ts";
 * console.log(initLayerNorm(3).weight.data); // Float64Array [1, 1, 1]
 * ```
 */
export function initLayerNorm(
  dim: number,
  opts: { dtype?: DType; bias?: boolean } = {},
): LayerNormParams {
  checkDim("initLayerNorm", "dim", dim);
  const weight = ones([dim], opts);
  return opts.bias === false ? { weight } : { weight, bias: zeros([dim], opts) };
}

/**
 * Layer normalisation over the last axis (Ba et al. 2016).
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { applyLayerNorm, initLayerNorm } from "./layers.ts";
 * console.log(applyLayerNorm(initLayerNorm(2), tensor([[1, 3]]), { eps: 0 }).data); // Float64Array [-1, 1]
 * ```
 */
export function applyLayerNorm(p: LayerNormParams, x: Tensor, opts: ad.NormOptions = {}): Tensor {
  return ad.layerNorm(x, p.weight, p.bias, opts);
}

/** Parameters of an RMS norm. */
export interface RmsNormParams {
  /** `[dim]`, ones at init. */
  readonly weight: Tensor;
}

/**
 * RMS norm parameters (weight 1), as transformers' `LlamaRMSNorm`.
 *
 * @example
 * ```ts
 * import { initRmsNorm } from "./layers.ts";
 * console.log(initRmsNorm(2).weight.data); // Float64Array [1, 1]
 * ```
 */
export function initRmsNorm(dim: number, opts: { dtype?: DType } = {}): RmsNormParams {
  checkDim("initRmsNorm", "dim", dim);
  return { weight: ones([dim], opts) };
}

/**
 * RMS normalisation over the last axis (Zhang & Sennrich 2019).
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { applyRmsNorm, initRmsNorm } from "./layers.ts";
 * console.log(applyRmsNorm(initRmsNorm(2), tensor([[1, 1]]), { eps: 0 }).data); // Float64Array [1, 1]
 * ```
 */
export function applyRmsNorm(p: RmsNormParams, x: Tensor, opts: ad.NormOptions = {}): Tensor {
  return ad.rmsNorm(x, p.weight, opts);
}

/**
 * Activations an MLP can use between its layers.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { activation, type Activation } from "./layers.ts";
 * const name: Activation = "relu";
 * console.log(activation(name)(tensor([-1, 2])).data); // Float64Array [0, 2]
 * ```
 */
export type Activation = "relu" | "gelu" | "tanh" | "silu" | "sigmoid";

const ACTIVATIONS: Record<Activation, (x: Tensor) => Tensor> = {
  relu: ad.relu,
  gelu: (x) => ad.gelu(x),
  tanh: ad.tanh,
  silu: ad.silu,
  sigmoid: ad.sigmoid,
};

/**
 * The activation function called `name`, differentiable.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { activation } from "./layers.ts";
 * console.log(activation("relu")(tensor([-1, 2])).data); // Float64Array [0, 2]
 * ```
 */
export function activation(name: Activation): (x: Tensor) => Tensor {
  const f = ACTIVATIONS[name];
  if (f === undefined) {
    throw new RangeError(
      `activation: unknown activation ${JSON.stringify(name)}; use ${Object.keys(ACTIVATIONS)}`,
    );
  }
  return f;
}

/** Parameters of an MLP: one linear layer per consecutive pair of sizes. */
export interface MlpParams {
  /** The linear layers, input first. */
  readonly layers: readonly LinearParams[];
}

/**
 * An MLP with layer sizes `sizes` (`[in, hidden…, out]`), PyTorch-style linear init.
 *
 * @example
 * ```ts
 * import { initMlp } from "./layers.ts";
 * const p = initMlp([4, 8, 2], { seed: 1 });
 * console.log(p.layers.map((l) => l.weight.shape)); // [[8, 4], [2, 8]]
 * ```
 */
export function initMlp(
  sizes: readonly number[],
  opts: LayerInitOptions & { bias?: boolean } = {},
): MlpParams {
  if (!Array.isArray(sizes) || sizes.length < 2) {
    throw new RangeError(`initMlp: sizes needs at least [in, out], got ${JSON.stringify(sizes)}`);
  }
  const rng = opts.rng ?? new Rng(opts.seed ?? 0);
  const layers = sizes.slice(1).map((out, i) => initLinear(sizes[i], out, { ...opts, rng }));
  return { layers };
}

/**
 * Applies the MLP: linear layers with `activation` (default relu) between them, none after
 * the last.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { applyMlp, initMlp } from "./layers.ts";
 * console.log(applyMlp(initMlp([2, 3, 1]), tensor([[1, 2]])).shape); // [1, 1]
 * ```
 */
export function applyMlp(
  p: MlpParams,
  x: Tensor,
  opts: { activation?: Activation } = {},
): Tensor {
  const act = activation(opts.activation ?? "relu");
  let h = x;
  p.layers.forEach((layer, i) => {
    h = applyLinear(layer, h);
    if (i < p.layers.length - 1) h = act(h);
  });
  return h;
}
