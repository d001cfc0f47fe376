/**
 * Shared setup of the GPU tests: one Gpu per test file on whatever adapter exists (the software
 * adapter here), or a visible notice and ignored tests when there is none at all.
 */
import { requestGpu } from "../../../ops/gpu/device.ts";
import type { Gpu } from "../../../ops/gpu/device.ts";
import { randn } from "../../../ops/random.ts";
import { astype, type Tensor } from "../../../ops/tensor.ts";

// llvmpipe's worker threads spin at workgroup barriers; on a loaded 2-core machine that turns
// millisecond kernels into 30-second ones. One rasterizer thread keeps the tests fast.
if (Deno.env.get("LP_NUM_THREADS") === undefined) Deno.env.set("LP_NUM_THREADS", "1");

/** The test Gpu, or null (tests are then ignored with a notice). */
export const gpu: Gpu | null = await requestGpu({ allowFallback: true });
if (!gpu) console.warn("NOTICE: no WebGPU adapter at all on this machine: GPU tests are ignored");

/** True when GPU tests must be skipped. */
export const noGpu = gpu === null;

/** Unit roundoff of f32. */
export const U32 = 2 ** -24;

/** A seeded f32 normal matrix. */
export function randF32(shape: number[], seed: number): Tensor {
  return astype(randn(shape, { seed }), "f32");
}

/**
 * Max |x - y| / scale_i over elements, `scale` elementwise (or 1). Equal entries (including
 * both NaN or the same infinity) count as 0; any other NaN makes the result Infinity, so a NaN
 * early in the output cannot be hidden by a later finite entry.
 */
export function maxScaledErr(x: Tensor, y: Tensor, scale?: Tensor): number {
  if (x.size !== y.size) throw new RangeError(`sizes differ: ${x.size} vs ${y.size}`);
  let e = 0;
  for (let i = 0; i < x.size; i++) {
    const a = x.data[i], b = y.data[i];
    if (a === b || (Number.isNaN(a) && Number.isNaN(b))) continue;
    const d = Math.abs(a - b) / (scale ? Math.max(scale.data[i], 1e-30) : 1);
    if (Number.isNaN(d)) return Infinity;
    if (d > e) e = d;
  }
  return e;
}
