/**
 * PiSSA — Principal Singular values and Singular vectors Adaptation (Meng, Wang & Zhang,
 * NeurIPS 2024, arXiv 2404.02948). Spec: `specs/adapters.md` §2.
 *
 * LoRA's architecture with the adapter initialized from the top-r singular triplets of `W`:
 * `A₀ = diag(√(Σ_r/s)) V_rᵀ`, `B₀ = U_r diag(√(Σ_r/s))`, and the frozen base replaced by the
 * residual `W_res = W − s B₀ A₀`. Exact SVD by default; `niter` gives PEFT's fast
 * `pissa_niter_K` init (randomized range finder with exactly r columns and K power iterations,
 * QR re-orthonormalised).
 *
 * @module
 */
import { sub } from "../../ops/elementwise.ts";
import { randomizedSvd } from "../../ops/linalg/randomized_svd.ts";
import { svd } from "../../ops/linalg/svd.ts";
import { concat, sliceCols, sliceRows } from "../../ops/shape.ts";
import type { Rng } from "../../ops/random.ts";
import { assertFinite, assertMatrix, astype, type Tensor } from "../../ops/tensor.ts";
import { type AdapterMethod, countParams, positiveInt } from "./adapter.ts";
import { lora, loraFromFactors, type LoraParams, loraScale, type LoraState } from "./lora.ts";

/** Options of {@link pissa}`.init`. */
export interface PissaOptions {
  /** Rank r (at most `min(out, in)`). */
  r: number;
  /** Scale numerator α (default r). The init does not depend on it. */
  alpha?: number;
  /** rsLoRA scaling (default false). */
  useRslora?: boolean;
  /** Power iterations of the fast randomized init; omit for the exact SVD. */
  niter?: number;
}

/** State of a PiSSA adapter: a LoRA over the residual base, plus the initial factors. */
export interface PissaState extends LoraState {
  /** The frozen residual `W_res = W − s B₀ A₀` that replaces W. */
  readonly base: Tensor;
  /** Initial A₀ (kept for the LoRA export and for BA-LoRA's reference model). */
  readonly a0: Tensor;
  /** Initial B₀. */
  readonly b0: Tensor;
}

function topSvd(
  w: Tensor,
  r: number,
  niter: number | undefined,
  rng: Rng,
): { u: Tensor; s: number[]; vt: Tensor } {
  if (niter === undefined) {
    const { u, s, vt } = svd(w);
    return { u: sliceCols(u, 0, r), s: Array.from(s.data.subarray(0, r)), vt: sliceRows(vt, 0, r) };
  }
  if (!Number.isInteger(niter) || niter < 0) {
    throw new RangeError(`pissa.init: niter must be a non-negative integer, got ${niter}`);
  }
  const { u, s, vt } = randomizedSvd(w, r, {
    oversamples: 0,
    powerIters: niter,
    normalizer: "qr",
    rng,
  });
  return { u, s: Array.from(s.data), vt };
}

/**
 * The PiSSA method (spec §2). `delta` is LoRA's `s·B A` relative to `state.base` (the
 * residual): `merge(state.base, pissa, state)` is the adapted weight.
 *
 * @example
 * ```ts
 * import { Rng, randn } from "../../ops/random.ts";
 * import { pissa } from "./pissa.ts";
 * import { merge } from "./adapter.ts";
 * const w = randn([6, 5], { seed: 0 });
 * const st = pissa.init(w, { r: 2, alpha: 4 }, new Rng(0));
 * const back = merge(st.base, pissa, st); // W_res + s B₀ A₀ = W
 * console.log(Math.abs(back.data[7] - w.data[7]) < 1e-12); // true
 * ```
 */
export const pissa: AdapterMethod<PissaOptions, PissaState> = {
  name: "pissa",
  init(w: Tensor, opts: PissaOptions, rng: Rng): PissaState {
    const [out, inp] = assertMatrix("pissa.init", "w", w);
    assertFinite("pissa.init", "w", w);
    const r = positiveInt("pissa.init", "r", opts.r);
    if (r > Math.min(out, inp)) {
      throw new RangeError(`pissa.init: r = ${r} exceeds min(out, in) = ${Math.min(out, inp)}`);
    }
    const alpha = opts.alpha ?? r;
    const s = loraScale(alpha, r, opts.useRslora);
    const w64 = astype(w, "f64");
    const top = topSvd(w64, r, opts.niter, rng);
    const root = top.s.map((x) => Math.sqrt(x / Math.abs(s)));
    const a0 = top.vt.clone(), b0 = top.u.clone();
    for (let i = 0; i < r; i++) {
      for (let j = 0; j < inp; j++) a0.data[i * inp + j] *= root[i] * Math.sign(s);
      for (let j = 0; j < out; j++) b0.data[j * r + i] *= root[i];
    }
    const init = loraFromFactors(a0, b0, { alpha, useRslora: opts.useRslora });
    const base = sub(w64, lora.delta(init));
    const dt = w.dtype;
    return {
      ...loraFromFactors(astype(a0, dt), astype(b0, dt), { alpha, useRslora: opts.useRslora }),
      method: "pissa",
      base: astype(base, dt),
      a0: astype(a0, dt),
      b0: astype(b0, dt),
    };
  },
  delta(s: PissaState): Tensor {
    return lora.delta(s);
  },
  trainable(s: PissaState): LoraParams {
    return s.params;
  },
  paramCount(s: PissaState): number {
    return countParams(s.params);
  },
};

/**
 * Export a (trained) PiSSA adapter as a plain LoRA on the original `W` (PEFT's
 * `path_initial_model_for_weight_conversion`): `W_res + sBA − W = s [B | B₀] [A ; −A₀]`, a rank
 * 2r LoRA with `α ← 2α` (rsLoRA: `√2·α`) so the scale is unchanged.
 *
 * @example
 * ```ts
 * import { Rng, randn } from "../../ops/random.ts";
 * import { pissa, pissaToLora } from "./pissa.ts";
 * const st = pissa.init(randn([6, 5], { seed: 0 }), { r: 2, alpha: 4 }, new Rng(0));
 * const l = pissaToLora(st);
 * console.log(l.r, l.alpha, l.scale === st.scale); // 4 8 true
 * ```
 */
export function pissaToLora(s: PissaState): LoraState {
  const negA0 = s.a0.clone();
  for (let i = 0; i < negA0.size; i++) negA0.data[i] = -negA0.data[i];
  const a = concat([s.params.a, negA0], 0);
  const b = concat([s.params.b, s.b0], 1);
  const alpha = s.useRslora ? Math.SQRT2 * s.alpha : 2 * s.alpha;
  return loraFromFactors(a, b, { alpha, useRslora: s.useRslora });
}
