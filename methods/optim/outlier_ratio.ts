/**
 * OwLore's layerwise outlier ratios (Li, Yin, Gao & Liu, "OwLore: Outlier-weighed Layerwise
 * Sampled Low-Rank Projection for Memory-Efficient LLM Fine-tuning", 2024; spec
 * `compression_optim_attention.md` §6 "Outlier ratio"): Wanda scores `A_ij = |W_ij|·‖X_:,j‖₂`
 * (Sun et al., "A Simple and Effective Pruning Approach for LLMs", ICLR 2024) of every linear
 * sub-layer of a block, and the percentage of them above M times their mean.
 *
 * @module
 */
import type { Tensor } from "../../ops/tensor.ts";
import { linear } from "../../ops/autograd/ops.ts";
import { type LlamaConfig, llamaForward, type LlamaParams } from "../../ops/nn/llama.ts";
import type { Indices } from "../../ops/autograd/ops.ts";

/**
 * `D = 100 · #{A_i > M·mean(A)} / |A|` over the concatenated `scores` of one block (a
 * percentage in [0, 100]).
 *
 * @throws {RangeError} if there are no scores, a score is negative or not finite, or `m` is
 * not a finite number > 0.
 *
 * @example
 * ```ts
 * import { outlierRatio } from "./outlier_ratio.ts";
 * const toy = [1, 1, 1, 1, 1, 1, 1, 1, 1, 10]; // mean 1.9 (spec §6 property 3)
 * console.log(outlierRatio([toy], 5), outlierRatio([toy], 11)); // 10 0
 * ```
 */
export function outlierRatio(scores: readonly ArrayLike<number>[], m: number): number {
  if (typeof m !== "number" || !(m > 0) || !Number.isFinite(m)) {
    throw new RangeError(`outlierRatio: M must be a finite number > 0, got ${String(m)}`);
  }
  let n = 0, sum = 0;
  for (const s of scores) {
    for (let i = 0; i < s.length; i++) {
      const x = s[i];
      if (!(x >= 0) || !Number.isFinite(x)) {
        throw new RangeError(`outlierRatio: scores must be finite and >= 0, got ${x}`);
      }
      sum += x;
    }
    n += s.length;
  }
  if (n === 0) throw new RangeError("outlierRatio: no scores");
  const threshold = m * (sum / n);
  let count = 0;
  for (const s of scores) for (let i = 0; i < s.length; i++) if (s[i] > threshold) count++;
  return (100 * count) / n;
}

/**
 * Wanda scores `A_ij = |W_ij| · a_j` of a weight `W` (d_out×d_in) and input-feature norms `a`
 * (d_in).
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { wandaScores } from "./outlier_ratio.ts";
 * console.log(wandaScores(tensor([[1, -2]]), Float64Array.of(3, 0.5))); // Float64Array [3, 1]
 * ```
 */
export function wandaScores(w: Tensor, inputNorms: ArrayLike<number>): Float64Array {
  const [rows, cols] = w.shape;
  if (w.ndim !== 2 || inputNorms.length !== cols) {
    throw new RangeError(
      `wandaScores: weight [${w.shape}] needs ${cols} input norms, got ${inputNorms.length}`,
    );
  }
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      out[i * cols + j] = Math.abs(w.data[i * cols + j]) * inputNorms[j];
    }
  }
  return out;
}

/**
 * Input-feature norms `a_j = ‖X_:,j‖₂` of every linear module of a Llama decoder, over all
 * tokens of the calibration batches (one forward pass each, no gradient). Wanda divides the
 * squared norm by the number of samples; that constant factor cancels in the outlier ratio.
 *
 * @example
 * ```ts
 * import { initLlama } from "../../ops/nn/llama.ts";
 * import { llamaInputNorms } from "./outlier_ratio.ts";
 * const cfg = { vocabSize: 10, hiddenSize: 8, intermediateSize: 16, numLayers: 1, numHeads: 2 };
 * const norms = llamaInputNorms(initLlama(cfg), cfg, [[1, 2, 3]]);
 * console.log(norms["model.layers.0.mlp.down_proj"].length); // 16
 * ```
 */
export function llamaInputNorms(
  params: LlamaParams,
  config: LlamaConfig,
  batches: readonly Indices[],
): Record<string, Float64Array> {
  const sq: Record<string, Float64Array> = {};
  const hook = (name: string, x: Tensor, w: Tensor): Tensor => {
    const d = x.shape[x.ndim - 1];
    const acc = sq[name] ??= new Float64Array(d);
    for (let i = 0; i < x.size; i++) acc[i % d] += x.data[i] * x.data[i];
    return linear(x, w);
  };
  for (const ids of batches) llamaForward(params, ids, config, { linear: hook });
  for (const k of Object.keys(sq)) sq[k] = sq[k].map(Math.sqrt);
  return sq;
}

/**
 * OwLore's `D_ℓ` for each of the `numLayers` blocks of a Llama decoder: Wanda scores of the
 * block's seven linear weights (q, k, v, o, gate, up, down) from calibration `batches`,
 * concatenated, then {@link outlierRatio} with threshold `m` (our default 5, spec §6).
 *
 * @example
 * ```ts
 * import { initLlama } from "../../ops/nn/llama.ts";
 * import { llamaOutlierRatios } from "./outlier_ratio.ts";
 * const cfg = { vocabSize: 10, hiddenSize: 8, intermediateSize: 16, numLayers: 2, numHeads: 2 };
 * const d = llamaOutlierRatios(initLlama(cfg, { seed: 0 }), cfg, [[1, 2, 3, 4]], { m: 3 });
 * console.log(d.length, d.every((x) => x >= 0 && x <= 100)); // 2 true
 * ```
 */
export function llamaOutlierRatios(
  params: LlamaParams,
  config: LlamaConfig,
  batches: readonly Indices[],
  opts: { m?: number } = {},
): number[] {
  const norms = llamaInputNorms(params, config, batches);
  const out: number[] = [];
  for (let l = 0; l < config.numLayers; l++) {
    const pre = `model.layers.${l}.`;
    const scores = Object.keys(norms)
      .filter((name) => name.startsWith(pre))
      .map((name) => wandaScores(params[`${name}.weight`], norms[name]));
    out.push(outlierRatio(scores, opts.m ?? 5));
  }
  return out;
}
