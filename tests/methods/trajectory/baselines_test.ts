import assert from "node:assert/strict";
import { predictBaseline } from "../../../methods/trajectory/baselines.ts";
import { makeTrajectorySet, splitHistoryFuture } from "../../../methods/trajectory/dataset.ts";
import { FOLDS, loadSplit } from "../../../methods/trajectory/folds.ts";
import { bestOfS, pooledMean } from "../../../methods/trajectory/metrics.ts";
import { Rng } from "../../../ops/random.ts";
import { DATA_DIR, NO_DATA } from "./_data.ts";

Deno.test("baselines on hand-made histories: stop, cv, cv2 and the least-squares line", () => {
  // One agent, obsLen 4, predLen 2, accelerating along x, constant y = 2.
  const hist = [0, 2, 1, 2, 3, 2, 6, 2];
  const set = makeTrajectorySet(
    4,
    2,
    Float64Array.from([...hist, 0, 0, 0, 0]),
    new Int32Array([0, 1]),
  );
  assert.deepEqual(Array.from(predictBaseline(set, "stop")), [6, 2, 6, 2]);
  assert.deepEqual(Array.from(predictBaseline(set, "cv")), [9, 2, 12, 2]);
  assert.deepEqual(Array.from(predictBaseline(set, "cv2")), [8.5, 2, 11, 2]);
  // LS through (1,0),(2,1),(3,3),(4,6): slope 2, intercept −2.5 → τ = 5, 6: 7.5, 9.5.
  const ls = predictBaseline(set, "linear");
  assert.ok(Math.abs(ls[0] - 7.5) < 1e-12 && Math.abs(ls[2] - 9.5) < 1e-12);
  assert.ok(Math.abs(ls[1] - 2) < 1e-12 && Math.abs(ls[3] - 2) < 1e-12);
  assert.throws(() => predictBaseline(set, "nope" as "cv"), /unknown baseline "nope"/);
});

Deno.test("least-squares baseline is exact on noiseless straight lines of random direction", () => {
  const rng = new Rng(3), n = 20, L = 20;
  const pos = new Float64Array(n * L * 2);
  for (let i = 0; i < n; i++) {
    const [x0, y0, vx, vy] = [rng.normal(), rng.normal(), rng.normal(), rng.normal()];
    for (let t = 0; t < L; t++) pos.set([x0 + vx * t, y0 + vy * t], (i * L + t) * 2);
  }
  const set = makeTrajectorySet(8, 12, pos, new Int32Array([0, n]));
  const { future } = splitHistoryFuture(set);
  for (const b of ["linear", "cv", "cv2"] as const) {
    const err = bestOfS(predictBaseline(set, b), future, 1, 12);
    assert.ok(Math.max(...err.fde) < 1e-12 * 100, `${b}: ${Math.max(...err.fde)}`);
  }
});

/** Spec §6.3 computed rows (ADE, FDE per fold), to be reproduced within 1e-3 (§8.25). */
const ROWS: Record<string, number[][]> = {
  stop: [[2.843, 4.824], [1.150, 2.089], [1.359, 2.474], [2.506, 4.612], [1.377, 2.532]],
  cv: [[0.9954, 2.2344], [0.3227, 0.6169], [0.5242, 1.1651], [0.4313, 0.9604], [0.3257, 0.7285]],
  cv2: [[0.960, 2.176], [0.271, 0.519], [0.557, 1.206], [0.457, 0.995], [0.346, 0.755]],
  linear: [[1.021, 2.184], [0.256, 0.468], [0.737, 1.429], [0.609, 1.192], [0.458, 0.896]],
};

Deno.test({
  name: "deterministic baselines reproduce the spec §6.3 rows within 1e-3 on ETH/UCY (§8.25)",
  ignore: NO_DATA,
  fn: async () => {
    for (const [f, fold] of FOLDS.entries()) {
      const test = await loadSplit(DATA_DIR as string, fold, "test");
      const { future } = splitHistoryFuture(test);
      for (const [name, rows] of Object.entries(ROWS)) {
        const r = bestOfS(predictBaseline(test, name as "cv"), future, 1, 12);
        const [ade, fde] = [pooledMean(r.ade), pooledMean(r.fde)];
        assert.ok(
          Math.abs(ade - rows[f][0]) <= 1e-3,
          `${name} ${fold} ADE ${ade} vs ${rows[f][0]}`,
        );
        assert.ok(
          Math.abs(fde - rows[f][1]) <= 1e-3,
          `${name} ${fold} FDE ${fde} vs ${rows[f][1]}`,
        );
      }
    }
  },
});
