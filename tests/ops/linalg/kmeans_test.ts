import assert, { deepEqual as assertEquals } from "node:assert/strict";
import fc from "fast-check";
import { lloyd, nearest } from "../../../ops/linalg/_kmeans_lloyd.ts";
import { seedPlusPlus } from "../../../ops/linalg/_kmeans_seed.ts";
import { seedSpace } from "../../../ops/linalg/_kmeans_seed_wasm.ts";
import { lloydSpace } from "../../../ops/linalg/_kmeans_wasm.ts";
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

Deno.test("kmeans: data near 1e±270 clusters as at unit scale (no overflowing distances)", () => {
  const { x, truth } = blobs(3, 20, 2, 5);
  const ref = kmeans(x, 3, { seed: 1 });
  // Powers of two scale exactly, so Lloyd's arithmetic is the same up to the factor.
  for (const e of [300, 900, -300, -1000]) {
    const xs = new Tensor(x.data.map((v) => v * 2 ** e), x.shape);
    const r = kmeans(xs, 3, { seed: 1 });
    assertEquals(r.labels, ref.labels, `2^${e}`);
    assertEquals(Array.from(r.centroids.data), Array.from(ref.centroids.data, (v) => v * 2 ** e));
    if (Math.abs(e) === 300) assertEquals(r.inertia, ref.inertia * 2 ** (2 * e));
    assertEquals(kmeansPredict(r.centroids, xs), ref.labels);
  }
  // and the unit-scale answer is the right one
  const agree = ref.labels.filter((l, i) => l === ref.labels[truth.indexOf(truth[i])]).length;
  assertEquals(agree, truth.length);
});

Deno.test("kmeans: bad k, options and non-finite data are errors", () => {
  const x = tensor([[0, 0], [1, 1]]);
  throwsWith(() => kmeans(x, 3), RangeError, "k must be an integer in 1..2");
  throwsWith(() => kmeans(x, 1, { nInit: 0 }), RangeError, "nInit");
  throwsWith(() => kmeans(x, 1, { tol: -1 }), RangeError, "tol");
  throwsWith(
    // @ts-expect-error: a misspelt rule must be caught at run time too
    () => kmeans(x, 1, { emptyCluster: "kept" }),
    RangeError,
    'kmeans: emptyCluster must be "keep" or "farthest", got "kept"',
  );
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

/**
 * Plain k-means as first written (greedy k-means++ over every distance, Lloyd with full
 * assignment passes and separate mean passes): the oracle for the bounded version, which must
 * give the same draws, labels, centroids, inertia and iteration count bit for bit.
 */
function plainKmeans(
  x: Float64Array,
  n: number,
  d: number,
  k: number,
  seed: number,
  nInit: number,
  maxIter: number,
  tol: number,
  emptyCluster: "keep" | "farthest" = "farthest",
  init?: Float64Array,
): { c: Float64Array; labels: Int32Array; inertia: number; iters: number } {
  const dist2 = (a: Float64Array, i: number, b: Float64Array, j: number): number => {
    let s = 0;
    for (let t = 0; t < d; t++) s += (a[i * d + t] - b[j * d + t]) ** 2;
    return s;
  };
  const assign = (c: Float64Array, labels: Int32Array, dist: Float64Array): number => {
    let inertia = 0;
    for (let i = 0; i < n; i++) {
      let best = Infinity, arg = 0;
      for (let j = 0; j < k; j++) {
        const v = dist2(x, i, c, j);
        if (v < best) [best, arg] = [v, j];
      }
      [labels[i], dist[i]] = [arg, best];
      inertia += best;
    }
    return inertia;
  };
  const seedPP = (rng: Rng): Float64Array => {
    const c = new Float64Array(k * d), trials = 2 + Math.floor(Math.log(k));
    const first = rng.int(n);
    c.set(x.subarray(first * d, first * d + d));
    let closest = Float64Array.from({ length: n }, (_, i) => dist2(x, i, c, 0));
    let pot = closest.reduce((s, v) => s + v, 0);
    for (let j = 1; j < k; j++) {
      let bestPot = Infinity, bestId = 0, bestDist = closest;
      for (let t = 0; t < trials; t++) {
        let id = 0;
        if (pot > 0) {
          let r = pot * rng.uniform();
          for (let i = 0; i < n; i++) {
            if (closest[i] <= 0) continue;
            id = i;
            r -= closest[i];
            if (r < 0) break;
          }
        } else id = rng.int(n);
        const dist = closest.map((cl, i) => Math.min(dist2(x, i, x, id), cl));
        const p = dist.reduce((s, v) => s + v, 0);
        if (p < bestPot) [bestPot, bestId, bestDist] = [p, id, dist];
      }
      c.set(x.subarray(bestId * d, bestId * d + d), j * d);
      [closest, pot] = [bestDist, bestPot];
    }
    return c;
  };
  let variance = 0;
  for (let t = 0; t < d; t++) {
    let mu = 0, v = 0;
    for (let i = 0; i < n; i++) mu += x[i * d + t];
    mu /= n;
    for (let i = 0; i < n; i++) v += (x[i * d + t] - mu) ** 2;
    variance += v / n;
  }
  const tolAbs = tol * variance / d, rng = new Rng(seed);
  let best: { c: Float64Array; labels: Int32Array; inertia: number; iters: number } | null = null;
  for (let r = 0; r < nInit; r++) {
    // `init` replaces the seeding (one run from given centres).
    let c = init ? init.slice() : seedPP(rng.split()), iters = 0;
    const labels = new Int32Array(n), dist = new Float64Array(n);
    for (let it = 1; it <= maxIter; it++) {
      assign(c, labels, dist);
      const next = new Float64Array(k * d), count = new Float64Array(k);
      for (let i = 0; i < n; i++) {
        count[labels[i]]++;
        for (let t = 0; t < d; t++) next[labels[i] * d + t] += x[i * d + t];
      }
      const taken = new Uint8Array(n);
      for (let j = 0; j < k; j++) {
        if (count[j] > 0) {
          for (let t = 0; t < d; t++) next[j * d + t] /= count[j];
          continue;
        }
        if (emptyCluster === "keep") {
          next.set(c.subarray(j * d, j * d + d), j * d);
          continue;
        }
        let far = -1, fd = -1;
        for (let i = 0; i < n; i++) if (!taken[i] && dist[i] > fd) [fd, far] = [dist[i], i];
        taken[far] = 1;
        next.set(x.subarray(far * d, far * d + d), j * d);
      }
      const shift = next.reduce((s, v, t) => s + (v - c[t]) ** 2, 0);
      [c, iters] = [next, it];
      if (shift <= tolAbs) break;
    }
    const inertia = assign(c, labels, dist);
    if (best === null || inertia < best.inertia) best = { c, labels, inertia, iters };
  }
  return best as { c: Float64Array; labels: Int32Array; inertia: number; iters: number };
}

/** Overlapping Gaussian blobs (many Lloyd iterations, many points near cluster borders). */
function overlapping(n: number, d: number, centers: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const mu = Float64Array.from({ length: centers * d }, () => 2 * rng.normal());
  return Float64Array.from({ length: n * d }, (_, q) => {
    const i = Math.floor(q / d), t = q % d;
    return mu[(i % centers) * d + t] + rng.normal();
  });
}

Deno.test("kmeans: bounded Lloyd and pruned k-means++ equal plain k-means bit for bit", () => {
  const cases: [string, Float64Array, number, number, number, number, number][] = [
    // name, data, d, k, nInit, maxIter, tol
    ["overlapping d=6 k=20", overlapping(1500, 6, 7, 1), 6, 20, 2, 300, 1e-4],
    ["overlapping d=2 k=9, tol 0", overlapping(800, 2, 4, 2), 2, 9, 2, 300, 0],
    ["overlapping d=3 k=5, maxIter 3", overlapping(600, 3, 5, 3), 3, 5, 3, 3, 1e-4],
    [
      "scaled by 1e8 and shifted",
      overlapping(500, 4, 3, 4).map((v) => 1e8 * v + 3e9),
      4,
      8,
      2,
      300,
      1e-4,
    ],
    // Few distinct points: coinciding centres, ties and empty clusters that are relocated.
    [
      "duplicates",
      Float64Array.from({ length: 400 }, (_, q) => (q * 7919) % 5),
      2,
      6,
      4,
      300,
      1e-4,
    ],
  ];
  for (const [name, w, d, k, nInit, maxIter, tol] of cases) {
    const n = w.length / d;
    const want = plainKmeans(w, n, d, k, 11, nInit, maxIter, tol);
    const got = kmeans(new Tensor(w.slice(), [n, d]), k, { seed: 11, nInit, maxIter, tol });
    assertEquals(Array.from(got.labels), Array.from(want.labels), `${name}: labels`);
    assertEquals(Array.from(got.centroids.data), Array.from(want.c), `${name}: centroids`);
    assertEquals([got.inertia, got.iters], [want.inertia, want.iters], `${name}: inertia, iters`);
  }
});

Deno.test("kmeans: emptyCluster keep leaves an emptied centre in place (spec eigentrajectory §4.1)", () => {
  // Few distinct points: k-means++ picks coinciding centres, and ties leave clusters empty.
  const w = Float64Array.from({ length: 400 }, (_, q) => (q * 7919) % 5);
  const [d, k, n] = [2, 6, 200];
  let differs = false;
  for (const seed of [11, 12, 13]) {
    const want = plainKmeans(w, n, d, k, seed, 4, 300, 1e-4, "keep");
    const got = kmeans(new Tensor(w.slice(), [n, d]), k, { seed, nInit: 4, emptyCluster: "keep" });
    assertEquals(Array.from(got.labels), Array.from(want.labels), `seed ${seed}: labels`);
    assertEquals(Array.from(got.centroids.data), Array.from(want.c), `seed ${seed}: centroids`);
    assertEquals([got.inertia, got.iters], [want.inertia, want.iters], `seed ${seed}`);
    const far = kmeans(new Tensor(w.slice(), [n, d]), k, { seed, nInit: 4 });
    differs ||= far.centroids.data.some((v, i) => v !== got.centroids.data[i]);
  }
  // Otherwise the case would not exercise the rule at all.
  assert(differs, "keep and farthest give the same centroids on every seed");
});

Deno.test("kmeans: emptyCluster keep in one Lloyd step from chosen centres", () => {
  // 1-D points 0, 1, 10, 11 from centres 0.5, 10.5 and 100: the third cluster is empty at once.
  const x = new Tensor(Float64Array.of(0, 1, 10, 11), [4, 1]);
  const c0 = Float64Array.of(0.5, 10.5, 100);
  const keep = lloyd(x.data as Float64Array, 4, 1, 3, c0, 1, 0, "keep");
  assertEquals(Array.from(keep.c), [0.5, 10.5, 100]);
  // scikit-learn's rule moves it onto the point farthest from its centre (ties: the first).
  const far = lloyd(x.data as Float64Array, 4, 1, 3, c0, 1, 0, "farthest");
  assertEquals(Array.from(far.c), [0.5, 10.5, 0]);
});

Deno.test("kmeans: a point equidistant from two centres joins the lower index, as plain Lloyd", () => {
  // Integer points on a line and centres at their means: many exact ties between centres,
  // which the bounded rescans (centres visited nearest first) must settle by index.
  const rng = new Rng(21);
  let ties = 0;
  for (let trial = 0; trial < 200; trial++) {
    const n = 12 + rng.int(20), k = 2 + rng.int(5);
    const x = Float64Array.from({ length: n }, () => rng.int(9));
    const c0 = Float64Array.from({ length: k }, () => rng.int(9) + 0.5 * rng.int(2));
    for (const rule of ["keep", "farthest"] as const) {
      const r = lloyd(x, n, 1, k, c0.slice(), 1 + rng.int(4), 0, rule);
      assertEquals(Array.from(r.labels), Array.from(nearest(x, n, 1, r.c, k)), `trial ${trial}`);
      for (let i = 0; i < n; i++) {
        const dl = Math.abs(x[i] - r.c[r.labels[i]]);
        ties += r.c.some((v, j) => j !== r.labels[i] && Math.abs(x[i] - v) === dl) ? 1 : 0;
      }
    }
  }
  // Otherwise the case would not test the tie rule at all.
  assert(ties > 50, `only ${ties} ties`);
});

Deno.test("kmeans: WebAssembly and TypeScript passes give plain Lloyd's run bit for bit", () => {
  // Odd and even d (the sums kernel adds two coordinates per SIMD instruction, the last one of
  // an odd row alone), both empty-cluster rules, starts from data rows (ties and empties).
  const rng = new Rng(8);
  for (const [d, k, n] of [[1, 4, 300], [3, 7, 500], [6, 20, 900], [7, 5, 400]]) {
    const x = overlapping(n, d, 5, d);
    assertEquals(lloydSpace(x, n, d, k).kernel, "wasm");
    for (const rule of ["keep", "farthest"] as const) {
      const c0 = new Float64Array(k * d);
      for (let j = 0; j < k; j++) {
        const r = rng.int(n);
        c0.set(x.subarray(r * d, r * d + d), j * d);
      }
      const tol = 1e-6, want = plainKmeans(x, n, d, k, 0, 1, 300, tol, rule, c0);
      for (const kernel of ["wasm", "ts"] as const) {
        const got = lloyd(x, n, d, k, c0.slice(), 300, tol, rule, lloydSpace(x, n, d, k, kernel));
        const name = `d ${d}, ${rule}, ${kernel}`;
        assertEquals(Array.from(got.labels), Array.from(want.labels), `${name}: labels`);
        assertEquals(Array.from(got.c), Array.from(want.c), `${name}: centroids`);
        assertEquals([got.inertia, got.iters], [want.inertia, want.iters], name);
      }
    }
  }
});

Deno.test("kmeans: k-means++ candidate pass, WebAssembly and TypeScript, gives the same seeds", () => {
  // The whole-run test above checks the default (WebAssembly) kernel against plain k-means;
  // here the TypeScript twin must match it draw for draw, and so reach the same seeds.
  for (const [d, k, n] of [[1, 6, 400], [2, 9, 500], [6, 20, 1500], [5, 12, 300]]) {
    const x = overlapping(n, d, 6, 10 + d);
    assertEquals(seedSpace(x, n, d, k).kernel, "wasm");
    for (const seed of [1, 2, 3]) {
      const a = seedPlusPlus(x, n, d, k, new Rng(seed), seedSpace(x, n, d, k, "wasm"));
      const b = seedPlusPlus(x, n, d, k, new Rng(seed), seedSpace(x, n, d, k, "ts"));
      assertEquals(Array.from(a), Array.from(b), `d ${d}, seed ${seed}`);
    }
  }
});
