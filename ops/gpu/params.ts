/**
 * Small helpers shared by the kernels' dispatch code: uniform blocks and 2-D workgroup grids.
 *
 * @module
 */

/**
 * A uniform block holding `u32s` then `f32s`, zero-padded to a 16-byte multiple (WGSL uniform
 * structs are 16-byte aligned). The WGSL struct must declare the fields in the same order.
 *
 * @example
 * ```ts
 * import { uniforms } from "./params.ts";
 * console.log(uniforms([1, 2], [0.5]).byteLength); // 16
 * ```
 */
export function uniforms(u32s: readonly number[], f32s: readonly number[] = []): ArrayBuffer {
  const words = u32s.length + f32s.length;
  const buf = new ArrayBuffer(Math.max(16, Math.ceil(words / 4) * 16));
  const u = new Uint32Array(buf), f = new Float32Array(buf);
  u32s.forEach((v, i) => {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
      throw new RangeError(`uniforms: u32 field ${i} is ${v}, not a 32-bit unsigned integer`);
    }
    u[i] = v;
  });
  f32s.forEach((v, i) => (f[u32s.length + i] = v));
  return buf;
}

/**
 * A 2-D workgroup grid `[x, y, 1]` with at least `groups` workgroups and `x ≤ maxPerDim`, for
 * 1-D work that can exceed the 65535-per-dimension limit. Kernels recover the linear id as
 * `wid.x + wid.y * nwg.x` and skip ids past the end.
 *
 * @example
 * ```ts
 * import { grid2d } from "./params.ts";
 * console.log(grid2d(100000, 65535)); // [50000, 2, 1]
 * ```
 */
export function grid2d(groups: number, maxPerDim: number): [number, number, 1] {
  if (groups <= maxPerDim) return [groups, 1, 1];
  const y = Math.ceil(groups / maxPerDim);
  return [Math.ceil(groups / y), y, 1];
}
