/**
 * Pooling over the spatial axes of NCHW tensors: `maxPool2d`, `avgPool2d` (fixed windows) and
 * `adaptiveAvgPool2d` (windows chosen to give a requested output size), all differentiable.
 * Semantics follow PyTorch's `F.max_pool2d` / `F.avg_pool2d` (count_include_pad = True) /
 * `F.adaptive_avg_pool2d`. Spec: issue 12 §2.
 *
 * @module
 */
import { record } from "../autograd/tape.ts";
import { allocData, assertTensor, shapeStr, Tensor } from "../tensor.ts";
import type { ConvGeom } from "./im2col.ts";
import { assertNchw, checkKeys, outSize, type Pair, pair } from "./options.ts";

/**
 * Options of {@link maxPool2d} and {@link avgPool2d}.
 *
 * @example
 * ```ts
 * import type { Pool2dOptions } from "./pool.ts";
 * const o: Pool2dOptions = { kernel: 2, stride: 2 };
 * console.log(o.kernel); // 2
 * ```
 */
export interface Pool2dOptions {
  /** Window size, a number or `[h, w]` (required). */
  kernel: Pair;
  /** Step of the window (default: the kernel size). */
  stride?: Pair;
  /** Implicit padding on each side, at most half the kernel (default 0): −∞ for max, 0 for avg. */
  padding?: Pair;
}

function poolWindow(fn: string, x: Tensor, opts: Pool2dOptions): ConvGeom {
  assertTensor(fn, "x", x);
  checkKeys(fn, opts, ["kernel", "stride", "padding"]);
  assertNchw(fn, x);
  if (opts.kernel === undefined) throw new TypeError(`${fn}: the kernel option is required`);
  const [kh, kw] = pair(fn, "kernel", opts.kernel, 1, 1);
  const [sh, sw] = pair(fn, "stride", opts.stride ?? opts.kernel, 1, 1);
  const [ph, pw] = pair(fn, "padding", opts.padding, 0, 0);
  const shapes = `x ${shapeStr(x.shape)}, kernel ${kh}x${kw}`;
  if (2 * ph > kh || 2 * pw > kw) {
    throw new RangeError(`${fn}: padding ${ph}x${pw} is more than half the kernel; ${shapes}`);
  }
  const [n, c, h, w] = x.shape;
  const oh = outSize(fn, "H", h, kh, sh, ph, 1, shapes);
  const ow = outSize(fn, "W", w, kw, sw, pw, 1, shapes);
  return { n, c, h, w, kh, kw, sh, sw, ph, pw, dh: 1, dw: 1, oh, ow };
}

/**
 * Calls `body(out, y0, y1, x0, x1)` for every output element (flat index `out` over
 * `[n·c, oh, ow]`) with its window clipped to the input rows `[y0, y1)` and columns `[x0, x1)`,
 * given per output row/column by `rows(oy)` / `cols(ox)`; `plane` is the input plane offset.
 */
function eachWindow(
  planes: number,
  hw: number,
  oh: number,
  ow: number,
  rows: (oy: number) => [number, number],
  cols: (ox: number) => [number, number],
  body: (out: number, plane: number, y0: number, y1: number, x0: number, x1: number) => void,
): void {
  const rs = Array.from({ length: oh }, (_, i) => rows(i));
  const cs = Array.from({ length: ow }, (_, i) => cols(i));
  let out = 0;
  for (let pl = 0; pl < planes; pl++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++, out++) {
        body(out, pl * hw, rs[oy][0], rs[oy][1], cs[ox][0], cs[ox][1]);
      }
    }
  }
}

function fixedWindows(
  win: ConvGeom,
): [(oy: number) => [number, number], (ox: number) => [number, number]] {
  const clip = (o: number, s: number, p: number, k: number, size: number): [number, number] => {
    const start = o * s - p;
    return [Math.max(0, start), Math.min(size, start + k)];
  };
  return [
    (oy) => clip(oy, win.sh, win.ph, win.kh, win.h),
    (ox) => clip(ox, win.sw, win.pw, win.kw, win.w),
  ];
}

/**
 * Max over each window of each channel (padding counts as −∞, so it is never selected; a NaN
 * in a window gives NaN). The gradient flows to the first maximal element of each window.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { maxPool2d } from "./pool.ts";
 * const x = tensor([1, 5, 2, 0, 3, 4, 7, 1, 0, 8, 6, 2, 1, 1, 3, 9], { shape: [1, 1, 4, 4] });
 * console.log(maxPool2d(x, { kernel: 2 }).data); // Float64Array [5, 7, 8, 9]
 * ```
 */
export function maxPool2d(x: Tensor, opts: Pool2dOptions): Tensor {
  const win = poolWindow("maxPool2d", x, opts);
  const { n, c, h, w, oh, ow } = win;
  const out = allocData(x.dtype, n * c * oh * ow), arg = new Int32Array(out.length);
  const xd = x.data;
  const [rows, cols] = fixedWindows(win);
  eachWindow(n * c, h * w, oh, ow, rows, cols, (o, plane, y0, y1, x0, x1) => {
    let best = -Infinity, at = plane + y0 * w + x0;
    for (let y = y0; y < y1; y++) {
      for (let xx = x0; xx < x1; xx++) {
        const v = xd[plane + y * w + xx];
        if (v > best || (v !== v && best === best)) {
          best = v;
          at = plane + y * w + xx;
        }
      }
    }
    out[o] = best;
    arg[o] = at;
  });
  const res = new Tensor(out, [n, c, oh, ow]);
  return record("maxPool2d", res, [x], (g) => {
    const gx = allocData(x.dtype, x.size), gd = g.data;
    for (let o = 0; o < arg.length; o++) gx[arg[o]] += gd[o];
    return [new Tensor(gx, x.shape)];
  });
}

/** Mean over windows whose divisor is `div(y0, y1, x0, x1)`; the shared body of the avg pools. */
function avgPool(
  op: string,
  x: Tensor,
  outHw: [number, number],
  rows: (oy: number) => [number, number],
  cols: (ox: number) => [number, number],
  div: (y0: number, y1: number, x0: number, x1: number) => number,
): Tensor {
  const [n, c, h, w] = x.shape, [oh, ow] = outHw;
  const out = allocData(x.dtype, n * c * oh * ow), xd = x.data;
  eachWindow(n * c, h * w, oh, ow, rows, cols, (o, plane, y0, y1, x0, x1) => {
    let s = 0;
    for (let y = y0; y < y1; y++) {
      for (let xx = x0; xx < x1; xx++) s += xd[plane + y * w + xx];
    }
    out[o] = s / div(y0, y1, x0, x1);
  });
  const res = new Tensor(out, [n, c, oh, ow]);
  return record(op, res, [x], (g) => {
    const gx = allocData(x.dtype, x.size), gd = g.data;
    eachWindow(n * c, h * w, oh, ow, rows, cols, (o, plane, y0, y1, x0, x1) => {
      const v = gd[o] / div(y0, y1, x0, x1);
      for (let y = y0; y < y1; y++) {
        for (let xx = x0; xx < x1; xx++) gx[plane + y * w + xx] += v;
      }
    });
    return [new Tensor(gx, x.shape)];
  });
}

/**
 * Mean over each window of each channel; padding counts as zeros and the divisor is always
 * `kh·kw` (PyTorch's default `count_include_pad = True`).
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { avgPool2d } from "./pool.ts";
 * const x = tensor([1, 2, 3, 4], { shape: [1, 1, 2, 2] });
 * console.log(avgPool2d(x, { kernel: 2 }).data); // Float64Array [2.5]
 * console.log(avgPool2d(x, { kernel: 2, stride: 1, padding: 1 }).data[0]); // 0.25
 * ```
 */
export function avgPool2d(x: Tensor, opts: Pool2dOptions): Tensor {
  const win = poolWindow("avgPool2d", x, opts);
  const [rows, cols] = fixedWindows(win);
  const area = win.kh * win.kw;
  return avgPool("avgPool2d", x, [win.oh, win.ow], rows, cols, () => area);
}

/**
 * Mean pooling to a fixed output size `[oh, ow]` (a number for both): output row `i` averages
 * input rows `⌊i·H/oh⌋ … ⌈(i+1)·H/oh⌉ − 1` (columns alike), as PyTorch's
 * `adaptive_avg_pool2d`; `outputSize = 1` is global average pooling. Windows are equal and
 * disjoint when the output size divides the input size.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { adaptiveAvgPool2d } from "./pool.ts";
 * const x = tensor([1, 2, 3, 4, 5, 6], { shape: [1, 1, 2, 3] });
 * console.log(adaptiveAvgPool2d(x, 1).data); // Float64Array [3.5]
 * console.log(adaptiveAvgPool2d(x, [1, 3]).data); // Float64Array [2.5, 3.5, 4.5]
 * ```
 */
export function adaptiveAvgPool2d(x: Tensor, outputSize: Pair): Tensor {
  assertTensor("adaptiveAvgPool2d", "x", x);
  assertNchw("adaptiveAvgPool2d", x);
  const [oh, ow] = pair("adaptiveAvgPool2d", "outputSize", outputSize, 1, 1);
  const [, , h, w] = x.shape;
  if (h === 0 || w === 0) {
    throw new RangeError(`adaptiveAvgPool2d: x ${shapeStr(x.shape)} has no pixels to pool`);
  }
  const win = (size: number, outN: number) => (i: number): [number, number] => [
    Math.floor((i * size) / outN),
    Math.ceil(((i + 1) * size) / outN),
  ];
  return avgPool(
    "adaptiveAvgPool2d",
    x,
    [oh, ow],
    win(h, oh),
    win(w, ow),
    (y0, y1, x0, x1) => (y1 - y0) * (x1 - x0),
  );
}
