/**
 * The start of DUSt3R's global alignment (Wang et al., CVPR 2024, §3.4): a maximum spanning tree
 * over the pairs, and the gauge `Π σ_e = 1` (spec `compression_optim_attention.md` §9).
 *
 * @module
 */
import type { GlobalAlignment, PairPrediction } from "./global_align.ts";
import {
  applySimilarity,
  pairMoments,
  procrustesRotation,
  type Similarity,
  similarityFromMoments,
} from "./similarity.ts";

/**
 * The two arrays one after the other.
 *
 * @example
 * ```ts
 * import { stack } from "./align_init.ts";
 * console.log(stack([1, 2], [3])); // Float64Array [1, 2, 3]
 * ```
 */
export function stack(a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  const out = new Float64Array(a.length + b.length);
  out.set(a as ArrayLike<number>);
  out.set(b as ArrayLike<number>, a.length);
  return out;
}

/**
 * Divides all world coordinates by the geometric mean of the scales, so that `Π σ_e = 1` (the
 * objective only scales by a constant; the initialisation has no poses yet).
 *
 * @example
 * ```ts
 * import { fixGauge } from "./align_init.ts";
 * const id = new Float64Array([1, 0, 0, 0, 1, 0, 0, 0, 1]);
 * const t = (scale: number) => ({ scale, rotation: id, translation: new Float64Array([scale, 0, 0]) });
 * const al = fixGauge({ pointMaps: [new Float64Array([4, 0, 0])], transforms: [t(1), t(4)] });
 * console.log(al.transforms.map((x) => x.scale), al.pointMaps[0]); // [0.5, 2] Float64Array [2, 0, 0]
 * ```
 */
export function fixGauge(al: GlobalAlignment): GlobalAlignment {
  const g = Math.exp(
    al.transforms.reduce((s, t) => s + Math.log(t.scale), 0) / al.transforms.length,
  );
  return {
    pointMaps: al.pointMaps.map((c) => c.map((x) => x / g)),
    transforms: al.transforms.map((t) => ({
      scale: t.scale / g,
      rotation: t.rotation,
      translation: t.translation.map((x) => x / g),
    })),
  };
}

/**
 * DUSt3R's initialisation by a maximum spanning tree: place the most confident pair in its own
 * frame, then repeatedly fit (weighted Umeyama) the most confident pair that shares a placed view
 * and place its other view; finally fit every remaining pair to the placed maps. `om` holds the
 * weights `w C` per pair and view, `sizes` the pixel count of each view.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { initAlignment } from "./align_init.ts";
 * const a = tensor([[0, 0, 1], [1, 0, 2], [0, 1, 3]]), c = tensor([1, 1, 1]);
 * const w = new Float64Array([1, 1, 1]);
 * const al = initAlignment([{ views: [0, 1], points: [a, a], confidence: [c, c] }], [[w, w]], [3, 3]);
 * console.log(al.transforms[0].scale, al.pointMaps[1]); // 1 Float64Array [0, 0, 1, 1, 0, 2, 0, 1, 3]
 * ```
 */
export function initAlignment(
  preds: readonly PairPrediction[],
  om: [Float64Array, Float64Array][],
  sizes: number[],
): GlobalAlignment {
  const score = om.map(([a, b]) =>
    (a.reduce((s, x) => s + x, 0) + b.reduce((s, x) => s + x, 0)) / (a.length + b.length)
  );
  const order = preds.map((_, e) => e).sort((x, y) => score[y] - score[x]);
  const chi: (Float64Array | undefined)[] = sizes.map(() => undefined);
  const transforms: (Similarity | undefined)[] = preds.map(() => undefined);
  const e0 = order[0];
  transforms[e0] = {
    scale: 1,
    rotation: new Float64Array([1, 0, 0, 0, 1, 0, 0, 0, 1]),
    translation: new Float64Array(3),
  };
  for (let k = 0; k < 2; k++) chi[preds[e0].views[k]] = Float64Array.from(preds[e0].points[k].data);
  for (let placed = true; placed;) {
    placed = false;
    for (const e of order) {
      const p = preds[e];
      if (transforms[e] || (!chi[p.views[0]] && !chi[p.views[1]])) continue;
      const ks = [0, 1].filter((k) => chi[p.views[k]]);
      const x = ks.map((k) => p.points[k].data).reduce((a, b) => stack(a, b), new Float64Array());
      const y = ks.map((k) => chi[p.views[k]]!).reduce((a, b) => stack(a, b), new Float64Array());
      const w = ks.map((k) => om[e][k]).reduce((a, b) => stack(a, b), new Float64Array());
      const m = pairMoments(x, y, w);
      const { rotation, trace } = procrustesRotation(m.cov);
      transforms[e] = similarityFromMoments(m, rotation, trace / m.sxx);
      for (let k = 0; k < 2; k++) {
        chi[p.views[k]] ??= applySimilarity(transforms[e]!, p.points[k].data);
      }
      placed = true;
      break; // re-scan from the most confident pair
    }
  }
  const missing = sizes.map((_, v) => v).filter((v) => !chi[v]);
  if (missing.length) {
    throw new RangeError(`globalAlign: views ${missing} are not connected to the rest`);
  }
  return fixGauge({ pointMaps: chi as Float64Array[], transforms: transforms as Similarity[] });
}
