/** The spec's comparison table (§16): trainable counts for one 4096 × 4096 layer, by formula. */
import assert from "node:assert/strict";
import { loraParamCount } from "../../../methods/adapters/lora.ts";
import { randLoraParamCount } from "../../../methods/adapters/randlora.ts";
import { nolaParamCount } from "../../../methods/adapters/nola.ts";
import { lolduParamCount } from "../../../methods/adapters/loldu.ts";
import { nloraParamCount } from "../../../methods/adapters/nlora.ts";
import { floraParamCount } from "../../../methods/adapters/flora.ts";
import { triAdaptParamCount } from "../../../methods/adapters/triadapt.ts";
import { communicationBytes } from "../../../methods/adapters/dp_lora.ts";
import { moleGateParamCount } from "../../../methods/adapters/mole.ts";
import { flexoraParamCount } from "../../../methods/adapters/flexora.ts";

const D = 4096;

Deno.test("§16 table: trainable parameters of every method on a 4096×4096 layer", () => {
  assert.equal(loraParamCount(D, D, 8), 65_536, "LoRA r=8");
  assert.equal(loraParamCount(D, D, 128), 1_048_576, "PiSSA r=128 (and BA-LoRA)");
  assert.equal(randLoraParamCount(D, D, 32), 528_384, "RandLoRA r=32");
  assert.equal(randLoraParamCount(D, D, 64), 266_240, "RandLoRA r=64");
  assert.equal(nolaParamCount(512, 512), 1_024, "NOLA k=l=512");
  assert.equal(lolduParamCount(4096), 4_096, "LoLDU r=4096");
  assert.equal(nloraParamCount(D, D, 128), 1_064_960, "SLoRA/NLoRA r=128");
  assert.equal(nloraParamCount(D, D, 128, true), 16_384, "IntTune r=128");
  assert.equal(floraParamCount([D, D], [8, 8]), 65_600, "FLoRA linear");
  assert.equal(floraParamCount([256, 256, 3, 3], [16, 16, 2, 2]), 9_228, "FLoRA conv");
  assert.equal(loraParamCount(D, D, 8), 65_536, "DyLoRA stored at r_max=8");
  assert.equal(loraParamCount(D, D, 3), 3 * (D + D), "DyLoRA deployed at b=3");
  assert.equal(triAdaptParamCount(D, D, [1, 4, 4]), 73_842, "TriAdaptLoRA r_t=9");
  assert.equal(loraParamCount(D, D, 8), 65_536, "DP-LoRA r=8");
  assert.equal(communicationBytes(D, D, 8, 1), 2 * 65_536, "DP-LoRA: 2·65,536 values per round");
  assert.equal(moleGateParamCount(2, D, D), 16_388, "MoLE gates");
  assert.equal(2 * loraParamCount(D, D, 256), 2 * 2_097_152, "MoLE experts r=256");
  assert.equal(loraParamCount(D, D, 5), 8192 * 5, "CoLoRA 8192·r_l");
  const block: [number, number][] = [[D, D]];
  assert.equal(flexoraParamCount([block, block], [0], 8), 65_536, "Flexora selected block");
  assert.equal(flexoraParamCount([block, block], [], 8), 0, "Flexora unselected");
});

Deno.test("§16 count formulas reject sizes and ranks that are not positive integers", () => {
  assert.throws(
    () => loraParamCount(D, D, 0),
    /loraParamCount: r must be a positive integer, got 0/,
  );
  assert.throws(() => loraParamCount(-D, D, 8), /loraParamCount: out must be/);
  assert.throws(() => nloraParamCount(D, D, 2.5), /nloraParamCount: r must be .*got 2.5/);
  assert.throws(() => nolaParamCount(512, 0), /nolaParamCount: l must be/);
  assert.throws(() => lolduParamCount(NaN), /lolduParamCount: r must be .*got NaN/);
  assert.throws(() => triAdaptParamCount(D, D, [1, 0]), /triAdaptParamCount: blocks\[1\] must be/);
  assert.throws(() => floraParamCount([D, D], [8, -8]), /floraParamCount: ranks\[1\] must be/);
  assert.throws(() => randLoraParamCount(D, D, 0), /randLoraParamCount: r must be/);
  assert.throws(() => moleGateParamCount(0, D, D), /moleGateParamCount: n must be/);
  assert.throws(() => flexoraParamCount([[[D, D]]], [0], 0), /flexoraParamCount: r must be/);
});
