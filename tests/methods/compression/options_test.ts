/**
 * Public compression functions whose options no other test sees check them at run time (issue
 * 13): a misspelled key or a value of the wrong type is a TypeError naming the function and the
 * key, and the same call without the mistake works. Imports the public entry.
 */
import assert from "node:assert/strict";
import { eye, randn } from "../../../mod.ts";
import {
  bipftAttentionCore,
  dsformerSize,
  dsformerWeight,
} from "../../../methods/compression/mod.ts";

const SHAPE = { k: 8, keep: 4, group: 4 };
const Q = randn([1, 3, 4], { seed: 0 });
const W = randn([8, 6], { seed: 2 });

/** [function, call with the given options, valid options, a key and a wrong value for it]. */
const CASES: [string, (o: object) => unknown, object, string, unknown][] = [
  ["dsformerWeight", (o) => dsformerWeight(eye(8), W, o as never), SHAPE, "convention", "cols"],
  ["dsformerSize", (o) => dsformerSize(24, 20, o as never), SHAPE, "keep", "4"],
  [
    "bipftAttentionCore",
    (o) => bipftAttentionCore(Q, Q, Q, o as never),
    { nHeads: 2 },
    "calibrate",
    1,
  ],
];

Deno.test("compression options: unknown keys and wrong types are TypeErrors naming the key", () => {
  for (const [name, call, valid, key, bad] of CASES) {
    call(valid); // the valid call works, so the errors below come from the option check
    assert.throws(() => call({ ...valid, bogusOption: 1 }), (e: Error) => {
      assert.ok(e instanceof TypeError, `${name}: ${e}`);
      assert.ok(e.message.startsWith(`${name}: unknown option "bogusOption"`), e.message);
      return true;
    });
    assert.throws(() => call({ ...valid, [key]: bad }), (e: Error) => {
      assert.ok(e instanceof TypeError, `${name}: ${e}`);
      assert.ok(e.message.startsWith(`${name}: option ${key} must be`), e.message);
      return true;
    });
  }
});
