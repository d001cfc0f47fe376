import assert from "node:assert/strict";
import { parseTrajectoryText, readTrajectoryFile } from "../../../methods/trajectory/reader.ts";
import { DATA_DIR, NO_DATA } from "./_data.ts";

Deno.test("parseTrajectoryText reads tab-separated rows with float ids", () => {
  const r = parseTrajectoryText("780\t1.0\t8.46\t3.59\n\n790.0\t2\t-1e-2\t0\r\n", "f.txt");
  assert.deepEqual(Array.from(r.frame), [780, 790]);
  assert.deepEqual(Array.from(r.ped), [1, 2]);
  assert.deepEqual(Array.from(r.x), [8.46, -0.01]);
  assert.deepEqual(Array.from(r.y), [3.59, 0]);
});

Deno.test("parseTrajectoryText names file and line of a bad row", () => {
  assert.throws(
    () => parseTrajectoryText("1\t1\t0\t0\n2\t1\t0\n", "bad.txt"),
    (e: Error) =>
      e instanceof RangeError && /bad\.txt:2/.test(e.message) && /4 fields/.test(e.message),
  );
  assert.throws(
    () => parseTrajectoryText("1\t1\t0\t0\n\n2\t1\tabc\t0\n", "bad.txt"),
    (e: Error) =>
      e instanceof RangeError && /bad\.txt:3/.test(e.message) && /"abc"/.test(e.message),
  );
  assert.throws(
    () => parseTrajectoryText("1\t1\tNaN\t0\n", "n.txt"),
    (e: Error) => e instanceof RangeError && /n\.txt:1/.test(e.message),
  );
  assert.throws(
    () => parseTrajectoryText("1\t1\t0\t0\n1\t1.0\t2\t0\n", "dup.txt"),
    (e: Error) =>
      e instanceof RangeError && /dup\.txt:2/.test(e.message) && /twice/.test(e.message),
  );
  assert.throws(() => parseTrajectoryText(42 as unknown as string), TypeError);
});

Deno.test({
  name: "biwi_eth test file: 5492 rows, 876 frames, 360 pedestrians, modal step 10 (spec §8.1)",
  ignore: NO_DATA,
  fn: async () => {
    const r = await readTrajectoryFile(`${DATA_DIR}/eth/test/biwi_eth.txt`);
    assert.equal(r.frame.length, 5492);
    const frames = [...new Set(r.frame)].sort((a, b) => a - b);
    assert.equal(frames.length, 876);
    assert.equal(new Set(r.ped).size, 360);
    const steps = new Map<number, number>();
    for (let i = 1; i < frames.length; i++) {
      const d = frames[i] - frames[i - 1];
      steps.set(d, (steps.get(d) ?? 0) + 1);
    }
    const modal = [...steps.entries()].sort((a, b) => b[1] - a[1])[0][0];
    assert.equal(modal, 10);
    assert.ok(Math.min(...steps.keys()) >= 10, "frame steps are never below 10 (spec §1.1)");
  },
});
