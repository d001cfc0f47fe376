import assert from "node:assert/strict";
import { charCorpusFromText, readCharCorpus } from "../../../ops/io/text_corpus.ts";
import { sharedData, throwsExactly } from "./shared_data.ts";

const C = "charCorpusFromText";

Deno.test("charCorpusFromText: sorted vocabulary, codec round trip, 90/10 split", () => {
  const text = "to be, or not to be\nthat is";
  const c = charCorpusFromText(text);
  assert.equal(c.text, text);
  assert.deepEqual(c.vocab, [...new Set(text)].sort());
  const ids = c.encode(text);
  assert.deepEqual([...ids].map((i) => c.vocab[i]).join(""), text);
  assert.equal(c.decode(ids), text);
  const nTrain = Math.floor(text.length * 0.9); // 27 chars -> 24 / 3
  assert.equal(c.train.length, nTrain);
  assert.equal(c.val.length, text.length - nTrain);
  assert.deepEqual([...c.train, ...c.val], [...ids]);
  assert.equal(c.decode(c.val), text.slice(nTrain));
});

Deno.test("charCorpusFromText: valFraction sets the split", () => {
  const text = "abcdefghij";
  const c = charCorpusFromText(text, { valFraction: 0.3 });
  assert.equal(c.decode(c.train), "abcdefg");
  assert.equal(c.decode(c.val), "hij");
  const all = charCorpusFromText(text, { valFraction: 0 });
  assert.equal(all.train.length, 10);
  assert.equal(all.val.length, 0);
});

Deno.test("charCorpusFromText: characters are code points, sorted by code point", () => {
  // U+1F600 (surrogate pair in UTF-16) sorts after U+FF01, unlike a UTF-16 code unit sort.
  const text = "a\u{1F600}\uFF01a\u{1F600}b";
  const c = charCorpusFromText(text, { valFraction: 0.5 });
  assert.deepEqual(c.vocab, ["a", "b", "\uFF01", "\u{1F600}"]);
  assert.equal(c.train.length + c.val.length, 6);
  assert.equal(c.decode(c.train) + c.decode(c.val), text);
});

Deno.test("charCorpusFromText: encode/decode reject what is outside the vocabulary", () => {
  const c = charCorpusFromText("abcabcabcabc");
  throwsExactly(
    () => c.encode("abz"),
    RangeError,
    `encode: character "z" at position 2 is not in the vocabulary`,
  );
  throwsExactly(() => c.decode([0, 3]), RangeError, "decode: ids[1] = 3 is not an id in [0, 3)");
  throwsExactly(() => c.decode([-1]), RangeError, "decode: ids[0] = -1 is not an id in [0, 3)");
  throwsExactly(() => c.decode([0.5]), RangeError, "decode: ids[0] = 0.5 is not an id in [0, 3)");
});

Deno.test("charCorpusFromText: bad input and options", () => {
  const few = `${C}: <text>: `;
  const cases: [string, unknown, typeof TypeError | typeof RangeError, string][] = [
    [
      "",
      {},
      RangeError,
      `${few}too few characters (0) for valFraction 0.1: train would get 0, validation 0`,
    ],
    [
      "a",
      {},
      RangeError,
      `${few}too few characters (1) for valFraction 0.1: train would get 0, validation 1`,
    ],
    // 1 - 1e-17 rounds to 1: the validation part would be empty although valFraction > 0.
    [
      "abc",
      { valFraction: 1e-17 },
      RangeError,
      `${few}too few characters (3) for valFraction 1e-17: train would get 3, validation 0`,
    ],
    ["abc", { valFraction: 1 }, RangeError, `${C}: valFraction must be a number in [0, 1), got 1`],
    [
      "abc",
      { valFraction: -0.1 },
      RangeError,
      `${C}: valFraction must be a number in [0, 1), got -0.1`,
    ],
    ["abc", { valFraction: "0.1" }, TypeError, `${C}: valFraction must be a number, got string`],
    [
      "abc",
      { valfraction: 0.1 },
      TypeError,
      `${C}: unknown option "valfraction" (known: valFraction)`,
    ],
    [3 as never, {}, TypeError, `${C}: text must be a string, got number`],
  ];
  for (const [text, opts, cls, msg] of cases) {
    throwsExactly(() => charCorpusFromText(text, opts as never), cls, msg);
  }
});

Deno.test("readCharCorpus: reads a file unchanged (CRLF kept as characters)", () => {
  const path = Deno.makeTempFileSync({ suffix: ".txt" });
  try {
    Deno.writeTextFileSync(path, "ab\r\nba\r\nab\r\nba\r\n");
    const c = readCharCorpus(path, { valFraction: 0.25 });
    assert.deepEqual(c.vocab, ["\n", "\r", "a", "b"]);
    assert.equal(c.train.length, 12);
    Deno.writeTextFileSync(path, "a");
    throwsExactly(
      () => readCharCorpus(path),
      RangeError,
      `readCharCorpus: ${path}: too few characters (1) for valFraction 0.1: ` +
        "train would get 0, validation 1",
    );
  } finally {
    Deno.removeSync(path);
  }
});

const shakespeare = sharedData("tinyshakespeare/input.txt");
Deno.test({
  name: "readCharCorpus: tinyshakespeare (README: 1,115,394 chars, 65 symbols, 1,003,854/111,540)",
  ignore: shakespeare.missing,
  fn(): void {
    const c = readCharCorpus(shakespeare.path);
    assert.equal(c.text.length, 1115394);
    assert.equal(c.vocab.length, 65);
    assert.equal(c.train.length, 1003854);
    assert.equal(c.val.length, 111540);
    assert.equal(c.vocab[0], "\n");
    assert.equal(c.vocab[1], " ");
    assert.equal(c.decode(c.train) + c.decode(c.val), c.text);
    assert.ok(c.text.startsWith("First Citizen:"));
  },
});
