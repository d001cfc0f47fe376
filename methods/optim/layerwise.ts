/**
 * Layerwise sampled GaLore: OwLore (Li, Yin, Gao & Liu 2024, outlier-weighed probabilities) and
 * LISA (Pan et al., "LISA: Layerwise Importance Sampling for Memory-Efficient Large Language
 * Model Fine-Tuning", 2024, uniform probabilities); spec `compression_optim_attention.md` §6
 * "Sampling distribution" and "Training schedule".
 *
 * @module
 */
import { Rng } from "../../ops/random.ts";
import type { Tensor } from "../../ops/tensor.ts";
import { treeLeaves, type TreeLike } from "../../ops/autograd/tree.ts";
import type { Optimizer } from "../../ops/optim/optimizer.ts";
import { galoreConfig, type GaloreOptions, type GaloreState, galoreStep_ } from "./galore.ts";

/**
 * OwLore's sampling distribution `p_ℓ = D_ℓ / Σ D` (uniform when every D is 0).
 *
 * @throws {RangeError} if a ratio is negative or not finite, or there are none.
 *
 * @example
 * ```ts
 * import { samplingProbabilities } from "./layerwise.ts";
 * console.log(samplingProbabilities([1, 3]), samplingProbabilities([0, 0])); // [0.25, 0.75] [0.5, 0.5]
 * ```
 */
export function samplingProbabilities(ratios: readonly number[]): number[] {
  if (ratios.length === 0) throw new RangeError("samplingProbabilities: no ratios");
  for (const [i, d] of ratios.entries()) {
    if (!(d >= 0) || !Number.isFinite(d)) {
      throw new RangeError(`samplingProbabilities: ratio ${i} must be finite and >= 0, got ${d}`);
    }
  }
  const total = ratios.reduce((a, b) => a + b, 0);
  return ratios.map((d) => total > 0 ? d / total : 1 / ratios.length);
}

/**
 * `gamma` distinct block indices drawn without replacement with probabilities `p`
 * (sequential weighted sampling: draw, remove, renormalise — numpy's `choice(replace=False,
 * p=…)`). If fewer than `gamma` blocks have p > 0, the remaining slots are filled uniformly from
 * the rest (our default, spec §6).
 *
 * @example
 * ```ts
 * import { Rng } from "../../ops/random.ts";
 * import { sampleBlocks } from "./layerwise.ts";
 * console.log(sampleBlocks([0, 1, 0], 1, new Rng(0))); // [1]
 * console.log(sampleBlocks([0, 1, 0], 3, new Rng(0)).sort()); // [0, 1, 2]
 * ```
 */
export function sampleBlocks(p: readonly number[], gamma: number, rng: Rng): number[] {
  const n = p.length;
  if (!Number.isInteger(gamma) || gamma < 1 || gamma > n) {
    throw new RangeError(`sampleBlocks: gamma must be an integer in 1..${n}, got ${gamma}`);
  }
  const positive = p.filter((x) => x > 0).length;
  const first = rng.choice(n, Math.min(gamma, positive), { p });
  if (first.length === gamma) return first;
  const rest = [...Array(n).keys()].filter((i) => !first.includes(i));
  const fill = rng.choice(rest.length, gamma - first.length).map((i) => rest[i]);
  return [...first, ...fill];
}

/** Options of {@link layerwiseGaloreAdamW}: GaLore's plus the block sampler. */
export interface LayerwiseOptions extends GaloreOptions {
  /** Number of blocks L. */
  numBlocks: number;
  /** γ: active blocks per sampling period (spec: 5 of 32). */
  gamma: number;
  /** K: re-sample at updates 0, K, 2K, … (default 50). */
  interval?: number;
  /** Sampling probabilities (length L; normalised here). Default uniform: LISA. */
  probabilities?: readonly number[];
  /** Seed of the block draws (default 0). */
  seed?: number;
  /**
   * The block of a parameter path, or null for parameters outside the blocks (embedding, final
   * norm, head), which are always trained. Default: the number after `layers.`.
   */
  blockOf?: (path: string) => number | null;
}

/** State of the layerwise sampler: GaLore's plus the active blocks and when they were drawn. */
export interface LayerwiseState extends GaloreState {
  /** The active blocks, in draw order. */
  active: number[];
  /** The update index at which `active` was drawn (-1 before the first draw). */
  drawnAt: number;
  /** Number of draws so far (seeds the next draw). */
  draws: number;
}

/** The layerwise optimizer, with the block selection exposed for the training loop. */
export interface LayerwiseOptimizer extends Optimizer<LayerwiseState> {
  /**
   * The active blocks for the next update (drawing them if that update index is a multiple of
   * K and they are not drawn yet). A loop calls it before the gradient to skip frozen blocks.
   */
  select(state: LayerwiseState): number[];
  /** Whether `path` is updated by the next step (calls `select`). */
  isTrainable(path: string, state: LayerwiseState): boolean;
}

/**
 * The block of a transformers-style path: the integer after `layers.`, else null.
 *
 * @example
 * ```ts
 * import { layerIndex } from "./layerwise.ts";
 * console.log(layerIndex("model.layers.3.mlp.up_proj.weight"), layerIndex("lm_head.weight")); // 3 null
 * ```
 */
export function layerIndex(path: string): number | null {
  const m = /(?:^|\.)layers\.(\d+)\./.exec(path);
  return m ? Number(m[1]) : null;
}

/**
 * Layerwise sampled GaLore-AdamW (spec §6): at every update index that is a multiple of
 * `interval`, all blocks are frozen and `gamma` distinct blocks are drawn with `probabilities`;
 * only those blocks and the parameters outside every block are updated (GaLore on their
 * target matrices, AdamW on the rest). A frozen block's weights are untouched and its state
 * (projector, moments, own update count) waits for its next draw. Norm weights inside a block
 * belong to it. Gradients of frozen parameters are ignored (they may be zeros).
 *
 * @example
 * ```ts
 * import { randn } from "../../ops/random.ts";
 * import { layerwiseGaloreAdamW } from "./layerwise.ts";
 * const params = { "layers.0.w": randn([4, 4], { seed: 0 }), "layers.1.w": randn([4, 4], { seed: 1 }) };
 * const opt = layerwiseGaloreAdamW({ numBlocks: 2, gamma: 1, rank: 2, probabilities: [0, 1] });
 * const state = opt.init(params);
 * const before = params["layers.0.w"].data.slice();
 * opt.step_(params, { "layers.0.w": randn([4, 4], { seed: 2 }), "layers.1.w": randn([4, 4], { seed: 3 }) }, state);
 * console.log(state.active, params["layers.0.w"].data.every((x, i) => x === before[i])); // [1] true
 * ```
 */
export function layerwiseGaloreAdamW(opts: LayerwiseOptions): LayerwiseOptimizer {
  const fn = "layerwiseGaloreAdamW";
  const { numBlocks, gamma, interval = 50, probabilities, seed = 0, blockOf = layerIndex, ...g } =
    opts;
  const c = galoreConfig(fn, g);
  if (!Number.isInteger(numBlocks) || numBlocks < 1) {
    throw new RangeError(`${fn}: numBlocks must be a positive integer, got ${String(numBlocks)}`);
  }
  if (!Number.isInteger(gamma) || gamma < 1 || gamma > numBlocks) {
    throw new RangeError(`${fn}: gamma must be an integer in 1..${numBlocks}, got ${gamma}`);
  }
  if (!Number.isInteger(interval) || interval < 1) {
    throw new RangeError(`${fn}: interval must be a positive integer, got ${String(interval)}`);
  }
  if (!Number.isInteger(seed)) throw new TypeError(`${fn}: seed must be an integer, got ${seed}`);
  const p = samplingProbabilities(probabilities ?? Array(numBlocks).fill(1));
  if (p.length !== numBlocks) {
    throw new RangeError(`${fn}: probabilities has ${p.length} entries, numBlocks is ${numBlocks}`);
  }
  const blockChecked = (path: string): number | null => {
    const b = blockOf(path);
    if (b !== null && !(Number.isInteger(b) && b >= 0 && b < numBlocks)) {
      throw new RangeError(
        `${fn}: blockOf("${path}") = ${b} is not a block in 0..${numBlocks - 1}`,
      );
    }
    return b;
  };
  const select = (state: LayerwiseState): number[] => {
    if (state.step % interval === 0 && state.drawnAt !== state.step) {
      // One generator per draw, seeded from (seed, draw count): the state stays plain data.
      state.active = sampleBlocks(p, gamma, new Rng(seed * 1_000_003 + state.draws));
      state.drawnAt = state.step;
      state.draws++;
    }
    return state.active;
  };
  const isTrainable = (path: string, state: LayerwiseState): boolean => {
    const b = blockChecked(path);
    return b === null || select(state).includes(b);
  };
  return {
    init(params: TreeLike): LayerwiseState {
      for (const [path] of treeLeaves(params, fn)) blockChecked(path);
      return { step: 0, m: {}, v: {}, t: {}, proj: {}, active: [], drawnAt: -1, draws: 0 };
    },
    select,
    isTrainable,
    step_(params: TreeLike, grads: TreeLike, state: LayerwiseState): LayerwiseState {
      select(state);
      const ps: Record<string, Tensor> = {}, gs: Record<string, Tensor> = {};
      const gl = treeLeaves(grads, fn), pl = treeLeaves(params, fn);
      if (gl.length !== pl.length) {
        throw new RangeError(`${fn}: params have ${pl.length} tensors but grads have ${gl.length}`);
      }
      for (const [i, [path, t]] of pl.entries()) {
        if (!isTrainable(path, state)) continue;
        ps[path] = t;
        if (gl[i] === undefined || gl[i][0] !== path) {
          throw new RangeError(`${fn}: grads has no "${path}" at position ${i}`);
        }
        gs[path] = gl[i][1];
      }
      return galoreStep_(fn, c, ps, gs, state);
    },
  };
}
