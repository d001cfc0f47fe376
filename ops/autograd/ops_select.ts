/**
 * Differentiable selection and losses: `where` (elementwise choice with broadcasting), mean
 * squared error, and rotary position embedding (RoPE).
 *
 * @module
 */
import { broadcastShape } from "../elementwise.ts";
import { allocData, assertTensor, full, shapeStr, Tensor } from "../tensor.ts";
import { expandTo, sumToShape } from "./broadcast.ts";
import { assertSameShape } from "./ops_shape.ts";
import { record } from "./tape.ts";

/**
 * Elementwise `cond ? a : b`, where `cond` is a tensor whose non-zero entries mean true; all
 * three broadcast together (`a` or `b` may be numbers). Differentiable in `a` and `b`: the
 * gradient flows to whichever side was chosen.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { where } from "./ops_select.ts";
 * console.log(where(tensor([1, 0]), tensor([5, 6]), -1).data); // Float64Array [5, -1]
 * ```
 */
export function where(cond: Tensor, a: Tensor | number, b: Tensor | number): Tensor {
  assertTensor("where", "cond", cond);
  const dtype = a instanceof Tensor ? a.dtype : b instanceof Tensor ? b.dtype : cond.dtype;
  const ta = a instanceof Tensor ? a : full([], checkNum(a, "a"), { dtype });
  const tb = b instanceof Tensor ? b : full([], checkNum(b, "b"), { dtype });
  assertTensor("where", "a", ta);
  assertTensor("where", "b", tb);
  if (ta.dtype !== tb.dtype) {
    throw new TypeError(`where: dtypes differ: a is ${ta.dtype}, b is ${tb.dtype}`);
  }
  const shape = broadcastShape("where", broadcastShape("where", cond.shape, ta.shape), tb.shape);
  const c = expandTo(cond, shape).data, x = expandTo(ta, shape).data, y = expandTo(tb, shape).data;
  const out = allocData(dtype, c.length);
  for (let i = 0; i < c.length; i++) out[i] = c[i] !== 0 ? x[i] : y[i];
  return record("where", new Tensor(out, shape), [ta, tb], (g, need) => {
    const pick = (side: boolean, t: Tensor): Tensor => {
      const d = allocData(g.dtype, g.size);
      for (let i = 0; i < d.length; i++) d[i] = (c[i] !== 0) === side ? g.data[i] : 0;
      return sumToShape(new Tensor(d, shape), t.shape);
    };
    return [need[0] ? pick(true, ta) : null, need[1] ? pick(false, tb) : null];
  });
}

function checkNum(v: unknown, name: string): number {
  if (typeof v !== "number") {
    throw new TypeError(`where: ${name} must be a Tensor or a number, got ${String(v)}`);
  }
  return v;
}

/**
 * Mean squared error `mean((pred − target)²)` over all elements (equal shapes); differentiable
 * in both.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { mse } from "./ops_select.ts";
 * console.log(mse(tensor([1, 2]), tensor([1, 4])).data); // Float64Array [2]
 * ```
 */
export function mse(pred: Tensor, target: Tensor): Tensor {
  assertTensor("mse", "pred", pred);
  assertTensor("mse", "target", target);
  assertSameShape("mse", pred, target, "pred", "target");
  const p = pred.data, t = target.data;
  let s = 0;
  for (let i = 0; i < p.length; i++) s += (p[i] - t[i]) ** 2;
  const out = full([], s / p.length, { dtype: pred.dtype });
  return record("mse", out, [pred, target], (g, need) => {
    const d = allocData(pred.dtype, p.length);
    const k = (2 * g.data[0]) / p.length;
    for (let i = 0; i < d.length; i++) d[i] = k * (p[i] - t[i]);
    const gp = new Tensor(d, pred.shape);
    let gt: Tensor | null = null;
    if (need[1]) {
      const e = allocData(pred.dtype, p.length);
      for (let i = 0; i < e.length; i++) e[i] = -d[i];
      gt = new Tensor(e, target.shape);
    }
    return [need[0] ? gp : null, gt];
  });
}

/** Options of {@link rope}. */
export interface RopeOptions {
  /** Base of the frequencies `theta^(−2i/D)` (default 10000). */
  theta?: number;
  /** Position of the first row (default 0), for decoding after a cached prefix. */
  offset?: number;
}

/** `cos` and `sin` of `(offset + t)·theta^(−2i/D)` for t < T, i < D/2, row-major [T, D/2]. */
function ropeTables(t: number, d: number, theta: number, offset: number): Float64Array[] {
  const h = d / 2;
  const cos = new Float64Array(t * h), sin = new Float64Array(t * h);
  for (let i = 0; i < h; i++) {
    const f = Math.pow(theta, -(2 * i) / d);
    for (let p = 0; p < t; p++) {
      cos[p * h + i] = Math.cos((offset + p) * f);
      sin[p * h + i] = Math.sin((offset + p) * f);
    }
  }
  return [cos, sin];
}

/** Rotates every (i, i + D/2) pair of every row by its angle; `sgn = -1` rotates back. */
function rotate(
  x: Tensor["data"],
  out: Tensor["data"],
  t: number,
  d: number,
  tabs: Float64Array[],
  sgn: number,
): void {
  const h = d / 2, [cos, sin] = tabs;
  for (let r = 0; r < x.length / d; r++) {
    const o = r * d, p = (r % t) * h;
    for (let i = 0; i < h; i++) {
      const a = x[o + i], b = x[o + h + i], c = cos[p + i], s = sgn * sin[p + i];
      out[o + i] = a * c - b * s;
      out[o + h + i] = b * c + a * s;
    }
  }
}

/**
 * Rotary position embedding (Su et al., RoFormer, 2021) on `x` of shape `[..., T, D]` in the
 * "rotate half" pairing of transformers' Llama: features `i` and `i + D/2` of position `t` are
 * rotated by the angle `t·theta^(−2i/D)`. A rotation, so differentiable (the adjoint rotates
 * back).
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { rope } from "./ops_select.ts";
 * console.log(rope(tensor([[1, 0], [1, 0]])).data[2].toFixed(4)); // "0.5403"
 * ```
 */
export function rope(x: Tensor, opts: RopeOptions = {}): Tensor {
  assertTensor("rope", "x", x);
  const theta = opts.theta ?? 10000, offset = opts.offset ?? 0;
  if (x.ndim < 2 || x.shape[x.ndim - 1] % 2 !== 0) {
    throw new RangeError(`rope: x must be [..., T, D] with even D, got ${shapeStr(x.shape)}`);
  }
  if (!(theta > 0) || !Number.isInteger(offset) || offset < 0) {
    throw new RangeError(
      `rope: need theta > 0 and an integer offset >= 0, got ${theta}, ${offset}`,
    );
  }
  const d = x.shape[x.ndim - 1], t = x.shape[x.ndim - 2];
  const tabs = ropeTables(t, d, theta, offset);
  const out = allocData(x.dtype, x.size);
  rotate(x.data, out, t, d, tabs, 1);
  return record("rope", new Tensor(out, x.shape), [x], (g) => {
    const gx = allocData(g.dtype, g.size);
    rotate(g.data, gx, t, d, tabs, -1);
    return [new Tensor(gx, x.shape)];
  });
}
