/**
 * Every public attention function checks its options at run time (issue 13: "make public
 * functions reject unknown option keys and wrong option types"): a misspelled key or a value of
 * the wrong type is a TypeError naming the function and the key, and the same call without the
 * mistake works. Imports the public entry, where `deno run` does not type-check.
 */
import { checkOptionCases, type OptionCase } from "../_option_cases.ts";
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

const CASES: OptionCase[] = [
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
  checkOptionCases(CASES);
});
