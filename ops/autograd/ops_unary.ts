/**
 * Differentiable elementwise functions: exp, log, sqrt, square, abs, sign, tanh, sigmoid, relu,
 * gelu, silu, pow. Each backward is one fused loop over the output gradient and a saved value.
 *
 * @module
 */
import * as un from "../unary.ts";
import { broadcastShape } from "../elementwise.ts";
import { allocData, assertTensor, astype as castRaw, type DType, Tensor } from "../tensor.ts";
import { expandTo, sumToShape } from "./broadcast.ts";
import { record } from "./tape.ts";

type Data = Tensor["data"];

/**
 * Runs `body(g, s, out)` once over the gradient `g`, a saved tensor `s` of the same shape and a
 * fresh output. Each op passes its own loop: a per-element callback shared by all ops would be
 * megamorphic (a real call per element).
 */
function zip(g: Tensor, s: Tensor, body: (g: Data, s: Data, out: Data) => void): Tensor {
  const out = allocData(g.dtype, g.size);
  body(g.data, s.data, out);
  return new Tensor(out, g.shape);
}

/**
 * `e^a`; differentiable (`d/da = e^a`).
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { exp } from "./ops_unary.ts";
 * console.log(exp(tensor([0])).data); // Float64Array [1]
 * ```
 */
export function exp(a: Tensor): Tensor {
  const out = un.exp(a);
  return record("exp", out, [a], (g) => [zip(g, out, (G, S, o) => {
    for (let i = 0; i < o.length; i++) o[i] = G[i] * S[i];
  })]);
}

/**
 * Natural log; differentiable (`d/da = 1/a`).
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { log } from "./ops_unary.ts";
 * console.log(log(tensor([1])).data); // Float64Array [0]
 * ```
 */
export function log(a: Tensor): Tensor {
  const out = un.log(a);
  return record("log", out, [a], (g) => [zip(g, a, (G, S, o) => {
    for (let i = 0; i < o.length; i++) o[i] = G[i] / S[i];
  })]);
}

/**
 * Square root; differentiable (`d/da = 1/(2√a)`).
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { sqrt } from "./ops_unary.ts";
 * console.log(sqrt(tensor([4])).data); // Float64Array [2]
 * ```
 */
export function sqrt(a: Tensor): Tensor {
  const out = un.sqrt(a);
  return record("sqrt", out, [a], (g) => [zip(g, out, (G, S, o) => {
    for (let i = 0; i < o.length; i++) o[i] = (0.5 * G[i]) / S[i];
  })]);
}

/**
 * `a²`; differentiable.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { square } from "./ops_unary.ts";
 * console.log(square(tensor([3])).data); // Float64Array [9]
 * ```
 */
export function square(a: Tensor): Tensor {
  const out = un.square(a);
  return record("square", out, [a], (g) => [zip(g, a, (G, S, o) => {
    for (let i = 0; i < o.length; i++) o[i] = 2 * G[i] * S[i];
  })]);
}

/**
 * `|a|`; differentiable with the subgradient `sign(a)` (0 at 0).
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { abs } from "./ops_unary.ts";
 * console.log(abs(tensor([-2])).data); // Float64Array [2]
 * ```
 */
export function abs(a: Tensor): Tensor {
  const out = un.abs(a);
  return record("abs", out, [a], (g) => [zip(g, a, (G, S, o) => {
    for (let i = 0; i < o.length; i++) o[i] = S[i] > 0 ? G[i] : S[i] < 0 ? -G[i] : 0;
  })]);
}

/**
 * Sign (`sign(0) = 0`); its gradient is zero everywhere (it is piecewise constant).
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { sign } from "./ops_unary.ts";
 * console.log(sign(tensor([-3, 0])).data); // Float64Array [-1, 0]
 * ```
 */
export function sign(a: Tensor): Tensor {
  const out = un.sign(a);
  return record("sign", out, [a], (g) => [new Tensor(allocData(g.dtype, g.size), g.shape)]);
}

/**
 * Hyperbolic tangent; differentiable (`d/da = 1 - tanh²a`).
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { tanh } from "./ops_unary.ts";
 * console.log(tanh(tensor([0])).data); // Float64Array [0]
 * ```
 */
export function tanh(a: Tensor): Tensor {
  const out = un.tanh(a);
  return record("tanh", out, [a], (g) => [zip(g, out, (G, S, o) => {
    for (let i = 0; i < o.length; i++) o[i] = G[i] * (1 - S[i] * S[i]);
  })]);
}

/**
 * Logistic sigmoid; differentiable (`d/da = σ(1-σ)`).
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { sigmoid } from "./ops_unary.ts";
 * console.log(sigmoid(tensor([0])).data); // Float64Array [0.5]
 * ```
 */
export function sigmoid(a: Tensor): Tensor {
  const out = un.sigmoid(a);
  return record("sigmoid", out, [a], (g) => [zip(g, out, (G, S, o) => {
    for (let i = 0; i < o.length; i++) o[i] = G[i] * S[i] * (1 - S[i]);
  })]);
}

/**
 * ReLU; differentiable with derivative 1 for `a > 0` and 0 otherwise (0 at 0, as PyTorch).
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { relu } from "./ops_unary.ts";
 * console.log(relu(tensor([-1, 1])).data); // Float64Array [0, 1]
 * ```
 */
export function relu(a: Tensor): Tensor {
  const out = un.relu(a);
  return record("relu", out, [a], (g) => [zip(g, a, (G, S, o) => {
    for (let i = 0; i < o.length; i++) o[i] = S[i] > 0 ? G[i] : 0;
  })]);
}

/**
 * SiLU `a·σ(a)`; differentiable (`d/da = σ(a)(1 + a(1-σ(a)))`). Elfwing et al. 2018.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { silu } from "./ops_unary.ts";
 * console.log(silu(tensor([0])).data); // Float64Array [0]
 * ```
 */
export function silu(a: Tensor): Tensor {
  const { out, sigmoid } = un.siluAndSigmoid(a);
  const x = a.data;
  return record("silu", out, [a], (g) => [
    zip(g, sigmoid, (G, S, o) => {
      for (let i = 0; i < o.length; i++) o[i] = G[i] * S[i] * (1 + x[i] * (1 - S[i]));
    }),
  ]);
}

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const GELU_C = Math.sqrt(2 / Math.PI);

function geluGrad(x: number): number {
  return un.normalCdfScalar(x) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x);
}

function geluTanhGrad(x: number): number {
  const u = GELU_C * (x + 0.044715 * x * x * x);
  const t = Math.tanh(u);
  return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * GELU_C * (1 + 3 * 0.044715 * x * x);
}

/**
 * GELU (Hendrycks & Gimpel 2016), exact `x·Φ(x)` or the tanh approximation; differentiable.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { gelu } from "./ops_unary.ts";
 * console.log(gelu(tensor([0]), { approximate: "tanh" }).data); // Float64Array [0]
 * ```
 */
export function gelu(a: Tensor, opts: un.GeluOptions = {}): Tensor {
  const out = un.gelu(a, opts);
  const d = un.geluMode("gelu", opts) === "tanh" ? geluTanhGrad : geluGrad;
  return record("gelu", out, [a], (g) => [zip(g, a, (G, S, o) => {
    for (let i = 0; i < o.length; i++) o[i] = G[i] * d(S[i]);
  })]);
}

/**
 * `a^p` elementwise, for a number `p` or a tensor `p` broadcast against `a`; differentiable in
 * `a` (`p·a^(p−1)`) and in a tensor `p` (`a^p·log a`, defined for `a > 0`).
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { pow } from "./ops_unary.ts";
 * console.log(pow(tensor([3]), 2).data, pow(tensor([2, 3]), tensor([3])).data); // Float64Array [9] Float64Array [8, 27]
 * ```
 */
export function pow(a: Tensor, p: number | Tensor): Tensor {
  if (!(p instanceof Tensor)) {
    const out = un.pow(a, p);
    return record("pow", out, [a], (g) => [
      zip(g, a, (G, S, o) => {
        for (let i = 0; i < o.length; i++) o[i] = p === 0 ? 0 : G[i] * p * Math.pow(S[i], p - 1);
      }),
    ]);
  }
  assertTensor("pow", "a", a);
  if (a.dtype !== p.dtype) {
    throw new TypeError(`pow: dtypes differ: a is ${a.dtype}, p is ${p.dtype}`);
  }
  const shape = broadcastShape("pow", a.shape, p.shape);
  const x = expandTo(a, shape).data, e = expandTo(p, shape).data;
  const y = allocData(a.dtype, x.length);
  for (let i = 0; i < y.length; i++) y[i] = Math.pow(x[i], e[i]);
  return record("pow", new Tensor(y, shape), [a, p], (g, need) => {
    const gd = g.data;
    const ga = allocData(g.dtype, gd.length), gp = allocData(g.dtype, gd.length);
    for (let i = 0; i < gd.length; i++) {
      ga[i] = e[i] === 0 ? 0 : gd[i] * e[i] * Math.pow(x[i], e[i] - 1);
      gp[i] = y[i] === 0 ? 0 : gd[i] * y[i] * Math.log(x[i]);
    }
    return [
      need[0] ? sumToShape(new Tensor(ga, shape), a.shape) : null,
      need[1] ? sumToShape(new Tensor(gp, shape), p.shape) : null,
    ];
  });
}

/**
 * The error function; differentiable (`d/da = 2/√π · e^(−a²)`).
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { erf } from "./ops_unary.ts";
 * console.log(erf(tensor([0])).data); // Float64Array [0]
 * ```
 */
export function erf(a: Tensor): Tensor {
  const out = un.erf(a);
  return record("erf", out, [a], (g) => [zip(g, a, (G, X, o) => {
    for (let i = 0; i < o.length; i++) {
      o[i] = G[i] * (2 / Math.sqrt(Math.PI)) * Math.exp(-X[i] * X[i]);
    }
  })]);
}

/**
 * A copy of `t` with dtype `dtype`; differentiable (the gradient is cast back to `t`'s dtype).
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { astype } from "./ops_unary.ts";
 * console.log(astype(tensor([1.5]), "f32").dtype); // "f32"
 * ```
 */
export function astype(t: Tensor, dtype: DType): Tensor {
  const out = castRaw(t, dtype);
  return record("astype", out, [t], (g) => [castRaw(g, t.dtype)]);
}
