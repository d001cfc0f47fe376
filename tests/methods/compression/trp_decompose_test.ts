import assert from "node:assert/strict";
import { randn } from "../../../ops/random.ts";
import { conv2d } from "../../../ops/conv/conv2d.ts";
import { type Tensor, tensor } from "../../../ops/tensor.ts";
import { gradcheck } from "../../../ops/autograd/gradcheck.ts";
import { mul, sum } from "../../../ops/autograd/ops.ts";
import {
  applyTrpFactorised,
  trpDecompose,
  type TrpFactorised,
  trpProjectMatrix,
  trpReshape,
  trpUnreshape,
} from "../../../methods/compression/mod.ts";
import { maxAbsDiff, SCHEMES } from "./_trp_util.ts";

/** ND as the spec writes it: r paths, each 1×1 C→N then depthwise kh×kw, summed; bias on path 0. */
function ndSumOverPaths(f: TrpFactorised, x: Tensor, bias0?: Tensor): Tensor {
  const [N, C, kh, kw] = f.shape, r = f.rank;
  const [point, depth] = f.convs;
  let out: Tensor | null = null;
  for (let j = 0; j < r; j++) {
    const pw = tensor(new Float64Array(N * C), { shape: [N, C, 1, 1] });
    const dw = tensor(new Float64Array(N * kh * kw), { shape: [N, 1, kh, kw] });
    for (let i = 0; i < N; i++) {
      for (let c = 0; c < C; c++) {
        pw.data[i * C + c] = point.params.weight.data[(j * N + i) * C + c];
      }
      for (let k = 0; k < kh * kw; k++) {
        dw.data[i * kh * kw + k] = depth.params.weight.data[(j * N + i) * kh * kw + k];
      }
    }
    const bias = j === 0 ? bias0 : undefined;
    const y = conv2d(conv2d(x, pw), dw, { ...depth.opts, groups: N, bias });
    out = out === null ? y : tensor(out.data.map((v, k) => v + y.data[k]), { shape: y.shape });
  }
  return out!;
}

Deno.test("trpDecompose at full rank equals the conv: NC, VH, ND (sum over paths) (§1 property 5)", () => {
  const weight = randn([4, 3, 3, 3], { seed: 0 }), x = randn([1, 3, 8, 8], { seed: 1 });
  const y = conv2d(x, weight, { padding: 1 });
  const full = { nc: 4, vh: 9, nd: 3 };
  for (const scheme of SCHEMES) {
    const f = trpDecompose({ weight }, { scheme, rank: full[scheme], padding: 1 });
    const err = maxAbsDiff(applyTrpFactorised(f, x), y);
    assert.ok(err < 1e-10, `${scheme}: ${err}`);
    if (scheme === "nd") assert.ok(maxAbsDiff(ndSumOverPaths(f, x), y) < 1e-10);
  }
  const [nc, vh] = [
    trpDecompose({ weight }, { scheme: "nc", rank: 4 }),
    trpDecompose({ weight }, { scheme: "vh", rank: 9 }),
  ];
  assert.deepEqual(nc.convs.map((c) => c.params.weight.shape), [[4, 3, 3, 3], [4, 4, 1, 1]]);
  assert.deepEqual(vh.convs.map((c) => c.params.weight.shape), [[9, 3, 3, 1], [4, 9, 1, 3]]);
});

Deno.test("trpDecompose with bias, stride 2 and unequal padding: bias once, stride and padding rules (§1)", () => {
  const weight = randn([6, 4, 3, 5], { seed: 2 }), bias = randn([6], { seed: 3 });
  const x = randn([2, 4, 9, 10], { seed: 4 });
  const o = { stride: 2, padding: [1, 2] as [number, number] };
  const y = conv2d(x, weight, { ...o, bias });
  const full = { nc: 6, vh: 12, nd: 4 };
  for (const scheme of SCHEMES) {
    const f = trpDecompose({ weight, bias }, { scheme, rank: full[scheme], ...o });
    assert.ok(maxAbsDiff(applyTrpFactorised(f, x), y) < 1e-10, scheme);
    assert.equal(f.convs[0].params.bias, undefined, scheme);
    if (scheme !== "nd") assert.equal(f.convs[1].params.bias, bias, scheme);
    else {
      // Path 0's depthwise conv carries the bias, the other paths none.
      const b1 = f.convs[1].params.bias!.data;
      assert.ok(b1.every((v, k) => v === (k < 6 ? bias.data[k] : 0)));
      assert.ok(maxAbsDiff(ndSumOverPaths(f, x, bias), y) < 1e-10);
    }
  }
  const vh = trpDecompose({ weight, bias }, { scheme: "vh", rank: 3, ...o });
  assert.deepEqual(vh.convs.map((c) => c.opts.padding), [[1, 0], [0, 2]]);
  const nd = trpDecompose({ weight, bias }, { scheme: "nd", rank: 3, ...o });
  assert.deepEqual(nd.convs[0].opts, {});
});

Deno.test("trpDecompose at rank r is the conv of the rank-r truncated reshape (VH axis swap, ND per filter)", () => {
  const weight = randn([5, 4, 3, 3], { seed: 5 }), x = randn([1, 4, 7, 7], { seed: 6 });
  for (const scheme of SCHEMES) {
    const r = 2;
    const truncated = trpUnreshape(
      trpReshape(weight, scheme).map((m) => trpProjectMatrix(m, r).approx),
      weight.shape,
      scheme,
    );
    const f = trpDecompose({ weight }, { scheme, rank: r, padding: 1 });
    const err = maxAbsDiff(applyTrpFactorised(f, x), conv2d(x, truncated, { padding: 1 }));
    assert.ok(err < 1e-10, `${scheme}: ${err}`);
  }
});

/** A kernel whose NC matrix (2×9 rows of a 3×3 conv from 1 channel) has singular values s. */
function kernelWithSpectrum(s: number[], n: number, c: number): Tensor {
  const q = c * 9, data = new Float64Array(n * q);
  // Orthonormal rows of the identity: M = Σ s_i e_i e_iᵀ.
  s.forEach((v, i) => (data[i * q + i] = v));
  return tensor(data, { shape: [n, c, 3, 3] });
}

Deno.test("trpDecompose default criteria: value 0.05 for NC/VH, energy 0.85 for ND with a shared r", () => {
  const w = kernelWithSpectrum([3, 1, 0.06, 0.04], 4, 1);
  assert.equal(trpDecompose({ weight: w }, { scheme: "nc" }).rank, 3);
  assert.equal(trpDecompose({ weight: w }, { scheme: "nc", criterion: { value: 0.5 } }).rank, 2);
  // ND: filter 0 has σ = [10, 1, 0] (k = 1 at 0.85), filter 1 has σ = [1, 1, 0] (k = 2): r = 2,
  // and filter 0 keeps its second component (truncated at r, not at its own k).
  const data = new Float64Array(2 * 2 * 9);
  data[0] = 10, data[10] = 1, data[18] = 1, data[28] = 1;
  const weight = tensor(data, { shape: [2, 2, 3, 3] });
  const f = trpDecompose({ weight }, { scheme: "nd", padding: 1 });
  assert.equal(f.rank, 2);
  const x = randn([1, 2, 5, 5], { seed: 7 });
  assert.ok(maxAbsDiff(applyTrpFactorised(f, x), conv2d(x, weight, { padding: 1 })) < 1e-12);
  assert.equal(trpDecompose({ weight }, { scheme: "nd", criterion: { energy: 0.5 } }).rank, 1);
});

Deno.test("trpDecompose rejects bad input", () => {
  const weight = randn([4, 3, 3, 3], { seed: 0 });
  assert.throws(() => trpDecompose({ weight }, { scheme: "nc", rnak: 2 } as never), TypeError);
  assert.throws(() => trpDecompose({ weight }, { scheme: "hv" as never }), TypeError);
  assert.throws(() => trpDecompose({ weight }, { scheme: "nc", rank: 5 }), RangeError);
  assert.throws(
    () => trpDecompose({ weight }, { scheme: "nc", rank: 2, criterion: { rate: 1 } }),
    TypeError,
  );
  assert.throws(
    () => trpDecompose({ weight }, { scheme: "nc", criterion: { value: 1e9 } }),
    /keeps no singular value/,
  );
  assert.throws(() => trpDecompose({ weight, bias: randn([3]) }, { scheme: "nc" }), RangeError);
  assert.throws(() => trpDecompose({ weight: randn([4, 27]) }, { scheme: "nc" }), RangeError);
});

Deno.test("applyTrpFactorised is differentiable in the input and both factor weights (gradcheck)", () => {
  const weight = randn([3, 2, 3, 3], { seed: 8 }), bias = randn([3], { seed: 9 });
  const x = randn([1, 2, 4, 4], { seed: 10 }), probe = randn([1, 3, 4, 4], { seed: 11 });
  for (const scheme of SCHEMES) {
    const f = trpDecompose({ weight, bias }, { scheme, rank: 2, padding: 1 });
    const [a, b] = f.convs;
    const r = gradcheck(
      (xi, wa, wb) =>
        sum(
          mul(
            applyTrpFactorised({
              ...f,
              convs: [{ ...a, params: { weight: wa } }, {
                ...b,
                params: { ...b.params, weight: wb },
              }],
            }, xi),
            probe,
          ),
        ),
      [x, a.params.weight, b.params.weight],
    );
    assert.ok(r.ok, `${scheme}: ${JSON.stringify(r.worst)}`);
  }
});
