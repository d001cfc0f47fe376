/**
 * The winner-takes-all training losses of the ET predictor (Bae et al., ICCV 2023; spec §4.3):
 * L_ET + L_ADE + L_FDE, each a min over the S modes taken independently, as one fused
 * differentiable op with a hand-written backward pass, optionally relaxed.
 *
 * @module
 */
import { record } from "../../ops/autograd/tape.ts";
import { Tensor, type TensorData } from "../../ops/tensor.ts";
import type { ETModel } from "./model.ts";

/** Per-batch constants of the winner-take-all loss (B agents). */
export interface LossBatch {
  /** Anchors of each agent's group, `B × S × k` (added to the residuals by {@link refine}). */
  readonly anchors: Tensor;
  /** Group of each agent (0 static, 1 moving): selects the future basis. */
  readonly group: Uint8Array;
  /** True future coefficients, `B × k`. */
  readonly cFut: Float64Array;
  /** Normalized true futures, `B × predLen × 2`. */
  readonly future: Float64Array;
  /** 1/λ per agent: turns canonical-frame distances into metres. */
  readonly invScale: Float64Array;
}

/** The loss terms of one batch; `total` is differentiable, the parts are for logging. */
export interface WtaLoss {
  /** L_ET + L_ADE + L_FDE as a scalar tensor. */
  readonly total: Tensor;
  /** L_ET: mean over agents of the min over modes of ‖ĉ_s − c_gt‖. */
  readonly et: number;
  /** L_ADE in metres. */
  readonly ade: number;
  /** L_FDE in metres. */
  readonly fde: number;
}

/** Keeps the distance gradient finite at an exact hit. */
const EPS = 1e-12;

/** Options of {@link wtaLoss}. */
export interface WtaOptions {
  /**
   * Relaxed winner-takes-all weight ε in [0, 1) (Rupprecht et al., "Learning in an Uncertain
   * World", ICCV 2017): each term becomes (1 − ε)·d_winner + ε·mean_s d_s, so modes that never
   * win for an input still drift towards that input's futures instead of staying at their
   * anchors. Default 0: the hard min of spec §4.3.
   */
  relax?: number;
}

/**
 * The three winner-take-all losses of spec §4.3 for refined coefficients `c` (`B × S × k`),
 * as one fused differentiable op: L_ET in coefficient space, L_ADE and L_FDE in metres after
 * reconstruction with each agent's group basis (distances in the canonical frame times 1/λ,
 * since the inverse transform is a rotation and a uniform scale). The min over modes is taken
 * separately for each term, and its gradient flows through the winning mode only (with
 * `relax` ε > 0, weight ε/S also reaches every mode). Fusing avoids materialising
 * `B × S × T × 2` intermediates on the tape. The logged parts are always the hard minima.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { wtaLoss } from "./wta_loss.ts";
 * const u = tensor([[1], [0]]); // T = 1, k = 1: the path is (c, 0)
 * const m = { predLen: 1, groups: [{ fut: { u } }, { fut: { u } }] };
 * const b = {
 *   anchors: tensor([[[0], [0]]]), group: new Uint8Array([0]), cFut: new Float64Array([1]),
 *   future: new Float64Array([1, 0]), invScale: new Float64Array([1]),
 * };
 * const l = wtaLoss(m as never, tensor([[[3], [1.5]]]), b);
 * console.log(l.et, l.ade, l.fde, l.total.data[0]); // 0.5 0.5 0.5 1.5
 * ```
 */
export function wtaLoss(model: ETModel, c: Tensor, b: LossBatch, opts: WtaOptions = {}): WtaLoss {
  const [B, S, k] = c.shape, T = model.predLen, W = 2 * T;
  if (
    c.ndim !== 3 || b.group.length !== B || b.cFut.length !== B * k || b.future.length !== B * W
  ) {
    throw new RangeError(`wtaLoss: c is ${c.shape.join("x")}, the batch does not match it`);
  }
  const relax = opts.relax ?? 0;
  if (!(relax >= 0 && relax < 1)) {
    throw new RangeError(`wtaLoss: relax must be in [0, 1), got ${relax}`);
  }
  const bases = [model.groups[0].fut.u.data, model.groups[1].fut.u.data];
  const cd = c.data, y = new Float64Array(W);
  const win = new Int32Array(3 * B); // winners of ET, ADE, FDE per agent
  const dist = new Float64Array(3 * S); // this agent's ET, ADE, FDE distance per mode
  let et = 0, ade = 0, fde = 0, total = 0;
  for (let i = 0; i < B; i++) {
    modeDistances(cd, b, bases, i, S, k, T, y, dist);
    const best = [Infinity, Infinity, Infinity];
    for (let term = 0; term < 3; term++) {
      let mean = 0;
      for (let s = 0; s < S; s++) {
        const d = dist[term * S + s];
        mean += d / S;
        if (d < best[term]) [best[term], win[3 * i + term]] = [d, s];
      }
      total += (1 - relax) * best[term] + relax * mean;
    }
    et += best[0];
    ade += best[1];
    fde += best[2];
  }
  const out = new Tensor(new Float64Array([total / B]), []);
  const back = { relax, bases, win, T };
  const loss = record("wtaLoss", out, [c], (g) => [wtaBackward(g.data[0] / B, c, b, back)]);
  return { total: loss, et: et / B, ade: ade / B, fde: fde / B };
}

/** ET, ADE and FDE distances of every mode of agent `i` into `dist` (`3 × S`). */
function modeDistances(
  cd: TensorData,
  b: LossBatch,
  bases: TensorData[],
  i: number,
  S: number,
  k: number,
  T: number,
  y: Float64Array,
  dist: Float64Array,
): void {
  const W = 2 * T, u = bases[b.group[i]], inv = b.invScale[i];
  for (let s = 0; s < S; s++) {
    const co = (i * S + s) * k;
    let d2 = 0;
    for (let q = 0; q < k; q++) d2 += (cd[co + q] - b.cFut[i * k + q]) ** 2;
    for (let r = 0; r < W; r++) {
      let v = 0;
      for (let q = 0; q < k; q++) v += u[r * k + q] * cd[co + q];
      y[r] = v;
    }
    let sum = 0, last = 0;
    for (let t = 0; t < T; t++) {
      const dx = y[2 * t] - b.future[i * W + 2 * t];
      const dy = y[2 * t + 1] - b.future[i * W + 2 * t + 1];
      last = Math.sqrt(dx * dx + dy * dy + EPS) * inv;
      sum += last;
    }
    dist[s] = Math.sqrt(d2 + EPS);
    dist[S + s] = sum / T;
    dist[2 * S + s] = last;
  }
}

/** What the backward pass needs from the forward pass. */
interface WtaSaved {
  relax: number;
  bases: TensorData[];
  win: Int32Array;
  T: number;
}

/** Gradient of the fused loss with respect to `c`; `w` is the upstream gradient over B. */
function wtaBackward(w: number, c: Tensor, b: LossBatch, sv: WtaSaved): Tensor {
  const [B, S, k] = c.shape, { relax, win } = sv;
  const grad = new Float64Array(c.data.length);
  const buf = { dy: new Float64Array(2 * sv.T), y: new Float64Array(2 * sv.T) };
  const wt = new Float64Array(3);
  for (let i = 0; i < B; i++) {
    for (let s = 0; s < S; s++) {
      // Weight of mode s in each term: (1 − ε) for the winner, plus ε/S for every mode.
      for (let t = 0; t < 3; t++) wt[t] = (win[3 * i + t] === s ? 1 - relax : 0) + relax / S;
      if (wt[0] === 0 && wt[1] === 0 && wt[2] === 0) continue;
      modeGradient(w, c, b, sv, i, s, wt, grad, buf);
    }
  }
  return new Tensor(grad, [B, S, k]);
}

/** Adds the gradient of mode `s` of agent `i`, its terms weighted by `wt`, to `grad`. */
function modeGradient(
  w: number,
  c: Tensor,
  b: LossBatch,
  sv: WtaSaved,
  i: number,
  s: number,
  wt: Float64Array,
  grad: Float64Array,
  buf: { dy: Float64Array; y: Float64Array },
): void {
  const [, S, k] = c.shape, T = sv.T, W = 2 * T, cd = c.data;
  const u = sv.bases[b.group[i]], inv = b.invScale[i], co = (i * S + s) * k, { dy, y } = buf;
  if (wt[0] !== 0) {
    // L_ET: d‖c − c_gt‖/dc = (c − c_gt)/‖c − c_gt‖.
    let d2 = 0;
    for (let q = 0; q < k; q++) d2 += (cd[co + q] - b.cFut[i * k + q]) ** 2;
    const f = (w * wt[0]) / Math.sqrt(d2 + EPS);
    for (let q = 0; q < k; q++) grad[co + q] += f * (cd[co + q] - b.cFut[i * k + q]);
  }
  if (wt[1] === 0 && wt[2] === 0) return;
  // L_ADE (all steps, weight 1/T) and L_FDE (last step) through y = U·c.
  for (let r = 0; r < W; r++) {
    let v = 0;
    for (let q = 0; q < k; q++) v += u[r * k + q] * cd[co + q];
    y[r] = v;
  }
  for (let t = 0; t < T; t++) {
    const dx = y[2 * t] - b.future[i * W + 2 * t], dyy = y[2 * t + 1] - b.future[i * W + 2 * t + 1];
    const weight = wt[1] / T + (t === T - 1 ? wt[2] : 0);
    const f = (w * weight * inv) / Math.sqrt(dx * dx + dyy * dyy + EPS);
    dy[2 * t] = f * dx;
    dy[2 * t + 1] = f * dyy;
  }
  for (let r = 0; r < W; r++) {
    if (dy[r] === 0) continue;
    for (let q = 0; q < k; q++) grad[co + q] += u[r * k + q] * dy[r];
  }
}
