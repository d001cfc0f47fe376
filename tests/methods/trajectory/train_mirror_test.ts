/**
 * trainNetwork's `mirror` option (default true, spec §3.1 augmentation applied to the predictor's
 * training set): the default trains on train + its y-mirror, exactly as `mirror: false` on that
 * union does; `mirror: false` trains on `train` alone.
 */
import assert from "node:assert/strict";
import { concatSets, mirrorY } from "../../../methods/trajectory/dataset.ts";
import { fitEigenTrajectory } from "../../../methods/trajectory/model.ts";
import { syntheticScenes } from "../../../methods/trajectory/synthetic.ts";
import { trainNetwork, type TrainNetworkOptions } from "../../../methods/trajectory/train.ts";

const TRAIN = syntheticScenes({ scenes: 60, seed: 21 });
const VAL = syntheticScenes({ scenes: 20, seed: 22 });
const MODEL = fitEigenTrajectory(TRAIN, { staticDist: 0.35, modes: 4, nInit: 1 });
const OPTS: TrainNetworkOptions = { epochs: 1, hidden: [8], batchSize: 64, seed: 5, log: () => {} };

/** Epoch-1 training loss and the first layer's weights after one epoch. */
function trained(set: typeof TRAIN, mirror?: boolean): { loss: number; w: Float64Array } {
  const r = trainNetwork(MODEL, set, VAL, mirror === undefined ? OPTS : { ...OPTS, mirror });
  return { loss: r.history[0].loss, w: Float64Array.from(r.net.mlp.layers[0].weight.data) };
}

Deno.test("trainNetwork mirrors its training set by default; mirror: false does not", () => {
  const dflt = trained(TRAIN);
  // Same data in the same order, same seed: bit-identical training.
  assert.deepEqual(trained(TRAIN, true), dflt, "mirror: true is the default");
  assert.deepEqual(trained(concatSets([TRAIN, mirrorY(TRAIN)]), false), dflt, "default = union");
  const plain = trained(TRAIN, false);
  assert.notDeepEqual(plain.w, dflt.w, "mirror: false trains on fewer windows");
});
