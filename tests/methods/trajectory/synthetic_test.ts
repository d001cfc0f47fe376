import assert from "node:assert/strict";
import { sceneCount } from "../../../methods/trajectory/dataset.ts";
import { headingSpeed } from "../../../methods/trajectory/normalize.ts";
import { splitHistoryFuture } from "../../../methods/trajectory/dataset.ts";
import {
  modePath,
  syntheticModeFutures,
  syntheticScenes,
} from "../../../methods/trajectory/synthetic.ts";

Deno.test("modePath: unit steps, heading ramps to the turn over 6 steps (spec §8.18)", () => {
  const left = modePath(Math.PI / 4, 12);
  for (let j = 1; j <= 12; j++) {
    const [x0, y0] = j === 1 ? [0, 0] : [left[2 * j - 4], left[2 * j - 3]];
    const dx = left[2 * j - 2] - x0, dy = left[2 * j - 1] - y0;
    assert.ok(Math.abs(Math.hypot(dx, dy) - 1) < 1e-12, "unit step");
    const want = (Math.PI / 4) * Math.min(j, 6) / 6;
    assert.ok(Math.abs(Math.atan2(dy, dx) - want) < 1e-12, `heading at step ${j}`);
  }
  assert.throws(() => modePath(0, 0), /modePath: steps/);
});

Deno.test("syntheticModeFutures: seeded, noise of the requested size around the modes", () => {
  const a = syntheticModeFutures({ perMode: 200, sigma: 0.05, seed: 4 });
  const b = syntheticModeFutures({ perMode: 200, sigma: 0.05, seed: 4 });
  assert.deepEqual(a.futures, b.futures);
  let ss = 0;
  for (let i = 0; i < 600; i++) {
    for (let j = 0; j < 24; j++) ss += (a.futures[i * 24 + j] - a.means[a.labels[i]][j]) ** 2;
  }
  const sd = Math.sqrt(ss / (600 * 24));
  assert.ok(Math.abs(sd - 0.05) < 0.05 * 5 / Math.sqrt(600 * 24), `sample sd ${sd}`);
  assert.throws(() => syntheticModeFutures({ sigma: -1 }), /sigma/);
});

Deno.test("syntheticScenes: seeded, scene sizes in range, both moving and static agents", () => {
  const s = syntheticScenes({ scenes: 300, agents: [2, 4], seed: 9 });
  assert.deepEqual(
    s.positions,
    syntheticScenes({ scenes: 300, agents: [2, 4], seed: 9 }).positions,
  );
  assert.equal(sceneCount(s), 300);
  for (let j = 0; j < 300; j++) {
    const n = s.sceneStart[j + 1] - s.sceneStart[j];
    assert.ok(n >= 2 && n <= 4);
  }
  const v = headingSpeed(splitHistoryFuture(s).history, 8);
  const moving = v.filter((x) => x > 0.35).length / v.length;
  assert.ok(moving > 0.2 && moving < 0.8, `moving share ${moving}`);
  assert.throws(() => syntheticScenes({ agents: [3, 2] }), /syntheticScenes: agents/);
});
