/**
 * Public compression functions whose options no other test sees check them at run time (issue
 * 13): a misspelled key or a value of the wrong type is a TypeError naming the function and the
 * key, and the same call without the mistake works. Imports the public entry.
 */
import { checkOptionCases, type OptionCase } from "../_option_cases.ts";
import { eye, randn } from "../../../mod.ts";
import {
  bipftAttentionCore,
  dsformerSize,
  dsformerWeight,
} from "../../../methods/compression/mod.ts";

const SHAPE = { k: 8, keep: 4, group: 4 };
const Q = randn([1, 3, 4], { seed: 0 });
const W = randn([8, 6], { seed: 2 });

const CASES: OptionCase[] = [
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
  checkOptionCases(CASES);
});
