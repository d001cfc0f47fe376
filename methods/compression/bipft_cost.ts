/**
 * Storage and operation counts of a BiPFT-binarised Llama-style decoder (spec
 * `compression_optim_attention.md` §4 "Complexity"; Xing et al., AAAI 2024). Operations follow
 * the binary-network convention of BiPFT and BiBERT: a binary multiply-add counts 1/64 of a
 * full-precision one (64 of them in one popcount word).
 *
 * @module
 */
import type { LlamaConfig } from "../../ops/nn/llama.ts";
import { llamaShapes } from "../../ops/nn/llama.ts";
import { BIPFT_LINEARS } from "./bipft_llama.ts";

/** Weight storage of a model in bits. */
export interface BipftBits {
  /** Entries of the binarised matrices (1 bit each). */
  binaryWeights: number;
  /** Full-precision values (embedding, LM head, norms, BWN scales, moves, α, estimators). */
  fpValues: number;
  /** `binaryWeights + 32 · fpValues`. */
  bits: number;
  /** Bits of the same model in full precision (`32 ·` its Llama parameter count). */
  fpModelBits: number;
}

/**
 * Storage of the binarised model: 1 bit per entry of each block's seven linear weights, plus
 * one f32 BWN scale per matrix, and 32 bits per value of everything kept in full precision
 * (embedding, LM head, norms, per-channel moves, the α of every quantiser, and with
 * `estimators` the five `R^d → R` maps with biases).
 *
 * @example
 * ```ts
 * import { bipftBits } from "./bipft_cost.ts";
 * const cfg = { vocabSize: 65, hiddenSize: 128, intermediateSize: 512, numLayers: 4, numHeads: 4 };
 * const b = bipftBits(cfg, { estimators: true });
 * console.log(b.binaryWeights, (b.fpModelBits / b.bits).toFixed(1)); // 1048576 18.3
 * ```
 */
export function bipftBits(config: LlamaConfig, opts: { estimators: boolean }): BipftBits {
  const shapes = llamaShapes(config);
  let binaryWeights = 0, fpValues = 0, all = 0;
  for (const [name, shape] of Object.entries(shapes)) {
    const n = shape.reduce((a, b) => a * b, 1);
    all += n;
    const binarised = BIPFT_LINEARS.some((m) => name.endsWith(`${m}.weight`));
    if (binarised) {
      binaryWeights += n;
      fpValues += 1 + shape[1] + 1; // BWN scale, move [in], activation α
    } else {
      fpValues += n;
    }
  }
  const d = config.hiddenSize;
  fpValues += config.numLayers * (4 + (opts.estimators ? 5 * d + 5 : 0));
  return { binaryWeights, fpValues, bits: binaryWeights + 32 * fpValues, fpModelBits: 32 * all };
}

/** Multiply-adds of one forward pass over a sequence of L tokens. */
export interface BipftOps {
  /** Binary multiply-adds: the seven linears and the two attention products of every block. */
  binaryMacs: number;
  /** Full-precision multiply-adds: the LM head, plus the estimators when on. */
  fpMacs: number;
  /** The estimators' share of `fpMacs`: `5·L·d` maps, `3·L²` score terms, `h·L²` for P·v_p. */
  estimatorMacs: number;
  /** `binaryMacs / 64 + fpMacs`. */
  ops: number;
  /** Multiply-adds of the full-precision model (all of the above in 32-bit). */
  fpModelOps: number;
}

/**
 * Operation counts of §4 for a sequence of `seqLen` tokens. The spec's `L²` for `P·v_p` is per
 * head: with h heads each has its own P, so it counts `h·L²`.
 *
 * @example
 * ```ts
 * import { bipftOps } from "./bipft_cost.ts";
 * const cfg = { vocabSize: 65, hiddenSize: 128, intermediateSize: 512, numLayers: 4, numHeads: 4 };
 * const o = bipftOps(cfg, 128, { estimators: true });
 * console.log(o.estimatorMacs); // 786432
 * ```
 */
export function bipftOps(
  config: LlamaConfig,
  seqLen: number,
  opts: { estimators: boolean },
): BipftOps {
  if (!Number.isInteger(seqLen) || seqLen < 1) {
    throw new RangeError(`bipftOps: seqLen must be an integer ≥ 1, got ${seqLen}`);
  }
  const { hiddenSize: d, intermediateSize: f, numLayers: n, numHeads: h, vocabSize: v } = config;
  const L = seqLen;
  const perBlock = L * (4 * d * d + 3 * d * f) + 2 * L * L * d;
  const binaryMacs = n * perBlock;
  const estimatorMacs = opts.estimators ? n * (5 * L * d + 3 * L * L + h * L * L) : 0;
  const head = L * d * v;
  const fpMacs = head + estimatorMacs;
  return {
    binaryMacs,
    fpMacs,
    estimatorMacs,
    ops: binaryMacs / 64 + fpMacs,
    fpModelOps: binaryMacs + head,
  };
}
