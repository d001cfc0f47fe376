import assert from "node:assert/strict";
import { conv2d } from "../../../ops/conv/conv2d.ts";
import { initConv2d } from "../../../ops/nn/conv.ts";
import { initLinear } from "../../../ops/nn/layers.ts";
import { randn } from "../../../ops/random.ts";
import { add } from "../../../ops/elementwise.ts";
import type { Tensor } from "../../../ops/tensor.ts";
import { readSafetensors } from "../../../ops/io/safetensors.ts";
import { getPeftModel } from "../../../methods/adapters/peft_model.ts";
import { peftLoraDelta, readPeftLora } from "../../../methods/adapters/peft.ts";
import { withShape } from "../../../methods/adapters/lora_conv.ts";
import { maxAbs, maxDiff } from "./helpers.ts";

function scaled(t: Tensor, s: number): Tensor {
  const c = t.clone();
  for (let i = 0; i < c.size; i++) c.data[i] *= s;
  return c;
}

Deno.test("Conv2d LoRA: merged kernel forward = PEFT's branch conv(x, W) + s·conv1×1(conv(x, A), B)", () => {
  const tree = { conv: initConv2d(3, 4, [3, 3], { seed: 1 }), head: initLinear(4, 2, { seed: 2 }) };
  const model = getPeftModel(tree, { r: 2, lora_alpha: 6, target_modules: ["conv"] });
  assert.deepEqual(model.targetModules(), ["conv"]);
  const p = model.trainableParameters();
  assert.deepEqual(p["conv.lora_A"].shape, [2, 27]); // the flattened kernel [out, in·kh·kw]
  p["conv.lora_B"].data.set(randn([4, 2], { seed: 3 }).data);
  const w = (model.weights() as typeof tree).conv.weight;
  const x = randn([2, 3, 6, 5], { seed: 4 });
  const opts = { padding: 1 };
  const merged = conv2d(x, w, opts);
  const a4 = withShape(p["conv.lora_A"], [2, 3, 3, 3]),
    b4 = withShape(p["conv.lora_B"], [4, 2, 1, 1]);
  const branch = conv2d(conv2d(x, a4, opts), b4);
  const peft = add(conv2d(x, tree.conv.weight, opts), scaled(branch, 6 / 2));
  assert.ok(maxDiff(merged, peft) <= 1e-13 * maxAbs(peft));
  assert.ok(maxDiff((model.mergeAndUnload() as typeof tree).conv.weight, w) < 1e-15);
  // "all-linear" leaves convolutions out, as PEFT's Linear/Conv1D rule.
  assert.deepEqual(getPeftModel(tree, { target_modules: "all-linear" }).targetModules(), ["head"]);
  assert.throws(
    () => getPeftModel(tree, { target_modules: ["conv"], use_dora: true }),
    /"conv" is a Conv2d; DoRA on convolutions is not supported/,
  );
});

Deno.test("Conv2d LoRA PEFT files: lora_A [r, in, kh, kw], lora_B [out, r, 1, 1]; reload and merge", () => {
  const tree = { conv: initConv2d(3, 4, [3, 2], { seed: 5 }) };
  const model = getPeftModel(tree, { r: 2, lora_alpha: 2, target_modules: ["conv"] });
  model.trainableParameters()["conv.lora_B"].data.set(randn([4, 2], { seed: 6 }).data);
  const files = model.save();
  const t = readSafetensors(files.weights).tensors;
  assert.deepEqual(t.get("base_model.model.conv.lora_A.weight")!.shape, [2, 3, 3, 2]);
  assert.deepEqual(t.get("base_model.model.conv.lora_B.weight")!.shape, [4, 2, 1, 1]);
  const file = readPeftLora(files.config, files.weights);
  const d = peftLoraDelta(file.config, "conv", file.modules.get("conv")!);
  const w = (model.weights() as typeof tree).conv.weight;
  assert.deepEqual(d.shape, [4, 3, 3, 2]);
  assert.ok(maxDiff(add(tree.conv.weight, d), w) < 1e-15);
  model.loadAdapter(files.config, files.weights, "again");
  model.setAdapter("again");
  assert.ok(maxDiff((model.weights() as typeof tree).conv.weight, w) < 1e-15);
  // Weighted combinations keep the kernel layout.
  model.addWeightedAdapter(["default", "again"], [1, 1], "sum", "cat");
  const sum = readPeftLora(model.save("sum").config, model.save("sum").weights);
  assert.deepEqual(sum.modules.get("conv")!.b.shape, [4, 4, 1, 1]);
  const lin = getPeftModel({ conv: initLinear(3, 4, { seed: 1 }) }, {
    r: 1,
    target_modules: ["conv"],
  });
  assert.throws(
    () => lin.loadAdapter(files.config, files.weights, "x"),
    /"conv" is a Conv2d in the file but not in the model/,
  );
});
