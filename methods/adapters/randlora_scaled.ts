/**
 * RandLoRA's scaled A-side stack `Â` (`n·r × k`; spec `specs/adapters.md` §4):
 * `Â[c, j] = λ_i[ρ] · A[ρ, j] · γ_i[j]` with `(ρ, i)` the rank and basis of row c (PEFT
 * pairing: `ρ = ⌊c/n⌋, i = c mod n`; per-basis: `ρ = c mod r, i = ⌊c/r⌋`).
 *
 * {@link randLoraScaledA} is the memory-saving form of §4 "Training specifics": one pass writes
 * `Â` and its backward contracts the output gradient G with the frozen A directly,
 * `∂L/∂λ_i[ρ] = Σ_j G[c, j] A[ρ, j] γ_i[j]`, `∂L/∂γ_i[j] = Σ_ρ G[c, j] A[ρ, j] λ_i[ρ]`, so no
 * expanded copy of A or γ (each `n·r × k`, about k² numbers) is built or kept on the tape.
 * {@link randLoraScaledAExpanded} is the plain autodiff form (expanded copies, elementwise ops),
 * kept as the reference.
 *
 * @module
 */
import { mul } from "../../ops/autograd/ops_arith.ts";
import { concat, reshape, sliceRows, transpose } from "../../ops/autograd/ops_shape.ts";
import { record } from "../../ops/autograd/tape.ts";
import { type Tensor, zeros } from "../../ops/tensor.ts";
import type { RandLoraState } from "./randlora.ts";

/** Rank ρ and basis i of row c of Â. */
function rowOf(s: RandLoraState, c: number): [number, number] {
  return s.pairing === "peft" ? [Math.floor(c / s.n), c % s.n] : [c % s.r, Math.floor(c / s.r)];
}

/**
 * `Â` with the memory-saving custom backward (differentiable in `params.lambda`,
 * `params.gamma`).
 *
 * @example
 * ```ts
 * import { Rng, randn } from "../../ops/random.ts";
 * import { randLora } from "./randlora.ts";
 * import { randLoraScaledA } from "./randlora_scaled.ts";
 * const st = randLora.init(randn([6, 4], { seed: 0 }), { r: 2 }, new Rng(0));
 * console.log(randLoraScaledA(st).shape); // [4, 4]
 * ```
 */
export function randLoraScaledA(s: RandLoraState): Tensor {
  const { r, n, a } = s;
  const k = a.shape[1];
  const { lambda, gamma } = s.params;
  const out = zeros([n * r, k], { dtype: a.dtype });
  const ad = a.data, ld = lambda.data, gd = gamma.data, od = out.data;
  for (let c = 0; c < n * r; c++) {
    const [rho, i] = rowOf(s, c);
    const l = ld[rho * n + i];
    for (let j = 0; j < k; j++) od[c * k + j] = l * ad[rho * k + j] * gd[i * k + j];
  }
  return record("randLoraScaledA", out, [lambda, gamma], (g, need) => {
    const gl = need[0] ? zeros([r, n], { dtype: lambda.dtype }) : null;
    const gg = need[1] ? zeros([n, k], { dtype: gamma.dtype }) : null;
    const G = g.data;
    for (let c = 0; c < n * r; c++) {
      const [rho, i] = rowOf(s, c);
      const l = ld[rho * n + i];
      let acc = 0;
      for (let j = 0; j < k; j++) {
        const ga = G[c * k + j] * ad[rho * k + j];
        acc += ga * gd[i * k + j];
        if (gg) gg.data[i * k + j] += ga * l;
      }
      if (gl) gl.data[rho * n + i] += acc;
    }
    return [gl, gg];
  });
}

/**
 * `Â` by plain autodiff ops over expanded copies (`A` row-repeated, `γ` repeated, `λ` as a
 * column): the reference for {@link randLoraScaledA}, and the memory baseline.
 *
 * @example
 * ```ts
 * import { Rng, randn } from "../../ops/random.ts";
 * import { randLora } from "./randlora.ts";
 * import { randLoraScaledAExpanded } from "./randlora_scaled.ts";
 * const st = randLora.init(randn([6, 4], { seed: 0 }), { r: 2 }, new Rng(0));
 * console.log(randLoraScaledAExpanded(st).shape); // [4, 4]
 * ```
 */
export function randLoraScaledAExpanded(s: RandLoraState): Tensor {
  const { r, n, a } = s;
  const k = a.shape[1];
  const { lambda, gamma } = s.params;
  const aRep = zeros([n * r, k], { dtype: a.dtype });
  for (let c = 0; c < n * r; c++) {
    const rho = rowOf(s, c)[0];
    aRep.data.set(a.data.subarray(rho * k, rho * k + k), c * k);
  }
  if (s.pairing === "peft") {
    const gammaRep = concat(Array.from({ length: r }, () => gamma), 0);
    return mul(mul(aRep, reshape(lambda, [n * r, 1])), gammaRep);
  }
  // Per-basis: c = i·r + ρ pairs B_i's column ρ with λ_i[ρ] and γ_i.
  const gammaRep = concat(
    Array.from(
      { length: n },
      (_, i) => concat(Array.from({ length: r }, () => sliceRows(gamma, i, i + 1)), 0),
    ),
    0,
  );
  return mul(mul(aRep, reshape(transpose(lambda), [n * r, 1])), gammaRep);
}
