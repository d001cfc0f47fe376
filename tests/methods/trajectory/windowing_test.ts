import assert from "node:assert/strict";
import { sceneCount, type TrajectorySet } from "../../../methods/trajectory/dataset.ts";
import { FOLDS, loadFold } from "../../../methods/trajectory/folds.ts";
import { parseTrajectoryText } from "../../../methods/trajectory/reader.ts";
import { windowRows } from "../../../methods/trajectory/windowing.ts";
import { DATA_DIR, NO_DATA } from "./_data.ts";

/** 25 distinct frames with a gap of 500 after the 13th; presence per pedestrian as given. */
function toyText(): string {
  const lines: string[] = [];
  const present: Record<number, (f: number) => boolean> = {
    4: (f) => f >= 5, // complete only in the last window (s = 5)
    3: (f) => f >= 3 && f !== 10, // never complete (internal gap)
    2: (f) => f <= 19, // complete only in the first window (s = 0)
    1: () => true,
  };
  for (let f = 0; f < 25; f++) {
    const frame = f * 10 + (f > 12 ? 500 : 0);
    for (const ped of [4, 3, 2, 1]) { // descending on purpose: output must be ascending
      if (present[ped](f)) lines.push(`${frame}\t${ped}.0\t${f + 0.123456}\t${ped}`);
    }
  }
  return lines.join("\n");
}

Deno.test("windowRows: complete pedestrians only, ≥ 2 per window, index windows across gaps", () => {
  const set = windowRows(parseTrajectoryText(toyText(), "toy"));
  // Windows s = 0..5; s = 1..4 hold only pedestrian 1 and are dropped.
  assert.deepEqual(Array.from(set.sceneStart), [0, 2, 4]);
  const xs = (agent: number): number[] =>
    Array.from({ length: 20 }, (_, t) => set.positions[agent * 40 + 2 * t]);
  const ys = (agent: number): number[] =>
    Array.from({ length: 20 }, (_, t) => set.positions[agent * 40 + 2 * t + 1]);
  // Scene 0 = s 0: pedestrians 1 then 2; scene 1 = s 5: pedestrians 1 then 4.
  assert.deepEqual([ys(0)[0], ys(1)[0], ys(2)[0], ys(3)[0]], [1, 2, 1, 4]);
  // Rounded to 4 decimals, and the window straddling the frame gap is contiguous in index.
  assert.deepEqual(
    xs(2),
    Array.from({ length: 20 }, (_, t) => Math.round((t + 5.123456) * 1e4) / 1e4),
  );
});

Deno.test("windowRows validates its options", () => {
  const rows = parseTrajectoryText(toyText());
  assert.throws(() => windowRows(rows, { obsLen: 0 }), /windowRows: obsLen/);
  assert.throws(() => windowRows(rows, { minAgents: 1.5 }), /windowRows: minAgents/);
  assert.throws(() => windowRows(rows, { decimals: -1 }), /windowRows: decimals/);
  assert.equal(windowRows(rows, { minAgents: 1 }).sceneStart.length, 7);
  assert.equal(windowRows(rows, { decimals: null }).positions[0], 0.123456);
});

const EXPECTED: Record<string, [number, number][]> = {
  // spec §1.3: [sequences, agent-windows] for train, val, test
  eth: [[2785, 29809], [660, 5349], [70, 181]],
  hotel: [[2594, 29152], [621, 5136], [301, 1053]],
  univ: [[2076, 9231], [530, 2708], [947, 24334]],
  zara1: [[2322, 28010], [605, 5118], [602, 2253]],
  zara2: [[2112, 25507], [501, 4173], [921, 5833]],
};

function assertWellFormed(set: TrajectorySet): void {
  for (let j = 0; j < sceneCount(set); j++) {
    assert.ok(set.sceneStart[j + 1] - set.sceneStart[j] >= 2, "every window has ≥ 2 agents");
  }
  assert.equal(set.positions.length, set.count * 20 * 2, "every agent has exactly 20 positions");
  assert.ok(set.positions.every(Number.isFinite));
}

Deno.test({
  name: "window counts of all five folds equal spec §1.3 (spec §8.2, §8.3)",
  ignore: NO_DATA,
  fn: async () => {
    for (const fold of FOLDS) {
      const d = await loadFold(DATA_DIR as string, fold);
      const got = [d.train, d.val, d.test].map((s) => [sceneCount(s), s.count]);
      assert.deepEqual(got, EXPECTED[fold], `fold ${fold}`);
      [d.train, d.val, d.test].forEach(assertWellFormed);
    }
  },
});
