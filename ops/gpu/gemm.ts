/**
 * The fast GEMM: picks a tile configuration by shape and a bounds mode by divisibility, then
 * encodes the register-blocked kernel of `gemm_wgsl.ts`.
 *
 * @module
 */
import type { Gpu } from "./device.ts";
import { type GemmGpuArgs, gemmNaive } from "./gemm_naive.ts";
import { type GemmBounds, type GemmTile, gemmWgsl } from "./gemm_wgsl.ts";
import { uniforms } from "./params.ts";

/**
 * Named tile configurations; `"auto"` chooses by shape, `"naive"` is the plain 16×16 kernel.
 *
 * @example
 * ```ts
 * import { chooseGemmKernel, type GemmKernel } from "./gemm.ts";
 * const k: GemmKernel = chooseGemmKernel(4096, 4096);
 * console.log(k); // large
 * ```
 */
export type GemmKernel =
  | "auto"
  | "large"
  | "large16"
  | "largeDb"
  | "tall"
  | "medium"
  | "small"
  | "skinnyM"
  | "skinnyN"
  | "naive";

/**
 * The tile of each configuration (8×8 micro-tiles for large and the long side of the skinny
 * ones, 4×4 otherwise).
 *
 * @example
 * ```ts
 * import { GEMM_TILES } from "./gemm.ts";
 * console.log(GEMM_TILES.large); // { bm: 128, bn: 128, bk: 8, tm: 8, tn: 8 }
 * ```
 */
export const GEMM_TILES: Readonly<Record<Exclude<GemmKernel, "auto" | "naive">, GemmTile>> = {
  large: { bm: 128, bn: 128, bk: 8, tm: 8, tn: 8 },
  // Twice the k-depth per barrier pair (16 KiB of workgroup memory): fewer barriers, more
  // registers; which of the two is faster is a per-GPU measurement (benches/gpu_bench.ts).
  large16: { bm: 128, bn: 128, bk: 16, tm: 8, tn: 8 },
  // Double-buffered workgroup tiles: one barrier per k-slice (16 KiB of workgroup memory).
  largeDb: { bm: 128, bn: 128, bk: 8, tm: 8, tn: 8, db: true },
  // 8×8 micro-tiles on half the block (128 threads): twice the blocks of `large` for mid sizes
  // (n ≈ 1024) at the same arithmetic intensity per thread.
  tall: { bm: 128, bn: 64, bk: 8, tm: 8, tn: 8 },
  medium: { bm: 64, bn: 64, bk: 16, tm: 4, tn: 4 },
  small: { bm: 32, bn: 32, bk: 8, tm: 4, tn: 4 },
  skinnyN: { bm: 128, bn: 32, bk: 16, tm: 8, tn: 4 },
  skinnyM: { bm: 32, bn: 128, bk: 16, tm: 4, tn: 8 },
};

/**
 * The configuration `"auto"` picks for an m×n output: skinny tiles when one side is at most 32
 * and the other long, 128×128 when that still gives at least ~2 workgroups per SM of a large GPU
 * (≥ 256 blocks), 32×32 for small outputs, else 64×64.
 *
 * @example
 * ```ts
 * import { chooseGemmKernel } from "./gemm.ts";
 * console.log(chooseGemmKernel(4096, 4096), chooseGemmKernel(8192, 16)); // "large" "skinnyN"
 * ```
 */
export function chooseGemmKernel(m: number, n: number): Exclude<GemmKernel, "auto"> {
  if (n <= 32 && m >= 256) return "skinnyN";
  if (m <= 32 && n >= 256) return "skinnyM";
  if (Math.ceil(m / 128) * Math.ceil(n / 128) >= 256) return "large";
  if (m * n <= 128 * 128) return "small";
  return "medium";
}

function boundsMode(g: GemmGpuArgs, t: GemmTile): GemmBounds {
  if (g.m % 4 || g.n % 4 || g.k % 4) return "scalar";
  return g.m % t.bm || g.n % t.bn || g.k % t.bk ? "vec4" : "aligned";
}

/**
 * Encodes `C = op(A)·op(B)` for a batch of matrices on raw buffers with the chosen kernel
 * (shapes are trusted: the `matmul` front end validates them). `k = 0` must be handled by the
 * caller (C is all zeros).
 *
 * @example
 * ```ts
 * import { requestGpu } from "./device.ts";
 * import { gemmGpu } from "./gemm.ts";
 * import { tensor } from "../tensor.ts";
 * const gpu = await requestGpu(); // null on a software-only machine: the example then skips
 * if (gpu) {
 *   const a = gpu.upload(tensor([[1, 2], [3, 4]])), c = gpu.empty([2, 2]);
 *   const args = { m: 2, n: 2, k: 2, batch: 1, transA: true, transB: false, strideA: 0, strideB: 0 };
 *   gemmGpu(gpu, args, a.buffer, a.buffer, c.buffer);
 *   console.log((await c.read()).data); // Float32Array [10, 14, 14, 20]
 *   gpu.destroy();
 * }
 * ```
 */
export function gemmGpu(
  gpu: Gpu,
  g: GemmGpuArgs,
  a: GPUBuffer,
  b: GPUBuffer,
  c: GPUBuffer,
  kernel: GemmKernel = "auto",
): void {
  const name = kernel === "auto" ? chooseGemmKernel(g.m, g.n) : kernel;
  if (name === "naive") return gemmNaive(gpu, g, a, b, c);
  const tile = GEMM_TILES[name];
  if (!tile) throw new RangeError(`gemmGpu: unknown kernel ${JSON.stringify(kernel)}`);
  const bounds = boundsMode(g, tile);
  const key = `gemm_${name}_${g.transA}_${g.transB}_${bounds}`;
  const pipe = gpu.pipeline(key, gemmWgsl(tile, g.transA, g.transB, bounds));
  const params = uniforms([g.m, g.n, g.k, g.strideA, g.strideB, g.m * g.n]);
  gpu.dispatch(pipe, params, [a, b, c], [
    Math.ceil(g.n / tile.bn),
    Math.ceil(g.m / tile.bm),
    g.batch,
  ]);
}
