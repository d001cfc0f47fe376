/**
 * MoLE — Mixture of Low-rank Experts for human-centric text-to-image diffusion (Zhu et al.,
 * NeurIPS 2024, arXiv 2410.23332). Spec: `specs/adapters.md` §13.
 *
 * Frozen LoRA experts `E_i(x) = s_i B_i A_i x` are mixed per adapted layer by soft gates: a
 * per-token local gate `ℓ_t = sigmoid(Φ x_t + c) ∈ (0,1)^n` (independent sigmoids, not a
 * softmax) and a per-sample global gate per expert `g_i = sigmoid(w_iᵀ mean_t E_i(x_t) + b_i)`;
 * `y_t = W x_t + b + Σ_i ℓ_{t,i} g_i E_i(x_t)`. Stage 3 trains only the gates. Not mergeable
 * (gates depend on the input); a single expert can be merged with a fixed weight.
 *
 * @module
 */
import { add, mul } from "../../ops/autograd/ops_arith.ts";
import { matmul } from "../../ops/autograd/ops_matmul.ts";
import { mean } from "../../ops/autograd/ops_reduce.ts";
import { concat, reshape, sliceCols, sliceRows } from "../../ops/autograd/ops_shape.ts";
import { sigmoid } from "../../ops/autograd/ops_unary.ts";
import type { Rng } from "../../ops/random.ts";
import { transpose as transposeT } from "../../ops/shape.ts";
import { assertMatrix, shapeStr, Tensor, zeros } from "../../ops/tensor.ts";
import { positiveInt } from "./adapter.ts";
import { loraApply, loraMerge, type LoraState } from "./lora.ts";

/** Trainable gate parameters of one adapted layer (n experts). */
export interface MoleGates extends Record<string, Tensor> {
  /** Local gate weight Φ, `[n, in]`. */
  phi: Tensor;
  /** Local gate bias c, `[n]`. */
  c: Tensor;
  /** Global gate weights (row i is w_i), `[n, out]`. */
  w: Tensor;
  /** Global gate biases, `[n]`. */
  b: Tensor;
}

/**
 * Gate parameters with PyTorch's default Linear init: `U(−1/√fan_in, 1/√fan_in)`, fan_in = in
 * for Φ, c and out for w_i, b_i.
 *
 * @example
 * ```ts
 * import { Rng } from "../../ops/random.ts";
 * import { initMoleGates } from "./mole.ts";
 * const g = initMoleGates(2, 8, 6, new Rng(0));
 * console.log(g.phi.shape, g.w.shape); // [2, 8] [2, 6]
 * ```
 */
export function initMoleGates(n: number, inp: number, out: number, rng: Rng): MoleGates {
  const u = (shape: number[], fanIn: number): Tensor => {
    const t = zeros(shape);
    const bound = 1 / Math.sqrt(fanIn);
    for (let i = 0; i < t.size; i++) t.data[i] = rng.uniformIn(-bound, bound);
    return t;
  };
  return { phi: u([n, inp], inp), c: u([n], inp), w: u([n, out], out), b: u([n], out) };
}

/**
 * Gate parameter count per layer: `n(in + 1) + n(out + 1)`.
 *
 * @example
 * ```ts
 * import { moleGateParamCount } from "./mole.ts";
 * console.log(moleGateParamCount(2, 4096, 4096)); // 16388
 * ```
 */
export function moleGateParamCount(n: number, inp: number, out: number): number {
  positiveInt("moleGateParamCount", "n", n);
  positiveInt("moleGateParamCount", "inp", inp);
  positiveInt("moleGateParamCount", "out", out);
  return n * (inp + 1) + n * (out + 1);
}

/** What {@link moleForward} computes besides the output, for inspection. */
export interface MoleOutput {
  /** Layer output `[m, out]`. */
  y: Tensor;
  /** Local gates `[m, n]`. */
  local: Tensor;
  /** Global gates `[n]`. */
  global: Tensor;
}

/**
 * One sample's tokens `x` (`[m, in]`) through an adapted layer with base weight `w`
 * (`[out, in]`), optional bias, frozen experts and gates (differentiable in the gates).
 *
 * @example
 * ```ts
 * import { Rng, randn } from "../../ops/random.ts";
 * import { loraFromFactors } from "./lora.ts";
 * import { initMoleGates, moleForward } from "./mole.ts";
 * const e = [0, 1].map((k) => loraFromFactors(randn([2, 4], { seed: k }), randn([3, 2], { seed: 9 + k })));
 * const out = moleForward(randn([3, 4], { seed: 5 }), e, initMoleGates(2, 4, 3, new Rng(0)), randn([6, 4], { seed: 7 }));
 * console.log(out.y.shape, out.local.shape, out.global.shape); // [6, 3] [6, 2] [2]
 * ```
 */
export function moleForward(
  w: Tensor,
  experts: readonly LoraState[],
  gates: MoleGates,
  x: Tensor,
  bias?: Tensor,
): MoleOutput {
  const [out, inp] = assertMatrix("moleForward", "w", w);
  const xin = assertMatrix("moleForward", "x", x)[1];
  const n = experts.length;
  if (xin !== inp) {
    throw new RangeError(`moleForward: x is ${shapeStr(x.shape)}, W is ${out}x${inp}`);
  }
  if (gates.phi.shape[0] !== n || gates.w.shape[0] !== n) {
    throw new RangeError(`moleForward: gates are for ${gates.phi.shape[0]} experts, got ${n}`);
  }
  let y = matmul(x, w, { transB: true });
  if (bias !== undefined) y = add(y, bias);
  const local = sigmoid(add(matmul(x, gates.phi, { transB: true }), gates.c));
  const globals: Tensor[] = [];
  experts.forEach((e, i) => {
    const ei = loraApply(e, x); // [m, out]
    const pooled = mean(ei, { axis: 0, keepDims: true }); // [1, out]
    const wi = sliceRows(gates.w, i, i + 1);
    const gi = sigmoid(
      add(matmul(pooled, wi, { transB: true }), sliceRows(reshape(gates.b, [n, 1]), i, i + 1)),
    );
    globals.push(gi);
    y = add(y, mul(mul(sliceCols(local, i, i + 1), gi), ei));
  });
  return { y, local, global: reshape(concat(globals, 0), [n]) };
}

/**
 * Flattens a `[C, H, W]` feature map into `H·W` tokens of width C (`[H·W, C]`), the conv path.
 *
 * @example
 * ```ts
 * import { arange } from "../../ops/tensor.ts";
 * import { reshape } from "../../ops/shape.ts";
 * import { convToTokens } from "./mole.ts";
 * console.log(convToTokens(reshape(arange(0, 8), [2, 2, 2])).shape); // [4, 2]
 * ```
 */
export function convToTokens(x: Tensor): Tensor {
  if (x.ndim !== 3) {
    throw new RangeError(`convToTokens: x must be [C, H, W], got ${shapeStr(x.shape)}`);
  }
  const [c, h, w] = x.shape;
  return transposeT(new Tensor(x.data.slice(), [c, h * w]));
}

/**
 * Restores `[H·W, C]` tokens to a `[C, H, W]` map (inverse of {@link convToTokens}).
 *
 * @example
 * ```ts
 * import { arange } from "../../ops/tensor.ts";
 * import { reshape } from "../../ops/shape.ts";
 * import { convToTokens, tokensToConv } from "./mole.ts";
 * const x = reshape(arange(0, 12), [3, 2, 2]);
 * console.log(tokensToConv(convToTokens(x), 2, 2).data.every((v, i) => v === x.data[i])); // true
 * ```
 */
export function tokensToConv(t: Tensor, h: number, w: number): Tensor {
  const [hw, c] = assertMatrix("tokensToConv", "t", t);
  if (hw !== h * w) throw new RangeError(`tokensToConv: ${hw} tokens cannot be ${h}x${w}`);
  const back = transposeT(t);
  return new Tensor(back.data, [c, h, w]);
}

/**
 * Merges one expert with a fixed weight: `W + weight · s_i B_i A_i` (the only static merge).
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { loraFromFactors } from "./lora.ts";
 * import { mergeExpert } from "./mole.ts";
 * const e = loraFromFactors(tensor([[1, 0]]), tensor([[1], [0]]));
 * console.log(mergeExpert(tensor([[0, 0], [0, 0]]), e, 0.5).data); // Float64Array [0.5, 0, 0, 0]
 * ```
 */
export function mergeExpert(w: Tensor, expert: LoraState, weight: number): Tensor {
  const scaled: LoraState = { ...expert, scale: expert.scale * weight };
  return loraMerge(w, scaled);
}
