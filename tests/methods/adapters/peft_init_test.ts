import assert from "node:assert/strict";
import { randn, Rng } from "../../../ops/random.ts";
import { add } from "../../../ops/elementwise.ts";
import type { Tensor } from "../../../ops/tensor.ts";
import { isTargetModule, parsePeftConfig } from "../../../methods/adapters/peft_config.ts";
import { mergePeftLora, readPeftLora, writePeftLora } from "../../../methods/adapters/peft.ts";
import { peftLoraFromStates } from "../../../methods/adapters/peft_export.ts";
import { pissa, type PissaState } from "../../../methods/adapters/pissa.ts";
import { lora, loraFromFactors } from "../../../methods/adapters/lora.ts";
import { merge } from "../../../methods/adapters/adapter.ts";
import { maxAbs, maxDiff } from "./helpers.ts";

Deno.test("all-linear targets every module but the output layer (PEFT leaves out lm_head)", () => {
  const c = parsePeftConfig({ peft_type: "LORA", r: 2, target_modules: "all-linear" });
  assert.equal(isTargetModule(c, "model.layers.0.self_attn.q_proj"), true);
  assert.equal(isTargetModule(c, "model.layers.1.mlp.down_proj"), true);
  assert.equal(isTargetModule(c, "lm_head"), false);
  assert.equal(isTargetModule({ ...c, target_modules: "ALL-LINEAR" }, "lm_head"), false);
  assert.equal(isTargetModule({ ...c, target_modules: "All-Linear" }, "model.x"), true);
  // GPT-NeoX names its output layer embed_out.
  assert.equal(isTargetModule(c, "embed_out", { outputLayer: "embed_out" }), false);
  assert.equal(isTargetModule(c, "lm_head", { outputLayer: "embed_out" }), true);
  // A file with an lm_head LoRA under all-linear is not one PEFT writes.
  const m = {
    kind: "linear" as const,
    a: randn([2, 3], { seed: 0 }),
    b: randn([4, 2], { seed: 1 }),
  };
  const f = writePeftLora({
    config: c,
    modules: new Map([["lm_head", m]]),
    replacements: new Map(),
    metadata: {},
  });
  assert.throws(
    () => readPeftLora(f.config, f.weights),
    /"lm_head" is not matched by target_modules/,
  );
});

/** A trained PiSSA state: factors moved away from the initial A₀, B₀. */
function trainedPissa(w: Tensor, useRslora = false): PissaState {
  const st = pissa.init(w, { r: 2, alpha: 6, useRslora }, new Rng(0));
  return {
    ...st,
    params: {
      a: add(st.params.a, randn([...st.params.a.shape], { seed: 3 })),
      b: add(st.params.b, randn([...st.params.b.shape], { seed: 4 })),
    },
  };
}

Deno.test("init_lora_weights pissa (unconverted): merging needs the initial adapter, then equals W_res + sBA", () => {
  for (const useRslora of [false, true]) {
    const w = randn([7, 5], { seed: 1 });
    const st = trainedPissa(w, useRslora);
    const cfg = { init_lora_weights: "pissa_niter_4", target_modules: ["q"] };
    const trained = peftLoraFromStates({ "m.q": st }, cfg);
    const initial = peftLoraFromStates(
      { "m.q": loraFromFactors(st.a0, st.b0, { alpha: 6, useRslora }) },
      cfg,
    );
    const base = new Map([["m.q.weight", w]]);
    assert.throws(
      () => mergePeftLora(base, trained),
      /init_lora_weights "pissa_niter_4": the factors belong on the residual/,
    );
    const merged = mergePeftLora(base, trained, { initial }).get("m.q.weight")!;
    const want = merge(st.base, pissa, st);
    assert.ok(maxDiff(merged, want) <= 1e-13 * maxAbs(want), `rslora ${useRslora}`);
    // Merging the unconverted factors onto W (what happened before) is far off.
    const naive = add(
      w,
      lora.delta(loraFromFactors(st.params.a, st.params.b, { alpha: 6, useRslora })),
    );
    assert.ok(maxDiff(naive, want) > 0.1);
  }
});

Deno.test("init_lora_weights: values are checked; loftq and stray initial adapters are rejected", () => {
  const base = { peft_type: "LORA", r: 1, target_modules: ["q"] };
  for (
    const v of [
      true,
      false,
      "gaussian",
      "eva",
      "pissa",
      "pissa_niter_16",
      "olora",
      "corda",
      "loftq",
    ]
  ) {
    assert.equal(parsePeftConfig({ ...base, init_lora_weights: v }).init_lora_weights, v);
  }
  assert.throws(
    () => parsePeftConfig({ ...base, init_lora_weights: "pissa_niter_x" }),
    /init_lora_weights "pissa_niter_x" is not supported/,
  );
  assert.throws(() => parsePeftConfig({ ...base, init_lora_weights: 1 }), /init_lora_weights 1/);
  const st = loraFromFactors(randn([1, 3], { seed: 0 }), randn([2, 1], { seed: 1 }));
  const w = new Map([["q.weight", randn([2, 3], { seed: 2 })]]);
  const loftq = peftLoraFromStates({ q: st }, { init_lora_weights: "loftq" });
  assert.throws(
    () => mergePeftLora(w, loftq),
    /"loftq": the factors belong on LoftQ's quantized base/,
  );
  const eva = peftLoraFromStates({ q: st }, { init_lora_weights: "eva" });
  assert.ok(
    maxDiff(mergePeftLora(w, eva).get("q.weight")!, add(w.get("q.weight")!, lora.delta(st))) <
      1e-15,
  );
  assert.throws(
    () => mergePeftLora(w, eva, { initial: eva }),
    /initial adapter was given but init_lora_weights is "eva"/,
  );
  const olora = peftLoraFromStates({ q: st }, { init_lora_weights: "olora" });
  const other = peftLoraFromStates({
    q: loraFromFactors(randn([1, 3], { seed: 5 }), randn([2, 1], { seed: 6 }), { alpha: 3 }),
  });
  assert.throws(
    () => mergePeftLora(w, olora, { initial: other }),
    /"q" has scale 1, the initial adapter 3/,
  );
});
