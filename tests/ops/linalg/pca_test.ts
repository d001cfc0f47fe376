import assert, { deepEqual as assertEquals } from "node:assert/strict";
import fc from "fast-check";
import { eigh } from "../../../ops/linalg/eigh.ts";
import { pca, pcaTransform } from "../../../ops/linalg/pca.ts";
import { svd } from "../../../ops/linalg/svd.ts";
import { astype, Tensor, tensor } from "../../../ops/tensor.ts";
import {
  frob,
  naiveMul,
  naiveT,
  randMat,
  throwsWith,
  uOf,
  withSpectrum,
} from "./_factor_helpers.ts";

function centered(x: Tensor): Float64Array {
  const [n, d] = x.shape;
  const c = Float64Array.from(x.data);
  for (let j = 0; j < d; j++) {
    let mu = 0;
    for (let i = 0; i < n; i++) mu += c[i * d + j];
    mu /= n;
    for (let i = 0; i < n; i++) c[i * d + j] -= mu;
  }
  return c;
}

/** Data with a clear spectrum plus an offset, so centering matters. */
function data(n: number, d: number, seed: number): Tensor {
  const x = withSpectrum(n, d, Array.from({ length: d }, (_, i) => 10 * 0.6 ** i), seed);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) x.data[i * d + j] += 5 + j;
  return x;
}

Deno.test("pca: matches the SVD of the centered data and the eigendecomposition of the covariance", () => {
  const n = 80, d = 6, k = 3;
  const x = data(n, d, 1);
  const model = pca(x, k);
  const xc = centered(x);
  const ref = svd(new Tensor(xc, [n, d]));
  for (let i = 0; i < k; i++) {
    assert(
      Math.abs(model.singularValues.data[i] - ref.s.data[i]) <=
        100 * n * uOf("f64") * ref.s.data[0],
    );
    let dot = 0;
    for (let j = 0; j < d; j++) dot += model.components.data[i * d + j] * ref.vt.data[i * d + j];
    assert(Math.abs(Math.abs(dot) - 1) <= 1e-10, `component ${i}`);
  }
  // Independent oracle: eigenvalues of the covariance XcᵀXc/(n−1) (ascending from eigh).
  const cov = naiveMul(naiveT(xc, n, d), xc, d, n, d).map((v) => v / (n - 1));
  const ev = eigh(new Tensor(cov, [d, d])).values.data;
  for (let i = 0; i < k; i++) {
    assert(Math.abs(model.explainedVariance.data[i] - ev[d - 1 - i]) <= 1e-10 * ev[d - 1]);
  }
  let total = 0;
  for (const v of ev) total += v;
  for (let i = 0; i < k; i++) {
    assert(Math.abs(model.explainedVarianceRatio.data[i] - ev[d - 1 - i] / total) <= 1e-12);
  }
  const mean = Array.from({ length: d }, (_, j) => x.data[j] - xc[j]);
  assert(frob(model.mean.data, mean) <= 1e-12 * frob(mean));
});

Deno.test("pca: full-rank ratios sum to 1; transform equals Xc·Vᵀ; center false skips the mean", () => {
  const x = data(40, 4, 2);
  const m = pca(x, 4);
  assert(
    Math.abs(Array.from(m.explainedVarianceRatio.data).reduce((a, b) => a + b, 0) - 1) <= 1e-13,
  );
  const z = pcaTransform(m, x);
  assertEquals(z.shape, [40, 4]);
  const ref = naiveMul(centered(x), naiveT(m.components.data, 4, 4), 40, 4, 4);
  assert(frob(z.data, ref) <= 1e-12 * frob(ref));
  // Projection preserves the centered energy when k = d.
  assert(Math.abs(frob(z.data) - frob(centered(x))) <= 1e-12 * frob(z.data));
  const raw = pca(x, 2, { center: false });
  assert(raw.mean.data.every((v) => v === 0));
  const s0 = svd(x).s.data[0];
  assert(Math.abs(raw.singularValues.data[0] - s0) <= 1e-12 * s0);
});

Deno.test("pca: the randomized solver agrees with the full solver on a decaying spectrum", () => {
  const x = data(300, 40, 3);
  const full = pca(x, 5), rnd = pca(x, 5, { solver: "randomized", seed: 4 });
  for (let i = 0; i < 5; i++) {
    assert(
      Math.abs(rnd.explainedVariance.data[i] - full.explainedVariance.data[i]) <=
        1e-8 * full.explainedVariance.data[0],
    );
    assert(
      Math.abs(rnd.explainedVarianceRatio.data[i] - full.explainedVarianceRatio.data[i]) <= 1e-8,
    );
    // Same sign convention for both solvers: components agree entrywise.
    for (let j = 0; j < 40; j++) {
      assert(Math.abs(rnd.components.data[i * 40 + j] - full.components.data[i * 40 + j]) <= 1e-6);
    }
  }
});

Deno.test("pca: variance ratios are scale-invariant from 1e-310 to 1e300 (no 0 or NaN)", () => {
  const x = randMat(12, 4, 7);
  const ref = pca(x, 3).explainedVarianceRatio.data;
  for (const c of [2 ** -1030, 1e-200, 1e200, 1e300]) {
    const r = pca(new Tensor(x.data.map((v) => v * c), [12, 4]), 3).explainedVarianceRatio.data;
    // Scaling by c is exact for powers of two and one rounding otherwise; subnormal entries
    // keep 52 - 6 = 46 bits, hence the looser bound there.
    const tol = (c < 1e-300 ? 2 ** -40 : 1e3 * uOf("f64")) * ref[0];
    for (let i = 0; i < 3; i++) {
      assert(Math.abs(r[i] - ref[i]) <= tol, `scale ${c}: ratio ${i} = ${r[i]}, want ${ref[i]}`);
    }
  }
});

Deno.test("pca: constant data gives zero variance without NaN; f32 and errors", () => {
  const c = pca(tensor([[1, 2], [1, 2], [1, 2]]), 1);
  assertEquals(Array.from(c.explainedVariance.data), [0]);
  assertEquals(Array.from(c.explainedVarianceRatio.data), [0]);
  assert(c.components.data.every(Number.isFinite));
  const f = pca(astype(randMat(20, 3, 1), "f32"), 2);
  assertEquals(f.components.dtype, "f32");
  throwsWith(() => pca(tensor([[1, 2]]), 1), RangeError, "at least 2 rows");
  throwsWith(() => pca(randMat(5, 3, 1), 4), RangeError, "k must be an integer in 1..3");
  throwsWith(() => pca(randMat(5, 3, 1), 1, { solver: "arpack" as "full" }), RangeError, "solver");
  throwsWith(
    () => pcaTransform(pca(randMat(5, 3, 1), 1), randMat(2, 2, 1)),
    RangeError,
    "3 features",
  );
});

Deno.test("pca: property — ratios descending in [0, 1], summing to ≤ 1, components orthonormal", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 2, max: 12 }),
      fc.integer({ min: 1, max: 6 }),
      fc.integer({ min: 0, max: 1e6 }),
      (n, d, seed) => {
        const k = Math.min(n, d);
        const m = pca(randMat(n, d, seed), k);
        const r = Array.from(m.explainedVarianceRatio.data);
        assert(r.every((v, i) => v >= 0 && v <= 1 + 1e-12 && (i === 0 || v <= r[i - 1] + 1e-15)));
        assert(r.reduce((a, b) => a + b, 0) <= 1 + 1e-12);
        const g = naiveMul(m.components.data, naiveT(m.components.data, k, d), k, d, k);
        // Components of directions without variance (rank < k) are still orthonormal rows.
        for (let i = 0; i < k; i++) g[i * k + i] -= 1;
        assert(frob(g) <= 1e3 * Math.max(n, d) * uOf("f64"));
      },
    ),
    { numRuns: 50, seed: 47 },
  );
});

Deno.test("pca: each component's largest-magnitude entry is positive", () => {
  const m = pca(data(50, 5, 6), 4);
  for (let i = 0; i < 4; i++) {
    const row = Array.from(m.components.data.slice(i * 5, i * 5 + 5));
    const big = row.reduce((b, v) => (Math.abs(v) > Math.abs(b) ? v : b), 0);
    assert(big > 0, `component ${i}`);
  }
});
