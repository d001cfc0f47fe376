/**
 * LoLDU — low-rank adaptation through the lower-diag-upper decomposition (Shi, Sun, Wang, Wang
 * & Li, 2024, arXiv 2410.13618). Spec: `specs/adapters.md` §6.
 *
 * Pivoted LU of `W = P L diag(d) U` (L unit lower, U unit upper); the first r components form a
 * frozen subspace, the rest a frozen residual `W_res = W − σ·P L_r diag(d_r) U_r`, and only the
 * r diagonal entries `z` train: `W' = W_res + σ·P L_r diag(z) U_r` with `z = d_r` at init, so
 * `W' = W` exactly. `σ = α/r` (default α = 1, the `from_linear` default), frozen unless
 * `trainSigma`.
 *
 * @module
 */
import { mul } from "../../ops/autograd/ops_arith.ts";
import { matmul } from "../../ops/autograd/ops_matmul.ts";
import { reshape } from "../../ops/autograd/ops_shape.ts";
import { sub } from "../../ops/elementwise.ts";
import { ldu } from "../../ops/linalg/ldu.ts";
import type { Rng } from "../../ops/random.ts";
import { assertFinite, assertMatrix, astype, full, type Tensor, zeros } from "../../ops/tensor.ts";
import { type AdapterMethod, type AdapterState, countParams, positiveInt } from "./adapter.ts";
import { loraFromFactors, type LoraState } from "./lora.ts";

/**
 * Initialization of z: `"lu"` (the pivots, exact) or an ablation from the reference code.
 *
 * @example
 * ```ts
 * import { Rng, randn } from "../../ops/random.ts";
 * import { loldu, type LolduInit } from "./loldu.ts";
 * const init: LolduInit = "ones";
 * const st = loldu.init(randn([5, 4], { seed: 0 }), { r: 2, init }, new Rng(0));
 * console.log(st.params.z.data); // Float64Array [1, 1]
 * ```
 */
export type LolduInit = "lu" | "ones" | "zeros" | "mean" | "uniform" | "normal";

/** Options of {@link loldu}`.init`. */
export interface LolduOptions {
  /** Number of trainable diagonal entries r (≤ min(out, in)). */
  r: number;
  /** σ numerator: σ = α/r (default α = 1). */
  alpha?: number;
  /** Initialization of z (default `"lu"`, function preserving). */
  init?: LolduInit;
  /** Also train the gain σ (default false, as the reference code's parameter filter). */
  trainSigma?: boolean;
}

/**
 * Trainable tensors: `z` (`[r]`) and, with `trainSigma`, `sigma` (`[1]`).
 *
 * @example
 * ```ts
 * import { Rng, randn } from "../../ops/random.ts";
 * import { loldu, type LolduParams } from "./loldu.ts";
 * const st = loldu.init(randn([5, 4], { seed: 0 }), { r: 2, trainSigma: true }, new Rng(0));
 * const p: LolduParams = st.params;
 * console.log(p.z.shape, p.sigma?.shape); // [2] [1]
 * ```
 */
export type LolduParams = Record<string, Tensor> & { z: Tensor; sigma?: Tensor };

/** State of a LoLDU adapter. */
export interface LolduState extends AdapterState<LolduParams> {
  /** The frozen residual that replaces W. */
  readonly base: Tensor;
  /** `P L_r` (`out × r`): L's first r columns with the row permutation applied. */
  readonly pl: Tensor;
  /** `U_r` (`r × in`), unit upper trapezoidal. */
  readonly u: Tensor;
  /** The pivots `d_r`. */
  readonly d: Tensor;
  /** Row permutation of the LU (`W[perm[i], :] = (L Ũ)[i, :]`). */
  readonly perm: Int32Array;
  /** Frozen gain σ (used when `params.sigma` is absent). */
  readonly sigma: number;
}

function initZ(d: Tensor, mode: LolduInit, rng: Rng): Tensor {
  const z = d.clone();
  let mean = 0;
  for (const v of d.data) mean += v;
  mean /= d.size;
  for (let i = 0; i < z.size; i++) {
    if (mode === "lu") continue;
    else if (mode === "ones") z.data[i] = 1;
    else if (mode === "zeros") z.data[i] = 0;
    else if (mode === "mean") z.data[i] = mean;
    else if (mode === "uniform") z.data[i] = rng.uniformIn(-1, 1);
    else if (mode === "normal") z.data[i] = rng.normal();
    else throw new RangeError(`loldu.init: unknown init ${JSON.stringify(mode)}`);
  }
  return z;
}

function sigmaOf(s: LolduState): Tensor | number {
  return s.params.sigma ?? s.sigma;
}

/**
 * The LoLDU method (spec §6). `delta` is `σ·P L_r diag(z) U_r`, the update relative to the
 * residual `state.base`; `merge(state.base, loldu, state)` is the adapted weight.
 *
 * @example
 * ```ts
 * import { Rng, randn } from "../../ops/random.ts";
 * import { loldu } from "./loldu.ts";
 * import { merge } from "./adapter.ts";
 * const w = randn([5, 4], { seed: 0 });
 * const st = loldu.init(w, { r: 2 }, new Rng(0));
 * console.log(loldu.paramCount(st), Math.abs(merge(st.base, loldu, st).data[3] - w.data[3]) < 1e-12);
 * // 2 true
 * ```
 */
export const loldu: AdapterMethod<LolduOptions, LolduState> = {
  name: "loldu",
  init(w: Tensor, opts: LolduOptions, rng: Rng): LolduState {
    const [out, inp] = assertMatrix("loldu.init", "w", w);
    assertFinite("loldu.init", "w", w);
    const r = positiveInt("loldu.init", "r", opts.r);
    const k = Math.min(out, inp);
    if (r > k) throw new RangeError(`loldu.init: r = ${r} exceeds min(out, in) = ${k}`);
    const f = ldu(astype(w, "f64"));
    const pl = zeros([out, r]);
    for (let i = 0; i < out; i++) {
      for (let j = 0; j < r; j++) pl.data[f.p[i] * r + j] = f.l.data[i * k + j];
    }
    const u = zeros([r, inp]);
    u.data.set(f.u.data.subarray(0, r * inp));
    const d = zeros([r]);
    d.data.set(f.d.data.subarray(0, r));
    const sigma = (opts.alpha ?? 1) / r;
    const dt = w.dtype;
    const st0: LolduState = {
      method: "loldu",
      shape: [out, inp],
      params: { z: d },
      base: w,
      pl,
      u,
      d,
      perm: f.p,
      sigma,
    };
    const base = astype(sub(astype(w, "f64"), loldu.delta(st0)), dt);
    const z = astype(initZ(d, opts.init ?? "lu", rng), dt);
    const params: LolduParams = opts.trainSigma
      ? { z, sigma: full([1], sigma, { dtype: dt }) }
      : { z };
    return { ...st0, params, base, pl: astype(pl, dt), u: astype(u, dt), d: astype(d, dt) };
  },
  delta(s: LolduState): Tensor {
    const r = s.params.z.size;
    const scaled = mul(s.pl, reshape(s.params.z, [1, r]));
    return mul(matmul(scaled, s.u), sigmaOf(s));
  },
  trainable(s: LolduState): LolduParams {
    return s.params;
  },
  paramCount(s: LolduState): number {
    return countParams(s.params);
  },
};

/**
 * Trainable count of LoLDU: `r` (or `r + 1` with a trainable σ), independent of the layer shape.
 *
 * @example
 * ```ts
 * import { lolduParamCount } from "./loldu.ts";
 * console.log(lolduParamCount(4096), lolduParamCount(4096, true)); // 4096 4097
 * ```
 */
export function lolduParamCount(r: number, trainSigma = false): number {
  positiveInt("lolduParamCount", "r", r);
  return trainSigma ? r + 1 : r;
}

/**
 * Exact export as a plain LoRA on the original W (rank r, scale 1):
 * `lora_B = P L_r diag(σ'·z − σ₀·d_r)`, `lora_A = U_r`, where σ₀ is the gain the residual was
 * built with (`state.sigma`) and σ' the current one (`params.sigma` when σ trains, else σ₀).
 * `W_res + σ'·P L_r diag(z) U_r − W = P L_r diag(σ'z − σ₀d_r) U_r` because
 * `W_res = W − σ₀·P L_r diag(d_r) U_r`; with a frozen σ this is spec §6's `σ·P L_r diag(z − d_r)`.
 *
 * @example
 * ```ts
 * import { Rng, randn } from "../../ops/random.ts";
 * import { loldu, lolduToLora } from "./loldu.ts";
 * const st = loldu.init(randn([5, 4], { seed: 0 }), { r: 2 }, new Rng(0));
 * // z = d at init, so the exported update is zero.
 * console.log(lolduToLora(st).params.b.data.every((x) => x === 0)); // true
 * ```
 */
export function lolduToLora(s: LolduState): LoraState {
  const r = s.params.z.size;
  const sigma = s.params.sigma?.data[0] ?? s.sigma;
  const b = s.pl.clone();
  for (let i = 0; i < s.shape[0]; i++) {
    for (let j = 0; j < r; j++) {
      b.data[i * r + j] *= sigma * s.params.z.data[j] - s.sigma * s.d.data[j];
    }
  }
  return loraFromFactors(s.u.clone(), b, { alpha: r });
}
