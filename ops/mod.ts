/**
 * The numeric core of lowrank: tensors, seeded randomness, elementwise ops, reductions, GEMM.
 *
 * @example
 * ```ts
 * import { matmul, randn } from "./mod.ts";
 * const a = randn([4, 3], { seed: 1 });
 * console.log(matmul(a, a, { transA: true }).shape); // [3, 3]
 * ```
 *
 * @module
 */
export * from "./tensor.ts";
export * from "./shape.ts";
export * from "./elementwise.ts";
export * from "./reduce.ts";
export * from "./norm.ts";
export * from "./random.ts";
export * from "./matmul.ts";
export * from "./unary.ts";
export * from "./cpu/mod.ts";
