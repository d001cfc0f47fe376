// REAL-CLIENT CHECK: the tiny Llama of ../shared/data/peft (made with transformers + PEFT)
// with PEFT's merged LoRA weights substituted must reproduce PEFT's reference logits.
import assert from "node:assert/strict";
import { astype, type Tensor } from "../../../ops/tensor.ts";
import { readSafetensors } from "../../../ops/io/safetensors.ts";
import { type LlamaConfig, llamaForward, loadLlama } from "../../../ops/nn/llama.ts";
import * as ad from "../../../ops/autograd/ops.ts";
import { sharedData } from "../io/shared_data.ts";

const DATA = new URL("../../../../shared/data/peft/", import.meta.url);
const CONFIG: LlamaConfig = {
  vocabSize: 96,
  hiddenSize: 48,
  intermediateSize: 96,
  numLayers: 2,
  numHeads: 4,
  numKvHeads: 4,
  rmsNormEps: 1e-6,
  ropeTheta: 10000,
};

// Ignored (reason printed) only when ../shared/data is absent; with it present, a missing
// fixture fails at load instead of turning the check into "ignored".
const { missing: NO_DATA } = sharedData("peft/");

function readFixture(name: string): Uint8Array | null {
  return NO_DATA ? null : Deno.readFileSync(new URL(name, DATA));
}

const base = readFixture("base_model.safetensors");
const merged = readFixture("lora_merged.safetensors");
const info = readFixture("info.json");
const adapter = readFixture("lora_adapter_model.safetensors");
const adapterConfig = readFixture("lora_adapter_config.json");

function maxAbsDiff(a: Tensor, b: Tensor): number {
  assert.deepEqual(a.shape, b.shape);
  let m = 0;
  for (let i = 0; i < a.size; i++) m = Math.max(m, Math.abs(a.data[i] - b.data[i]));
  return m;
}

Deno.test({
  name: "tiny Llama + merged LoRA weights reproduces PEFT reference_logits (1e-4 abs)",
  ignore: !base || !merged || !info,
  fn(): void {
    const tensors = readSafetensors(base!, { name: "base_model.safetensors" }).tensors;
    const m = readSafetensors(merged!, { name: "lora_merged.safetensors" }).tensors;
    const ref = m.get("reference_logits")!;
    let swapped = 0;
    for (const [k, t] of m) {
      if (k === "reference_logits") continue;
      assert.ok(tensors.has(k), `merged weight ${k} is not a base weight`);
      tensors.set(k, t);
      swapped++;
    }
    assert.equal(swapped, 4);
    const ids = JSON.parse(new TextDecoder().decode(info!)).input_ids as number[];
    assert.deepEqual(ids, Array.from({ length: 16 }, (_, i) => i));
    const p32 = loadLlama(tensors, CONFIG);
    const p64 = Object.fromEntries(Object.entries(p32).map(([k, t]) => [k, astype(t, "f64")]));
    const logits64 = llamaForward(p64, ids, CONFIG);
    const logits32 = llamaForward(p32, ids, CONFIG);
    assert.deepEqual(logits64.shape, [16, 96]);
    const d64 = maxAbsDiff(logits64, ref), d32 = maxAbsDiff(logits32, ref);
    console.log(
      `max abs diff vs reference: f64 ${d64.toExponential(2)}, f32 ${d32.toExponential(2)}`,
    );
    assert.ok(d64 < 1e-4, `f64 forward differs from the reference by ${d64}`);
    assert.ok(d32 < 1e-4, `f32 forward differs from the reference by ${d32}`);
    // the substitution matters: the base weights alone give different logits
    const baseOnly = loadLlama(readSafetensors(base!).tensors, CONFIG);
    assert.ok(maxAbsDiff(llamaForward(baseOnly, ids, CONFIG), ref) > 1e-3);
  },
});

Deno.test({
  name: "tiny Llama + unmerged LoRA through the linear hook reproduces reference_logits",
  ignore: !base || !merged || !info || !adapter || !adapterConfig,
  fn(): void {
    const params = loadLlama(readSafetensors(base!).tensors, CONFIG);
    const lora = readSafetensors(adapter!, { name: "lora_adapter_model.safetensors" }).tensors;
    const cfg = JSON.parse(new TextDecoder().decode(adapterConfig!));
    const s = cfg.lora_alpha / cfg.r;
    assert.equal(s, 2);
    let used = 0;
    const hook = (name: string, x: Tensor, w: Tensor): Tensor => {
      const a = lora.get(`base_model.model.${name}.lora_A.weight`);
      const b = lora.get(`base_model.model.${name}.lora_B.weight`);
      if (!a || !b) return ad.linear(x, w);
      used++;
      return ad.add(ad.linear(x, w), ad.scale(ad.linear(ad.linear(x, a), b), s));
    };
    const ref = readSafetensors(merged!).tensors.get("reference_logits")!;
    const logits = llamaForward(params, Array.from({ length: 16 }, (_, i) => i), CONFIG, {
      linear: hook,
    });
    assert.equal(used, 4);
    const d = maxAbsDiff(logits, ref);
    assert.ok(d < 1e-4, `unmerged LoRA forward differs from the reference by ${d}`);
  },
});
