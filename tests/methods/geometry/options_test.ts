/**
 * Public geometry functions whose options no other test sees reject a misspelled key or a wrongly
 * typed value with a TypeError naming the function and the key (issue 13), and the same call without the mistake
 * works. Imports the public entry, where `deno run` does not type-check.
 */
import { checkOptionCases, type OptionCase } from "../_option_cases.ts";
import { Rng } from "../../../mod.ts";
import * as g from "../../../methods/geometry/mod.ts";

const rng = new Rng(3);
const ENC = g.makeEncoder(rng, { noise: 0 });
const SCENE = g.makeScene(rng, { views: 2, pixels: 10 });
const STYLE = g.trainingStyle(rng);
const MODEL = g.initPointMapModel({ hidden: [4], seed: 1 });
const PAIRS = g.makePairs(SCENE, ENC, STYLE, rng);
const CAL = g.calibrateAlignment(g.predictPairs(MODEL, PAIRS), {
  rays: g.sceneRays(SCENE),
  sweeps: 2,
});
const DATA = g.pseudoLabelRows(PAIRS, g.pseudoLabels(CAL));

const CASES: OptionCase[] = [
  ["initPointMapModel", (o) => g.initPointMapModel(o as never), { hidden: [4] }, "hidden", 4],
  ["makeEncoder", (o) => g.makeEncoder(new Rng(1), o as never), { noise: 0 }, "noise", "0"],
  [
    "makePairs",
    (o) => g.makePairs(SCENE, ENC, STYLE, new Rng(2), o as never),
    {
      outlierRate: 0.2,
    },
    "outlierShift",
    1,
  ],
  ["makeScene", (o) => g.makeScene(new Rng(1), o as never), { views: 2, pixels: 10 }, "views", "2"],
  ["pseudoLabels", (o) => g.pseudoLabels(CAL, o as never), { tau: 0.5 }],
  [
    "loraSelfCalibrate",
    (o) => g.loraSelfCalibrate(MODEL, DATA, o as never),
    { steps: 1 },
    "lr",
    "1e-3",
  ],
];

Deno.test("geometry options: unknown keys and wrongly typed values are TypeErrors naming the function and the key", () => {
  checkOptionCases(CASES);
});
