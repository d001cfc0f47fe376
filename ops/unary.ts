/**
 * Elementwise unary functions on the CPU: exp, log, sqrt, square, abs, sign, tanh, sigmoid,
 * relu, gelu, silu, erf and pow with a scalar exponent. Every function returns a new tensor of
 * the same shape and dtype; the differentiable versions live in `ops/autograd/ops.ts`.
 *
 * @module
 */
import { allocData, assertTensor, Tensor, type TensorData } from "./tensor.ts";

/**
 * Validates `a` and allocates the output. Every op then runs its own loop: a shared loop that
 * calls a per-op closure turns megamorphic and costs a real call per element (~20× slower).
 */
function prepare(fn: string, a: Tensor): [TensorData, TensorData] {
  assertTensor(fn, "a", a);
  return [a.data, allocData(a.dtype, a.size)];
}

/**
 * `-a`.
 *
 * @example
 * ```ts
 * import { tensor } from "./tensor.ts";
 * import { neg } from "./unary.ts";
 * console.log(neg(tensor([1, -2])).data); // Float64Array [-1, 2]
 * ```
 */
export function neg(a: Tensor): Tensor {
  const [x, out] = prepare("neg", a);
  for (let i = 0; i < x.length; i++) out[i] = -x[i];
  return new Tensor(out, a.shape);
}

/**
 * `e^a`.
 *
 * @example
 * ```ts
 * import { tensor } from "./tensor.ts";
 * import { exp } from "./unary.ts";
 * console.log(exp(tensor([0])).data); // Float64Array [1]
 * ```
 */
export function exp(a: Tensor): Tensor {
  const [x, out] = prepare("exp", a);
  for (let i = 0; i < x.length; i++) out[i] = Math.exp(x[i]);
  return new Tensor(out, a.shape);
}

/**
 * Natural logarithm (IEEE: `log(0) = -Infinity`, negative input gives NaN).
 *
 * @example
 * ```ts
 * import { tensor } from "./tensor.ts";
 * import { log } from "./unary.ts";
 * console.log(log(tensor([1])).data); // Float64Array [0]
 * ```
 */
export function log(a: Tensor): Tensor {
  const [x, out] = prepare("log", a);
  for (let i = 0; i < x.length; i++) out[i] = Math.log(x[i]);
  return new Tensor(out, a.shape);
}

/**
 * Square root (negative input gives NaN).
 *
 * @example
 * ```ts
 * import { tensor } from "./tensor.ts";
 * import { sqrt } from "./unary.ts";
 * console.log(sqrt(tensor([4, 9])).data); // Float64Array [2, 3]
 * ```
 */
export function sqrt(a: Tensor): Tensor {
  const [x, out] = prepare("sqrt", a);
  for (let i = 0; i < x.length; i++) out[i] = Math.sqrt(x[i]);
  return new Tensor(out, a.shape);
}

/**
 * `a²`.
 *
 * @example
 * ```ts
 * import { tensor } from "./tensor.ts";
 * import { square } from "./unary.ts";
 * console.log(square(tensor([-3])).data); // Float64Array [9]
 * ```
 */
export function square(a: Tensor): Tensor {
  const [x, out] = prepare("square", a);
  for (let i = 0; i < x.length; i++) out[i] = x[i] * x[i];
  return new Tensor(out, a.shape);
}

/**
 * `|a|`.
 *
 * @example
 * ```ts
 * import { tensor } from "./tensor.ts";
 * import { abs } from "./unary.ts";
 * console.log(abs(tensor([-2, 3])).data); // Float64Array [2, 3]
 * ```
 */
export function abs(a: Tensor): Tensor {
  const [x, out] = prepare("abs", a);
  for (let i = 0; i < x.length; i++) out[i] = Math.abs(x[i]);
  return new Tensor(out, a.shape);
}

/**
 * Sign: -1, 0 or 1 (`sign(0) = 0`; NaN stays NaN).
 *
 * @example
 * ```ts
 * import { tensor } from "./tensor.ts";
 * import { sign } from "./unary.ts";
 * console.log(sign(tensor([-2, 0, 5])).data); // Float64Array [-1, 0, 1]
 * ```
 */
export function sign(a: Tensor): Tensor {
  const [x, out] = prepare("sign", a);
  for (let i = 0; i < x.length; i++) out[i] = x[i] > 0 ? 1 : x[i] < 0 ? -1 : x[i] === 0 ? 0 : NaN;
  return new Tensor(out, a.shape);
}

/**
 * Hyperbolic tangent.
 *
 * @example
 * ```ts
 * import { tensor } from "./tensor.ts";
 * import { tanh } from "./unary.ts";
 * console.log(tanh(tensor([0])).data); // Float64Array [0]
 * ```
 */
export function tanh(a: Tensor): Tensor {
  const [x, out] = prepare("tanh", a);
  for (let i = 0; i < x.length; i++) out[i] = Math.tanh(x[i]);
  return new Tensor(out, a.shape);
}

/**
 * Logistic function of one number, written so that neither branch overflows.
 *
 * @example
 * ```ts
 * import { sigmoidScalar } from "./unary.ts";
 * console.log(sigmoidScalar(0)); // 0.5
 * ```
 */
export function sigmoidScalar(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/**
 * Logistic sigmoid `1 / (1 + e^-a)`, stable for large |a|.
 *
 * @example
 * ```ts
 * import { tensor } from "./tensor.ts";
 * import { sigmoid } from "./unary.ts";
 * console.log(sigmoid(tensor([0])).data); // Float64Array [0.5]
 * ```
 */
export function sigmoid(a: Tensor): Tensor {
  const [x, out] = prepare("sigmoid", a);
  for (let i = 0; i < x.length; i++) out[i] = sigmoidScalar(x[i]);
  return new Tensor(out, a.shape);
}

/**
 * Rectified linear unit `max(a, 0)`.
 *
 * @example
 * ```ts
 * import { tensor } from "./tensor.ts";
 * import { relu } from "./unary.ts";
 * console.log(relu(tensor([-1, 2])).data); // Float64Array [0, 2]
 * ```
 */
export function relu(a: Tensor): Tensor {
  const [x, out] = prepare("relu", a);
  for (let i = 0; i < x.length; i++) out[i] = x[i] > 0 ? x[i] : x[i] === x[i] ? 0 : NaN;
  return new Tensor(out, a.shape);
}

/**
 * SiLU (swish) `a · sigmoid(a)`, the activation of Llama's gated MLP (Elfwing et al. 2018).
 *
 * @example
 * ```ts
 * import { tensor } from "./tensor.ts";
 * import { silu } from "./unary.ts";
 * console.log(silu(tensor([0])).data); // Float64Array [0]
 * ```
 */
export function silu(a: Tensor): Tensor {
  return siluAndSigmoid(a).out;
}

/**
 * SiLU and the sigmoid it multiplies by, from one exponential per element: the autograd's
 * backward reuses the sigmoid instead of computing it again. `1/(1 + e^-x)` needs no branch in
 * floating point: for very negative x, e^-x is +Infinity and the quotient is 0, as it should be.
 *
 * @example
 * ```ts
 * import { tensor } from "./tensor.ts";
 * import { siluAndSigmoid } from "./unary.ts";
 * console.log(siluAndSigmoid(tensor([0])).sigmoid.data); // Float64Array [0.5]
 * ```
 */
export function siluAndSigmoid(a: Tensor): { out: Tensor; sigmoid: Tensor } {
  const [x, out] = prepare("silu", a);
  const sig = allocData(a.dtype, x.length);
  for (let i = 0; i < x.length; i++) {
    const s = 1 / (1 + Math.exp(-x[i]));
    sig[i] = s;
    out[i] = x[i] * s;
  }
  return { out: new Tensor(out, a.shape), sigmoid: new Tensor(sig, a.shape) };
}

const TWO_OVER_SQRT_PI = 1.1283791670955126;

/**
 * The error function to double precision. For |x| < 2.5 the series
 * `erf x = 2/√π · e^{-x²} · Σ 2ⁿ x^{2n+1} / (1·3·…·(2n+1))` has only positive terms (no
 * cancellation); beyond, the continued fraction of erfc converges in a few dozen terms.
 *
 * @example
 * ```ts
 * import { erfScalar } from "./unary.ts";
 * console.log(erfScalar(0), erfScalar(Infinity)); // 0 1
 * ```
 */
export function erfScalar(x: number): number {
  if (x !== x) return NaN;
  const ax = Math.abs(x);
  if (ax >= 6) return x > 0 ? 1 : -1;
  if (ax < 2.5) {
    const x2 = x * x;
    let term = x, sum = x;
    for (let n = 1; n < 200; n++) {
      term *= (2 * x2) / (2 * n + 1);
      sum += term;
      if (Math.abs(term) < 1e-17 * Math.abs(sum)) break;
    }
    return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
  }
  const r = 1 - erfcContinuedFraction(ax);
  return x > 0 ? r : -r;
}

/**
 * erfc(x) for x ≥ 1.5 by the modified Lentz evaluation of its continued fraction (~90 terms at
 * 1.5, ~40 at 2.5).
 */
function erfcContinuedFraction(x: number): number {
  // erfc x = e^{-x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …)))))
  const tiny = 1e-300;
  let f = x, c = x, d = 0;
  for (let n = 1; n < 300; n++) {
    const an = n / 2;
    d = x + an * d;
    d = d === 0 ? tiny : d;
    c = x + an / c;
    c = c === 0 ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / (f * Math.sqrt(Math.PI));
}

/**
 * The error function `erf(a)`, accurate to double precision.
 *
 * @example
 * ```ts
 * import { tensor } from "./tensor.ts";
 * import { erf } from "./unary.ts";
 * console.log(erf(tensor([0])).data); // Float64Array [0]
 * ```
 */
export function erf(a: Tensor): Tensor {
  const [x, out] = prepare("erf", a);
  for (let i = 0; i < x.length; i++) out[i] = erfScalar(x[i]);
  return new Tensor(out, a.shape);
}

/** Options of {@link gelu}. */
export interface GeluOptions {
  /** `"none"` (default): exact `x·Φ(x)`; `"tanh"`: the tanh approximation of GPT-2/BERT. */
  approximate?: "none" | "tanh";
}

const SQRT_HALF = Math.SQRT1_2;
const GELU_C = Math.sqrt(2 / Math.PI);

/**
 * The standard normal CDF `Φ(x)` of one number, to double precision in both tails: for
 * `x ≤ −1.5√2` it is `erfc(−x/√2)/2` from the continued fraction, since `1 + erf(x/√2)` would
 * cancel there (relative error ~u/Φ(x): 1e-12 at x = −3.5, 10% at −8, and 0 instead of ~1e-17
 * below −8.5).
 *
 * @example
 * ```ts
 * import { normalCdfScalar } from "./unary.ts";
 * console.log(normalCdfScalar(0), normalCdfScalar(-10).toExponential(4)); // 0.5 "7.6199e-24"
 * ```
 */
export function normalCdfScalar(x: number): number {
  const z = -x * SQRT_HALF;
  if (z >= 1.5) return z > 27 ? 0 : 0.5 * erfcContinuedFraction(z); // erfc(27) < 1e-318
  return 0.5 * (1 + erfScalar(x * SQRT_HALF));
}

/**
 * Exact GELU `x·Φ(x)` of one number (accurate in the left tail too, see
 * {@link normalCdfScalar}).
 *
 * @example
 * ```ts
 * import { geluScalar } from "./unary.ts";
 * console.log(geluScalar(0)); // 0
 * ```
 */
export function geluScalar(x: number): number {
  return x * normalCdfScalar(x);
}

/**
 * Tanh-approximated GELU of one number.
 *
 * @example
 * ```ts
 * import { geluTanhScalar } from "./unary.ts";
 * console.log(geluTanhScalar(0)); // 0
 * ```
 */
export function geluTanhScalar(x: number): number {
  return 0.5 * x * (1 + Math.tanh(GELU_C * (x + 0.044715 * x * x * x)));
}

/**
 * Checks the `approximate` option of the GELU front ends and returns it.
 *
 * @example
 * ```ts
 * import { geluMode } from "./unary.ts";
 * console.log(geluMode("gelu", {})); // "none"
 * ```
 */
export function geluMode(fn: string, opts: GeluOptions): "none" | "tanh" {
  const m = opts.approximate ?? "none";
  if (m !== "none" && m !== "tanh") {
    throw new RangeError(`${fn}: approximate must be "none" or "tanh", got ${String(m)}`);
  }
  return m;
}

/**
 * GELU (Hendrycks & Gimpel 2016): `x·Φ(x)`, or its tanh approximation.
 *
 * @example
 * ```ts
 * import { tensor } from "./tensor.ts";
 * import { gelu } from "./unary.ts";
 * console.log(gelu(tensor([0])).data); // Float64Array [0]
 * ```
 */
export function gelu(a: Tensor, opts: GeluOptions = {}): Tensor {
  const mode = geluMode("gelu", opts);
  const [x, out] = prepare("gelu", a);
  if (mode === "tanh") {
    for (let i = 0; i < x.length; i++) out[i] = geluTanhScalar(x[i]);
  } else {
    for (let i = 0; i < x.length; i++) out[i] = geluScalar(x[i]);
  }
  return new Tensor(out, a.shape);
}

/**
 * `a^p` for a number `p` (IEEE `Math.pow` semantics: a negative base with a fractional
 * exponent gives NaN).
 *
 * @example
 * ```ts
 * import { tensor } from "./tensor.ts";
 * import { pow } from "./unary.ts";
 * console.log(pow(tensor([2, 3]), 2).data); // Float64Array [4, 9]
 * ```
 */
export function pow(a: Tensor, p: number): Tensor {
  if (typeof p !== "number") throw new TypeError(`pow: p must be a number, got ${String(p)}`);
  const [x, out] = prepare("pow", a);
  if (p === 2) {
    for (let i = 0; i < x.length; i++) out[i] = x[i] * x[i];
  } else {
    for (let i = 0; i < x.length; i++) out[i] = Math.pow(x[i], p);
  }
  return new Tensor(out, a.shape);
}
