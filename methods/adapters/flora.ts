/**
 * FLoRA — low-rank core space for N-dimensional parameter updates (Si, Wang, Li, Zhang & Zhou,
 * 2024, arXiv 2405.14739; later "Maintaining Structural Integrity in Parameter Spaces for
 * Parameter Efficient Fine-tuning"). Spec: `specs/adapters.md` §8.
 *
 * A Tucker model of the update of an N-D weight (a linear `out × in` matrix or a conv kernel
 * `out × in × kh × kw`): `ΔW = s · G ×_1 U_1 ×_2 U_2 ⋯ ×_N U_N` with factors `U_n ∈ R^{I_n×r_n}`.
 * Here the core is stored in the weight's own axis order (`[r_out, r_in, r_3, …]`; the spec's
 * linear G is its transpose), so the linear case reads `ΔW = s·U_out G U_inᵀ`. Init: `G = 0`,
 * factors `N(0, 1/(2 r_n))`, so ΔW = 0 and only G gets gradient at step 0.
 *
 * @module
 */
import { scale } from "../../ops/autograd/ops_arith.ts";
import { matmul } from "../../ops/autograd/ops_matmul.ts";
import { reshape, transpose } from "../../ops/autograd/ops_shape.ts";
import type { Rng } from "../../ops/random.ts";
import { type DType, shapeStr, type Tensor, zeros } from "../../ops/tensor.ts";
import { type AdapterMethod, type AdapterState, countParams, positiveInt } from "./adapter.ts";
import { loraFromFactors, type LoraState } from "./lora.ts";

/** Options of {@link flora}`.init`. */
export interface FloraOptions {
  /** Rank per weight axis, in the weight's axis order (default 8 for every axis of a matrix). */
  ranks?: number[];
  /** Scale s (default 1; the repo's ConvNeXt example uses 4). */
  scale?: number;
  /** Element type (default that of W). */
  dtype?: DType;
}

/**
 * Trainable tensors: the core `g` and factors `u0, u1, …` (one per weight axis).
 *
 * @example
 * ```ts
 * import { Rng, randn } from "../../ops/random.ts";
 * import { flora, type FloraParams } from "./flora.ts";
 * const st = flora.init(randn([4, 3], { seed: 0 }), { ranks: [2, 2] }, new Rng(0));
 * const p: FloraParams = st.params;
 * console.log(Object.keys(p).sort()); // ["g", "u0", "u1"]
 * ```
 */
export type FloraParams = Record<string, Tensor>;

/** State of a FLoRA adapter. */
export interface FloraState extends AdapterState<FloraParams> {
  /** Scale s. */
  readonly scale: number;
}

/**
 * `x ×_mode u`: multiplies axis `mode` of `x` (extent `r`) by `u` (`I × r`), differentiably.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { modeMul } from "./flora.ts";
 * console.log(modeMul(tensor([[1, 2]]), tensor([[1], [10]]), 0).data); // Float64Array [1, 2, 10, 20]
 * ```
 */
export function modeMul(x: Tensor, u: Tensor, mode: number): Tensor {
  const nd = x.ndim;
  if (u.ndim !== 2 || u.shape[1] !== x.shape[mode]) {
    throw new RangeError(
      `modeMul: factor ${shapeStr(u.shape)} does not fit axis ${mode} of ${shapeStr(x.shape)}`,
    );
  }
  const perm = [mode, ...Array.from({ length: nd }, (_, i) => i).filter((i) => i !== mode)];
  const moved = nd === 1 || mode === 0 ? x : transpose(x, perm);
  const rest = x.size / x.shape[mode];
  const y = matmul(u, reshape(moved, [x.shape[mode], rest]));
  const otherDims = perm.slice(1).map((i) => x.shape[i]);
  const back = reshape(y, [u.shape[0], ...otherDims]);
  if (nd === 1 || mode === 0) return back;
  const inv = new Array<number>(nd);
  perm.forEach((p, i) => (inv[p] = i));
  return transpose(back, inv);
}

/**
 * Trainable count of FLoRA: `Π r_n + Σ I_n r_n`.
 *
 * @example
 * ```ts
 * import { floraParamCount } from "./flora.ts";
 * console.log(floraParamCount([4096, 4096], [8, 8]), floraParamCount([256, 256, 3, 3], [16, 16, 2, 2]));
 * // 65600 9228
 * ```
 */
export function floraParamCount(shape: readonly number[], ranks: readonly number[]): number {
  if (ranks.length !== shape.length) {
    throw new RangeError(
      `floraParamCount: ranks has ${ranks.length} entries for a ${shape.length}-mode shape [${shape}]`,
    );
  }
  shape.forEach((d, i) => positiveInt("floraParamCount", `shape[${i}]`, d));
  ranks.forEach((r, i) => positiveInt("floraParamCount", `ranks[${i}]`, r));
  return ranks.reduce((p, r) => p * r, 1) + shape.reduce((acc, d, i) => acc + d * ranks[i], 0);
}

/**
 * The FLoRA method (spec §8) for weights of any order ≥ 1.
 *
 * @example
 * ```ts
 * import { Rng, randn } from "../../ops/random.ts";
 * import { flora } from "./flora.ts";
 * const st = flora.init(randn([4, 3, 3, 3], { seed: 0 }), { ranks: [2, 2, 2, 2], scale: 4 }, new Rng(0));
 * console.log(flora.delta(st).shape, flora.paramCount(st)); // [4, 3, 3, 3] 42
 * ```
 */
export const flora: AdapterMethod<FloraOptions, FloraState> = {
  name: "flora",
  init(w: Tensor, opts: FloraOptions, rng: Rng): FloraState {
    const ranks = opts.ranks ?? w.shape.map(() => 8);
    if (ranks.length !== w.ndim || w.ndim < 1) {
      throw new RangeError(
        `flora.init: ranks [${ranks.join(", ")}] do not match W of shape ${shapeStr(w.shape)}`,
      );
    }
    ranks.forEach((r, i) => positiveInt("flora.init", `ranks[${i}]`, r));
    const dtype = opts.dtype ?? w.dtype;
    const params: FloraParams = { g: zeros(ranks, { dtype }) };
    w.shape.forEach((d, i) => {
      const u = zeros([d, ranks[i]], { dtype });
      const std = 1 / Math.sqrt(2 * ranks[i]);
      for (let j = 0; j < u.size; j++) u.data[j] = rng.normal(0, std);
      params[`u${i}`] = u;
    });
    return { method: "flora", shape: [...w.shape], params, scale: opts.scale ?? 1 };
  },
  delta(s: FloraState): Tensor {
    let x = s.params.g;
    for (let i = 0; i < s.shape.length; i++) x = modeMul(x, s.params[`u${i}`], i);
    return scale(x, s.scale);
  },
  trainable(s: FloraState): FloraParams {
    return s.params;
  },
  paramCount(s: FloraState): number {
    return countParams(s.params);
  },
};

/**
 * Exact export of a linear FLoRA to a plain LoRA: `lora_B = U_out`, `lora_A = G U_inᵀ`,
 * `r = r_out`, `lora_alpha = s·r_out`. Conv FLoRA has no LoRA equivalent (RangeError).
 *
 * @example
 * ```ts
 * import { Rng, randn } from "../../ops/random.ts";
 * import { flora, floraToLora } from "./flora.ts";
 * const st = flora.init(randn([6, 5], { seed: 0 }), { ranks: [3, 2], scale: 2 }, new Rng(0));
 * console.log(floraToLora(st).r, floraToLora(st).scale); // 3 2
 * ```
 */
export function floraToLora(s: FloraState): LoraState {
  if (s.shape.length !== 2) {
    throw new RangeError(
      `floraToLora: only linear (2-D) FLoRA maps to LoRA, got ${shapeStr(s.shape)}`,
    );
  }
  const rOut = s.params.g.shape[0];
  const a = matmul(s.params.g, s.params.u1, { transB: true });
  return loraFromFactors(a, s.params.u0.clone(), { alpha: s.scale * rOut });
}
