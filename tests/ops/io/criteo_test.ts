import assert from "node:assert/strict";
import { parseCriteo, readCriteo } from "../../../ops/io/criteo.ts";
import { sharedData, throwsExactly } from "./shared_data.ts";

const P = "parseCriteo";
const HEADER = [
  "label",
  ...Array.from({ length: 13 }, (_, i) => `I${i + 1}`),
  ...Array.from({ length: 26 }, (_, i) => `C${i + 1}`),
];

/** A valid row's fields: label, 13 integers (some empty), 26 hashes (some empty). */
function fields(label = "1"): string[] {
  const ints = Array.from({ length: 13 }, (_, i) => (i % 4 === 1 ? "" : String(i * 10 - 5)));
  const cats = Array.from(
    { length: 26 },
    (_, i) => (i % 5 === 3 ? "" : (0x0a1b2c00 + i).toString(16).padStart(8, "0")),
  );
  return [label, ...ints, ...cats];
}

Deno.test("parseCriteo: tab-separated rows without header (challenge layout)", () => {
  const a = fields("1"), b = fields("0");
  b[3] = "260.0";
  b[4] = "-1";
  const d = parseCriteo([a, b].map((f) => f.join("\t")).join("\n") + "\n");
  assert.equal(d.rows, 2);
  assert.deepEqual([...d.labels], [1, 0]);
  assert.equal(d.ints.length, 26);
  assert.equal(d.cats.length, 52);
  for (let r = 0; r < 2; r++) {
    const f = [a, b][r];
    for (let j = 0; j < 13; j++) {
      const v = d.ints[r * 13 + j];
      if (f[1 + j] === "") assert.ok(Number.isNaN(v), `I${j + 1} of row ${r} should be NaN`);
      else assert.equal(v, Number(f[1 + j]));
    }
    assert.deepEqual(d.cats.slice(r * 26, r * 26 + 26), f.slice(14));
  }
  assert.equal(d.ints[13 + 2], 260);
  assert.equal(d.ints[13 + 3], -1);
});

Deno.test("parseCriteo: comma-separated with header (DeepCTR layout), CRLF", () => {
  const text = [HEADER, fields("0"), fields("1")].map((f) => f.join(",")).join("\r\n");
  const d = parseCriteo(text);
  assert.equal(d.rows, 2);
  assert.deepEqual([...d.labels], [0, 1]);
  assert.equal(d.cats[0], "0a1b2c00");
  // All-empty features.
  const empty = parseCriteo(["1", ...Array(39).fill("")].join(",") + "\n");
  assert.ok(empty.ints.every(Number.isNaN));
  assert.ok(empty.cats.every((c) => c === ""));
});

Deno.test("parseCriteo: malformed lines name file, line, field number and name", () => {
  const row = (edit: (f: string[]) => void): string => {
    const f = fields();
    edit(f);
    return f.join(",");
  };
  const head = HEADER.join(",");
  const cases: [string, string][] = [
    [row((f) => (f[0] = "2")), `${P}: c.txt:2: field 1 (label) is not a label 0 or 1: "2"`],
    [row((f) => (f[0] = "")), `${P}: c.txt:2: field 1 (label) is not a label 0 or 1: ""`],
    [row((f) => (f[3] = "2.5")), `${P}: c.txt:2: field 4 (I3) is not an integer: "2.5"`],
    [row((f) => (f[3] = "1e3")), `${P}: c.txt:2: field 4 (I3) is not an integer: "1e3"`],
    [row((f) => (f[13] = " 7")), `${P}: c.txt:2: field 14 (I13) is not an integer: " 7"`],
    [
      row((f) => (f[1] = "99999999999999999999")),
      `${P}: c.txt:2: field 2 (I1) is not an integer: "99999999999999999999"`,
    ],
    [
      row((f) => (f[14] = "05DB9164")),
      `${P}: c.txt:2: field 15 (C1) is not 8 lowercase hex digits: "05DB9164"`,
    ],
    [
      row((f) => (f[39] = "05db916")),
      `${P}: c.txt:2: field 40 (C26) is not 8 lowercase hex digits: "05db916"`,
    ],
    [row((f) => f.pop()), `${P}: c.txt:2: expected 40 comma-separated fields, got 39`],
    [row((f) => f.push("")), `${P}: c.txt:2: expected 40 comma-separated fields, got 41`],
  ];
  for (const [line, msg] of cases) {
    throwsExactly(() => parseCriteo(`${head}\n${line}\n`, { file: "c.txt" }), RangeError, msg);
  }
  const ok = fields().join(",");
  throwsExactly(
    () => parseCriteo(`${head}\n${ok}\n\n${ok}\n`, { file: "c.txt" }),
    RangeError,
    `${P}: c.txt:3: blank line`,
  );
  throwsExactly(
    () => parseCriteo(head.replace("I4", "I5") + "\n" + ok, { file: "c.txt" }),
    RangeError,
    `${P}: c.txt:1: header field 5 is "I5", expected "I4"`,
  );
  throwsExactly(
    () => parseCriteo("label,I1\n" + ok, { file: "c.txt" }),
    RangeError,
    `${P}: c.txt:1: header has 2 fields, expected 40`,
  );
  throwsExactly(
    () => parseCriteo(fields().join("\t") + "\n" + ok, { file: "c.txt" }),
    RangeError,
    `${P}: c.txt:2: expected 40 tab-separated fields, got 1`,
  );
  throwsExactly(() => parseCriteo("", { file: "c.txt" }), RangeError, `${P}: c.txt: no lines`);
});

Deno.test("parseCriteo / readCriteo: options and file names", () => {
  throwsExactly(
    () => parseCriteo("", { files: "x" } as never),
    TypeError,
    `${P}: unknown option "files" (known: file)`,
  );
  const path = Deno.makeTempFileSync({ suffix: ".txt" });
  try {
    Deno.writeTextFileSync(path, fields().join("\t") + "\n");
    assert.equal(readCriteo(path).rows, 1);
    Deno.writeTextFileSync(path, fields("x").join("\t") + "\n");
    throwsExactly(
      () => readCriteo(path),
      RangeError,
      `${P}: ${path}:1: field 1 (label) is not a label 0 or 1: "x"`,
    );
  } finally {
    Deno.removeSync(path);
  }
});

const sample = sharedData("criteo/criteo_sample.txt");
Deno.test({
  name: "readCriteo: the real 200-row DeepCTR sample",
  ignore: sample.missing,
  fn(): void {
    const d = readCriteo(sample.path);
    assert.equal(d.rows, 200);
    // Independent reading of the same text: split by comma, count empties and sum integers.
    const lines = Deno.readTextFileSync(sample.path).trimEnd().split("\n").slice(1);
    let emptyInts = 0, emptyCats = 0, intSum = 0, clicks = 0;
    for (const line of lines) {
      const f = line.split(",");
      clicks += Number(f[0]);
      for (let j = 1; j <= 13; j++) f[j] === "" ? emptyInts++ : (intSum += Number(f[j]));
      for (let j = 14; j < 40; j++) if (f[j] === "") emptyCats++;
    }
    assert.equal(d.labels.reduce((a, b) => a + b, 0), clicks);
    assert.equal(d.ints.filter(Number.isNaN).length, emptyInts);
    assert.equal(d.ints.reduce((a, v) => (Number.isNaN(v) ? a : a + v), 0), intSum);
    assert.equal(d.cats.filter((c) => c === "").length, emptyCats);
    assert.ok(emptyInts > 0 && emptyCats > 0, "the sample has empty fields of both kinds");
    // First data row of the file.
    assert.equal(d.labels[0], 0);
    assert.deepEqual([...d.ints.slice(0, 4)], [NaN, 3, 260, NaN]);
    assert.deepEqual(d.cats.slice(0, 2), ["05db9164", "08d6d899"]);
  },
});
