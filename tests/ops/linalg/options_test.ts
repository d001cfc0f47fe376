/**
 * Every public linalg function checks its options at run time (issue 13): a misspelled key or a
 * value of the wrong type is a TypeError naming the function and the key, also through the
 * public entry (mod.ts), where `deno run` does not type-check.
 */
import assert from "node:assert/strict";
import * as lr from "../../../mod.ts";
import { randn, type Tensor, tensor } from "../../../mod.ts";

const A = randn([6, 4], { seed: 1 });
const SPD = tensor([[4, 1, 0], [1, 3, 0], [0, 0, 2]]);
const X3 = randn([3, 4, 5], { seed: 2 });

/** [function name, call with the given options, a valid key, a wrong value for that key]. */
const CASES: [string, (o: object) => unknown, string, unknown][] = [
  ["svd", (o) => lr.svd(A, o), "full", "yes"],
  ["qr", (o) => lr.qr(A, o), "mode", 1],
  ["eigh", (o) => lr.eigh(SPD, o), "tol", "1e-9"],
  ["cholesky", (o) => lr.cholesky(SPD, o), "upper", 1],
  ["lstsq", (o) => lr.lstsq(A, randn([6], { seed: 3 }), o), "rcond", "0"],
  ["pinv", (o) => lr.pinv(A, o), "rcond", null],
  ["matrixRank", (o) => lr.matrixRank(A, o), "tol", "small"],
  ["nystrom", (o) => lr.nystrom(SPD, 2, o), "oversamples", "5"],
  ["pca", (o) => lr.pca(A, 1, o), "center", "no"],
  ["tucker", (o) => lr.tucker(X3, [2, 2, 2], o), "iters", "3"],
  ["kmeans", (o) => lr.kmeans(A, 2, o), "nInit", "3"],
  ["randomizedSvd", (o) => lr.randomizedSvd(A, 2, o), "seed", "1"],
];

Deno.test("linalg options: unknown keys are TypeErrors naming the function and the key", () => {
  for (const [name, call] of CASES) {
    assert.throws(() => call({ bogusOption: 1 }), (e: Error) => {
      assert.ok(e instanceof TypeError, `${name}: ${e}`);
      assert.ok(e.message.startsWith(`${name}: unknown option "bogusOption" (known: `), e.message);
      return true;
    });
  }
  // The two the review tripped over.
  assert.throws(() => lr.svd(A, { fulll: true } as object), /svd: unknown option "fulll"/);
  assert.throws(() => lr.pca(A, 1, { sovler: "full" } as object), /pca: unknown option "sovler"/);
});

Deno.test("linalg options: a value of the wrong type is a TypeError; valid options still work", () => {
  for (const [name, call, key, bad] of CASES) {
    assert.throws(() => call({ [key]: bad }), (e: Error) => {
      assert.ok(e instanceof TypeError, `${name}: ${e}`);
      assert.ok(e.message.startsWith(`${name}: option ${key} must be`), e.message);
      return true;
    });
    call({}); // an empty options object is fine
  }
  assert.equal((lr.svd(A, { full: true }).u as Tensor).shape[1], 6);
  assert.throws(() => lr.svd(A, 0 as unknown as object), /svd: options must be an object/);
});
