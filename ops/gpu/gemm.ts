/**
 * The fast GEMM: picks a tile configuration by shape and a bounds mode by divisibility, then
 * encodes the register-blocked kernel of `gemm_wgsl.ts`.
 *
 * @module
 */
import type { Gpu } from "./device.ts";
import { type GemmGpuArgs, gemmNaive } from "./gemm_naive.ts";
import {
  checkTile,
  type GemmBounds,
  type GemmTile,
  gemmWgsl,
  tileThreads,
  tileWorkgroupBytes,
} from "./gemm_wgsl.ts";
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

/**
 * The tiles the GPU bench sweeps (issue 22): 128×128 with k-depth 8 and 16 and 8×8 per thread
 * (256 threads), 128×64 and 64×128 with 8×8 per thread (128 threads), 128×128 with 16×8 and 8×16
 * per thread (128 threads), 256×128 with 16×8 per thread (256 threads); each single- and
 * double-buffered, in the `"flat"` and the clamp-free `"rows"` workgroup layout. Which is fastest
 * is a per-GPU measurement; a tile whose workgroup memory or thread count exceeds the device's
 * limits is refused by {@link gemmGpu} (the bench reports it as skipped).
 *
 * @example
 * ```ts
 * import { GEMM_SWEEP } from "./gemm.ts";
 * console.log(GEMM_SWEEP.length); // 28
 * ```
 */
export const GEMM_SWEEP: readonly GemmTile[] = (() => {
  const shapes: GemmTile[] = [
    { bm: 128, bn: 128, bk: 8, tm: 8, tn: 8 },
    { bm: 128, bn: 128, bk: 16, tm: 8, tn: 8 },
    { bm: 128, bn: 64, bk: 8, tm: 8, tn: 8 },
    { bm: 64, bn: 128, bk: 8, tm: 8, tn: 8 },
    { bm: 128, bn: 128, bk: 8, tm: 16, tn: 8 },
    { bm: 128, bn: 128, bk: 8, tm: 8, tn: 16 },
    { bm: 256, bn: 128, bk: 8, tm: 16, tn: 8 },
  ];
  return shapes.flatMap((t) =>
    (["flat", "rows"] as const).flatMap((layout) => [
      { ...t, layout },
      { ...t, layout, db: true },
    ])
  );
})();

/**
 * A short stable name of a tile, e.g. `"128x128x8 t8x8 rows db"` (pipeline keys, bench rows).
 *
 * @example
 * ```ts
 * import { tileName } from "./gemm.ts";
 * console.log(tileName({ bm: 128, bn: 64, bk: 8, tm: 8, tn: 8, db: true })); // 128x64x8 t8x8 flat db
 * ```
 */
export function tileName(t: GemmTile): string {
  return `${t.bm}x${t.bn}x${t.bk} t${t.tm}x${t.tn} ${t.layout ?? "flat"}${t.db ? " db" : ""}`;
}

/**
 * Throws a RangeError naming the tile, the need and the limit when tile `t` cannot run on `gpu`
 * (workgroup memory beyond `maxComputeWorkgroupStorageSize`, threads beyond
 * `maxComputeInvocationsPerWorkgroup`), or when it is not a valid layout at all.
 *
 * @example
 * ```ts
 * import { checkTileFits } from "./gemm.ts";
 * const limits = { maxComputeWorkgroupStorageSize: 16384, maxComputeInvocationsPerWorkgroup: 256 };
 * checkTileFits(limits, { bm: 128, bn: 128, bk: 8, tm: 8, tn: 8 }); // 8 KiB, 256 threads: fits
 * ```
 */
export function checkTileFits(
  limits: Pick<
    Gpu["limits"],
    "maxComputeWorkgroupStorageSize" | "maxComputeInvocationsPerWorkgroup"
  >,
  t: GemmTile,
  transA = false,
  transB = false,
): void {
  checkTile(t);
  const bytes = tileWorkgroupBytes(t, transA, transB);
  if (bytes > limits.maxComputeWorkgroupStorageSize) {
    throw new RangeError(
      `gemmGpu: tile ${tileName(t)} needs ${bytes} bytes of workgroup memory, ` +
        `the device allows ${limits.maxComputeWorkgroupStorageSize}`,
    );
  }
  const threads = tileThreads(t);
  if (threads > limits.maxComputeInvocationsPerWorkgroup) {
    throw new RangeError(
      `gemmGpu: tile ${tileName(t)} needs ${threads} threads per workgroup, ` +
        `the device allows ${limits.maxComputeInvocationsPerWorkgroup}`,
    );
  }
}

function boundsMode(g: GemmGpuArgs, t: GemmTile): GemmBounds {
  if (g.m % 4 || g.n % 4 || g.k % 4) return "scalar";
  return g.m % t.bm || g.n % t.bn || g.k % t.bk ? "vec4" : "aligned";
}

/**
 * Encodes `C = op(A)·op(B)` for a batch of matrices on raw buffers with the chosen kernel
 * (shapes are trusted: the `matmul` front end validates them). `k = 0` must be handled by the
 * caller (C is all zeros). `kernel` is a named configuration or an explicit {@link GemmTile}
 * (how the bench sweeps shapes, e.g. {@link GEMM_SWEEP}); a tile that does not fit the device's
 * workgroup memory or thread limits is a RangeError (see {@link checkTileFits}).
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
  kernel: GemmKernel | GemmTile = "auto",
): void {
  let tile: GemmTile;
  if (typeof kernel === "object" && kernel !== null) {
    tile = kernel;
  } else {
    const name = kernel === "auto" ? chooseGemmKernel(g.m, g.n) : kernel;
    if (name === "naive") return gemmNaive(gpu, g, a, b, c);
    tile = GEMM_TILES[name];
    if (!tile) throw new RangeError(`gemmGpu: unknown kernel ${JSON.stringify(kernel)}`);
  }
  checkTileFits(gpu.limits, tile, g.transA, g.transB);
  const bounds = boundsMode(g, tile);
  const key = `gemm_${tileName(tile)}_${g.transA}_${g.transB}_${bounds}`;
  const pipe = gpu.pipeline(key, gemmWgsl(tile, g.transA, g.transB, bounds));
  const params = uniforms([g.m, g.n, g.k, g.strideA, g.strideB, g.m * g.n]);
  gpu.dispatch(pipe, params, [a, b, c], [
    Math.ceil(g.n / tile.bn),
    Math.ceil(g.m / tile.bm),
    g.batch,
  ]);
}
