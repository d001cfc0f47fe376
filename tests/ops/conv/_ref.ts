/**
 * Independent references for the convolution tests: a direct seven-loop convolution in f64
 * (no im2col, no GEMM, every tap bounds-checked) and the matching sum of |w|·|x| per output,
 * which scales the rounding-error bound.
 */
import { randn } from "../../../ops/random.ts";
import { astype, type DType, Tensor } from "../../../ops/tensor.ts";

/** Options of the reference, all explicit pairs. */
export interface RefOpts {
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  groups: number;
}

/** `conv2d` by definition, in f64; with `abs` the sum of |w|·|x| instead. */
export function refConv2d(
  x: Tensor,
  w: Tensor,
  o: RefOpts,
  bias?: Tensor,
  abs = false,
): Tensor {
  const [N, C, H, W] = x.shape, [O, cg, kh, kw] = w.shape;
  const og = O / o.groups;
  const oh = Math.floor((H + 2 * o.padding[0] - o.dilation[0] * (kh - 1) - 1) / o.stride[0]) + 1;
  const ow = Math.floor((W + 2 * o.padding[1] - o.dilation[1] * (kw - 1) - 1) / o.stride[1]) + 1;
  const out = new Float64Array(N * O * oh * ow);
  const f = abs ? Math.abs : (v: number) => v;
  for (let n = 0; n < N; n++) {
    for (let oc = 0; oc < O; oc++) {
      const g = Math.floor(oc / og);
      for (let y = 0; y < oh; y++) {
        for (let xo = 0; xo < ow; xo++) {
          let s = bias ? f(bias.data[oc]) : 0;
          for (let c = 0; c < cg; c++) {
            for (let i = 0; i < kh; i++) {
              for (let j = 0; j < kw; j++) {
                const ih = y * o.stride[0] - o.padding[0] + i * o.dilation[0];
                const iw = xo * o.stride[1] - o.padding[1] + j * o.dilation[1];
                if (ih < 0 || iw < 0 || ih >= H || iw >= W) continue;
                const xv = x.data[((n * C + g * cg + c) * H + ih) * W + iw];
                const wv = w.data[((oc * cg + c) * kh + i) * kw + j];
                s += f(xv) * f(wv);
              }
            }
          }
          out[((n * O + oc) * oh + y) * ow + xo] = s;
        }
      }
    }
  }
  return new Tensor(out, [N, O, oh, ow]);
}

/** A seeded normal tensor of `shape` and `dtype`. */
export function rnd(shape: number[], seed: number, dtype: DType = "f64"): Tensor {
  return astype(randn(shape, { seed }), dtype);
}

/** max_i |a_i − b_i| / scale_i (scale floored at 1e-300); NaN anywhere gives Infinity. */
export function scaledErr(a: Tensor, b: Tensor, scale: Tensor): number {
  if (a.size !== b.size) throw new RangeError(`sizes differ: ${a.size} vs ${b.size}`);
  let e = 0;
  for (let i = 0; i < a.size; i++) {
    const d = Math.abs(a.data[i] - b.data[i]) / Math.max(scale.data[i], 1e-300);
    if (Number.isNaN(d)) return Infinity;
    e = Math.max(e, d);
  }
  return e;
}
