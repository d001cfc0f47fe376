/**
 * DUSt3R's global alignment of per-pair point maps (Wang et al., "DUSt3R: Geometric 3D Vision
 * Made Easy", CVPR 2024, §3.4), in the confidence- and weight-weighted form that LoRA3D
 * re-weights (Lu et al., ICLR 2025; spec `compression_optim_attention.md` §9):
 *
 * `min Σ_e Σ_{v∈e} Σ_i w_i C_i ‖χ_i^v − σ_e P_e X_i^{v,e}‖^p` over the global point maps χ^v, one
 * similarity `T_e = σ_e P_e` per pair, with the gauge `Π_e σ_e = 1`.
 *
 With the pixels' rays given (`rays`), χ^v is parametrised as in DUSt3R by the view's pose and
 * per-pixel depths (`ray_maps.ts`) and the poses are estimated with it; without them χ^v is free
 * per pixel. Instead of gradient steps, each sweep minimises exactly over one block with the
 * others fixed: χ (the weighted mean per pixel, or its depth/pose fit), then every rotation
 * (Procrustes), the scales under `Π σ_e = 1` (one Lagrange multiplier, found by bisection) and
 * the translations. So the objective never increases; for p = 1 each sweep minimises the
 * majorizer `r²/(2r₀) + r₀/2`.
 *
 * @module
 */
import { shapeStr, type Tensor } from "../../ops/tensor.ts";
import { checkOptions } from "../../ops/options.ts";
import { positiveIntOption } from "./options.ts";
import type { ResidualExponent } from "./robust_weight.ts";
import {
  applySimilarity,
  assertPoints,
  type PairMoments,
  pairMoments,
  procrustesRotation,
  type Similarity,
  similarityFromMoments,
} from "./similarity.ts";
import { type CameraPose, fitRayMap, posesFromPairs } from "./ray_maps.ts";
import { initAlignment, stack } from "./align_init.ts";

/** One image pair's prediction: DUSt3R's `X^{n,e}, X^{m,e}` (both in view n's frame) and `C`. */
export interface PairPrediction {
  /** The two views `[n, m]`; the pair's frame is view n's camera. */
  views: readonly [number, number];
  /** Points of each view's pixels (`P_v × 3`), in view n's frame. */
  points: readonly [Tensor, Tensor];
  /** Confidence `C > 0` of each view's pixels (`P_v`). */
  confidence: readonly [Tensor, Tensor];
}

/** Per pair, the weight of each view's pixels (same layout as the confidences). */
export type PairWeights = readonly (readonly [Float64Array, Float64Array])[];

/** The unknowns of the alignment. */
export interface GlobalAlignment {
  /** χ^v per view: flat `3 P_v` world coordinates. */
  pointMaps: Float64Array[];
  /** `T_e = σ_e P_e` per pair (pair frame → world). */
  transforms: Similarity[];
  /** Camera pose per view (when the alignment was given the pixels' rays). */
  poses?: CameraPose[];
}

/** Options of {@link globalAlign}. */
export interface GlobalAlignOptions {
  /** Weights w (default all 1: the plain confidence-weighted objective). */
  weights?: PairWeights;
  /** Block-coordinate sweeps (default 50). */
  sweeps?: number;
  /** Residual exponent p (default 2; 1 is DUSt3R's own objective). */
  exponent?: ResidualExponent;
  /** Start from this alignment instead of the spanning-tree initialisation. */
  init?: GlobalAlignment;
  /** Unit ray of every pixel in its camera's frame (`P_v × 3` per view): χ^v = pose · depth · ray. */
  rays?: readonly Tensor[];
}

/** What {@link globalAlign} returns. */
export interface GlobalAlignResult extends GlobalAlignment {
  /** The objective `Σ w C r^p` before the first sweep and after each sweep. */
  objective: number[];
}

/**
 * Checks a set of pair predictions and returns the pixel count of each view.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { checkPredictions } from "./global_align.ts";
 * const p = tensor([[0, 0, 1]]), c = tensor([1]);
 * console.log(checkPredictions([{ views: [0, 1], points: [p, p], confidence: [c, c] }])); // [1, 1]
 * ```
 */
export function checkPredictions(preds: readonly PairPrediction[]): number[] {
  const fn = "globalAlign";
  if (!Array.isArray(preds) || preds.length === 0) {
    throw new RangeError(`${fn}: need at least one pair prediction`);
  }
  const sizes: number[] = [];
  preds.forEach((p, e) => {
    const [n, m] = p.views;
    if (!Number.isInteger(n) || !Number.isInteger(m) || n < 0 || m < 0 || n === m) {
      throw new RangeError(`${fn}: pair ${e} has views ${JSON.stringify(p.views)}`);
    }
    for (let k = 0; k < 2; k++) {
      const v = p.views[k];
      const np = assertPoints(fn, `pair ${e} points[${k}]`, p.points[k]);
      const c = p.confidence[k];
      if (c.shape.length !== 1 || c.shape[0] !== np) {
        throw new RangeError(
          `${fn}: pair ${e} confidence[${k}] is ${shapeStr(c.shape)}, points are ${np} x 3`,
        );
      }
      for (let i = 0; i < np; i++) {
        if (!(c.data[i] > 0) || !Number.isFinite(c.data[i])) {
          throw new RangeError(`${fn}: pair ${e} confidence[${k}][${i}] = ${c.data[i]}; need > 0`);
        }
      }
      if (sizes[v] !== undefined && sizes[v] !== np) {
        throw new RangeError(
          `${fn}: view ${v} has ${sizes[v]} pixels in one pair, ${np} in pair ${e}`,
        );
      }
      sizes[v] = np;
    }
  });
  for (let v = 0; v < sizes.length; v++) {
    if (sizes[v] === undefined) throw new RangeError(`${fn}: view ${v} appears in no pair`);
  }
  return sizes;
}

/**
 * Residual norms `r_i = ‖χ_i^v − T_e X_i^{v,e}‖` of every pair and view.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { alignmentResiduals } from "./global_align.ts";
 * const id = { scale: 1, rotation: new Float64Array([1, 0, 0, 0, 1, 0, 0, 0, 1]), translation: new Float64Array(3) };
 * const p = tensor([[0, 0, 1]]), c = tensor([1]);
 * const al = { pointMaps: [new Float64Array([0, 0, 1]), new Float64Array([0, 0, 3])], transforms: [id] };
 * console.log(alignmentResiduals([{ views: [0, 1], points: [p, p], confidence: [c, c] }], al)[0]);
 * // [ Float64Array [0], Float64Array [2] ]
 * ```
 */
export function alignmentResiduals(
  preds: readonly PairPrediction[],
  al: GlobalAlignment,
): [Float64Array, Float64Array][] {
  return preds.map((p, e) => {
    const out: Float64Array[] = [0, 1].map((k) => {
      const tx = applySimilarity(al.transforms[e], p.points[k].data);
      const chi = al.pointMaps[p.views[k]];
      const r = new Float64Array(tx.length / 3);
      for (let i = 0; i < r.length; i++) {
        const d0 = chi[3 * i] - tx[3 * i], d1 = chi[3 * i + 1] - tx[3 * i + 1];
        const d2 = chi[3 * i + 2] - tx[3 * i + 2];
        r[i] = Math.sqrt(d0 * d0 + d1 * d1 + d2 * d2);
      }
      return r;
    });
    return [out[0], out[1]];
  });
}

/**
 * The objective `Σ_e Σ_{v∈e} Σ_i w_i C_i r_i^p` (w = 1 where `weights` is absent).
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { alignmentObjective } from "./global_align.ts";
 * const id = { scale: 1, rotation: new Float64Array([1, 0, 0, 0, 1, 0, 0, 0, 1]), translation: new Float64Array(3) };
 * const p = tensor([[0, 0, 1]]), c = tensor([2]);
 * const al = { pointMaps: [new Float64Array([0, 0, 1]), new Float64Array([0, 0, 3])], transforms: [id] };
 * console.log(alignmentObjective([{ views: [0, 1], points: [p, p], confidence: [c, c] }], al)); // 8
 * ```
 */
export function alignmentObjective(
  preds: readonly PairPrediction[],
  al: GlobalAlignment,
  weights?: PairWeights,
  exponent: ResidualExponent = 2,
): number {
  let f = 0;
  alignmentResiduals(preds, al).forEach((rs, e) => {
    for (let k = 0; k < 2; k++) {
      const c = preds[e].confidence[k].data, w = weights?.[e][k];
      rs[k].forEach((r, i) => f += (w ? w[i] : 1) * c[i] * (exponent === 2 ? r * r : r));
    }
  });
  return f;
}

/** ω = w C (p = 2) or its p = 1 majorizer weight w C / r₀. */
function solveWeights(
  preds: readonly PairPrediction[],
  weights: PairWeights | undefined,
  residuals: [Float64Array, Float64Array][] | null,
): [Float64Array, Float64Array][] {
  let floor = 0;
  for (const rs of residuals ?? []) {
    for (const r of rs) for (const v of r) floor = Math.max(floor, v);
  }
  floor = Math.max(floor * 1e-9, Number.MIN_VALUE);
  return preds.map((p, e) => {
    const o = [0, 1].map((k) => {
      const c = p.confidence[k].data, w = weights?.[e][k], r = residuals?.[e][k];
      return Float64Array.from(c, (ci, i) => (w ? w[i] : 1) * ci / (r ? Math.max(r[i], floor) : 1));
    });
    return [o[0], o[1]];
  });
}

/** Moments of pair e: its predictions (both views) against the current χ. */
function edgeMoments(
  p: PairPrediction,
  chi: Float64Array[],
  om: readonly [Float64Array, Float64Array],
): PairMoments {
  return pairMoments(
    stack(p.points[0].data, p.points[1].data),
    stack(chi[p.views[0]], chi[p.views[1]]),
    stack(om[0], om[1]),
  );
}

/**
 * χ-step: each pixel's weighted mean `ȳ` of its transformed predictions; with rays, the
 * depth/pose fit of each view to `ȳ` with the total weights.
 */
function updatePointMaps(
  preds: readonly PairPrediction[],
  al: GlobalAlignment,
  om: [Float64Array, Float64Array][],
  sizes: number[],
  rays?: readonly Tensor[],
): GlobalAlignment {
  const transforms = al.transforms;
  const sum = sizes.map((n) => new Float64Array(3 * n)),
    tot = sizes.map((n) => new Float64Array(n));
  preds.forEach((p, e) => {
    for (let k = 0; k < 2; k++) {
      const v = p.views[k], tx = applySimilarity(transforms[e], p.points[k].data);
      for (let i = 0; i < tot[v].length; i++) {
        const w = om[e][k][i];
        tot[v][i] += w;
        for (let d = 0; d < 3; d++) sum[v][3 * i + d] += w * tx[3 * i + d];
      }
    }
  });
  const ybar = sum.map((s, v) => s.map((x, j) => x / tot[v][Math.floor(j / 3)]));
  if (!rays) return { pointMaps: ybar, transforms };
  const start = al.poses ?? posesFromPairs(preds.map((p) => p.views), transforms);
  const fits = ybar.map((y, v) => fitRayMap(y, tot[v], rays[v].data, start[v]));
  return { pointMaps: fits.map((f) => f.points), transforms, poses: fits.map((f) => f.pose) };
}

/**
 * The scales minimising `Σ_e (a_e s_e² − 2 b_e s_e)` under `Σ log s_e = 0`: `s_e(λ)` is the
 * positive root of `2a s² − 2b s = λ`, and `Σ log s_e(λ)` increases with λ, so bisection on λ.
 */
function constrainedScales(a: number[], b: number[]): number[] {
  const s = (lam: number): number[] =>
    a.map((ai, e) => (b[e] + Math.sqrt(Math.max(0, b[e] * b[e] + 2 * ai * lam))) / (2 * ai));
  const g = (lam: number): number => s(lam).reduce((acc, x) => acc + Math.log(x), 0);
  let lo = Math.max(...a.map((ai, e) => (b[e] > 0 ? -(b[e] * b[e]) / (2 * ai) : 0)));
  let hi = Math.max(1, ...a.map((ai) => ai));
  while (g(hi) < 0) hi *= 4;
  if (g(lo) > 0) return s(lo); // cannot happen for the stationary point; keeps lo a bracket
  for (let it = 0; it < 200 && hi - lo > 1e-15 * Math.max(1, Math.abs(hi)); it++) {
    const mid = (lo + hi) / 2;
    if (g(mid) < 0) lo = mid;
    else hi = mid;
  }
  return s((lo + hi) / 2);
}

/** T-step: rotations, the gauge-constrained scales, then translations. */
function updateTransforms(
  preds: readonly PairPrediction[],
  chi: Float64Array[],
  om: [Float64Array, Float64Array][],
): Similarity[] {
  const moments = preds.map((p, e) => edgeMoments(p, chi, om[e]));
  const rots = moments.map((m) => procrustesRotation(m.cov));
  const scales = constrainedScales(moments.map((m) => m.sxx), rots.map((r) => r.trace));
  return moments.map((m, e) => similarityFromMoments(m, rots[e].rotation, scales[e]));
}

function checkRays(fn: string, rays: readonly Tensor[] | undefined, sizes: number[]): void {
  if (rays === undefined) return;
  if (rays.length !== sizes.length) {
    throw new RangeError(`${fn}: rays has ${rays.length} views, the predictions ${sizes.length}`);
  }
  rays.forEach((r, v) => {
    if (assertPoints(fn, `rays[${v}]`, r) !== sizes[v]) {
      throw new RangeError(`${fn}: rays[${v}] is ${shapeStr(r.shape)} for ${sizes[v]} pixels`);
    }
    for (let i = 0; i < sizes[v]; i++) {
      const n = Math.hypot(r.data[3 * i], r.data[3 * i + 1], r.data[3 * i + 2]);
      if (!(Math.abs(n - 1) < 1e-9)) {
        throw new RangeError(`${fn}: rays[${v}] row ${i} has norm ${n}, not 1`);
      }
    }
  });
}

/**
 * Global alignment by exact block-coordinate sweeps from a spanning-tree start (or `init`).
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { globalAlign } from "./global_align.ts";
 * const a = tensor([[0, 0, 1], [1, 0, 2], [0, 1, 3]]), b = tensor([[1, 1, 2], [2, 1, 3], [0, 0, 4]]);
 * const c = tensor([1, 1, 1]);
 * const res = globalAlign([{ views: [0, 1], points: [a, b], confidence: [c, c] }], { sweeps: 3 });
 * console.log(res.objective.at(-1)! < 1e-20); // true (one pair is consistent with itself)
 * ```
 */
export function globalAlign(
  preds: readonly PairPrediction[],
  opts: GlobalAlignOptions = {},
): GlobalAlignResult {
  const fn = "globalAlign";
  checkOptions(fn, opts, {
    weights: "array",
    sweeps: "number",
    exponent: "number",
    init: "object",
    rays: "array",
  });
  const sizes = checkPredictions(preds);
  checkRays(fn, opts.rays, sizes);
  const p = opts.exponent ?? 2;
  if (p !== 1 && p !== 2) throw new RangeError(`${fn}: exponent must be 1 or 2, got ${String(p)}`);
  const sweeps = positiveIntOption(fn, "sweeps", opts.sweeps ?? 50);
  const w = opts.weights;
  if (w !== undefined) {
    if (w.length !== preds.length) {
      throw new RangeError(`${fn}: weights has ${w.length} pairs, predictions ${preds.length}`);
    }
    w.forEach((pw, e) =>
      [0, 1].forEach((k) => {
        if (pw[k].length !== preds[e].confidence[k].size) {
          throw new RangeError(
            `${fn}: weights[${e}][${k}] has ${pw[k].length} entries for ${
              preds[e].confidence[k].size
            } pixels`,
          );
        }
        if (pw[k].some((x) => !(x > 0 && x <= 1))) {
          throw new RangeError(`${fn}: weights[${e}][${k}] must lie in (0, 1]`);
        }
      })
    );
  }
  let al = opts.init ?? initAlignment(preds, solveWeights(preds, w, null), sizes);
  const objective = [alignmentObjective(preds, al, w, p)];
  for (let it = 0; it < sweeps; it++) {
    const om = solveWeights(preds, w, p === 1 ? alignmentResiduals(preds, al) : null);
    const next = updatePointMaps(preds, al, om, sizes, opts.rays);
    al = { ...next, transforms: updateTransforms(preds, next.pointMaps, om) };
    objective.push(alignmentObjective(preds, al, w, p));
  }
  return { ...al, objective };
}
