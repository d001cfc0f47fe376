// The seven checkable properties of AFM (spec compression_optim_attention.md §2) and its errors.
import assert from "node:assert/strict";
import { EigenvalueDecomposition, Matrix } from "ml-matrix";
import { matmul } from "../../../ops/matmul.ts";
import { randn, Rng } from "../../../ops/random.ts";
import { Tensor, tensor } from "../../../ops/tensor.ts";
import { linear } from "../../../ops/autograd/ops.ts";
import {
  afmBasis,
  afmEmbedding,
  afmLinear,
  collectStats,
  type FactoredLinear,
  OutputStats,
  svdLinear,
} from "../../../methods/compression/mod.ts";

const EPS = Number.EPSILON;

/** x = z·Lᵀ with L of condition number ~1e3: correlated, ill-conditioned inputs. */
function correlatedInputs(n: number, d: number, seed: number): Tensor {
  const rng = new Rng(seed);
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) l[i * d + j] = rng.normal() * 10 ** (-3 * i / (d - 1));
  }
  return matmul(randn([n, d], { seed: seed + 1 }), new Tensor(l, [d, d]), { transB: true });
}

function layerOut(w: Tensor, b: Tensor, x: Tensor): Tensor {
  return linear(x, w, b);
}

function apply2(f: FactoredLinear, x: Tensor): Tensor {
  return linear(linear(x, f.a.weight, f.a.bias), f.b.weight, f.b.bias);
}

/** (1/n) Σ_rows ‖y − ŷ‖². */
function rowErr(y: Tensor, yHat: Tensor): number {
  let s = 0;
  for (let i = 0; i < y.size; i++) s += (y.data[i] - yHat.data[i]) ** 2;
  return s / y.shape[0];
}

function maxAbsDiff(a: Tensor, b: Tensor): number {
  let m = 0;
  for (let i = 0; i < a.size; i++) m = Math.max(m, Math.abs(a.data[i] - b.data[i]));
  return m;
}

interface Setup {
  w: Tensor;
  b: Tensor;
  x: Tensor;
  y: Tensor;
  stats: OutputStats;
  dOut: number;
  dIn: number;
}

function setup(seed = 0, n = 400, dIn = 9, dOut = 7): Setup {
  const w = randn([dOut, dIn], { seed });
  const b = randn([dOut], { seed: seed + 10 });
  const x = correlatedInputs(n, dIn, seed + 20);
  const y = layerOut(w, b, x);
  const stats = new OutputStats(dOut);
  stats.update(y);
  return { w, b, x, y, stats, dOut, dIn };
}

Deno.test("AFM property 1: k = d_out gives the original layer, also off the calibration set", () => {
  const { w, b, stats, dOut, dIn } = setup(1);
  const f = afmLinear({ weight: w, bias: b }, afmBasis(stats, dOut));
  const fresh = randn([50, dIn], { seed: 99 }); // not the calibration distribution
  const y = layerOut(w, b, fresh), yHat = apply2(f, fresh);
  const scale = Math.max(...y.data.map(Math.abs));
  assert.ok(maxAbsDiff(y, yHat) <= 100 * dOut * EPS * scale, `diff ${maxAbsDiff(y, yHat)}`);
  assert.ok(Math.max(...f.b.bias!.data.map(Math.abs)) <= 100 * dOut * EPS * scale); // b_B = 0
});

Deno.test("AFM property 2: calibration error = sum of the dropped eigenvalues (ml-matrix reference)", () => {
  const { w, b, x, y, stats, dOut } = setup(2);
  const cov = stats.covariance();
  const ref = new EigenvalueDecomposition(
    new Matrix(
      Array.from(
        { length: dOut },
        (_, i) => Array.from(cov.data.subarray(i * dOut, (i + 1) * dOut)),
      ),
    ),
  ).realEigenvalues.sort((p, q) => q - p);
  for (let k = 1; k <= dOut; k++) {
    const err = rowErr(y, apply2(afmLinear({ weight: w, bias: b }, afmBasis(stats, k)), x));
    const tail = ref.slice(k).reduce((s, v) => s + v, 0);
    const tol = 1e-9 * ref[0];
    assert.ok(Math.abs(err - tail) <= tol, `k ${k}: error ${err} vs Σλ_{i>k} ${tail}`);
  }
});

Deno.test("AFM property 3: on the calibration set AFM beats weight SVD and random rank-k affine maps", () => {
  const { w, b, x, y, stats, dOut, dIn } = setup(3);
  const rng = new Rng(7);
  for (let k = 1; k < dOut; k++) {
    const afm = rowErr(y, apply2(afmLinear({ weight: w, bias: b }, afmBasis(stats, k)), x));
    const svd = rowErr(y, apply2(svdLinear({ weight: w, bias: b }, k), x));
    assert.ok(afm <= svd * (1 + 1e-12), `k ${k}: AFM ${afm} > SVD ${svd}`);
    for (let trial = 0; trial < 20; trial++) {
      // A random rank-k affine map: the AFM map perturbed in its factors and offset, and a
      // fully random one; neither may beat the PCA reconstruction.
      const f = afmLinear({ weight: w, bias: b }, afmBasis(stats, k));
      const pa = f.a.weight.data.map((v) => v + 0.05 * rng.normal());
      const pb = f.b.bias!.data.map((v) => v + 0.05 * rng.normal());
      const near = rowErr(
        y,
        apply2({
          a: { ...f.a, weight: new Tensor(pa, [k, dIn]) },
          b: { ...f.b, bias: new Tensor(pb, [dOut]) },
        }, x),
      );
      const far = rowErr(
        y,
        apply2({
          a: { weight: randn([k, dIn], { rng }), bias: randn([k], { rng }) },
          b: { weight: randn([dOut, k], { rng }), bias: randn([dOut], { rng }) },
        }, x),
      );
      assert.ok(afm <= near && afm <= far, `k ${k}: AFM ${afm}, perturbed ${near}, random ${far}`);
    }
  }
});

Deno.test("AFM property 3: the optimality needs the top eigenvectors (bottom ones lose to SVD)", () => {
  // Guards the ordering: flipping eigh's ascending order must make AFM worse than SVD here.
  const { w, b, x, y, stats } = setup(3);
  const basis = afmBasis(stats, 2);
  const cov = stats.covariance();
  const uTop = basis.u;
  const lamTop = [0, 1].map((j) => {
    const v = Array.from({ length: 7 }, (_, i) => uTop.data[i * 2 + j]);
    return v.reduce(
      (s, vi, i) => s + vi * v.reduce((t, vj, l) => t + cov.data[i * 7 + l] * vj, 0),
      0,
    );
  });
  assert.ok(Math.abs(lamTop[0] - basis.eigenvalues[0]) <= 1e-9 * basis.eigenvalues[0]);
  assert.ok(
    basis.eigenvalues[0] >= basis.eigenvalues[1] && basis.eigenvalues[1] >= basis.eigenvalues[6],
  );
  const svd = rowErr(y, apply2(svdLinear({ weight: w, bias: b }, 2), x));
  const afm = rowErr(y, apply2(afmLinear({ weight: w, bias: b }, basis), x));
  assert.ok(afm < svd, `AFM ${afm} SVD ${svd}`);
});

Deno.test("AFM property 4: the mean of ŷ over the calibration set is μ for every k", () => {
  const { w, b, x, stats, dOut } = setup(4);
  const mu = stats.mean();
  for (let k = 1; k <= dOut; k++) {
    const yHat = apply2(afmLinear({ weight: w, bias: b }, afmBasis(stats, k)), x);
    for (let j = 0; j < dOut; j++) {
      let m = 0;
      for (let i = 0; i < x.shape[0]; i++) m += yHat.data[i * dOut + j];
      m /= x.shape[0];
      assert.ok(
        Math.abs(m - mu[j]) <= 1e-12 * (1 + Math.abs(mu[j])),
        `k ${k} col ${j}: ${m} vs ${mu[j]}`,
      );
    }
  }
});

Deno.test("AFM property 5: embedding at k = d returns every row; ê_t = U_kU_kᵀ(e_t − μ) + μ below", () => {
  const table = matmul(randn([30, 6], { seed: 5 }), correlatedInputs(6, 6, 6));
  const ids = Array.from({ length: 300 }, (_, i) => (i * i) % 30);
  const stats = new OutputStats(6);
  stats.update(
    new Tensor(Float64Array.from(ids.flatMap((t) => [...table.data.subarray(t * 6, t * 6 + 6)])), [
      300,
      6,
    ]),
  );
  const full = afmEmbedding(table, afmBasis(stats, 6));
  const rows = linear(full.table, full.proj.weight, full.proj.bias);
  assert.ok(maxAbsDiff(rows, table) <= 1e-12 * Math.max(...table.data.map(Math.abs)));
  const basis = afmBasis(stats, 2), f = afmEmbedding(table, basis);
  const got = linear(f.table, f.proj.weight, f.proj.bias);
  const mu = basis.mean.data, u = basis.u.data;
  for (let t = 0; t < 30; t++) {
    const c = [0, 1].map((j) =>
      [0, 1, 2, 3, 4, 5].reduce((s, i) => s + u[i * 2 + j] * (table.data[t * 6 + i] - mu[i]), 0)
    );
    for (let i = 0; i < 6; i++) {
      const want = mu[i] + u[i * 2] * c[0] + u[i * 2 + 1] * c[1];
      assert.ok(Math.abs(got.data[t * 6 + i] - want) <= 1e-12 * (1 + Math.abs(want)));
    }
  }
});

Deno.test("AFM property 6: W_A is k×d_in, W_B d_out×k, E' V×k, projection d×k", () => {
  const { w, b, stats } = setup(6, 100, 9, 7);
  const f = afmLinear({ weight: w, bias: b }, afmBasis(stats, 3));
  assert.deepEqual([f.a.weight.shape, f.a.bias!.shape, f.b.weight.shape, f.b.bias!.shape], [
    [3, 9],
    [3],
    [7, 3],
    [7],
  ]);
  const e = afmEmbedding(randn([40, 7], { seed: 1 }), afmBasis(stats, 3));
  assert.deepEqual([e.table.shape, e.proj.weight.shape, e.proj.bias!.shape], [[40, 3], [7, 3], [
    7,
  ]]);
});

Deno.test("AFM property 7: streaming batches give the single pass's μ and Σ_y; each batch read once", () => {
  const y = correlatedInputs(257, 5, 8);
  const one = new OutputStats(5);
  one.update(y);
  let reads = 0;
  function* batches(): Generator<Tensor> {
    for (const [s, e] of [[0, 1], [1, 8], [8, 100], [100, 101], [101, 257]]) {
      reads++;
      yield new Tensor(y.data.slice(s * 5, e * 5), [e - s, 5]);
    }
  }
  const streamed = collectStats(batches(), 5);
  assert.equal(reads, 5);
  assert.equal(streamed.count, 257);
  const scale = Math.max(...one.covariance().data.map(Math.abs));
  assert.ok(maxAbsDiff(streamed.covariance(), one.covariance()) <= 1e-13 * scale);
  const m1 = one.mean(), m2 = streamed.mean();
  for (let j = 0; j < 5; j++) assert.ok(Math.abs(m1[j] - m2[j]) <= 1e-14 * (1 + Math.abs(m1[j])));
  // merge() of two halves agrees too, and a naive two-pass covariance is the reference.
  const a = new OutputStats(5), bb = new OutputStats(5);
  a.update(new Tensor(y.data.slice(0, 500), [100, 5]));
  bb.update(new Tensor(y.data.slice(500), [157, 5]));
  a.merge(bb);
  const naive = new Float64Array(25);
  for (let i = 0; i < 257; i++) {
    for (let p = 0; p < 5; p++) {
      for (let q = 0; q < 5; q++) {
        naive[p * 5 + q] += (y.data[i * 5 + p] - m1[p]) * (y.data[i * 5 + q] - m1[q]) / 257;
      }
    }
  }
  assert.ok(maxAbsDiff(a.covariance(), new Tensor(naive, [5, 5])) <= 1e-13 * scale);
});

Deno.test("OutputStats: the parallel merge keeps a tiny spread under a huge mean (f32 input)", () => {
  // Q/n − μμᵀ in f64 loses everything here (μ² ≈ 1e8 vs variance 1e-4·1e-4); the merge does not.
  const n = 1000, rng = new Rng(3), d = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    d[i * 2] = 1e4 + (rng.uniform() < 0.5 ? -0.5 : 0.5);
    d[i * 2 + 1] = -3e3 + (i % 2 ? 0.25 : -0.25);
  }
  const s = new OutputStats(2);
  for (let i = 0; i < n; i += 64) {
    s.update(new Tensor(d.slice(i * 2, Math.min(n, i + 64) * 2), [Math.min(64, n - i), 2]));
  }
  const ref = new Float64Array(4), m = [0, 0];
  for (let i = 0; i < n; i++) for (let j = 0; j < 2; j++) m[j] += d[i * 2 + j] / n;
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < 2; p++) {
      for (let q = 0; q < 2; q++) {
        ref[p * 2 + q] += (d[i * 2 + p] - m[p]) * (d[i * 2 + q] - m[q]) / n;
      }
    }
  }
  assert.ok(
    maxAbsDiff(s.covariance(), new Tensor(ref, [2, 2])) <= 1e-10 * ref[0],
    String(s.covariance().data),
  );
});

Deno.test("AFM errors: bad rank, width mismatch, empty statistics, bad rows", () => {
  const s = new OutputStats(3);
  assert.throws(() => afmBasis(s, 1), /no rows/);
  s.update(randn([10, 3], { seed: 0 }));
  assert.throws(() => afmBasis(s, 0), /k must be an integer in \[1, 3\], got 0/);
  assert.throws(() => afmBasis(s, 4), /got 4/);
  assert.throws(
    () => afmLinear({ weight: randn([4, 2]) }, afmBasis(s, 2)),
    /layer.weight must be \[3, d_in\]/,
  );
  assert.throws(() => afmEmbedding(randn([5, 2]), afmBasis(s, 2)), /table must be \[V, 3\]/);
  assert.throws(() => s.update(randn([2, 4])), /last axis 3/);
  assert.throws(() => s.update(tensor([[1, NaN, 0]])), /non-finite entry NaN at row 0/);
  assert.throws(() => new OutputStats(0), /dim must be a positive integer, got 0/);
  assert.throws(() => s.merge(new OutputStats(2)), /dim 3, got dim 2/);
});
