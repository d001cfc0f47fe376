/**
 * Direct depthwise convolution (one input channel per group, `og` output channels each): the
 * forward and both gradients in one loop nest over (image, output channel, kernel tap, output
 * row), with no unfolding: the GEMM of a depthwise conv would be `og × P` with an inner
 * dimension of only `kh·kw`, so im2col would cost more than the arithmetic. Used for RALA's 5×5
 * LePE convolution and MobileNet-style blocks (Howard et al., "MobileNets", 2017, §3.1).
 *
 * @module
 */
import type { TensorData } from "../tensor.ts";
import type { Conv2dGeom } from "./conv_geom.ts";
import { validRange } from "./im2col.ts";

/**
 * What {@link depthwise} computes: `"forward"` (`c += conv(a = x, b = w)`), `"gradInput"`
 * (`c = gx += wᵀ-conv(a = gOut, b = w)`) or `"gradWeight"` (`c = gw += Σ a = gOut · b = x`).
 *
 * @example
 * ```ts
 * import type { DepthwiseMode } from "./depthwise.ts";
 * const m: DepthwiseMode = "forward";
 * console.log(m); // forward
 * ```
 */
export type DepthwiseMode = "forward" | "gradInput" | "gradWeight";

/**
 * Runs one depthwise pass of geometry `g` (accumulating into `c`, which starts zeroed). The
 * mode is tested once per output row, outside the inner loop, so each inner loop stays a plain
 * monomorphic multiply-add.
 *
 * @example
 * ```ts
 * import { conv2dGeom } from "./conv_geom.ts";
 * import { depthwise } from "./depthwise.ts";
 * const g = conv2dGeom("conv2d", [1, 2, 1, 3], [2, 1, 1, 2], undefined, { groups: 2 });
 * const out = new Float64Array(4);
 * depthwise(g, "forward", new Float64Array([1, 2, 3, 4, 5, 6]), new Float64Array([1, 1, 1, -1]), out);
 * console.log(out); // Float64Array [3, 5, -1, -1]
 * ```
 */
export function depthwise(
  g: Conv2dGeom,
  mode: DepthwiseMode,
  a: TensorData,
  b: TensorData,
  c: TensorData,
): void {
  const { h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow } = g;
  const p = oh * ow, hw = h * w, taps = kh * kw, mult = g.og;
  const los = new Int32Array(kw), his = new Int32Array(kw);
  for (let j = 0; j < kw; j++) [los[j], his[j]] = validRange(j * dw - pw, sw, w, ow);
  const fwd = mode === "forward", gin = mode === "gradInput";
  for (let n = 0; n < g.n; n++) {
    for (let o = 0; o < g.o; o++) {
      const plane = (n * g.c + Math.floor(o / mult)) * hw, outPlane = (n * g.o + o) * p;
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          const tap = o * taps + i * kw + j, lo = los[j], hi = his[j], offW = j * dw - pw;
          const wv = fwd || gin ? b[tap] : 0;
          let s = 0;
          for (let y = 0; y < oh; y++) {
            const ih = y * sh - ph + i * dh;
            if (ih < 0 || ih >= h) continue;
            const or = outPlane + y * ow, ir = plane + ih * w + offW;
            if (sw === 1) {
              // Unit stride: both operands advance together, one index per element.
              const d = ir - or, q0 = or + lo, q1 = or + hi;
              if (fwd) { for (let q = q0; q < q1; q++) c[q] += wv * a[q + d]; }
              else if (gin) { for (let q = q0; q < q1; q++) c[q + d] += wv * a[q]; }
              else for (let q = q0; q < q1; q++) s += a[q] * b[q + d];
            } else if (fwd) { for (let q = lo; q < hi; q++) c[or + q] += wv * a[ir + q * sw]; }
            else if (gin) { for (let q = lo; q < hi; q++) c[ir + q * sw] += wv * a[or + q]; }
            else for (let q = lo; q < hi; q++) s += a[or + q] * b[ir + q * sw];
          }
          if (!fwd && !gin) c[tap] += s;
        }
      }
    }
  }
}
