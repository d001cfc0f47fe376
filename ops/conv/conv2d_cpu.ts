/**
 * CPU kernels of `conv2d` and its backward: im2col (patch-major, from a zero-padded copy) + the
 * strided GEMM per image and group, a 1×1 path that hands the input planes to the GEMM as they
 * are, and the direct depthwise loop of `depthwise.ts`.
 *
 * @module
 */
import { gemm } from "../cpu/gemm.ts";
import { allocData, type TensorData } from "../tensor.ts";
import type { Conv2dGeom } from "./conv_geom.ts";
import { col2im, im2col, paddedSize, padImage, unpadImage } from "./im2col.ts";
import { depthwise } from "./depthwise.ts";

/**
 * Which kernel a geometry runs: `"pointwise"` (1×1, stride 1, no padding), `"depthwise"`
 * (one input channel per group, more than one group) or `"gemm"` (im2col + GEMM).
 *
 * @example
 * ```ts
 * import { conv2dGeom } from "./conv_geom.ts";
 * import { conv2dPath } from "./conv2d_cpu.ts";
 * console.log(conv2dPath(conv2dGeom("conv2d", [1, 4, 5, 5], [4, 1, 3, 3], undefined, { groups: 4 }))); // depthwise
 * ```
 */
export function conv2dPath(g: Conv2dGeom): "pointwise" | "depthwise" | "gemm" {
  if (g.kh === 1 && g.kw === 1 && g.sh === 1 && g.sw === 1 && g.ph === 0 && g.pw === 0) {
    return "pointwise";
  }
  if (g.cg === 1 && g.groups > 1) return "depthwise";
  return "gemm";
}

const dtypeOf = (d: TensorData): "f32" | "f64" => (d instanceof Float32Array ? "f32" : "f64");

/**
 * Calls `body(xOff, wOff, outOff)` for every (image, group) block: the offsets of its input
 * planes, its weight rows and its output planes.
 */
function eachBlock(
  g: Conv2dGeom,
  body: (xOff: number, wOff: number, outOff: number) => void,
): void {
  const p = g.oh * g.ow, hw = g.h * g.w;
  for (let n = 0; n < g.n; n++) {
    for (let gi = 0; gi < g.groups; gi++) {
      body((n * g.c + gi * g.cg) * hw, gi * g.og * g.kSize, (n * g.o + gi * g.og) * p);
    }
  }
}

/** Returns `unfold(xOff)`: the patch matrix `[P, K]` of the block's input planes at `xOff`. */
function patchMaker(g: Conv2dGeom, x: TensorData): (xOff: number) => TensorData {
  const [hp, wp] = paddedSize(g), dtype = dtypeOf(x);
  const xp = allocData(dtype, g.cg * hp * wp), patches = allocData(dtype, g.oh * g.ow * g.kSize);
  return (xOff) => {
    padImage(x, xOff, g.cg, g, xp); // the border stays zero: only the interior is written
    im2col(xp, g.cg, g, patches);
    return patches;
  };
}

/**
 * The forward convolution `[n, o, oh, ow]` of `x` with `w` (plus `bias` per output channel).
 *
 * @example
 * ```ts
 * import { conv2dGeom } from "./conv_geom.ts";
 * import { conv2dForward } from "./conv2d_cpu.ts";
 * const g = conv2dGeom("conv2d", [1, 1, 2, 2], [1, 1, 2, 2], undefined, {});
 * console.log(conv2dForward(g, new Float64Array([1, 2, 3, 4]), new Float64Array([1, 1, 1, 1]))); // Float64Array [10]
 * ```
 */
export function conv2dForward(
  g: Conv2dGeom,
  x: TensorData,
  w: TensorData,
  bias?: TensorData,
): TensorData {
  const p = g.oh * g.ow, og = g.og, k = g.kSize;
  const out = allocData(dtypeOf(x), g.n * g.o * p);
  const path = conv2dPath(g);
  if (path === "depthwise") depthwise(g, "forward", x, w, out);
  else if (path === "pointwise") {
    eachBlock(g, (xOff, wOff, outOff) => {
      gemm({
        m: og,
        n: p,
        k,
        a: w,
        aOffset: wOff,
        lda: k,
        b: x,
        bOffset: xOff,
        ldb: p,
        c: out,
        cOffset: outOff,
        ldc: p,
      });
    });
  } else {
    // outᵀ = patches · Wᵀ ([P, og]), then transposed into the NCHW planes.
    const unfold = patchMaker(g, x), ct = allocData(dtypeOf(x), p * og);
    eachBlock(g, (xOff, wOff, outOff) => {
      const patches = unfold(xOff);
      gemm({
        m: p,
        n: og,
        k,
        a: patches,
        lda: k,
        b: w,
        bOffset: wOff,
        ldb: k,
        transB: true,
        c: ct,
        ldc: og,
      });
      for (let o = 0; o < og; o++) {
        const dst = outOff + o * p;
        for (let q = 0; q < p; q++) out[dst + q] = ct[q * og + o];
      }
    });
  }
  if (bias !== undefined) {
    for (let n = 0; n < g.n; n++) {
      for (let o = 0; o < g.o; o++) {
        const off = (n * g.o + o) * p, b = bias[o];
        for (let q = 0; q < p; q++) out[off + q] += b;
      }
    }
  }
  return out;
}

/**
 * Gradient of the weight: `Σ_n gOut[n, group] · patches[n, group]`.
 *
 * @example
 * ```ts
 * import { conv2dGeom } from "./conv_geom.ts";
 * import { conv2dGradWeight } from "./conv2d_cpu.ts";
 * const g = conv2dGeom("conv2d", [1, 1, 2, 2], [1, 1, 2, 2], undefined, {});
 * console.log(conv2dGradWeight(g, new Float64Array([1, 2, 3, 4]), new Float64Array([2]))); // Float64Array [2, 4, 6, 8]
 * ```
 */
export function conv2dGradWeight(g: Conv2dGeom, x: TensorData, gOut: TensorData): TensorData {
  const p = g.oh * g.ow, og = g.og, k = g.kSize;
  const gw = allocData(dtypeOf(x), g.o * k);
  const path = conv2dPath(g);
  if (path === "depthwise") {
    depthwise(g, "gradWeight", gOut, x, gw);
    return gw;
  }
  const unfold = path === "pointwise" ? null : patchMaker(g, x);
  eachBlock(g, (xOff, wOff, outOff) => {
    // Pointwise: the input planes [cg, P] serve as patchesᵀ.
    const b = unfold ? unfold(xOff) : x;
    gemm({
      m: og,
      n: k,
      k: p,
      a: gOut,
      aOffset: outOff,
      lda: p,
      b,
      bOffset: unfold ? 0 : xOff,
      ldb: unfold ? k : p,
      transB: !unfold,
      c: gw,
      cOffset: wOff,
      ldc: k,
      beta: 1,
    });
  });
  return gw;
}

/**
 * Gradient of the input: `col2im(gOutᵀ · w)` per image and group.
 *
 * @example
 * ```ts
 * import { conv2dGeom } from "./conv_geom.ts";
 * import { conv2dGradInput } from "./conv2d_cpu.ts";
 * const g = conv2dGeom("conv2d", [1, 1, 2, 2], [1, 1, 2, 2], undefined, {});
 * console.log(conv2dGradInput(g, new Float64Array([1, 2, 3, 4]), new Float64Array([2]))); // Float64Array [2, 4, 6, 8]
 * ```
 */
export function conv2dGradInput(g: Conv2dGeom, w: TensorData, gOut: TensorData): TensorData {
  const p = g.oh * g.ow, og = g.og, k = g.kSize, dtype = dtypeOf(w);
  const gx = allocData(dtype, g.n * g.c * g.h * g.w);
  const path = conv2dPath(g);
  if (path === "depthwise") {
    depthwise(g, "gradInput", gOut, w, gx);
    return gx;
  }
  if (path === "pointwise") {
    eachBlock(g, (xOff, wOff, outOff) => {
      gemm({
        m: k,
        n: p,
        k: og,
        a: w,
        aOffset: wOff,
        lda: k,
        transA: true,
        b: gOut,
        bOffset: outOff,
        ldb: p,
        c: gx,
        cOffset: xOff,
        ldc: p,
      });
    });
    return gx;
  }
  const [hp, wp] = paddedSize(g);
  const pg = allocData(dtype, p * k), gxp = allocData(dtype, g.cg * hp * wp);
  eachBlock(g, (xOff, wOff, outOff) => {
    gemm({
      m: p,
      n: k,
      k: og,
      a: gOut,
      aOffset: outOff,
      lda: p,
      transA: true,
      b: w,
      bOffset: wOff,
      ldb: k,
      c: pg,
      ldc: k,
    });
    gxp.fill(0);
    col2im(pg, g.cg, g, gxp);
    unpadImage(gxp, g.cg, g, gx, xOff);
  });
  return gx;
}

/**
 * Gradient of the bias: the sum of `gOut` over images and positions, per channel.
 *
 * @example
 * ```ts
 * import { conv2dGeom } from "./conv_geom.ts";
 * import { conv2dGradBias } from "./conv2d_cpu.ts";
 * const g = conv2dGeom("conv2d", [2, 1, 1, 1], [1, 1, 1, 1], [1], {});
 * console.log(conv2dGradBias(g, new Float64Array([1, 2]))); // Float64Array [3]
 * ```
 */
export function conv2dGradBias(g: Conv2dGeom, gOut: TensorData): TensorData {
  const p = g.oh * g.ow;
  const gb = allocData(gOut instanceof Float32Array ? "f32" : "f64", g.o);
  for (let n = 0; n < g.n; n++) {
    for (let o = 0; o < g.o; o++) {
      const off = (n * g.o + o) * p;
      let s = 0;
      for (let q = 0; q < p; q++) s += gOut[off + q];
      gb[o] += s;
    }
  }
  return gb;
}
