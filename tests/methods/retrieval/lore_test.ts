/**
 * LoRe re-ranking (spec §8 step 4): the five checkable properties, every option, bad input.
 * References are naive f64 loops and `eigh` (an algorithm independent of the SVD used inside).
 */
import assert, { deepEqual as assertEquals } from "node:assert/strict";
import fc from "fast-check";
import { grad, stopGradient } from "../../../ops/autograd/grad.ts";
import { mul, sum } from "../../../ops/autograd/ops.ts";
import { eigh } from "../../../ops/linalg/eigh.ts";
import { scalar, Tensor, tensor } from "../../../ops/tensor.ts";
import {
  descendingOrder,
  lorePca,
  loreRerank,
  loreScores,
} from "../../../methods/retrieval/lore.ts";
import {
  naiveMul,
  naiveT,
  orthonormalCols,
  randMat,
  rankDeficient,
  throwsWith,
} from "../../ops/linalg/_factor_helpers.ts";

const U = 2 ** -53;

/** `[query; candidates]` rows centred on their column mean, as plain f64. */
function centredRows(q: Tensor, c: Tensor): Float64Array {
  const [m, d] = c.shape;
  const x = new Float64Array((m + 1) * d);
  x.set(q.data);
  x.set(c.data, d);
  for (let j = 0; j < d; j++) {
    let mu = 0;
    for (let i = 0; i <= m; i++) mu += x[i * d + j];
    mu /= m + 1;
    for (let i = 0; i <= m; i++) x[i * d + j] -= mu;
  }
  return x;
}

/** `⟨e_q − μ, e_i − μ⟩` for every candidate (the property-2 reference). */
function centredDots(q: Tensor, c: Tensor): Float64Array {
  const [m, d] = c.shape;
  const x = centredRows(q, c);
  const s = new Float64Array(m);
  for (let i = 0; i < m; i++) for (let j = 0; j < d; j++) s[i] += x[j] * x[(i + 1) * d + j];
  return s;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i] - b[i]));
  return e;
}

function maxAbsOf(a: ArrayLike<number>): number {
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i]));
  return e;
}

function row(t: Tensor, i: number): Tensor {
  const d = t.shape[1];
  return new Tensor(Float64Array.from(t.data.subarray(i * d, (i + 1) * d)), [d]);
}

function rest(t: Tensor): Tensor {
  const [m, d] = t.shape;
  return new Tensor(Float64Array.from(t.data.subarray(d)), [m - 1, d]);
}

Deno.test("lore property 1: the PCA directions are eigenvectors of X_cᵀX_c with eigenvalues Σ²", () => {
  for (const [m, d, k] of [[16, 30, 10], [16, 8, 8], [5, 40, 6]]) {
    const x = randMat(m + 1, d, 100 + m + d);
    const q = row(x, 0), c = rest(x);
    const { model, z } = lorePca(q, c, k);
    const kk = Math.min(k, m + 1, d);
    const xc = centredRows(q, c);
    const g = naiveMul(naiveT(xc, m + 1, d), xc, d, m + 1, d);
    const ev = eigh(new Tensor(g, [d, d])).values.data; // ascending
    const sv = model.singularValues.data, v = model.components.data;
    const scale = ev[d - 1];
    for (let t = 0; t < kk; t++) {
      // σ_t² equals the t-th largest eigenvalue, and G·v_t = σ_t²·v_t.
      assert.ok(Math.abs(sv[t] ** 2 - ev[d - 1 - t]) <= 50 * d * U * scale, `σ² #${t}`);
      const vt = v.subarray(t * d, (t + 1) * d);
      const gv = naiveMul(g, vt, d, d, 1);
      let res = 0;
      for (let j = 0; j < d; j++) res = Math.max(res, Math.abs(gv[j] - sv[t] ** 2 * vt[j]));
      assert.ok(res <= 50 * d * U * scale, `residual of direction ${t}: ${res}`);
    }
    // Z = X_c·V_k: the projection, not a slice of V (the authors' code discrepancy).
    const zRef = naiveMul(xc, naiveT(v, kk, d), m + 1, d, kk);
    assert.ok(maxDiff(z.data, zRef) <= 50 * d * U * maxAbsOf(zRef));
  }
});

Deno.test("lore property 2: k >= rank(X_c) gives exactly the centred inner products and their ranking", () => {
  // Full rank (M + 1 = 17 rows in d = 40: rank 16) and an exactly rank-3 embedding cloud.
  const cases: [Tensor, number][] = [[randMat(17, 40, 3), 128], [rankDeficient(17, 25, 3, 4), 4]];
  for (const [x, k] of cases) {
    const q = row(x, 0), c = rest(x);
    const s = loreScores(q, c, { k });
    const ref = centredDots(q, c);
    assert.ok(maxDiff(s, ref) <= 200 * 40 * U * maxAbsOf(ref), `scores ${maxDiff(s, ref)}`);
    assertEquals(loreRerank(q, c, { k, n: 16 }), descendingOrder(ref));
  }
  // Below the rank the reduction changes the scores (so the test above can see k).
  const x = randMat(17, 40, 3);
  const low = loreScores(row(x, 0), rest(x), { k: 2 });
  assert.ok(maxDiff(low, centredDots(row(x, 0), rest(x))) > 1e-3);
});

Deno.test("lore property 3: an ordered subset of the candidate ids of size min(n, M), no duplicates", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 20 }),
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 1, max: 25 }),
      fc.integer({ min: 1, max: 30 }),
      fc.integer({ min: 0, max: 1000 }),
      (m, d, n, k, seed) => {
        const x = randMat(m + 1, d, seed);
        const q = row(x, 0), c = rest(x);
        const out = loreRerank(q, c, { n, k });
        assert.equal(out.length, Math.min(n, m));
        assert.equal(new Set(out).size, out.length);
        for (const i of out) assert.ok(Number.isInteger(i) && i >= 0 && i < m);
        const s = loreScores(q, c, { k });
        for (let t = 1; t < out.length; t++) assert.ok(s[out[t - 1]] >= s[out[t]]);
        // The returned prefix is the top of the full order: nothing left out scores higher.
        const worst = s[out[out.length - 1]];
        for (let i = 0; i < m; i++) if (!out.includes(i)) assert.ok(s[i] <= worst);
      },
    ),
    { numRuns: 60, seed: 19 },
  );
});

Deno.test("lore property 4: invariant to a shared translation and to an orthogonal rotation", () => {
  const d = 12, m = 16;
  const x = randMat(m + 1, d, 7);
  const shift = randMat(1, d, 8).data.map((v) => 50 * v);
  const moved = Float64Array.from(x.data, (v, i) => v + shift[i % d]);
  const rot = orthonormalCols(d, d, 9);
  const rotated = naiveMul(x.data, rot, m + 1, d, d);
  for (const k of [1, 3, 128]) {
    for (const score of ["dot", "cosine"] as const) {
      const s = loreScores(row(x, 0), rest(x), { k, score });
      const bound = 1e-9 * Math.max(1, maxAbsOf(s));
      for (const y of [new Tensor(moved, [m + 1, d]), new Tensor(rotated, [m + 1, d])]) {
        const sy = loreScores(row(y, 0), rest(y), { k, score });
        assert.ok(maxDiff(s, sy) <= bound, `k ${k} ${score}: ${maxDiff(s, sy)}`);
        assertEquals(loreRerank(row(y, 0), rest(y), { k, score, n: m }), descendingOrder(s));
      }
    }
  }
});

Deno.test("lore property 5: one direction, k = 1 scores (c_i − c̄)(c_0 − c̄)‖u‖² and follows the centred coordinate", () => {
  const d = 5;
  const b = [3, -1, 2, 0.5, 7], u = [0.5, 1, -2, 0, 1];
  const u2 = u.reduce((a, v) => a + v * v, 0);
  const embed = (cs: number[]): Tensor =>
    new Tensor(Float64Array.from(cs.flatMap((c) => b.map((bj, j) => bj + c * u[j]))), [
      cs.length,
      d,
    ]);
  // c_0 = 1 is positive but below the mean c̄ = 2.2: raw c_i·c_0 orders by c_i descending, the
  // centred scores ascending (the sign of c_0 − c̄ decides).
  const below = [1, 4, 0.5, 3, 2.5];
  // c_0 = 3 is above the mean c̄ = 1.6: descending.
  const above = [3, 1, -2, 4, 2];
  for (const cs of [below, above]) {
    const x = embed(cs);
    const cbar = cs.reduce((a, v) => a + v, 0) / cs.length;
    const s = loreScores(row(x, 0), rest(x), { k: 1 });
    const ref = cs.slice(1).map((ci) => (ci - cbar) * (cs[0] - cbar) * u2);
    assert.ok(maxDiff(s, ref) <= 1e-12 * 100, `scores ${s} vs ${ref}`);
    const order = loreRerank(row(x, 0), rest(x), { k: 1, n: 4 });
    const byC = descendingOrder(cs.slice(1));
    assertEquals(order, cs[0] > cbar ? byC : [...byC].reverse());
  }
  const raw = descendingOrder(below.slice(1).map((ci) => ci * below[0]));
  assert.notDeepEqual(loreRerank(row(embed(below), 0), rest(embed(below)), { k: 1 }), raw);
});

Deno.test("lore options: n truncates, cosine normalises in the reduced space, k reduces", () => {
  const x = randMat(17, 20, 11);
  const q = row(x, 0), c = rest(x);
  const full = loreRerank(q, c, { n: 16 });
  assertEquals(loreRerank(q, c), full.slice(0, 8)); // default n = 8
  assertEquals(loreRerank(q, c, { n: 3 }), full.slice(0, 3));
  assertEquals(loreRerank(q, c, { n: 40 }).length, 16);
  // Cosine of the centred vectors when k keeps everything; its order differs from dot here.
  const xc = centredRows(q, c), d = 20;
  const nq = Math.hypot(...xc.subarray(0, d));
  const cos = centredDots(q, c).map((v, i) =>
    v / nq / Math.hypot(...xc.subarray((i + 1) * d, (i + 2) * d))
  );
  const sc = loreScores(q, c, { score: "cosine" });
  assert.ok(maxDiff(sc, cos) <= 1e-12);
  assert.notDeepEqual(loreRerank(q, c, { score: "cosine", n: 16 }), full);
  assertEquals(loreRerank(q, c, { score: "cosine", n: 16 }), descendingOrder(cos));
  // The default k = 128 keeps all 16 centred directions; k = 1 gives another order.
  assertEquals(loreRerank(q, c, { k: 16, n: 16 }), full);
  assert.notDeepEqual(loreRerank(q, c, { k: 1, n: 16 }), full);
});

Deno.test("lore: 1 x d query, f32 input, ties stay in index order, identical embeddings", () => {
  const x = randMat(9, 6, 12);
  const q = row(x, 0), c = rest(x);
  const q2 = new Tensor(Float64Array.from(q.data), [1, 6]);
  assertEquals(loreRerank(q2, c), loreRerank(q, c));
  const f32 = (t: Tensor): Tensor => new Tensor(Float32Array.from(t.data), t.shape);
  assertEquals(loreRerank(f32(q), f32(c)), loreRerank(f32(q).clone(), f32(c).clone()));
  assertEquals(descendingOrder([2, 5, 2, 5, 1]), [1, 3, 0, 2, 4]);
  // All embeddings equal: X_c = 0, every score 0 (never NaN, also for cosine): index order.
  const same = tensor([[1, 2, 3], [1, 2, 3], [1, 2, 3]]);
  for (const score of ["dot", "cosine"] as const) {
    assertEquals(Array.from(loreScores(tensor([1, 2, 3]), same, { score })), [0, 0, 0]);
    assertEquals(loreRerank(tensor([1, 2, 3]), same, { score }), [0, 1, 2]);
  }
  // A single candidate.
  assertEquals(loreRerank(tensor([1, 0]), tensor([[0, 1]])), [0]);
});

Deno.test("lore: bad input names the argument and the value", () => {
  const q = tensor([1, 2, 3]), c = tensor([[1, 0, 0], [0, 1, 0]]);
  throwsWith(() => loreRerank(q, c, { kk: 2 } as never), TypeError, 'unknown option "kk"');
  throwsWith(() => loreRerank(q, c, { n: "3" } as never), TypeError, "n must be a number");
  throwsWith(() => loreRerank(q, c, { n: 0 }), RangeError, "n must be an integer >= 1, got 0");
  throwsWith(() => loreRerank(q, c, { k: 1.5 }), RangeError, "k must be an integer >= 1, got 1.5");
  throwsWith(() => loreRerank(q, c, { score: "l2" } as never), TypeError, 'got "l2"');
  throwsWith(() => loreRerank([1, 2, 3] as never, c), TypeError, "query must be a Tensor");
  throwsWith(() => loreRerank(tensor([1, 2]), c), RangeError, "query has 2 entries");
  throwsWith(
    () => loreRerank(tensor([[1, 2, 3], [1, 2, 3]]), c),
    RangeError,
    "query must be a vector",
  );
  throwsWith(() => loreRerank(q, tensor([1, 2, 3])), RangeError, "candidates must be a matrix");
  throwsWith(
    () => loreRerank(q, new Tensor(new Float64Array(0), [0, 3])),
    RangeError,
    "at least 1 row",
  );
  throwsWith(
    () => loreRerank(tensor([1, NaN, 3]), c),
    RangeError,
    "query has a non-finite entry NaN",
  );
  throwsWith(
    () => loreRerank(q, tensor([[1, 0, 0], [0, Infinity, 0]])),
    RangeError,
    "loreRerank: candidates has a non-finite entry Infinity",
  );
  throwsWith(() => loreScores(q, c, { k: 0 }), RangeError, "loreScores: k must be");
  throwsWith(() => lorePca(q, c, 0), RangeError, "lorePca: k must be");
  throwsWith(() => lorePca(tensor([1]), c, 1), RangeError, "lorePca: query has 1 entries");
});

Deno.test("lore: a traced input is an error (a ranking has no gradient), stopGradient is the way", () => {
  const q = tensor([1, 2, 3]), c = tensor([[1, 0, 0], [0, 1, 0], [2, 2, 1]]);
  const rank = (x: Tensor): Tensor => {
    loreRerank(x, c);
    return sum(x);
  };
  throwsWith(() => grad(rank)(q), TypeError, "loreRerank: argument query is traced by grad");
  throwsWith(
    () => grad((y: Tensor) => sum(mul(y, scalar(loreScores(q, y)[0]))))(c),
    TypeError,
    "loreScores: argument candidates is traced",
  );
  const g = grad((x: Tensor) => {
    const order = loreRerank(stopGradient(x), c, { n: 1 });
    return sum(mul(x, scalar(order[0] + 1)));
  })(q);
  assertEquals(Array.from(g.data), [3, 3, 3]); // order[0] = 2: the third candidate
});
