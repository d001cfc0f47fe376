/**
 * TF-IDF, CSR products and the LSA encoder (sparse randomized SVD) against dense naive
 * references and the exact `svd`.
 */
import assert, { deepEqual as assertEquals } from "node:assert/strict";
import { svd } from "../../../ops/linalg/svd.ts";
import { Rng } from "../../../ops/random.ts";
import { Tensor } from "../../../ops/tensor.ts";
import { type Csr, csrMatmul, csrTMatmul, csrToDense } from "../../../methods/retrieval/sparse.ts";
import { fitTfidf, tfidfTransform, tokenize } from "../../../methods/retrieval/tfidf.ts";
import { fitLsa, lsaTransform, sparseRandomizedSvd } from "../../../methods/retrieval/lsa.ts";
import { naiveMul, naiveT, throwsWith } from "../../ops/linalg/_factor_helpers.ts";

const U = 2 ** -53;

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i] - b[i]));
  return e;
}

/** A seeded sparse matrix with about `density` non-zeros and singular values `decay^i`-ish. */
function randomCsr(rows: number, cols: number, density: number, seed: number, decay = 1): Csr {
  const rng = new Rng(seed);
  const indptr = new Int32Array(rows + 1), indices: number[] = [], values: number[] = [];
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      if (rng.uniform() < density) {
        indices.push(j);
        values.push(rng.normal() * decay ** j);
      }
    }
    indptr[i + 1] = indices.length;
  }
  return {
    rows,
    cols,
    indptr,
    indices: Int32Array.from(indices),
    values: Float64Array.from(values),
  };
}

Deno.test("csr products equal the dense naive products", () => {
  const a = randomCsr(13, 9, 0.3, 1);
  const dense = csrToDense(a);
  const b = Float64Array.from({ length: 9 * 4 }, (_, i) => Math.sin(i));
  const c = Float64Array.from({ length: 13 * 4 }, (_, i) => Math.cos(i));
  assert.ok(maxDiff(csrMatmul(a, b, 4), naiveMul(dense, b, 13, 9, 4)) <= 1e-14);
  assert.ok(maxDiff(csrTMatmul(a, c, 4), naiveMul(naiveT(dense, 13, 9), c, 9, 13, 4)) <= 1e-14);
  throwsWith(() => csrMatmul(a, b, 3), RangeError, "b has 36 entries, expected 9x3");
  throwsWith(() => csrTMatmul(a, b, 4), RangeError, "expected 13x4");
});

Deno.test("tfidf: scikit-learn's smoothed idf, L2 rows, sorted vocabulary, minDf and sublinearTf", () => {
  assertEquals(tokenize("It's 3 o'clock: Café_1 + x2"), ["it", "clock", "café_1", "x2"]);
  const docs = ["cat cat dog", "dog bird", "cat fish", "bird bird bird dog"];
  const m = fitTfidf(docs, { minDf: 1 });
  assertEquals([...m.vocabulary.keys()], ["bird", "cat", "dog", "fish"]);
  const df = { bird: 2, cat: 2, dog: 3, fish: 1 };
  const idf = (w: keyof typeof df): number => Math.log(5 / (1 + df[w])) + 1;
  assert.ok(maxDiff(m.idf, [idf("bird"), idf("cat"), idf("dog"), idf("fish")]) <= 4 * U);
  // Row 0: tf cat 2, dog 1, normalised.
  const r0 = [0, 2 * idf("cat"), idf("dog"), 0], n0 = Math.hypot(...r0);
  const x = csrToDense(tfidfTransform(m, docs));
  assert.ok(maxDiff(x.subarray(0, 4), r0.map((v) => v / n0)) <= 4 * U);
  // Unknown terms have no column; a text without known terms is a zero row.
  const y = tfidfTransform(m, ["zebra cat", "zebra"]);
  assertEquals(Array.from(y.indices), [1]);
  assertEquals(Array.from(y.values), [1]);
  assertEquals(Array.from(y.indptr), [0, 1, 1]);
  // minDf (default 2) drops fish; sublinearTf uses 1 + ln(tf).
  assertEquals([...fitTfidf(docs).vocabulary.keys()], ["bird", "cat", "dog"]);
  const s = fitTfidf(docs, { minDf: 1, sublinearTf: true });
  const r3 = [(1 + Math.log(3)) * idf("bird"), 0, idf("dog"), 0], n3 = Math.hypot(...r3);
  const xs = csrToDense(tfidfTransform(s, docs));
  assert.ok(maxDiff(xs.subarray(12, 16), r3.map((v) => v / n3)) <= 4 * U);
  throwsWith(() => fitTfidf(docs, { mindf: 1 } as never), TypeError, 'unknown option "mindf"');
  throwsWith(() => fitTfidf(docs, { minDf: 0 }), RangeError, "minDf must be an integer >= 1");
  throwsWith(() => fitTfidf(docs, { sublinearTf: 1 } as never), TypeError, "sublinearTf");
  throwsWith(() => fitTfidf(["a b", "c d"]), RangeError, "no term occurs in 2 or more");
  throwsWith(() => tokenize(3 as never), TypeError, "text must be a string");
});

Deno.test("sparseRandomizedSvd: exact when the sample spans the range, close on a decaying spectrum", () => {
  const a = randomCsr(40, 25, 0.2, 2);
  const exact = svd(new Tensor(csrToDense(a), [40, 25]));
  // k + oversamples ≥ min(m, n) = 25: the sample spans everything.
  const f = sparseRandomizedSvd(a, 20, { oversamples: 5, powerIters: 0 });
  assert.ok(maxDiff(f.s.data, exact.s.data.subarray(0, 20)) <= 1e3 * U * exact.s.data[0]);
  // u·diag(s)·vt is the best rank-20 approximation: compare with the exact truncation.
  const rec = (u: Tensor, s: Tensor, vt: Tensor, k: number, ldu: number): Float64Array => {
    const us = new Float64Array(40 * k);
    for (let i = 0; i < 40; i++) {
      for (let t = 0; t < k; t++) us[i * k + t] = u.data[i * ldu + t] * s.data[t];
    }
    return naiveMul(us, vt.data, 40, k, 25);
  };
  assert.ok(
    maxDiff(rec(f.u, f.s, f.vt, 20, 20), rec(exact.u, exact.s, exact.vt, 20, 25)) <=
      1e4 * U * exact.s.data[0],
  );
  // Orthonormal rows of vt, and the signs of svd_flip on u (largest |entry| of a column > 0).
  const g = naiveMul(f.vt.data, naiveT(f.vt.data, 20, 25), 20, 25, 20);
  for (let i = 0; i < 20; i++) g[i * 20 + i] -= 1;
  assert.ok(maxDiff(g, new Float64Array(400)) <= 1e3 * U);
  for (let t = 0; t < 20; t++) {
    const col = Array.from({ length: 40 }, (_, i) => f.u.data[i * 20 + t]);
    const big = col.reduce((b, v) => (Math.abs(v) > Math.abs(b) ? v : b), 0);
    assert.ok(big > 0);
  }
});

Deno.test("sparseRandomizedSvd options: power iterations and oversamples improve the top k; seed is reproducible", () => {
  const a = randomCsr(120, 80, 0.5, 3, 0.9);
  const exact = svd(new Tensor(csrToDense(a), [120, 80])).s.data;
  const err = (o: object): number =>
    maxDiff(sparseRandomizedSvd(a, 5, o).s.data, exact.subarray(0, 5)) / exact[0];
  const plain = err({ powerIters: 0, oversamples: 0 });
  assert.ok(err({ powerIters: 4, oversamples: 0 }) < plain / 20, "powerIters");
  assert.ok(err({ powerIters: 0, oversamples: 40 }) < plain / 1000, "oversamples");
  assert.ok(err({}) < 1e-9); // defaults: 4 iterations, 10 oversamples
  const s0 = sparseRandomizedSvd(a, 5, { powerIters: 0, seed: 0 }).s.data;
  assertEquals(sparseRandomizedSvd(a, 5, { powerIters: 0, seed: 0 }).s.data, s0);
  assert.notDeepEqual(sparseRandomizedSvd(a, 5, { powerIters: 0, seed: 1 }).s.data, s0);
  throwsWith(() => sparseRandomizedSvd(a, 0), RangeError, "k must be an integer in 1..80");
  throwsWith(() => sparseRandomizedSvd(a, 5, { iters: 2 } as never), TypeError, '"iters"');
  throwsWith(() => sparseRandomizedSvd(a, 5, { oversamples: -1 }), RangeError, "oversamples");
});

Deno.test("LSA: encodings are the TF-IDF rows times the components, dim sets their width", () => {
  const texts = [
    "half of the apples were sold, half of them red",
    "twice as many apples were sold",
    "half of the pears were eaten",
    "twice as many pears were eaten",
    "the apples cost twice as much",
    "the pears cost half as much today",
  ];
  const model = fitLsa(texts, { dim: 3, minDf: 2 });
  const x = tfidfTransform(model.tfidf, texts);
  const ref = naiveMul(csrToDense(x), naiveT(model.components.data, 3, x.cols), 6, x.cols, 3);
  const e = lsaTransform(model, texts);
  assertEquals(e.shape, [6, 3]);
  assert.ok(maxDiff(e.data, ref) <= 1e-14);
  // dim = min(texts, vocabulary) reproduces the exact singular values.
  const full = Math.min(6, x.cols);
  const exact = svd(new Tensor(csrToDense(x), [6, x.cols])).s.data;
  const all = fitLsa(texts, { dim: full, minDf: 2 });
  assert.ok(maxDiff(all.singularValues.data, exact.subarray(0, full)) <= 1e3 * U);
  // minDf and sublinearTf reach the TF-IDF step.
  assert.ok(fitLsa(texts, { dim: 3, minDf: 1 }).components.shape[1] > x.cols);
  assert.notDeepEqual(
    fitLsa(texts, { dim: 3, sublinearTf: true }).singularValues.data,
    model.singularValues.data,
  );
  throwsWith(() => fitLsa(texts, { dim: 99 }), RangeError, "dim 99 exceeds min(texts, vocabulary)");
  throwsWith(() => fitLsa(texts, { dims: 3 } as never), TypeError, 'unknown option "dims"');
});

Deno.test("LSA: seed, powerIters and oversamples reach the randomized SVD", () => {
  const rng = new Rng(6);
  const docs = Array.from(
    { length: 80 },
    () => Array.from({ length: 12 }, () => `w${rng.int(60)}`).join(" "),
  );
  const x = tfidfTransform(fitTfidf(docs), docs);
  const exact = svd(new Tensor(csrToDense(x), [x.rows, x.cols])).s.data.subarray(0, 5);
  const err = (o: object): number =>
    maxDiff(fitLsa(docs, { dim: 5, ...o }).singularValues.data, exact);
  const rough = err({ powerIters: 0, oversamples: 0 });
  assert.ok(err({}) < rough / 10, `defaults ${err({})} vs rough ${rough}`);
  assert.ok(err({ powerIters: 0, oversamples: 0, seed: 1 }) !== rough);
  assert.ok(err({ powerIters: 6, oversamples: 0 }) < rough / 2);
  assert.ok(err({ powerIters: 0, oversamples: 50 }) < rough / 2);
});
