import assert from "node:assert/strict";
import { randn, Rng } from "../../../ops/random.ts";
import { add } from "../../../ops/elementwise.ts";
import type { Tensor } from "../../../ops/tensor.ts";
import { pissa, type PissaState } from "../../../methods/adapters/pissa.ts";
import { merge } from "../../../methods/adapters/adapter.ts";
import { mergePeftLora, readPeftLora, writePeftLora } from "../../../methods/adapters/peft.ts";
import { pissaToPeft } from "../../../methods/adapters/peft_export.ts";
import { nola, nolaToLora } from "../../../methods/adapters/nola.ts";
import { loraStatesFromPeft, peftLoraFromStates } from "../../../methods/adapters/peft_export.ts";
import { loraFromFactors } from "../../../methods/adapters/lora.ts";
import { writeSafetensors } from "../../../ops/io/safetensors.ts";
import { maxAbs, maxDiff } from "./helpers.ts";

function trained(st: PissaState, seed: number): PissaState {
  return {
    ...st,
    params: {
      a: add(st.params.a, randn([...st.params.a.shape], { seed })),
      b: add(st.params.b, randn([...st.params.b.shape], { seed: seed + 1 })),
    },
  };
}

Deno.test("PiSSA → PEFT LoRA file → merge into the original W = merged PiSSA weights", () => {
  const wq = randn([10, 8], { seed: 1 }), wv = randn([10, 8], { seed: 2 });
  const sq = trained(pissa.init(wq, { r: 2, alpha: 4 }, new Rng(0)), 3);
  const sv = trained(pissa.init(wv, { r: 3, alpha: 3 }, new Rng(0)), 5);
  const files = writePeftLora(pissaToPeft({ "model.layers.0.q": sq, "model.layers.0.v": sv }));
  const cfg = JSON.parse(files.config);
  assert.equal(cfg.r, 4);
  assert.equal(cfg.lora_alpha, 8);
  assert.deepEqual(cfg.rank_pattern, { "model\\.layers\\.0\\.v": 6 });
  assert.deepEqual(cfg.alpha_pattern, { "model\\.layers\\.0\\.v": 6 });
  const ad = readPeftLora(files.config, files.weights);
  const base = new Map<string, Tensor>([["model.layers.0.q.weight", wq], [
    "model.layers.0.v.weight",
    wv,
  ]]);
  const merged = mergePeftLora(base, ad);
  for (const [k, st] of [["model.layers.0.q", sq], ["model.layers.0.v", sv]] as const) {
    const want = merge(st.base, pissa, st);
    assert.ok(maxDiff(merged.get(`${k}.weight`)!, want) <= 1e-12 * maxAbs(want), k);
  }
});

Deno.test("NOLA → PEFT LoRA (exact export) merges to W + ΔW", () => {
  const w = randn([7, 6], { seed: 4 });
  const st = nola.init(w, { r: 2, k: 5, l: 4, alpha: 4 }, new Rng(0));
  const t = { ...st, params: { alpha: randn([5], { seed: 1 }), beta: randn([4], { seed: 2 }) } };
  const ad = peftLoraFromStates({ m: nolaToLora(t) });
  const merged = mergePeftLora(new Map([["m.weight", w]]), ad).get("m.weight")!;
  assert.ok(maxDiff(merged, add(w, nola.delta(t))) <= 1e-12 * maxAbs(merged));
});

Deno.test("LoRA states → PEFT → states: ranks, alphas and rsLoRA scale survive per module", () => {
  const sA = loraFromFactors(randn([2, 5], { seed: 1 }), randn([4, 2], { seed: 2 }), {
    alpha: 8,
    useRslora: true,
  });
  const sB = loraFromFactors(randn([3, 5], { seed: 3 }), randn([4, 3], { seed: 4 }), {
    alpha: 2,
    useRslora: true,
  });
  const files = writePeftLora(peftLoraFromStates({ "x.a": sA, "x.b": sB }));
  const back = loraStatesFromPeft(readPeftLora(files.config, files.weights));
  for (const [k, s] of [["x.a", sA], ["x.b", sB]] as const) {
    assert.equal(back[k].r, s.r);
    assert.equal(back[k].scale, s.scale);
    assert.deepEqual(back[k].params.a.data, s.params.a.data);
  }
  const emb = readPeftLora(
    JSON.stringify({ peft_type: "LORA", r: 2, target_modules: ["e"] }),
    writeSafetensors({
      "base_model.model.e.lora_embedding_A": randn([2, 5]),
      "base_model.model.e.lora_embedding_B": randn([3, 2]),
    }),
  );
  assert.throws(() => loraStatesFromPeft(emb), /"e" is an embedding LoRA/);
});
