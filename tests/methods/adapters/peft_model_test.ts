import assert from "node:assert/strict";
import { valueAndGrad } from "../../../ops/autograd/grad.ts";
import { mean, square, sub } from "../../../ops/autograd/ops.ts";
import { adam } from "../../../ops/optim/adam.ts";
import { applyMlp, initMlp, type MlpParams } from "../../../ops/nn/layers.ts";
import { initLlama, llamaForward } from "../../../ops/nn/llama.ts";
import { randn, Rng } from "../../../ops/random.ts";
import type { Tensor } from "../../../ops/tensor.ts";
import { treeLeaves } from "../../../ops/autograd/tree.ts";
import { doraRowNorms } from "../../../methods/adapters/dora.ts";
import { readPeftLora } from "../../../methods/adapters/peft.ts";
import { getPeftModel } from "../../../methods/adapters/peft_model.ts";
import { maxAbs, maxDiff } from "./helpers.ts";

const LLAMA = { vocabSize: 10, hiddenSize: 8, intermediateSize: 16, numLayers: 2, numHeads: 2 };

function leafMap(t: object): Map<string, Tensor> {
  return new Map(treeLeaves(t));
}

Deno.test("getPeftModel: target_modules as names, regex, all-linear; exclude, layers_to_transform, patterns", () => {
  const llama = initLlama(LLAMA);
  const names = getPeftModel(llama, { target_modules: ["q_proj", "v_proj"] });
  assert.deepEqual(names.targetModules(), [
    "model.layers.0.self_attn.q_proj",
    "model.layers.0.self_attn.v_proj",
    "model.layers.1.self_attn.q_proj",
    "model.layers.1.self_attn.v_proj",
  ]);
  const regex = getPeftModel(llama, { target_modules: ".*layers\\.1\\.mlp\\.(up|down)_proj" });
  assert.deepEqual(regex.targetModules(), [
    "model.layers.1.mlp.up_proj",
    "model.layers.1.mlp.down_proj",
  ]);
  const all = getPeftModel(llama, { target_modules: "all-linear" }).targetModules();
  assert.equal(all.length, 14); // 7 per layer; not lm_head, not embed_tokens
  assert.ok(!all.includes("lm_head") && !all.includes("model.embed_tokens"));
  const ex = getPeftModel(llama, {
    target_modules: "all-linear",
    exclude_modules: ["o_proj", "mlp.gate_proj"],
  });
  assert.equal(ex.targetModules().length, 10);
  const l1 = getPeftModel(llama, { target_modules: ["q_proj"], layers_to_transform: [1] });
  assert.deepEqual(l1.targetModules(), ["model.layers.1.self_attn.q_proj"]);
  const pat = getPeftModel(llama, {
    r: 4,
    lora_alpha: 8,
    target_modules: ["q_proj"],
    rank_pattern: { "layers\\.1\\.self_attn\\.q_proj": 2 },
    alpha_pattern: { "layers\\.1\\.self_attn\\.q_proj": 6 },
  });
  const tp = pat.trainableParameters();
  assert.deepEqual(tp["model.layers.0.self_attn.q_proj.lora_A"].shape, [4, 8]);
  assert.deepEqual(tp["model.layers.1.self_attn.q_proj.lora_A"].shape, [2, 8]);
  // Scale s = 8/4 on layer 0 and 6/2 on layer 1: W' − W = s·BA.
  tp["model.layers.0.self_attn.q_proj.lora_B"].data.fill(1);
  tp["model.layers.1.self_attn.q_proj.lora_B"].data.fill(1);
  const w = leafMap(pat.weights());
  for (const [i, s] of [[0, 2], [1, 3]]) {
    const m = `model.layers.${i}.self_attn.q_proj`;
    const a = tp[`${m}.lora_A`], r = a.shape[0];
    const d = w.get(`${m}.weight`)!.data[0] - leafMap(llama).get(`${m}.weight`)!.data[0];
    let colSum = 0;
    for (let k = 0; k < r; k++) colSum += a.data[k * 8];
    assert.ok(Math.abs(d - s * colSum) < 1e-13, `layer ${i}`);
  }
  assert.throws(() => getPeftModel(llama, { target_modules: ["nope"] }), /match no module/);
  assert.throws(
    () => getPeftModel(llama, { target_modules: ["q_proj"], rank: 4 } as never),
    /unknown option "rank"/,
  );
  assert.throws(
    () => getPeftModel(llama, { target_modules: ["q_proj"], r: "4" } as never),
    /r must be number/,
  );
  assert.throws(
    () => getPeftModel(llama, { target_modules: ["q_proj"], init_lora_weights: "pissa" } as never),
    /not supported when wrapping/,
  );
});

Deno.test("PeftModel trains only the adapter (Adam on trainableParameters), base untouched; print line", () => {
  const base = initMlp([6, 12, 3], { seed: 1 });
  const model = getPeftModel(base, { r: 2, lora_alpha: 4, target_modules: ["layers.0"] }, {
    seed: 2,
  });
  // 2·(6 + 12) = 36 trainable of 6·12 + 12 + 12·3 + 3 = 123 base, 159 in all.
  assert.equal(
    model.printTrainableParameters(),
    "trainable params: 36 || all params: 159 || trainable%: 22.6415",
  );
  const x = randn([32, 6], { seed: 3 }), y = randn([32, 3], { seed: 4 });
  const loss = (p: Record<string, Tensor>): Tensor =>
    mean(square(sub(applyMlp(model.weights(p), x), y)));
  const params = model.trainableParameters();
  const opt = adam({ lr: 0.05 }), st = opt.init(params);
  const before = loss(params).data[0];
  const snapshot = base.layers[0].weight.clone();
  for (let i = 0; i < 30; i++) {
    opt.step_(params, valueAndGrad(loss)(params).grad as Record<string, Tensor>, st);
  }
  assert.ok(loss(params).data[0] < 0.9 * before);
  assert.deepEqual(Array.from(base.layers[0].weight.data), Array.from(snapshot.data));
  // weights() reads the trained tensors; mergeAndUnload bakes the same numbers in.
  const merged = model.mergeAndUnload() as MlpParams;
  assert.ok(
    maxDiff(merged.layers[0].weight, (model.weights() as MlpParams).layers[0].weight) < 1e-15,
  );
  assert.equal(merged.layers[1].weight, base.layers[1].weight);
});

Deno.test("bias, modules_to_save, use_rslora, init_lora_weights: each visible", () => {
  const base = initMlp([4, 5, 3], { seed: 5 });
  const keys = (c: object) =>
    Object.keys(getPeftModel(base, { target_modules: ["layers.0"], ...c }).trainableParameters())
      .sort();
  assert.deepEqual(keys({}), ["layers.0.lora_A", "layers.0.lora_B"]);
  assert.deepEqual(keys({ bias: "lora_only" }), [
    "layers.0.bias",
    "layers.0.lora_A",
    "layers.0.lora_B",
  ]);
  assert.deepEqual(keys({ bias: "all" }), [
    "layers.0.bias",
    "layers.0.lora_A",
    "layers.0.lora_B",
    "layers.1.bias",
  ]);
  assert.deepEqual(keys({ modules_to_save: ["layers.1"] }), [
    "layers.0.lora_A",
    "layers.0.lora_B",
    "layers.1.bias",
    "layers.1.weight",
  ]);
  const m = getPeftModel(base, { target_modules: ["layers.0"], modules_to_save: ["layers.1"] });
  m.trainableParameters()["layers.1.weight"].data[0] += 1;
  assert.equal(
    (m.weights() as MlpParams).layers[1].weight.data[0],
    base.layers[1].weight.data[0] + 1,
  );
  assert.equal(
    m.disableAdapter(() => (m.weights() as MlpParams).layers[1].weight),
    base.layers[1].weight,
  );
  const rs = getPeftModel(base, {
    r: 4,
    lora_alpha: 4,
    use_rslora: true,
    target_modules: ["layers.0"],
  });
  rs.trainableParameters()["layers.0.lora_B"].data.fill(1);
  const plain = getPeftModel(base, { r: 4, lora_alpha: 4, target_modules: ["layers.0"] });
  plain.trainableParameters()["layers.0.lora_B"].data.fill(1);
  const d = (mm: typeof rs) =>
    (mm.weights() as MlpParams).layers[0].weight.data[0] - base.layers[0].weight.data[0];
  assert.ok(Math.abs(d(rs) / d(plain) - 2) < 1e-12); // α/√r = 2 vs α/r = 1
  const g = getPeftModel(base, {
    r: 3,
    target_modules: ["layers.0"],
    init_lora_weights: "gaussian",
  });
  const k = getPeftModel(base, { r: 3, target_modules: ["layers.0"] });
  assert.ok(maxAbs(g.trainableParameters()["layers.0.lora_A"]) > 0.5); // N(0, 1/9) reaches past 1/√4
  assert.ok(maxAbs(k.trainableParameters()["layers.0.lora_A"]) <= 0.5);
  assert.equal(maxAbs(k.trainableParameters()["layers.0.lora_B"]), 0);
  const f = getPeftModel(base, { r: 3, target_modules: ["layers.0"], init_lora_weights: false });
  assert.ok(maxAbs(f.trainableParameters()["layers.0.lora_B"]) > 0);
});

Deno.test("several adapters: set, disable (restores, also on throw), delete; weighted cat/linear/svd", () => {
  const base = initMlp([5, 6, 6], { seed: 7 });
  const model = getPeftModel(base, { r: 2, lora_alpha: 4, target_modules: ["layers.0"] }, {
    seed: 1,
  });
  model.addAdapter("other", { r: 3, lora_alpha: 3, target_modules: ["layers.0", "layers.1"] }, {
    seed: 2,
  });
  for (const n of ["default", "other"]) {
    model.setAdapter(n);
    for (const [k, t] of Object.entries(model.trainableParameters())) {
      if (k.endsWith("lora_B")) t.data.set(randn([...t.shape], { seed: k.length + n.length }).data);
    }
  }
  const w0 = (name: string): Tensor => {
    model.setAdapter(name);
    return (model.weights() as MlpParams).layers[0].weight;
  };
  const d = (name: string): Tensor => sub(w0(name), base.layers[0].weight);
  const dDef = d("default"), dOther = d("other");
  assert.ok(maxDiff(dDef, dOther) > 0.1);
  assert.equal(model.activeAdapter, "other");
  assert.equal(model.disableAdapter(() => model.activeAdapter), null);
  assert.throws(() =>
    model.disableAdapter(() => {
      throw new Error("boom");
    }), /boom/);
  assert.equal(model.activeAdapter, "other");
  // cat is exact: ΔW = 0.5·ΔW_default − 2·ΔW_other, rank 5, scale 1.
  model.addWeightedAdapter(["default", "other"], [0.5, -2], "cat", "cat");
  const want = dDef.clone();
  for (let i = 0; i < want.size; i++) want.data[i] = 0.5 * dDef.data[i] - 2 * dOther.data[i];
  assert.ok(maxDiff(d("cat"), want) < 1e-14);
  assert.deepEqual(model.trainableParameters()["layers.0.lora_A"].shape, [5, 5]);
  assert.deepEqual(model.targetModules("cat"), ["layers.0", "layers.1"]);
  // svd with rank 5 = the full sum (exact up to round-off); rank 1 is the best rank-1 part.
  model.addWeightedAdapter(["default", "other"], [0.5, -2], "svd5", "svd", { svdRank: 5 });
  assert.ok(maxDiff(d("svd5"), want) < 1e-13);
  model.addWeightedAdapter(["default", "other"], [0.5, -2], "svd1", "svd", { svdRank: 1 });
  assert.ok(maxDiff(d("svd1"), want) > 1e-3);
  model.addWeightedAdapter(["default", "other"], [0.5, -2], "svdc", "svd", {
    svdRank: 5,
    svdClamp: 0.5,
  });
  assert.ok(maxDiff(d("svdc"), want) > 1e-3, "clamping changes the factors");
  assert.throws(
    () => model.addWeightedAdapter(["default", "other"], [1, 1], "lin", "linear"),
    /"linear" needs equal ranks/,
  );
  model.addAdapter("third", { r: 2, lora_alpha: 2, target_modules: ["layers.0"] }, { seed: 3 });
  model.setAdapter("third");
  model.trainableParameters()["layers.0.lora_B"].data.fill(0.5);
  d("third");
  model.addWeightedAdapter(["default", "third"], [1, 1], "lin", "linear");
  // (√(w₁s₁)B₁ + √(w₂s₂)B₂)(√(w₁s₁)A₁ + √(w₂s₂)A₂): the diagonal terms are ΔW₁ + ΔW₂.
  model.setAdapter("default");
  const p1 = model.trainableParameters();
  model.setAdapter("third");
  const p2 = model.trainableParameters();
  const [sa, sb] = [Math.sqrt(2), 1];
  const a = p1["layers.0.lora_A"].clone(), b = p1["layers.0.lora_B"].clone();
  for (let i = 0; i < a.size; i++) a.data[i] = sa * a.data[i] + sb * p2["layers.0.lora_A"].data[i];
  for (let i = 0; i < b.size; i++) b.data[i] = sa * b.data[i] + sb * p2["layers.0.lora_B"].data[i];
  model.setAdapter("lin");
  const q = model.trainableParameters();
  assert.ok(maxDiff(q["layers.0.lora_A"], a) < 1e-14 && maxDiff(q["layers.0.lora_B"], b) < 1e-14);
  assert.throws(
    () => model.addWeightedAdapter(["default"], [1, 2], "x"),
    /2 weights for 1 adapters/,
  );
  model.deleteAdapter("lin");
  assert.equal(model.activeAdapter, null);
  assert.ok(!model.adapterNames().includes("lin"));
  assert.throws(() => model.setAdapter("lin"), /no adapter "lin"/);
});

Deno.test("DoRA in the wrapper: m = ‖W‖ rows at init, merge = weights(), PEFT save/load round trip", () => {
  const base = initMlp([4, 6, 3], { seed: 9 });
  const model = getPeftModel(base, {
    r: 2,
    lora_alpha: 2,
    use_dora: true,
    target_modules: ["layers.0"],
  });
  const tp = model.trainableParameters();
  assert.deepEqual(
    Array.from(tp["layers.0.lora_magnitude_vector"].data),
    Array.from(doraRowNorms(base.layers[0].weight).data),
  );
  assert.ok(
    maxDiff((model.weights() as MlpParams).layers[0].weight, base.layers[0].weight) < 1e-15,
  );
  tp["layers.0.lora_B"].data.set(randn([6, 2], { seed: 1 }).data);
  tp["layers.0.lora_magnitude_vector"].data[0] *= 2;
  const w = (model.weights() as MlpParams).layers[0].weight;
  assert.ok(maxDiff((model.mergeAndUnload() as MlpParams).layers[0].weight, w) < 1e-14);
  const files = model.save();
  const file = readPeftLora(files.config, files.weights);
  assert.equal(file.config.use_dora, true);
  assert.ok(file.modules.get("layers.0")!.magnitude !== undefined);
  model.loadAdapter(files.config, files.weights, "again");
  model.setAdapter("again");
  assert.ok(maxDiff((model.weights() as MlpParams).layers[0].weight, w) < 1e-15);
});

Deno.test("linearHook: the Llama forward equals the merged one (LoRA and DoRA); dropout acts in training", () => {
  const llama = initLlama(LLAMA);
  for (const use_dora of [false, true]) {
    const model = getPeftModel(llama, {
      r: 2,
      target_modules: ["q_proj", "down_proj"],
      use_dora,
      lora_dropout: 0.5,
    });
    for (const [k, t] of Object.entries(model.trainableParameters())) {
      if (k.endsWith("lora_B")) t.data.set(randn([...t.shape], { seed: k.length }).data);
    }
    const ids = [1, 4, 2, 7];
    const hooked = llamaForward(llama, ids, LLAMA, { linear: model.linearHook() });
    const merged = llamaForward(model.weights() as typeof llama, ids, LLAMA);
    assert.ok(maxDiff(hooked, merged) < 1e-12, `dora ${use_dora}`);
    const dropped = llamaForward(llama, ids, LLAMA, {
      linear: model.linearHook({ rng: new Rng(1) }),
    });
    assert.ok(maxDiff(dropped, merged) > 1e-6, "dropout changes the training forward");
  }
});

Deno.test("DoRA trains through weights(): loss falls, magnitude and factors move, base untouched", () => {
  const base = initMlp([6, 10, 3], { seed: 11 });
  const model = getPeftModel(base, {
    r: 2,
    lora_alpha: 4,
    use_dora: true,
    target_modules: ["layers.0"],
  }, { seed: 3 });
  const x = randn([32, 6], { seed: 12 }), y = randn([32, 3], { seed: 13 });
  const loss = (p: Record<string, Tensor>): Tensor =>
    mean(square(sub(applyMlp(model.weights(p), x), y)));
  const params = model.trainableParameters();
  const m0 = params["layers.0.lora_magnitude_vector"].clone();
  const opt = adam({ lr: 0.05 }), st = opt.init(params);
  const before = loss(params).data[0];
  for (let i = 0; i < 30; i++) {
    opt.step_(params, valueAndGrad(loss)(params).grad as Record<string, Tensor>, st);
  }
  assert.ok(loss(params).data[0] < 0.9 * before);
  assert.ok(maxDiff(params["layers.0.lora_magnitude_vector"], m0) > 1e-3);
  assert.ok(maxAbs(params["layers.0.lora_B"]) > 0);
  assert.deepEqual(Array.from(doraRowNorms(base.layers[0].weight).data), Array.from(m0.data));
});
