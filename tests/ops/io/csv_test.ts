import assert from "node:assert/strict";
import { parseNumericCsv, readNumericCsv } from "../../../ops/io/csv.ts";
import { sharedData, throwsExactly } from "./shared_data.ts";

const P = "parseNumericCsv";

Deno.test("parseNumericCsv: values, shape and dtype of a headerless table", () => {
  const t = parseNumericCsv("1,2.5,-3\n4e2,+5,.5\n");
  assert.equal(t.header, null);
  assert.equal(t.rows, 2);
  assert.equal(t.cols, 3);
  assert.deepEqual(t.data.shape, [2, 3]);
  assert.equal(t.data.dtype, "f64");
  assert.deepEqual([...t.data.data], [1, 2.5, -3, 400, 5, 0.5]);
});

Deno.test("parseNumericCsv: header auto, true and false", () => {
  const text = "a,b\n1,2\n";
  assert.deepEqual(parseNumericCsv(text).header, ["a", "b"]);
  assert.deepEqual(parseNumericCsv(text, { header: "auto" }).header, ["a", "b"]);
  // One non-numeric field is enough for "auto" to take the line as a header.
  assert.deepEqual(parseNumericCsv("x,1\n2,3\n").header, ["x", "1"]);
  // A numeric first line is data under "auto", a header when told so.
  const nums = "7,8\n1,2\n";
  assert.equal(parseNumericCsv(nums).rows, 2);
  const h = parseNumericCsv(nums, { header: true });
  assert.deepEqual(h.header, ["7", "8"]);
  assert.equal(h.rows, 1);
  assert.deepEqual([...h.data.data], [1, 2]);
  throwsExactly(
    () => parseNumericCsv(text, { header: false }),
    RangeError,
    `${P}: <text>:1: field 1 is not a finite number: "a"`,
  );
  // A header-only file is a table with no rows.
  const empty = parseNumericCsv("x,y,z\n");
  assert.deepEqual(empty.data.shape, [0, 3]);
});

Deno.test("parseNumericCsv: delimiter and spaces around numbers", () => {
  const t = parseNumericCsv("1\t 2\n3 \t4", { delimiter: "\t" });
  assert.deepEqual([...t.data.data], [1, 2, 3, 4]);
  assert.equal(parseNumericCsv("1;2\n", { delimiter: ";" }).cols, 2);
  // With the default comma, "1;2" is one field that is not a number.
  throwsExactly(
    () => parseNumericCsv("1;2\n", { header: false }),
    RangeError,
    `${P}: <text>:1: field 1 is not a finite number: "1;2"`,
  );
});

Deno.test("parseNumericCsv: CRLF, trailing newline, BOM", () => {
  const t = parseNumericCsv("\uFEFFa,b\r\n1,2\r\n3,4\r\n");
  assert.deepEqual(t.header, ["a", "b"]);
  assert.deepEqual([...t.data.data], [1, 2, 3, 4]);
  assert.equal(parseNumericCsv("1,2\r\n3,4").rows, 2);
});

Deno.test("parseNumericCsv: malformed lines name file, line and field", () => {
  const file = { file: "d.csv" };
  const cases: [string, string][] = [
    ["1,2\n3\n", `${P}: d.csv:2: expected 2 fields, got 1`],
    ["1,2\n3,4,5\n", `${P}: d.csv:2: expected 2 fields, got 3`],
    ["1,2\n\n3,4\n", `${P}: d.csv:2: blank line`],
    ["1,2\n3,4\n\n", `${P}: d.csv:3: blank line`],
    ["a,b\n1,x\n", `${P}: d.csv:2: field 2 (b) is not a finite number: "x"`],
    ["1,2\n3,\n", `${P}: d.csv:2: field 2 is not a finite number: ""`],
    ["1,2\n3,NaN\n", `${P}: d.csv:2: field 2 is not a finite number: "NaN"`],
    ["1,2\n3,Infinity\n", `${P}: d.csv:2: field 2 is not a finite number: "Infinity"`],
    ["1,2\n3,1e400\n", `${P}: d.csv:2: field 2 is not a finite number: "1e400"`],
    ["1,2\n0x1f,2\n", `${P}: d.csv:2: field 1 is not a finite number: "0x1f"`],
    ['1,2\n"3",2\n', `${P}: d.csv:2: field 1 is not a finite number: "\\"3\\""`],
    ["", `${P}: d.csv: no lines`],
  ];
  for (const [text, msg] of cases) {
    throwsExactly(() => parseNumericCsv(text, { ...file, header: "auto" }), RangeError, msg);
  }
});

Deno.test("parseNumericCsv: bad options are TypeErrors", () => {
  throwsExactly(
    () => parseNumericCsv("1\n", { heder: true } as never),
    TypeError,
    `${P}: unknown option "heder" (known: file, header, delimiter)`,
  );
  throwsExactly(
    () => parseNumericCsv("1\n", { header: "yes" } as never),
    TypeError,
    `${P}: header must be true, false or "auto", got "yes"`,
  );
  throwsExactly(
    () => parseNumericCsv("1\n", { delimiter: ",," }),
    TypeError,
    `${P}: delimiter must be one character other than a quote or line break, got ",,"`,
  );
  throwsExactly(
    () => parseNumericCsv("1\n", { file: 3 } as never),
    TypeError,
    `${P}: file must be a string, got 3`,
  );
  throwsExactly(
    () => readNumericCsv("x.csv", { bad: 1 } as never),
    TypeError,
    `readNumericCsv: unknown option "bad" (known: file, header, delimiter)`,
  );
});

Deno.test("readNumericCsv: reads a file and names it in errors", () => {
  const path = Deno.makeTempFileSync({ suffix: ".csv" });
  try {
    Deno.writeTextFileSync(path, "1,2\n3,4\n");
    assert.deepEqual([...readNumericCsv(path).data.data], [1, 2, 3, 4]);
    Deno.writeTextFileSync(path, "1,2\n3,z\n");
    throwsExactly(
      () => readNumericCsv(path),
      RangeError,
      `${P}: ${path}:2: field 2 is not a finite number: "z"`,
    );
    throwsExactly(
      () => readNumericCsv(path, { file: "named.csv" }),
      RangeError,
      `${P}: named.csv:2: field 2 is not a finite number: "z"`,
    );
  } finally {
    Deno.removeSync(path);
  }
});

const digits = sharedData("digits/digits.csv");
Deno.test({
  name: "readNumericCsv: the real digits table (README: 1797 rows, 64 pixels 0..16 + label)",
  ignore: digits.missing,
  fn(): void {
    const t = readNumericCsv(digits.path);
    assert.equal(t.header, null);
    assert.equal(t.rows, 1797);
    assert.equal(t.cols, 65);
    // Independent parse of the same text.
    const ref = Deno.readTextFileSync(digits.path).trimEnd().split("\n")
      .flatMap((l) => l.split(",").map(Number));
    assert.deepEqual([...t.data.data], ref);
    const d = t.data.data;
    const counts = new Array(10).fill(0);
    for (let r = 0; r < t.rows; r++) {
      for (let c = 0; c < 64; c++) {
        const v = d[r * 65 + c];
        assert.ok(Number.isInteger(v) && v >= 0 && v <= 16, `pixel ${v} at ${r},${c}`);
      }
      counts[d[r * 65 + 64]]++;
    }
    assert.equal(counts.reduce((a, b) => a + b, 0), 1797);
    for (const n of counts) assert.ok(n >= 170 && n <= 190, `class count ${n}`);
    assert.deepEqual([...d.subarray(0, 8)], [0, 0, 5, 13, 9, 1, 0, 0]); // head of the file
  },
});
