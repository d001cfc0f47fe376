import assert from "node:assert/strict";
import { gradcheck } from "../../../ops/autograd/gradcheck.ts";
import * as ad from "../../../ops/autograd/ops.ts";
import { randn } from "../../../ops/random.ts";
import { Tensor } from "../../../ops/tensor.ts";
import { splitHistoryFuture } from "../../../methods/trajectory/dataset.ts";
import { encode, fitEigenTrajectory } from "../../../methods/trajectory/model.ts";
import {
  applySocial,
  initSocial,
  NEIGHBOUR_WIDTH,
  neighbourFeatures,
  type SocialParams,
} from "../../../methods/trajectory/social.ts";
import { syntheticScenes } from "../../../methods/trajectory/synthetic.ts";

const W = NEIGHBOUR_WIDTH;
const SET = syntheticScenes({ scenes: 40, seed: 9 });
const MODEL = fitEigenTrajectory(SET, { staticDist: 0.35, modes: 3, nInit: 1 });

/** Mask with a full row, a partial row and an empty row (B = 3, P = 3). */
const MASK = new Tensor(new Float64Array([1, 1, 1, 1, 0, 1, 0, 0, 0]), [3, 3]);

/** The layer's formula written as plain loops: an independent reference. */
function naiveSocial(p: SocialParams, x: Tensor, nb: Tensor, mask: Tensor): Float64Array {
  const [B, P] = mask.shape, F = x.shape[1], dim = p.key.weight.shape[0];
  const out = new Float64Array(B * dim);
  for (let i = 0; i < B; i++) {
    const g: number[][] = [], score: number[] = [];
    for (let j = 0; j < P; j++) {
      const h = Array.from({ length: dim }, (_, d) => {
        let v = p.query.bias?.data[d] ?? 0;
        for (let c = 0; c < F; c++) v += p.query.weight.data[d * F + c] * x.data[i * F + c];
        for (let c = 0; c < W; c++) {
          v += p.key.weight.data[d * W + c] * nb.data[(i * P + j) * W + c];
        }
        return Math.max(0, v);
      });
      g.push(h);
      score.push(h.reduce((a, v, d) => a + v * p.score.weight.data[d], 0));
    }
    const present = [...Array(P).keys()].filter((j) => mask.data[i * P + j] > 0);
    if (present.length === 0) continue;
    const top = Math.max(...present.map((j) => score[j]));
    const z = present.reduce((a, j) => a + Math.exp(score[j] - top), 0);
    for (const j of present) {
      const a = Math.exp(score[j] - top) / z;
      for (let d = 0; d < dim; d++) out[i * dim + d] += a * g[j][d];
    }
  }
  return out;
}

Deno.test("applySocial equals a loop implementation of the attention formula", () => {
  const p = initSocial(5, 6, { seed: 2 });
  const x = randn([3, 5], { seed: 3 }), nb = randn([3, 3, W], { seed: 4 });
  const got = applySocial(p, x, nb, MASK).data, want = naiveSocial(p, x, nb, MASK);
  const tol = 1e-13 * (5 + W) * 3;
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= tol, `entry ${i}`);
  // The agent without neighbours pools to exactly 0.
  assert.ok(got.subarray(12, 18).every((v) => v === 0));
});

Deno.test("applySocial passes a finite-difference gradient check in weights, x and nb", () => {
  const p = initSocial(4, 5, { seed: 5 });
  const x = randn([3, 4], { seed: 6 }), nb = randn([3, 3, W], { seed: 7 });
  // A fixed random projection makes the scalar depend on every output entry.
  const proj = randn([3, 5], { seed: 8 });
  const f = (kw: Tensor, qw: Tensor, qb: Tensor, sw: Tensor, xx: Tensor, nn: Tensor): Tensor => {
    const out = applySocial(
      { key: { weight: kw }, query: { weight: qw, bias: qb }, score: { weight: sw } },
      xx,
      nn,
      MASK,
    );
    return ad.sum(ad.mul(out, proj));
  };
  const r = gradcheck(f, [
    p.key.weight,
    p.query.weight,
    p.query.bias as Tensor,
    p.score.weight,
    x,
    nb,
  ], { eps: 1e-6, tol: 1e-6 });
  assert.ok(r.ok, `gradcheck max error ${r.maxError} at ${JSON.stringify(r.worst)}`);
});

Deno.test("applySocial ignores padding and the order of the neighbour slots", () => {
  const p = initSocial(3, 4, { seed: 9 });
  const x = randn([3, 3], { seed: 10 }), nb = randn([3, 3, W], { seed: 11 });
  const base = applySocial(p, x, nb, MASK).data;
  // Garbage in the empty slots (row 1 slot 1, all of row 2) changes nothing.
  const padded = nb.clone();
  for (const slot of [4, 6, 7, 8]) for (let c = 0; c < W; c++) padded.data[slot * W + c] = 1e3;
  assert.deepEqual(applySocial(p, x, padded, MASK).data, base);
  // Reversing the slots of the full row 0 permutes a sum: the same up to round-off.
  const rev = nb.clone();
  for (let j = 0; j < 3; j++) {
    rev.data.set(nb.data.subarray((2 - j) * W, (3 - j) * W), j * W);
  }
  const out = applySocial(p, x, rev, MASK).data;
  for (let d = 0; d < 4; d++) assert.ok(Math.abs(out[d] - base[d]) < 1e-14 * 10);
  assert.throws(() => applySocial(p, x, randn([3, 3, 5]), MASK), /applySocial: x is 3x3/);
});

Deno.test("neighbourFeatures: nearest first within the radius, invariant to rotation and translation", () => {
  assert.ok(encode(MODEL, SET).group.includes(1) && encode(MODEL, SET).group.includes(0));
  const enc = encode(MODEL, SET), P = 4, radius = 3;
  const nb = neighbourFeatures(SET, enc, { slots: P, radius });
  const { history } = splitHistoryFuture(SET), To = SET.obsLen;
  const last = (i: number, c: number): number => history[(i * To + To - 1) * 2 + c];
  for (let s = 0; s + 1 < SET.sceneStart.length; s++) {
    const lo = SET.sceneStart[s], hi = SET.sceneStart[s + 1];
    for (let i = lo; i < hi; i++) {
      const d: number[] = [];
      for (let o = lo; o < hi; o++) {
        const r = Math.hypot(last(o, 0) - last(i, 0), last(o, 1) - last(i, 1));
        if (o !== i && r <= radius) d.push(r);
      }
      d.sort((a, b) => a - b);
      const present = nb.mask.subarray(i * P, (i + 1) * P).reduce((a, v) => a + v, 0);
      assert.equal(present, Math.min(P, d.length), `agent ${i}`);
      for (let p = 0; p < present; p++) {
        const row = nb.data.subarray((i * P + p) * W, (i * P + p + 1) * W);
        // In the agent's canonical units: metres times its λ (2/‖d‖ moving, 1 static).
        const want = d[p] * enc.params.scale[i];
        assert.ok(Math.abs(row[6] - want) < 1e-12, "distance slot, nearest first");
        assert.ok(Math.abs(Math.hypot(row[0], row[1]) - want) < 1e-12, "rotation keeps length");
      }
    }
  }
  const phi = -1.1, co = Math.cos(phi), si = Math.sin(phi);
  const p = SET.positions.map((v, i, a) =>
    i % 2 ? 3 + si * a[i - 1] + co * v : 7 + co * v - si * a[i + 1]
  );
  const moved = { ...SET, positions: p };
  const nb2 = neighbourFeatures(moved, encode(MODEL, moved), { slots: P, radius });
  assert.deepEqual(nb2.mask, nb.mask);
  let err = 0;
  for (let i = 0; i < nb.data.length; i++) err = Math.max(err, Math.abs(nb.data[i] - nb2.data[i]));
  assert.ok(err < 1e-9, `max change ${err}`);
  assert.throws(() => neighbourFeatures(SET, enc, { slots: 0 }), /slots must be a positive/);
  assert.throws(() => neighbourFeatures(SET, enc, { radius: 0 }), /radius must be > 0, got 0/);
});
