/**
 * Exemplar retrieval for chain-of-thought prompts: DQ-LoRe (Xiong et al., ICLR 2024; spec
 * `specs/compression_optim_attention.md` §8). LoRe re-ranking (`loreRerank`), the dual-query
 * pipeline (`dqLore`) with its pluggable parts (an LSA encoder over TF-IDF, an exact
 * inner-product index, an OpenAI-compatible chat generator), and the GSM8K structure labels
 * and bootstrap intervals of the experiment.
 *
 * @example
 * ```ts
 * import { loreRerank } from "./mod.ts";
 * import { tensor } from "../../ops/tensor.ts";
 * console.log(loreRerank(tensor([1, 0]), tensor([[1, 0.1], [0, 1], [2, 0]]), { n: 2 })); // [2, 0]
 * ```
 *
 * @module
 */
export * from "./lore.ts";
export * from "./index.ts";
export * from "./dq.ts";
export * from "./openai.ts";
export * from "./tfidf.ts";
export * from "./sparse.ts";
export * from "./lsa.ts";
export * from "./gsm8k.ts";
export * from "./bootstrap.ts";
export type { DType, PcaModel, Tensor, TensorData } from "../../ops/linalg/mod.ts";
