/**
 * The fitted EigenTrajectory space of one fold (Bae et al., ICCV 2023; spec §2–§4): for each of
 * the static and moving groups, frozen history and future bases and S anchors, plus encoding of
 * agent-windows into that space and decoding of S coefficient sets back to metres.
 *
 * @module
 */
import { checkOptions } from "../../ops/options.ts";
import { Tensor } from "../../ops/tensor.ts";
import { type Anchors, fitAnchors } from "./anchors.ts";
import { concatSets, mirrorY, splitHistoryFuture, type TrajectorySet } from "./dataset.ts";
import { fitBasis, project, type TrajectoryBasis } from "./descriptor.ts";
import { movingMask, normalizePoints, type NormParams, normParams } from "./normalize.ts";

/**
 * Group ids: 0 = static (λ = 1), 1 = moving (λ = 2/‖d‖).
 *
 * @example
 * ```ts
 * import { GROUP_NAMES } from "./model.ts";
 * console.log(GROUP_NAMES[1]); // moving
 * ```
 */
export const GROUP_NAMES: readonly ["static", "moving"] = ["static", "moving"];

/** Bases and anchors of one group. */
export interface ETGroup {
  /** History basis, `2·obsLen × k`. */
  readonly hist: TrajectoryBasis;
  /** Future basis, `2·predLen × k`. */
  readonly fut: TrajectoryBasis;
  /** Anchors in the future basis. */
  readonly anchors: Anchors;
  /** Number of (augmented) agent-windows the group was fitted on. */
  readonly count: number;
}

/** A fitted ET space: `groups[0]` static, `groups[1]` moving. */
export interface ETModel {
  /** Observed steps. */
  readonly obsLen: number;
  /** Future steps. */
  readonly predLen: number;
  /** Basis size k. */
  readonly k: number;
  /** Number of anchors (modes) S. */
  readonly modes: number;
  /** Moving/static threshold in metres per step. */
  readonly staticDist: number;
  /** Static and moving group. */
  readonly groups: readonly [ETGroup, ETGroup];
}

/** Options of {@link fitEigenTrajectory}. */
export interface ETOptions {
  /** The fold's `static_dist` (spec §7), required. */
  staticDist: number;
  /** Basis size for history and future (default 6). */
  k?: number;
  /** Number of anchors S (default 20); 0 fits the bases only. */
  modes?: number;
  /** k-means seed (default 0). */
  seed?: number;
  /** k-means restarts (default 10). */
  nInit?: number;
  /** Append the y-mirrored copy before fitting (default true, spec §3.1). */
  mirror?: boolean;
  /** Basis decomposition (default "gram", see `fitBasis`). */
  basisMethod?: "gram" | "svd";
}

/** Agent-windows expressed in an ET space. */
export interface Encoded {
  /** Number of agents. */
  readonly count: number;
  /** Group of each agent (0 static, 1 moving). */
  readonly group: Uint8Array;
  /** Per-agent canonical-frame parameters. */
  readonly params: NormParams;
  /** Normalized histories, `count × obsLen × 2`. */
  readonly history: Float64Array;
  /** Normalized futures, `count × predLen × 2`. */
  readonly future: Float64Array;
  /** History coefficients in the agent's own group basis, `count × k`. */
  readonly cObs: Float64Array;
  /** True-future coefficients in the agent's own group basis, `count × k`. */
  readonly cFut: Float64Array;
}

/**
 * Encodes every agent-window of `set`: group by the moving/static rule, canonical frame, and
 * projection of history and future on the group's bases (spec §2, §3.4, §3.5).
 *
 * @example
 * ```ts
 * import { syntheticScenes } from "./synthetic.ts";
 * import { encode, fitEigenTrajectory } from "./model.ts";
 * const set = syntheticScenes({ scenes: 60, seed: 1 });
 * const m = fitEigenTrajectory(set, { staticDist: 0.35, modes: 5, nInit: 2 });
 * console.log(encode(m, set).cObs.length === set.count * 6); // true
 * ```
 */
export function encode(model: ETModel, set: TrajectorySet): Encoded {
  if (set.obsLen !== model.obsLen || set.predLen !== model.predLen) {
    throw new RangeError(
      `encode: set has lengths ${set.obsLen}/${set.predLen}, model ${model.obsLen}/${model.predLen}`,
    );
  }
  const { history, future } = splitHistoryFuture(set);
  const group = movingMask(history, set.obsLen, model.staticDist);
  const params = normParams(history, set.obsLen, group);
  const hn = normalizePoints(history, params), fn = normalizePoints(future, params);
  const cObs = new Float64Array(set.count * model.k), cFut = new Float64Array(set.count * model.k);
  for (const g of [0, 1]) {
    const idx = indicesOf(group, g);
    if (idx.length === 0) continue;
    scatterRows(project(model.groups[g].hist, gatherRows(hn, idx, 2 * set.obsLen)), idx, cObs);
    scatterRows(project(model.groups[g].fut, gatherRows(fn, idx, 2 * set.predLen)), idx, cFut);
  }
  return { count: set.count, group, params, history: hn, future: fn, cObs, cFut };
}

/**
 * Fits the ET space of a fold on its train+val agent-windows (spec §3.1): mirror augmentation,
 * moving/static split, per-group canonical frames, truncated-SVD bases (§3.3) and k-means++
 * anchors of the future coefficients (§4.1).
 *
 * @example
 * ```ts
 * import { syntheticScenes } from "./synthetic.ts";
 * import { fitEigenTrajectory } from "./model.ts";
 * const m = fitEigenTrajectory(syntheticScenes({ scenes: 60 }), { staticDist: 0.35, modes: 5, nInit: 2 });
 * console.log(m.groups[1].anchors.centroids.shape); // [5, 6]
 * ```
 */
export function fitEigenTrajectory(fit: TrajectorySet, opts: ETOptions): ETModel {
  checkOptions("fitEigenTrajectory", opts, {
    staticDist: "number",
    k: "number",
    modes: "number",
    seed: "number",
    nInit: "number",
    mirror: "boolean",
    basisMethod: "string",
  });
  const k = opts.k ?? 6, modes = opts.modes ?? 20;
  if (!Number.isInteger(modes) || modes < 0) {
    throw new RangeError(`fitEigenTrajectory: modes must be an integer ≥ 0, got ${modes}`);
  }
  if (!Number.isFinite(opts.staticDist) || opts.staticDist < 0) {
    throw new RangeError(
      `fitEigenTrajectory: staticDist must be finite and ≥ 0, got ${opts.staticDist}`,
    );
  }
  if (!Number.isInteger(k) || k < 1 || k > 2 * Math.min(fit.obsLen, fit.predLen)) {
    throw new RangeError(
      `fitEigenTrajectory: k must be an integer in [1, ${
        2 * Math.min(fit.obsLen, fit.predLen)
      }], got ${k}`,
    );
  }
  const canon = canonicalGroups(fit, opts.staticDist, opts.mirror ?? true);
  const groups = canon.map((c, g) => {
    const count = c.history.shape[0];
    if (count < modes) {
      throw new RangeError(
        `fitEigenTrajectory: the ${
          GROUP_NAMES[g]
        } group has ${count} agent-windows, fewer than the ${modes} anchors`,
      );
    }
    const hist = fitBasis(c.history, k, { method: opts.basisMethod });
    const fut = fitBasis(c.future, k, { method: opts.basisMethod });
    // modes = 0 fits the descriptor alone (no k-means), e.g. for reconstruction studies.
    const anchors = modes === 0
      ? {
        centroids: new Tensor(new Float64Array(0), [0, k]),
        inertia: 0,
        labels: new Int32Array(0),
      }
      : fitAnchors(project(fut, c.future), modes, {
        seed: opts.seed ?? 0,
        nInit: opts.nInit ?? 10,
      });
    return { hist, fut, anchors, count };
  });
  return {
    obsLen: fit.obsLen,
    predLen: fit.predLen,
    k,
    modes,
    staticDist: opts.staticDist,
    groups: [groups[0], groups[1]],
  };
}

/** The canonical-frame fitting matrices of one group. */
export interface GroupMatrices {
  /** Normalized histories, one flattened trajectory per row (`N × 2·obsLen`). */
  readonly history: Tensor;
  /** Normalized futures (`N × 2·predLen`). */
  readonly future: Tensor;
}

/**
 * The fitting data of spec §3.1–3.2 before any decomposition: the set plus (by default) its
 * y-mirrored copy, split into static (index 0) and moving (index 1) agents, each normalized
 * with its group's rule and flattened one trajectory per row.
 *
 * @example
 * ```ts
 * import { syntheticScenes } from "./synthetic.ts";
 * import { canonicalGroups } from "./model.ts";
 * const set = syntheticScenes({ scenes: 10 });
 * const [st, mv] = canonicalGroups(set, 0.35);
 * console.log(st.history.shape[0] + mv.history.shape[0] === 2 * set.count); // true
 * ```
 */
export function canonicalGroups(
  set: TrajectorySet,
  staticDist: number,
  mirror = true,
): [GroupMatrices, GroupMatrices] {
  const data = mirror ? concatSets([set, mirrorY(set)]) : set;
  const { history, future } = splitHistoryFuture(data);
  const group = movingMask(history, data.obsLen, staticDist);
  const params = normParams(history, data.obsLen, group);
  const hn = normalizePoints(history, params), fn = normalizePoints(future, params);
  const out = [0, 1].map((g) => {
    const idx = indicesOf(group, g);
    return {
      history: gatherRows(hn, idx, 2 * data.obsLen),
      future: gatherRows(fn, idx, 2 * data.predLen),
    };
  });
  return [out[0], out[1]];
}

/**
 * Decodes per-agent, per-mode future coefficients (`modes × count × k`, mode-major; `modes`
 * defaults to the model's S, and 1 decodes e.g. `enc.cFut`) to
 * `modes × count × predLen × 2` positions in metres: reconstruction with each agent's group
 * future basis, then its inverse canonical transform (spec §4.2).
 *
 * @example
 * ```ts
 * import { syntheticScenes } from "./synthetic.ts";
 * import { anchorCoefficients, decodeFutures, encode, fitEigenTrajectory } from "./model.ts";
 * const set = syntheticScenes({ scenes: 60 });
 * const m = fitEigenTrajectory(set, { staticDist: 0.35, modes: 5, nInit: 2 });
 * const e = encode(m, set);
 * console.log(decodeFutures(m, e, anchorCoefficients(m, e)).length === 5 * set.count * 24); // true
 * ```
 */
export function decodeFutures(
  model: ETModel,
  enc: Encoded,
  coefficients: Float64Array,
  modes: number = model.modes,
): Float64Array {
  const { k, predLen } = model, n = enc.count;
  if (coefficients.length !== modes * n * k) {
    throw new RangeError(
      `decodeFutures: coefficients has ${coefficients.length} values, expected ${modes}×${n}×${k}`,
    );
  }
  // One fused pass (reconstruction v = U_k·c, then the inverse transform of each point):
  // gathering rows per group for a GEMM costs more than the 24×k products themselves.
  const w = 2 * predLen, out = new Float64Array(modes * n * w), p = enc.params;
  const bases = [model.groups[0].fut.u.data, model.groups[1].fut.u.data];
  for (let i = 0; i < n; i++) {
    const u = bases[enc.group[i]];
    const c = p.cos[i], sn = p.sin[i], l = p.scale[i], ox = p.ox[i], oy = p.oy[i];
    for (let s = 0; s < modes; s++) {
      const co = (s * n + i) * k, o = (s * n + i) * w;
      for (let t = 0; t < predLen; t++) {
        let vx = 0, vy = 0;
        for (let q = 0; q < k; q++) {
          vx += u[2 * t * k + q] * coefficients[co + q];
          vy += u[(2 * t + 1) * k + q] * coefficients[co + q];
        }
        const a = vx / l, b = vy / l;
        out[o + 2 * t] = ox + a * c - b * sn;
        out[o + 2 * t + 1] = oy + a * sn + b * c;
      }
    }
  }
  return out;
}

/**
 * The anchors-only coefficients (residual r = 0, spec §4.2): `modes × count × k`, mode s of
 * agent i being anchor s of i's group.
 *
 * @example
 * ```ts
 * import { syntheticScenes } from "./synthetic.ts";
 * import { anchorCoefficients, encode, fitEigenTrajectory } from "./model.ts";
 * const set = syntheticScenes({ scenes: 60 });
 * const m = fitEigenTrajectory(set, { staticDist: 0.35, modes: 5, nInit: 2 });
 * console.log(anchorCoefficients(m, encode(m, set)).length === 5 * set.count * 6); // true
 * ```
 */
export function anchorCoefficients(model: ETModel, enc: Encoded): Float64Array {
  const { k, modes } = model, n = enc.count;
  const out = new Float64Array(modes * n * k);
  for (let s = 0; s < modes; s++) {
    for (let i = 0; i < n; i++) {
      const a = model.groups[enc.group[i]].anchors.centroids.data;
      out.set(a.subarray(s * k, (s + 1) * k), (s * n + i) * k);
    }
  }
  return out;
}

/** Indices `i` with `mask[i] === g`. */
function indicesOf(mask: Uint8Array, g: number): Int32Array {
  let c = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] === g) c++;
  const idx = new Int32Array(c);
  for (let i = 0, j = 0; i < mask.length; i++) if (mask[i] === g) idx[j++] = i;
  return idx;
}

function gatherRows(src: Float64Array, idx: Int32Array, width: number): Tensor {
  const out = new Float64Array(idx.length * width);
  for (let j = 0; j < idx.length; j++) {
    const o = idx[j] * width;
    for (let c = 0; c < width; c++) out[j * width + c] = src[o + c];
  }
  return new Tensor(out, [idx.length, width]);
}

function scatterRows(t: Tensor, idx: Int32Array, dst: Float64Array): void {
  const width = t.shape[1], d = t.data;
  for (let j = 0; j < idx.length; j++) {
    const o = idx[j] * width;
    for (let c = 0; c < width; c++) dst[o + c] = d[j * width + c];
  }
}
