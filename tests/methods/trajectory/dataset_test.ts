import assert from "node:assert/strict";
import {
  concatSets,
  makeTrajectorySet,
  mirrorY,
  sceneCount,
  splitHistoryFuture,
} from "../../../methods/trajectory/dataset.ts";

const A = makeTrajectorySet(
  2,
  1,
  Float64Array.from({ length: 12 }, (_, i) => i),
  new Int32Array([0, 2]),
);

Deno.test("makeTrajectorySet validates lengths and scene offsets", () => {
  assert.equal(A.count, 2);
  assert.throws(
    () => makeTrajectorySet(0, 1, new Float64Array(2), new Int32Array([0, 1])),
    /obsLen/,
  );
  assert.throws(
    () => makeTrajectorySet(2, 1, new Float64Array(7), new Int32Array([0, 1])),
    /multiple of 6/,
  );
  assert.throws(
    () => makeTrajectorySet(2, 1, new Float64Array(12), new Int32Array([0, 1])),
    /run from 0 to 2/,
  );
  assert.throws(
    () => makeTrajectorySet(2, 1, new Float64Array(12), new Int32Array([0, 2, 1, 2])),
    /decreases/,
  );
});

Deno.test("concatSets keeps scenes apart; mirrorY negates y only; split is exact", () => {
  const c = concatSets([A, A]);
  assert.deepEqual(Array.from(c.sceneStart), [0, 2, 4]);
  assert.equal(sceneCount(c), 2);
  assert.deepEqual(Array.from(c.positions.subarray(12)), Array.from(A.positions));
  const m = mirrorY(A);
  assert.deepEqual(Array.from(m.positions), Array.from(A.positions, (v, i) => (i % 2 ? -v : v)));
  const { history, future } = splitHistoryFuture(A);
  assert.deepEqual(Array.from(history), [0, 1, 2, 3, 6, 7, 8, 9]);
  assert.deepEqual(Array.from(future), [4, 5, 10, 11]);
  assert.throws(() => concatSets([]), /must not be empty/);
  const B = makeTrajectorySet(1, 2, new Float64Array(6), new Int32Array([0, 1]));
  assert.throws(() => concatSets([A, B]), /set 1 has lengths 1\/2/);
});
