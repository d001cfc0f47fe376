/**
 * Folding an embedding's `k → d` projection into the linear layer that reads the embeddings
 * (Yu et al., KDD 2024; spec `compression_optim_attention.md` §2, "Embedding table": `W₁' = W₁U_k`,
 * `b₁' = W₁μ + b₁`). The next layer may read several embeddings side by side (one block of d
 * columns per field, as a CTR model's first MLP layer does) followed by other columns; each block
 * is folded with the same projection. Only valid when nothing (an FM or cross interaction, a
 * nonlinearity) sits between the projection and the layer.
 *
 * @module
 */
import { assertTensor, Tensor } from "../../ops/tensor.ts";
import type { LinearParams } from "../../ops/nn/layers.ts";

/** Where the projected embeddings sit among the next layer's input columns. */
export interface FoldOptions {
  /** First input column of the first embedding block (default 0). */
  offset?: number;
  /** Number of consecutive d-wide embedding blocks (default 1). */
  blocks?: number;
}

const FOLD_KEYS = new Set(["offset", "blocks"]);

/**
 * The layer `next` with the projection `proj` (weight `[d, k]`, optional bias `[d]`) folded into
 * each of its `blocks` embedding blocks: the result reads k columns per block instead of d and
 * gives the same outputs as `next(… proj(e′) …)`.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { foldProjection } from "./afm_fold.ts";
 * const proj = { weight: tensor([[1], [2]]), bias: tensor([0, 1]) }; // 1 → 2
 * const next = { weight: tensor([[1, 1, 5]]), bias: tensor([0]) }; // reads [e (2), x (1)]
 * const f = foldProjection(proj, next);
 * console.log(f.weight.data, f.bias?.data); // Float64Array [3, 5] Float64Array [1]
 * ```
 */
export function foldProjection(
  proj: LinearParams,
  next: LinearParams,
  opts: FoldOptions = {},
): LinearParams {
  for (const key of Object.keys(opts)) {
    if (!FOLD_KEYS.has(key)) throw new TypeError(`foldProjection: unknown option ${key}`);
  }
  assertTensor("foldProjection", "proj.weight", proj.weight);
  assertTensor("foldProjection", "next.weight", next.weight);
  const [d, k] = proj.weight.shape;
  const [h, nIn] = next.weight.shape;
  const offset = opts.offset ?? 0, blocks = opts.blocks ?? 1;
  if (!Number.isInteger(offset) || offset < 0) {
    throw new RangeError(`foldProjection: offset must be a non-negative integer, got ${offset}`);
  }
  if (!Number.isInteger(blocks) || blocks < 1) {
    throw new RangeError(`foldProjection: blocks must be a positive integer, got ${blocks}`);
  }
  if (offset + blocks * d > nIn) {
    throw new RangeError(
      `foldProjection: ${blocks} blocks of width ${d} from column ${offset} exceed next's ${nIn} inputs`,
    );
  }
  const outIn = nIn - blocks * (d - k);
  const w = new Float64Array(h * outIn);
  const bias = new Float64Array(h);
  const wn = next.weight.data, pw = proj.weight.data, pb = proj.bias?.data;
  for (let r = 0; r < h; r++) {
    bias[r] = next.bias ? next.bias.data[r] : 0;
    const row = r * nIn, out = r * outIn;
    for (let c = 0; c < offset; c++) w[out + c] = wn[row + c];
    for (let f = 0; f < blocks; f++) {
      const src = row + offset + f * d, dst = out + offset + f * k;
      for (let i = 0; i < d; i++) {
        const a = wn[src + i];
        for (let j = 0; j < k; j++) w[dst + j] += a * pw[i * k + j];
        if (pb) bias[r] += a * pb[i];
      }
    }
    const tail = offset + blocks * d;
    for (let c = tail; c < nIn; c++) w[out + c - blocks * (d - k)] = wn[row + c];
  }
  return { weight: new Tensor(w, [h, outIn]), bias: new Tensor(bias, [h]) };
}
