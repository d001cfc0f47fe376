/**
 * Every public attention function checks its options at run time (issue 13: "make public
 * functions reject unknown option keys and wrong option types"): a misspelled key or a value of
 * the wrong type is a TypeError naming the function and the key, and the same call without the
 * mistake works. Imports the public entry, where `deno run` does not type-check.
 */
import assert from "node:assert/strict";
import { randn } from "../../../mod.ts";
import {
  attentionLayer,
  attentionRanks,
  initAttentionLayer,
  linearCore,
  ralaCore,
} from "../../../methods/attention/mod.ts";

const C = 4, X = randn([1, 4, C], { seed: 1 }), Q = randn([1, 4, C], { seed: 2 });
const P = initAttentionLayer("rala", C, { nHeads: 1, seed: 0 });
const GRID = { nHeads: 1, grid: [2, 2] };

/** [function, call with the given options, valid options, a key and a wrong value for it]. */
const CASES: [string, (o: object) => unknown, object, string, unknown][] = [
  [
    "initAttentionLayer",
    (o) => initAttentionLayer("rala", C, o as never),
    { nHeads: 1 },
    "seed",
    "0",
  ],
  ["attentionLayer", (o) => attentionLayer("rala", P, X, o as never), GRID, "lepe", "no"],
  ["attentionRanks", (o) => attentionRanks("rala", P, X, o as never), GRID, "gate", 1],
  ["linearCore", (o) => linearCore(Q, Q, Q, o as never), GRID, "nHeads", "1"],
  ["ralaCore", (o) => ralaCore(Q, Q, Q, o as never), GRID, "rope", "yes"],
];

Deno.test("attention options: unknown keys and wrong types are TypeErrors naming the key", () => {
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
