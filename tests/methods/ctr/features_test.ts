import assert from "node:assert/strict";
import { parseCriteo, readCriteo } from "../../../ops/io/criteo.ts";
import {
  buildEncoder,
  DENSE_DIM,
  encodeRows,
  logTransform,
  MISSING_ID,
  N_SPARSE,
  OOV_ID,
} from "../../../methods/ctr/mod.ts";
import { sharedData } from "../../ops/io/shared_data.ts";

// Ignored (with the reason printed) only when ../shared/data is absent; a missing file fails.
const { path: SAMPLE, missing: NO_SAMPLE } = sharedData("criteo/criteo_sample.txt");

function row(label: string, ints: string[], cats: string[]): string {
  return [
    label,
    ...ints,
    ...Array(13 - ints.length).fill(""),
    ...cats,
    ...Array(26 - cats.length).fill(""),
  ].join(",");
}

Deno.test("encoder: vocabulary from the training rows only; OOV, missing and minCount", () => {
  const d = parseCriteo([
    row("1", ["5"], ["0000000a", "0000000b"]),
    row("0", [], ["0000000a", ""]),
    row("0", ["-2"], ["0000000c", "0000000b"]), // held out: 0000000c is never in the vocabulary
  ].join("\n"));
  const enc = buildEncoder(d, { rows: [0, 1] });
  assert.deepEqual([...enc.vocab[0].entries()], [["0000000a", 2]]);
  assert.equal(enc.offsets[1], 3);
  assert.equal(enc.offsets[2], 6);
  assert.equal(enc.offsets[N_SPARSE], 3 + 3 + 24 * 2);
  const e = encodeRows(d, enc);
  assert.deepEqual(Array.from(e.ids.subarray(0, 2)), [2, 3 + 2]);
  assert.deepEqual(Array.from(e.ids.subarray(26, 28)), [2, 3 + MISSING_ID]);
  assert.deepEqual(Array.from(e.ids.subarray(52, 54)), [OOV_ID, 3 + 2]);
  assert.deepEqual(Array.from(e.ids.subarray(54, 56)), [6 + MISSING_ID, 8 + MISSING_ID]);
  assert.ok(Math.abs(e.dense[0] - Math.log(6)) <= 1e-15);
  assert.equal(e.dense[13], 0); // I1 present
  assert.equal(e.dense[DENSE_DIM + 0], 0); // row 1: I1 empty → 0 with its indicator set
  assert.equal(e.dense[DENSE_DIM + 13], 1);
  assert.ok(Math.abs(e.dense[2 * DENSE_DIM] + Math.log(3)) <= 1e-15); // −2 → −log 3
  assert.deepEqual(Array.from(e.labels), [1, 0, 0]);
  // minCount 2: 0000000a (twice) keeps its id, 0000000b (once in rows 0–1) becomes OOV.
  const enc2 = buildEncoder(d, { rows: [0, 1], minCount: 2 });
  assert.equal(enc2.vocab[1].size, 0);
  assert.equal(encodeRows(d, enc2, [0]).ids[1], enc2.offsets[1] + OOV_ID);
  assert.equal(logTransform(0), 0);
});

Deno.test("encoder errors: unknown option, bad minCount, bad rows", () => {
  const d = parseCriteo(row("1", [], []));
  // @ts-expect-error unknown option
  assert.throws(() => buildEncoder(d, { min: 2 }), /unknown option min/);
  assert.throws(
    () => buildEncoder(d, { minCount: 0 }),
    /minCount must be a positive integer, got 0/,
  );
  assert.throws(() => buildEncoder(d, { rows: [1] }), /rows\[0\] = 1 is not a row in \[0, 1\)/);
  assert.throws(() => encodeRows(d, buildEncoder(d), [-1]), /rows\[0\] = -1/);
});

Deno.test({
  name: "encoder on the shared Criteo sample: 200 rows, every id within its field",
  ignore: NO_SAMPLE,
  fn(): void {
    const d = readCriteo(SAMPLE);
    assert.equal(d.rows, 200);
    const train = Array.from({ length: 160 }, (_, i) => i);
    const enc = buildEncoder(d, { rows: train });
    const e = encodeRows(d, enc);
    for (let r = 0; r < 200; r++) {
      for (let f = 0; f < N_SPARSE; f++) {
        const id = e.ids[r * N_SPARSE + f];
        assert.ok(id >= enc.offsets[f] && id < enc.offsets[f + 1]);
        const v = d.cats[r * N_SPARSE + f];
        if (v === "") assert.equal(id - enc.offsets[f], MISSING_ID);
        else if (r < 160) assert.ok(id - enc.offsets[f] >= 2);
      }
    }
    assert.ok(e.dense.every(Number.isFinite));
  },
});
