/** softmaxHeadGrads: closed form against grad of each sample's loss, and its own gradient. */
import assert from "node:assert/strict";
import {
  crossEntropy,
  grad,
  gradcheck,
  linear,
  mul,
  randn,
  sliceRows,
  sum,
  type Tensor,
} from "../../../mod.ts";
import { softmaxHeadGrads } from "../../../methods/distill/mod.ts";
import { maxDiff } from "./_helpers.ts";

const B = 5, H = 4, C = 3;
const feats = randn([B, H], { seed: 1 }),
  w = randn([C, H], { seed: 2 }),
  b = randn([C], { seed: 3 });
const labels = [0, 2, 1, 1, 0];

Deno.test("softmaxHeadGrads: each sample's slice is grad of its own cross-entropy w.r.t. [W | b]", () => {
  const g = softmaxHeadGrads(feats, w, b, labels);
  assert.deepEqual(g.shape, [B, C, H + 1]);
  for (let s = 0; s < B; s++) {
    const x = sliceRows(feats, s, s + 1);
    const [gw, gb] = grad(
      (ww: Tensor, bb: Tensor) => crossEntropy(linear(x, ww, bb), [labels[s]]),
      { argnums: [0, 1] },
    )(w, b) as Tensor[];
    for (let c = 0; c < C; c++) {
      const row = g.data.subarray((s * C + c) * (H + 1), (s * C + c + 1) * (H + 1));
      assert.ok(maxDiff(row.subarray(0, H), gw.data.subarray(c * H, (c + 1) * H)) < 1e-14);
      assert.ok(Math.abs(row[H] - gb.data[c]) < 1e-14);
    }
  }
});

Deno.test("softmaxHeadGrads: without a bias the slices are [B, C, h] and match grad w.r.t. W", () => {
  const g = softmaxHeadGrads(feats, w, undefined, labels);
  assert.deepEqual(g.shape, [B, C, H]);
  const x = sliceRows(feats, 2, 3);
  const gw = grad((ww: Tensor) => crossEntropy(linear(x, ww), [labels[2]]))(w);
  assert.ok(maxDiff(g.data.subarray(2 * C * H, 3 * C * H), gw.data) < 1e-14);
});

Deno.test("softmaxHeadGrads: the mean over samples is the gradient of the mean loss", () => {
  const g = softmaxHeadGrads(feats, w, b, labels);
  const gw = grad((ww: Tensor) => crossEntropy(linear(feats, ww, b), labels))(w);
  for (let c = 0; c < C; c++) {
    for (let j = 0; j < H; j++) {
      let m = 0;
      for (let s = 0; s < B; s++) m += g.data[(s * C + c) * (H + 1) + j] / B;
      assert.ok(Math.abs(m - gw.data[c * H + j]) < 1e-14);
    }
  }
});

Deno.test("softmaxHeadGrads: differentiable in features, weight and bias (gradcheck)", () => {
  const probe = randn([B, C, H + 1], { seed: 4 });
  const f = (x: Tensor, ww: Tensor, bb: Tensor): Tensor =>
    sum(mul(softmaxHeadGrads(x, ww, bb, labels), probe));
  const r = gradcheck(f, [feats, w, b]);
  assert.ok(r.ok, JSON.stringify(r));
});

Deno.test("softmaxHeadGrads: bad input is an error naming it", () => {
  assert.throws(() => softmaxHeadGrads(feats, w, b, [0, 1]), /2 labels for 5 samples/);
  assert.throws(() => softmaxHeadGrads(feats, w, b, [0, 1, 3, 0, 0]), /labels\[2\].*got 3/);
  assert.throws(() => softmaxHeadGrads(feats, randn([C, 2]), b, labels), /B×h and weight C×h/);
  assert.throws(() => softmaxHeadGrads(feats, w, randn([2]), labels), /bias must have shape \[3\]/);
});
