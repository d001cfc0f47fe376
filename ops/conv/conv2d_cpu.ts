/**
 * CPU kernels of `conv2d` and its backward: im2col + the strided GEMM per image and group, a
 * 1×1 path that hands the input planes to the GEMM as they are, and the direct depthwise loop
 * of `depthwise.ts`.
 *
 * @module
 */
import { gemm } from "../cpu/gemm.ts";
import { allocData, type TensorData } from "../tensor.ts";
import type { Conv2dGeom } from "./conv_geom.ts";
import { col2im, im2col } from "./im2col.ts";
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

/**
 * Runs `body(xOff, wOff, outOff, cols)` for every (image, group) pair, with `cols` the unfolded
 * input of that pair (or the input itself on the pointwise path, `colsOff = xOff`).
 */
function eachBlock(
  g: Conv2dGeom,
  x: TensorData,
  body: (xOff: number, wOff: number, outOff: number, cols: TensorData, colsOff: number) => void,
): void {
  const p = g.oh * g.ow, hw = g.h * g.w;
  const pointwise = conv2dPath(g) === "pointwise";
  const cols = pointwise ? x : allocData(x instanceof Float32Array ? "f32" : "f64", g.kSize * p);
  for (let n = 0; n < g.n; n++) {
    for (let gi = 0; gi < g.groups; gi++) {
      const xOff = (n * g.c + gi * g.cg) * hw;
      if (!pointwise) im2col(x, xOff, g.cg, g, cols);
      body(xOff, gi * g.og * g.kSize, (n * g.o + gi * g.og) * p, cols, pointwise ? xOff : 0);
    }
  }
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
  const p = g.oh * g.ow;
  const out = allocData(x instanceof Float32Array ? "f32" : "f64", g.n * g.o * p);
  if (conv2dPath(g) === "depthwise") depthwise(g, "forward", x, w, out);
  else {
    eachBlock(g, x, (_xOff, wOff, outOff, cols, colsOff) => {
      gemm({
        m: g.og,
        n: p,
        k: g.kSize,
        a: w,
        aOffset: wOff,
        lda: g.kSize,
        b: cols,
        bOffset: colsOff,
        ldb: p,
        c: out,
        cOffset: outOff,
        ldc: p,
      });
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
 * Gradient of the weight: `Σ_n gOut[n, group] · cols[n, group]ᵀ`.
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
  const p = g.oh * g.ow;
  const gw = allocData(x instanceof Float32Array ? "f32" : "f64", g.o * g.kSize);
  if (conv2dPath(g) === "depthwise") {
    depthwise(g, "gradWeight", gOut, x, gw);
    return gw;
  }
  eachBlock(g, x, (_xOff, wOff, outOff, cols, colsOff) => {
    gemm({
      m: g.og,
      n: g.kSize,
      k: p,
      a: gOut,
      aOffset: outOff,
      lda: p,
      b: cols,
      bOffset: colsOff,
      ldb: p,
      transB: true,
      c: gw,
      cOffset: wOff,
      ldc: g.kSize,
      beta: 1,
    });
  });
  return gw;
}

/**
 * Gradient of the input: `col2im(wᵀ · gOut)` per image and group.
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
  const p = g.oh * g.ow, hw = g.h * g.w;
  const dtype = w instanceof Float32Array ? "f32" : "f64";
  const gx = allocData(dtype, g.n * g.c * hw);
  const path = conv2dPath(g);
  if (path === "depthwise") {
    depthwise(g, "gradInput", gOut, w, gx);
    return gx;
  }
  const cols = path === "pointwise" ? gx : allocData(dtype, g.kSize * p);
  for (let n = 0; n < g.n; n++) {
    for (let gi = 0; gi < g.groups; gi++) {
      const xOff = (n * g.c + gi * g.cg) * hw;
      gemm({
        m: g.kSize,
        n: p,
        k: g.og,
        a: w,
        aOffset: gi * g.og * g.kSize,
        lda: g.kSize,
        transA: true,
        b: gOut,
        bOffset: (n * g.o + gi * g.og) * p,
        ldb: p,
        c: cols,
        cOffset: path === "pointwise" ? xOff : 0,
        ldc: p,
      });
      if (path !== "pointwise") col2im(cols, gx, xOff, g.cg, g);
    }
  }
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
