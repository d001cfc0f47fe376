/**
 * Differentiable softmax, log-softmax and cross-entropy from logits. All three subtract the
 * running maximum before exponentiating, so large logits neither overflow nor lose the class
 * that dominates (the standard log-sum-exp trick).
 *
 * @module
 */
import { normalizeAxis } from "../reduce.ts";
import { allocData, assertTensor, shapeSize, shapeStr, Tensor } from "../tensor.ts";
import { type Indices, readIndices } from "./ops_shape.ts";
import { record } from "./tape.ts";

/** Options of {@link softmax} and {@link logSoftmax}. */
export interface SoftmaxOptions {
  /** Axis to normalise over (default -1, the last). */
  axis?: number;
}

/** Options of {@link softmax}: the axis, and attention's scale and causal mask fused in. */
export interface SoftmaxFusedOptions extends SoftmaxOptions {
  /**
   * Multiply `x` by this number first (default 1): attention's `1/√d`, without a pass of its
   * own and its own backward.
   */
  scale?: number;
  /**
   * Treat entries whose column index exceeds their row index (over the last two axes) as −∞:
   * the mask of causal attention, without building it (default false). Needs the last axis.
   */
  causal?: boolean;
}

const SOFTMAX_KEYS = new Set(["axis", "scale", "causal"]);

function checkSoftmaxOptions(x: Tensor, opts: SoftmaxFusedOptions): void {
  for (const key of Object.keys(opts)) {
    if (!SOFTMAX_KEYS.has(key)) throw new TypeError(`softmax: unknown option "${key}"`);
  }
  if (
    opts.scale !== undefined && (typeof opts.scale !== "number" || !Number.isFinite(opts.scale))
  ) {
    throw new TypeError(`softmax: scale must be a finite number, got ${String(opts.scale)}`);
  }
  if (opts.causal !== undefined && typeof opts.causal !== "boolean") {
    throw new TypeError(`softmax: causal must be a boolean, got ${String(opts.causal)}`);
  }
  if (
    opts.causal && (x.ndim < 2 || (opts.axis !== undefined && opts.axis !== -1 &&
      opts.axis !== x.ndim - 1))
  ) {
    throw new RangeError(
      `softmax: causal needs the last axis of an input with ≥ 2 axes, got shape ${
        shapeStr(x.shape)
      } and axis ${opts.axis}`,
    );
  }
}

/**
 * Softmax over the last axis of rows of length `n`, scaled by `c`, where row `r` keeps its first
 * `len(r)` entries (the rest are exact zeros): one exponential per kept entry.
 */
function rowsSoftmax(
  xd: Tensor["data"],
  y: Tensor["data"],
  rows: number,
  n: number,
  c: number,
  len: (r: number) => number,
): void {
  for (let r = 0, b = 0; r < rows; r++, b += n) {
    const used = len(r);
    let m = -Infinity;
    for (let k = 0; k < used; k++) m = Math.max(m, c * xd[b + k]);
    if (m === -Infinity || m !== m) {
      // All −∞ (0/0) or a NaN among the kept entries: NaN, as the general path gives.
      for (let k = 0; k < n; k++) y[b + k] = k < used ? NaN : 0;
      continue;
    }
    let z = 0;
    for (let k = 0; k < used; k++) {
      const e = Math.exp(c * xd[b + k] - m);
      y[b + k] = e;
      z += e;
    }
    for (let k = 0; k < used; k++) y[b + k] /= z;
    for (let k = used; k < n; k++) y[b + k] = 0;
  }
}

interface Layout {
  outer: number;
  n: number;
  inner: number;
}

function layout(fn: string, x: Tensor, axis: number): Layout {
  assertTensor(fn, "x", x);
  const ax = normalizeAxis(fn, axis, x.ndim);
  return {
    outer: shapeSize(x.shape.slice(0, ax)),
    n: x.shape[ax],
    inner: shapeSize(x.shape.slice(ax + 1)),
  };
}

/** Calls `f(base, stride)` for every line along the normalised axis. */
function eachLine(l: Layout, f: (base: number, stride: number) => void): void {
  for (let o = 0; o < l.outer; o++) {
    for (let j = 0; j < l.inner; j++) f(o * l.n * l.inner + j, l.inner);
  }
}

/**
 * The maximum `m` of one line and `s = Σ exp(x − m)`. Callers form `x − m − log s` rather than
 * `x − (m + log s)`, so that large logits do not cost digits: `x − m` is exact near the max.
 */
function lineMaxSum(x: Tensor["data"], base: number, stride: number, n: number): [number, number] {
  let m = -Infinity;
  for (let k = 0; k < n; k++) m = Math.max(m, x[base + k * stride]);
  if (m === -Infinity || m !== m) return [m, m === -Infinity ? 0 : NaN];
  let s = 0;
  for (let k = 0; k < n; k++) s += Math.exp(x[base + k * stride] - m);
  return [m, s];
}

/**
 * Softmax along `axis` (default last); differentiable (`dx = y ⊙ (g − Σ g⊙y)`).
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { softmax } from "./ops_softmax.ts";
 * console.log(softmax(tensor([0, 0])).data); // Float64Array [0.5, 0.5]
 * ```
 */
export function softmax(x: Tensor, opts: SoftmaxFusedOptions = {}): Tensor {
  const l = layout("softmax", x, opts.axis ?? -1);
  checkSoftmaxOptions(x, opts);
  const c = opts.scale ?? 1, causal = opts.causal ?? false;
  const y = allocData(x.dtype, x.size);
  const xd = x.data;
  if (l.inner === 1) {
    // Rows of the last axis; with `causal`, row r of each [T, n] matrix keeps r + 1 entries.
    const t = causal ? x.shape[x.ndim - 2] : 1;
    rowsSoftmax(xd, y, l.outer, l.n, c, causal ? (r) => Math.min(l.n, (r % t) + 1) : () => l.n);
  } else {
    eachLine(l, (b, s) => {
      let m = -Infinity;
      for (let k = 0; k < l.n; k++) m = Math.max(m, c * xd[b + k * s]);
      if (m === -Infinity || m !== m) {
        for (let k = 0; k < l.n; k++) y[b + k * s] = NaN;
        return;
      }
      let z = 0;
      for (let k = 0; k < l.n; k++) {
        const e = Math.exp(c * xd[b + k * s] - m);
        y[b + k * s] = e;
        z += e;
      }
      for (let k = 0; k < l.n; k++) y[b + k * s] /= z;
    });
  }
  const out = new Tensor(y, x.shape);
  return record("softmax", out, [x], (g) => {
    const gx = allocData(g.dtype, g.size);
    const gd = g.data;
    eachLine(l, (b, s) => {
      let dot = 0;
      for (let k = 0; k < l.n; k++) dot += gd[b + k * s] * y[b + k * s];
      for (let k = 0; k < l.n; k++) gx[b + k * s] = c * y[b + k * s] * (gd[b + k * s] - dot);
    });
    return [new Tensor(gx, g.shape)];
  });
}

/**
 * `log softmax(x)` along `axis`, computed as `x − logsumexp(x)`; differentiable
 * (`dx = g − softmax(x)·Σg`).
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { logSoftmax } from "./ops_softmax.ts";
 * console.log(logSoftmax(tensor([0, 0])).data[0].toFixed(4)); // "-0.6931"
 * ```
 */
export function logSoftmax(x: Tensor, opts: SoftmaxOptions = {}): Tensor {
  const l = layout("logSoftmax", x, opts.axis ?? -1);
  const y = allocData(x.dtype, x.size);
  const xd = x.data;
  eachLine(l, (b, s) => {
    const [m, z] = lineMaxSum(xd, b, s, l.n);
    const logZ = Math.log(z);
    for (let k = 0; k < l.n; k++) y[b + k * s] = xd[b + k * s] - m - logZ;
  });
  const out = new Tensor(y, x.shape);
  return record("logSoftmax", out, [x], (g) => {
    const gx = allocData(g.dtype, g.size);
    const gd = g.data;
    eachLine(l, (b, s) => {
      let tot = 0;
      for (let k = 0; k < l.n; k++) tot += gd[b + k * s];
      for (let k = 0; k < l.n; k++) gx[b + k * s] = gd[b + k * s] - Math.exp(y[b + k * s]) * tot;
    });
    return [new Tensor(gx, g.shape)];
  });
}

/** Options of {@link crossEntropy}. */
export interface CrossEntropyOptions {
  /** `"mean"` (default) over counted positions, `"sum"`, or `"none"` (one loss per position). */
  reduction?: "mean" | "sum" | "none";
  /**
   * A target value that marks a position to leave out (loss 0, no gradient, not counted in
   * the mean), as PyTorch's `ignore_index` (e.g. -100). Default: none.
   */
  ignoreIndex?: number;
}

/**
 * Cross-entropy of integer class `targets` under `logits` (`[..., C]`, classes on the last
 * axis): `logsumexp(x) − x[target]` per position, then reduced. Stable for any logits;
 * differentiable in `logits` (`(softmax − onehot)·g`).
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { crossEntropy } from "./ops_softmax.ts";
 * const loss = crossEntropy(tensor([[0, 0], [0, 0]]), [0, 1]);
 * console.log(loss.data[0].toFixed(4)); // "0.6931"
 * ```
 */
export function crossEntropy(
  logits: Tensor,
  targets: Indices,
  opts: CrossEntropyOptions = {},
): Tensor {
  assertTensor("crossEntropy", "logits", logits);
  if (logits.ndim < 1) throw new RangeError("crossEntropy: logits must have a class axis");
  const red = opts.reduction ?? "mean";
  if (red !== "mean" && red !== "sum" && red !== "none") {
    throw new RangeError(`crossEntropy: reduction must be mean, sum or none, got ${String(red)}`);
  }
  const c = logits.shape[logits.ndim - 1];
  const rowsShape = logits.shape.slice(0, -1);
  const rows = shapeSize(rowsShape);
  const ignore = opts.ignoreIndex;
  if (ignore !== undefined && (!Number.isInteger(ignore) || (ignore >= 0 && ignore < c))) {
    throw new RangeError(
      `crossEntropy: ignoreIndex must be an integer outside [0, ${c}), got ${ignore}`,
    );
  }
  const { flat } = readIndices("crossEntropy", "targets", targets, c, ignore);
  if (flat.length !== rows) {
    throw new RangeError(
      `crossEntropy: ${flat.length} targets for logits of shape ${shapeStr(logits.shape)}`,
    );
  }
  const xd = logits.data;
  const maxes = new Float64Array(rows), sums = new Float64Array(rows);
  const losses = allocData(logits.dtype, rows);
  let counted = 0;
  for (let r = 0; r < rows; r++) {
    if (flat[r] === ignore) continue;
    counted++;
    [maxes[r], sums[r]] = lineMaxSum(xd, r * c, 1, c);
    losses[r] = maxes[r] - xd[r * c + flat[r]] + Math.log(sums[r]);
  }
  const out = reduceLosses(losses, rowsShape, red, counted);
  return record("crossEntropy", out, [logits], (g) => {
    const gx = allocData(g.dtype, logits.size);
    for (let r = 0; r < rows; r++) {
      if (flat[r] === ignore) continue;
      const w = red === "none" ? g.data[r] : red === "mean" ? g.data[0] / counted : g.data[0];
      const wz = w / sums[r];
      for (let k = 0; k < c; k++) gx[r * c + k] = wz * Math.exp(xd[r * c + k] - maxes[r]);
      gx[r * c + flat[r]] -= w;
    }
    return [new Tensor(gx, logits.shape)];
  });
}

function reduceLosses(
  losses: Tensor["data"],
  shape: readonly number[],
  red: "mean" | "sum" | "none",
  counted: number,
): Tensor {
  if (red === "none") return new Tensor(losses, shape);
  let s = 0;
  for (let i = 0; i < losses.length; i++) s += losses[i];
  const out = allocData(losses instanceof Float32Array ? "f32" : "f64", 1);
  out[0] = red === "mean" ? s / counted : s; // no counted position: 0/0 = NaN, as PyTorch
  return new Tensor(out, []);
}
