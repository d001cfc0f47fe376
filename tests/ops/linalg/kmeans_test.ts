import assert, { deepEqual as assertEquals } from "node:assert/strict";
import fc from "fast-check";
import { kmeans, kmeansPredict } from "../../../ops/linalg/kmeans.ts";
import { Rng } from "../../../ops/random.ts";
import { astype, Tensor, tensor } from "../../../ops/tensor.ts";
import { throwsWith } from "./_factor_helpers.ts";

/** `k` Gaussian blobs (std 0.3) around centers 20 apart; returns the data and true labels. */
function blobs(k: number, per: number, d: number, seed: number): { x: Tensor; truth: number[] } {
  const rng = new Rng(seed);
  const x = new Float64Array(k * per * d), truth: number[] = [];
  for (let c = 0; c < k; c++) {
    for (let p = 0; p < per; p++) {
      const i = c * per + p;
      truth.push(c);
      for (let j = 0; j < d; j++) {
        x[i * d + j] = (j === c % d ? 20 * (1 + Math.floor(c / d)) : 0) + 0.3 * rng.normal();
      }
    }
  }
  // Shuffle so that clusters are not contiguous.
  const perm = rng.permutation(k * per);
  const xs = new Float64Array(x.length), ts: number[] = [];
  perm.forEach((src, dst) => {
    xs.set(x.subarray(src * d, src * d + d), dst * d);
    ts.push(truth[src]);
  });
  return { x: new Tensor(xs, [k * per, d]), truth: ts };
}

/** Same partition up to relabeling. */
function samePartition(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  const ab = new Map<number, number>(), ba = new Map<number, number>();
  for (let i = 0; i < a.length; i++) {
    if ((ab.get(a[i]) ?? b[i]) !== b[i] || (ba.get(b[i]) ?? a[i]) !== a[i]) return false;
    ab.set(a[i], b[i]);
    ba.set(b[i], a[i]);
  }
  return true;
}

function inertiaOf(x: Tensor, c: Tensor, labels: Int32Array): number {
  const [n, d] = x.shape;
  let s = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) s += (x.data[i * d + j] - c.data[labels[i] * d + j]) ** 2;
  }
  return s;
}

Deno.test("kmeans: recovers well-separated clusters; centroids are cluster means", () => {
  for (const [k, d] of [[3, 2], [5, 3], [20, 4]]) {
    const { x, truth } = blobs(k, 15, d, k);
    const r = kmeans(x, k, { seed: 1 });
    assert(samePartition(r.labels, truth), `k=${k}: partition differs`);
    assert(Math.abs(r.inertia - inertiaOf(x, r.centroids, r.labels)) <= 1e-9 * r.inertia);
    for (let c = 0; c < k; c++) {
      const idx = [...r.labels.keys()].filter((i) => r.labels[i] === c);
      for (let j = 0; j < d; j++) {
        const mean = idx.reduce((s, i) => s + x.data[i * d + j], 0) / idx.length;
        assert(Math.abs(r.centroids.data[c * d + j] - mean) <= 1e-12 * 40);
      }
    }
    assertEquals(Array.from(kmeansPredict(r.centroids, x)), Array.from(r.labels));
  }
});

Deno.test("kmeans: same seed gives the same result; inertia never rises with nInit", () => {
  const rng = new Rng(5);
  const x = new Tensor(Float64Array.from({ length: 200 * 2 }, () => rng.normal()), [200, 2]);
  const a = kmeans(x, 6, { seed: 3 }), b = kmeans(x, 6, { seed: 3 });
  assertEquals(Array.from(a.labels), Array.from(b.labels));
  assertEquals(a.inertia, b.inertia);
  let prev = Infinity;
  for (const nInit of [1, 2, 4, 8]) {
    const r = kmeans(x, 6, { seed: 3, nInit });
    assert(r.inertia <= prev, `nInit ${nInit}: ${r.inertia} > ${prev}`);
    prev = r.inertia;
  }
});

Deno.test("kmeans: k = 1, k = n, duplicate points, f32 and maxIter", () => {
  const x = tensor([[0, 0], [2, 0], [0, 4], [2, 4]]);
  const one = kmeans(x, 1);
  assertEquals(Array.from(one.centroids.data), [1, 2]);
  assertEquals(one.inertia, 4 * 5);
  assertEquals(kmeans(x, 4).inertia, 0);
  const dup = kmeans(tensor([[1, 1], [1, 1], [1, 1], [5, 5]]), 3, { seed: 2 });
  assert(dup.centroids.data.every(Number.isFinite));
  assertEquals(dup.inertia, 0);
  const f = kmeans(astype(x, "f32"), 2);
  assertEquals(f.centroids.dtype, "f32");
  assertEquals(kmeans(x, 2, { maxIter: 1, nInit: 1 }).iters, 1);
});

Deno.test("kmeans: bad k, options and non-finite data are errors", () => {
  const x = tensor([[0, 0], [1, 1]]);
  throwsWith(() => kmeans(x, 3), RangeError, "k must be an integer in 1..2");
  throwsWith(() => kmeans(x, 1, { nInit: 0 }), RangeError, "nInit");
  throwsWith(() => kmeans(x, 1, { tol: -1 }), RangeError, "tol");
  throwsWith(() => kmeans(tensor([[NaN, 0]]), 1), RangeError, "kmeans: x has a non-finite");
  throwsWith(() => kmeansPredict(tensor([[0, 0]]), tensor([[1]])), RangeError, "1 columns");
});

Deno.test("kmeans: property — labels index the nearest centroid and inertia matches", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 30 }),
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 5 }),
      fc.integer({ min: 0, max: 1e6 }),
      (n, d, k0, seed) => {
        const k = Math.min(k0, n);
        const rng = new Rng(seed);
        const x = new Tensor(Float64Array.from({ length: n * d }, () => rng.normal()), [n, d]);
        const r = kmeans(x, k, { seed, nInit: 2 });
        assertEquals(Array.from(kmeansPredict(r.centroids, x)), Array.from(r.labels));
        assert(Math.abs(r.inertia - inertiaOf(x, r.centroids, r.labels)) <= 1e-9 * (1 + r.inertia));
      },
    ),
    { numRuns: 60, seed: 37 },
  );
});
