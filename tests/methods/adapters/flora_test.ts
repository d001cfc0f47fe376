import assert from "node:assert/strict";
import { unfold } from "../../../ops/linalg/unfold.ts";
import { matmul } from "../../../ops/matmul.ts";
import { randn, Rng } from "../../../ops/random.ts";
import { add } from "../../../ops/elementwise.ts";
import { type Tensor, zeros } from "../../../ops/tensor.ts";
import {
  flora,
  floraParamCount,
  type FloraState,
  floraToLora,
  modeMul,
} from "../../../methods/adapters/flora.ts";
import { lora, loraFromFactors } from "../../../methods/adapters/lora.ts";
import {
  checkDeltaGradients,
  checkMergeRoundTrip,
  maxAbs,
  maxDiff,
  probeGrads,
  rankOf,
} from "./helpers.ts";

function trained(st: FloraState, seed: number): FloraState {
  return { ...st, params: { ...st.params, g: randn([...st.params.g.shape], { seed }) } };
}

/** Naive 2-D convolution (stride 1, no padding), NCHW input, OIHW kernel. */
function conv2d(x: Tensor, k: Tensor): Tensor {
  const [n, c, h, w] = x.shape, [o, , kh, kw] = k.shape;
  const oh = h - kh + 1, ow = w - kw + 1;
  const y = zeros([n, o, oh, ow]);
  for (let b = 0; b < n; b++) {
    for (let oc = 0; oc < o; oc++) {
      for (let i = 0; i < oh; i++) {
        for (let j = 0; j < ow; j++) {
          let acc = 0;
          for (let ic = 0; ic < c; ic++) {
            for (let p = 0; p < kh; p++) {
              for (let q = 0; q < kw; q++) {
                acc += x.data[((b * c + ic) * h + i + p) * w + j + q] *
                  k.data[((oc * c + ic) * kh + p) * kw + q];
              }
            }
          }
          y.data[((b * o + oc) * oh + i) * ow + j] = acc;
        }
      }
    }
  }
  return y;
}

Deno.test("FLoRA: counts of the spec (linear 65,600; conv 9,228); ΔW = 0 at init, only G gets gradient", () => {
  assert.equal(floraParamCount([4096, 4096], [8, 8]), 65_600);
  assert.equal(floraParamCount([256, 256, 3, 3], [16, 16, 2, 2]), 9_228);
  assert.throws(() => floraParamCount([256, 256, 3, 3], [16, 16]), /ranks has 2 entries/);
  const st = flora.init(
    randn([6, 5, 3, 3], { seed: 0 }),
    { ranks: [3, 2, 2, 2], scale: 4 },
    new Rng(1),
  );
  assert.equal(flora.paramCount(st), floraParamCount([6, 5, 3, 3], [3, 2, 2, 2]));
  assert.equal(maxAbs(flora.delta(st)), 0);
  const g = probeGrads(flora, st);
  assert.ok(maxAbs(g.g) > 0);
  for (const k of ["u0", "u1", "u2", "u3"]) assert.equal(maxAbs(g[k]), 0, k);
  // Factor variance 1/(2 r_n): 6·3 entries of u0 with r = 3 → 1/6.
  const big = flora.init(randn([400, 300], { seed: 0 }), { ranks: [5, 5] }, new Rng(2)).params.u0;
  let ss = 0;
  for (const v of big.data) ss += v * v;
  assert.ok(Math.abs(ss / big.size - 0.1) < 0.01);
});

Deno.test("FLoRA: Tucker property (mode-n ranks ≤ r_n), gradcheck, merge round trip", () => {
  const w = randn([6, 5, 3, 3], { seed: 3 });
  const st = trained(flora.init(w, { ranks: [3, 2, 2, 1], scale: 2 }, new Rng(4)), 5);
  const d = flora.delta(st);
  [3, 2, 2, 1].forEach((r, mode) => assert.equal(rankOf(unfold(d, mode)), r, `mode ${mode}`));
  checkDeltaGradients(flora, st);
  checkMergeRoundTrip(flora, w, st);
  assert.throws(
    () => flora.init(w, { ranks: [1, 2] }, new Rng(0)),
    /do not match W of shape 6x5x3x3/,
  );
});

Deno.test("FLoRA linear: s·U_out G U_inᵀ; G = I gives the LoRA B = U_out, A = U_inᵀ; exact LoRA export", () => {
  const w = randn([7, 5], { seed: 6 });
  const st = trained(flora.init(w, { ranks: [3, 2], scale: 1.5 }, new Rng(7)), 8);
  const { g, u0, u1 } = st.params;
  const want = matmul(matmul(u0, g), u1, { transB: true });
  for (let i = 0; i < want.size; i++) want.data[i] *= 1.5;
  assert.ok(maxDiff(flora.delta(st), want) < 1e-13);
  const sq = flora.init(w, { ranks: [2, 2], scale: 2 }, new Rng(9));
  const eye2 = zeros([2, 2]);
  eye2.data[0] = eye2.data[3] = 1;
  const withI = { ...sq, params: { ...sq.params, g: eye2 } };
  const asLora = loraFromFactors(matmul(eye2, sq.params.u1, { transB: true }), sq.params.u0, {
    alpha: 4,
  });
  assert.ok(maxDiff(flora.delta(withI), lora.delta(asLora)) < 1e-14);
  assert.ok(maxDiff(lora.delta(floraToLora(st)), flora.delta(st)) < 1e-13);
  assert.throws(
    () => floraToLora(flora.init(randn([2, 2, 2]), { ranks: [1, 1, 1] }, new Rng(0))),
    /only linear/,
  );
});

Deno.test("FLoRA conv: adapter output = conv with the merged kernel; modeMul oracle", () => {
  const w = randn([4, 3, 3, 3], { seed: 10 });
  const st = trained(flora.init(w, { ranks: [2, 2, 2, 2], scale: 4 }, new Rng(11)), 12);
  const x = randn([2, 3, 6, 6], { seed: 13 });
  const adapted = add(conv2d(x, w), conv2d(x, flora.delta(st)));
  const merged = conv2d(x, add(w, flora.delta(st)));
  assert.ok(maxDiff(adapted, merged) <= 1e-13 * maxAbs(merged));
  // modeMul along axis 1 of a 2x3x2 tensor equals the explicit sum.
  const t = randn([2, 3, 2], { seed: 14 }), u = randn([4, 3], { seed: 15 });
  const got = modeMul(t, u, 1);
  for (let i = 0; i < 2; i++) {
    for (let a = 0; a < 4; a++) {
      for (let k = 0; k < 2; k++) {
        let acc = 0;
        for (let j = 0; j < 3; j++) acc += u.data[a * 3 + j] * t.data[(i * 3 + j) * 2 + k];
        assert.ok(Math.abs(got.data[(i * 4 + a) * 2 + k] - acc) < 1e-14);
      }
    }
  }
});
