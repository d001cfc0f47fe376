/**
 * The checked geometry of `conv2d`: parses the options and validates input, weight and bias
 * shapes, shared by the CPU and GPU paths so that both reject the same bad input with the same
 * message.
 *
 * @module
 */
import { shapeStr } from "../tensor.ts";
import type { ConvGeom } from "./im2col.ts";
import { checkKeys, outSize, type Pair, pair } from "./options.ts";

/** Options of `conv2d` that shape the computation (the bias tensor aside). */
export interface Conv2dShapeOptions {
  /** Step of the window, a number or `[h, w]` (default 1). */
  stride?: Pair;
  /** Zero padding on each side, a number or `[h, w]` (default 0). */
  padding?: Pair;
  /** Spacing of the kernel taps, a number or `[h, w]` (default 1). */
  dilation?: Pair;
  /** Channel groups: input and output channels are split into `groups` independent convolutions (default 1). */
  groups?: number;
}

/**
 * A convolution's full geometry: the window, the channel grouping and the output shape.
 *
 * @example
 * ```ts
 * import { conv2dGeom } from "./conv_geom.ts";
 * const g = conv2dGeom("conv2d", [2, 4, 8, 8], [6, 2, 3, 3], undefined, { groups: 2, padding: 1 });
 * console.log(g.outShape, g.cg, g.og, g.kSize); // [2, 6, 8, 8] 2 3 18
 * ```
 */
export interface Conv2dGeom extends ConvGeom {
  /** Output channels. */
  o: number;
  /** Channel groups. */
  groups: number;
  /** Input channels per group. */
  cg: number;
  /** Output channels per group. */
  og: number;
  /** Taps per output value: `cg·kh·kw` (the GEMM's inner dimension). */
  kSize: number;
  /** `[n, o, oh, ow]`. */
  outShape: [number, number, number, number];
}

/** The option keys `conv2d` accepts. */
export const CONV2D_KEYS: readonly string[] = ["stride", "padding", "dilation", "groups", "bias"];

/**
 * Validates `conv2d`'s operands and options (shapes only) and returns the geometry. Unknown
 * option keys are TypeErrors; bad shapes, channel/group mismatches, negative padding,
 * non-integer strides and a kernel larger than the padded input are RangeErrors naming the
 * shapes.
 *
 * @example
 * ```ts
 * import { conv2dGeom } from "./conv_geom.ts";
 * console.log(conv2dGeom("conv2d", [1, 3, 5, 5], [4, 3, 3, 3], [4], { stride: 2 }).outShape); // [1, 4, 2, 2]
 * ```
 */
export function conv2dGeom(
  fn: string,
  xShape: readonly number[],
  wShape: readonly number[],
  biasShape: readonly number[] | undefined,
  opts: Conv2dShapeOptions & { bias?: unknown },
): Conv2dGeom {
  checkKeys(fn, opts, CONV2D_KEYS);
  const shapes = `x ${shapeStr(xShape)}, weight ${shapeStr(wShape)}`;
  if (xShape.length !== 4) throw new RangeError(`${fn}: x must be [N, C, H, W]; ${shapes}`);
  if (wShape.length !== 4) {
    throw new RangeError(`${fn}: weight must be [O, C/groups, kh, kw]; ${shapes}`);
  }
  const [sh, sw] = pair(fn, "stride", opts.stride, 1, 1);
  const [ph, pw] = pair(fn, "padding", opts.padding, 0, 0);
  const [dh, dw] = pair(fn, "dilation", opts.dilation, 1, 1);
  const groups = opts.groups ?? 1;
  if (typeof groups !== "number") {
    throw new TypeError(`${fn}: groups must be a number, got ${typeof groups}`);
  }
  if (!Number.isInteger(groups) || groups < 1) {
    throw new RangeError(`${fn}: groups must be a positive integer, got ${groups}`);
  }
  const [n, c, h, w] = xShape, [o, cg, kh, kw] = wShape;
  if (c % groups !== 0 || o % groups !== 0) {
    throw new RangeError(
      `${fn}: groups = ${groups} must divide the ${c} input and ${o} output channels; ${shapes}`,
    );
  }
  if (cg !== c / groups) {
    throw new RangeError(
      `${fn}: weight takes ${cg} channels per group but x has ${c} channels in ${groups} group(s); ${shapes}`,
    );
  }
  if (kh < 1 || kw < 1 || o < 1) throw new RangeError(`${fn}: empty kernel; ${shapes}`);
  if (biasShape !== undefined && (biasShape.length !== 1 || biasShape[0] !== o)) {
    throw new RangeError(`${fn}: bias must be [${o}], got ${shapeStr(biasShape)}; ${shapes}`);
  }
  const oh = outSize(fn, "H", h, kh, sh, ph, dh, shapes);
  const ow = outSize(fn, "W", w, kw, sw, pw, dw, shapes);
  return {
    n,
    c,
    h,
    w,
    kh,
    kw,
    sh,
    sw,
    ph,
    pw,
    dh,
    dw,
    oh,
    ow,
    o,
    groups,
    cg,
    og: o / groups,
    kSize: cg * kh * kw,
    outShape: [n, o, oh, ow],
  };
}
