import assert from "node:assert/strict";
import { parseJsonLines, readJsonLines } from "../../../ops/io/jsonl.ts";
import { sharedData, throwsExactly } from "./shared_data.ts";

const P = "parseJsonLines";

Deno.test("parseJsonLines: one value a line, any JSON type, CRLF and trailing newline", () => {
  const text = '{"a": [1, 2]}\r\n"s"\r\n3.5\r\nnull\r\n{"nl": "x\\ny"}';
  assert.deepEqual(parseJsonLines(text), [{ a: [1, 2] }, "s", 3.5, null, { nl: "x\ny" }]);
  assert.deepEqual(parseJsonLines("1\n2\n"), [1, 2]);
  assert.deepEqual(parseJsonLines(""), []);
});

Deno.test("parseJsonLines: malformed lines name the file and line", () => {
  const cases: [string, RegExp][] = [
    ['{"a": 1}\n{"a": \n', /^parseJsonLines: q\.jsonl:2: invalid JSON: /],
    ['{"a": 1}\n{"a": 1}{"b": 2}\n', /^parseJsonLines: q\.jsonl:2: invalid JSON: /],
    ["1\n2\n3\nnope\n", /^parseJsonLines: q\.jsonl:4: invalid JSON: /],
    ["1\n \n", /^parseJsonLines: q\.jsonl:2: invalid JSON: /], // whitespace only: not JSON
  ];
  for (const [text, re] of cases) {
    assert.throws(() => parseJsonLines(text, { file: "q.jsonl" }), (e: Error) => {
      assert.ok(e instanceof RangeError);
      assert.match(e.message, re);
      return true;
    });
  }
  throwsExactly(
    () => parseJsonLines("1\n\n2\n", { file: "q.jsonl" }),
    RangeError,
    `${P}: q.jsonl:2: blank line`,
  );
  throwsExactly(
    () => parseJsonLines("1\n2\n\n", { file: "q.jsonl" }),
    RangeError,
    `${P}: q.jsonl:3: blank line`,
  );
});

Deno.test("parseJsonLines / readJsonLines: options and file names", () => {
  throwsExactly(
    () => parseJsonLines("1\n", { flie: "x" } as never),
    TypeError,
    `${P}: unknown option "flie" (known: file)`,
  );
  throwsExactly(
    () => parseJsonLines(1 as never),
    TypeError,
    `${P}: text must be a string, got number`,
  );
  const path = Deno.makeTempFileSync({ suffix: ".jsonl" });
  try {
    Deno.writeTextFileSync(path, '{"q": 1}\n{"q": 2}\n');
    assert.deepEqual(readJsonLines(path), [{ q: 1 }, { q: 2 }]);
    Deno.writeTextFileSync(path, '{"q": 1}\n\n');
    throwsExactly(() => readJsonLines(path), RangeError, `${P}: ${path}:2: blank line`);
  } finally {
    Deno.removeSync(path);
  }
});

for (const [split, count] of [["train", 7473], ["test", 1319]] as const) {
  const file = sharedData(`gsm8k/${split}.jsonl`);
  Deno.test({
    name: `readJsonLines: gsm8k ${split}.jsonl (README: ${count} lines of {question, answer})`,
    ignore: file.missing,
    fn(): void {
      const rows = readJsonLines(file.path);
      assert.equal(rows.length, count);
      for (const [i, row] of rows.entries()) {
        const r = row as Record<string, unknown>;
        assert.deepEqual(Object.keys(r).sort(), ["answer", "question"], `line ${i + 1}`);
        assert.equal(typeof r.question, "string");
        assert.match(r.answer as string, /\n#### \S+$/, `line ${i + 1}`);
      }
    },
  });
}
