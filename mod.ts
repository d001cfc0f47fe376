/**
 * lowrank: low-rank scientific computing for Deno and TypeScript.
 *
 * @example
 * ```ts
 * import { matmul, randn } from "./mod.ts";
 * const a = randn([3, 3], { seed: 0 });
 * console.log(matmul(a, a).shape); // [3, 3]
 * ```
 *
 * @module
 */
export * from "./ops/mod.ts";
