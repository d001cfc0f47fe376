/**
 * CTR compression costs (issue 16), on a DeepFM of the paper's shape (embedding 16, MLP
 * 400-400-400) over 2048 generated Criteo rows:
 *
 * - Inference (rows/s = 2048 / time): the AFM-compressed model at 3× fewer parameters against the
 *   dense original (baseline). The factored layers do k(d_in + d_out) multiply-adds per row
 *   instead of d_in·d_out, and the table lookup reads k instead of d values per field, so AFM
 *   should be faster.
 * - AFM statistics pass (rows/s): the forward pass with the output statistics accumulated for
 *   the embedding and the three hidden layers, against the plain forward pass (baseline): the
 *   O(n·d²) scatter updates are the overhead.
 *
 * Weights are random (the cost does not depend on training).
 */
import { compression, ctr, parseCriteo } from "../mod.ts";

const ROWS = 2048;
const data = parseCriteo(ctr.syntheticCriteo({ rows: ROWS, seed: 0 }).text);
const enc = ctr.buildEncoder(data);
const batch = ctr.encodeRows(data, enc);
const original = ctr.initCtrModel({
  vocabSize: enc.offsets[ctr.N_SPARSE],
  embDim: 16,
  hidden: [400, 400, 400],
});
const afm = ctr.compressCtr(original, { method: "afm", ratio: 3, calibration: batch }).model;

function statsPass(): void {
  const stats = new Map<string, compression.OutputStats>();
  ctr.ctrForward(original, batch, (name, _x, y) => {
    if (name === "dnn3") return;
    const d = y.shape[y.ndim - 1];
    if (!stats.has(name)) stats.set(name, new compression.OutputStats(d));
    stats.get(name)!.update(y);
  });
}

Deno.bench({
  name: `inference, dense original (${ctr.countParams(original)} params)`,
  group: "ctr inference",
  baseline: true,
  fn: () => void ctr.predictLogits(original, batch),
});
Deno.bench({
  name: `inference, AFM 3x (${ctr.countParams(afm)} params)`,
  group: "ctr inference",
  fn: () => void ctr.predictLogits(afm, batch),
});
Deno.bench({
  name: "forward pass only",
  group: "ctr statistics pass",
  baseline: true,
  fn: () => void ctr.predictLogits(original, batch),
});
Deno.bench({
  name: "forward + AFM output statistics (4 layers)",
  group: "ctr statistics pass",
  fn: statsPass,
});
