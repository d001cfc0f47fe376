import assert from "node:assert/strict";
import { gradcheck, mul, sum, valueAndGrad } from "../../../ops/autograd/mod.ts";
import { randn } from "../../../ops/random.ts";
import { type Tensor, tensor } from "../../../ops/tensor.ts";
import { readSafetensors } from "../../../ops/io/safetensors.ts";
import { doraMerged, doraRowNorms, doraWeight } from "../../../methods/adapters/dora.ts";
import { parsePeftConfig } from "../../../methods/adapters/peft_config.ts";
import {
  mergePeftLora,
  peftLoraDelta,
  readPeftLora,
  writePeftLora,
} from "../../../methods/adapters/peft.ts";
import { maxAbs, maxDiff } from "./helpers.ts";

Deno.test("DoRA by hand: W' = m ⊙ (W + ΔW)/‖W + ΔW‖ per output row; W' = W when m = ‖W‖ and ΔW = 0", () => {
  const w = tensor([[3, 4], [1, 0]]), d = tensor([[0, 0], [0, 1]]);
  // Row 0: (3, 4)/5·m₀; row 1: (1, 1)/√2·m₁.
  const got = doraMerged(w, d, tensor([10, 2]));
  const want = [6, 8, Math.SQRT2, Math.SQRT2];
  for (let i = 0; i < 4; i++) assert.ok(Math.abs(got.data[i] - want[i]) <= 4e-16 * 8);
  const w2 = randn([5, 4], { seed: 0 });
  assert.ok(
    maxDiff(
      doraMerged(w2, tensor(new Array(20).fill(0), { shape: [5, 4] }), doraRowNorms(w2)),
      w2,
    ) < 1e-15,
  );
  assert.throws(
    () => doraMerged(w, d, tensor([1, 2, 3])),
    /magnitude is \[3\], the weight has 2 rows/,
  );
});

Deno.test("DoRA training form: same value as the merge; gradient in m and ΔW with the norm detached", () => {
  const w = randn([4, 3], { seed: 1 }),
    d0 = randn([4, 3], { seed: 2 }),
    m0 = randn([4], { seed: 3 });
  assert.ok(maxDiff(doraWeight(w, d0, m0), doraMerged(w, d0, m0)) < 1e-14);
  const g = randn([4, 3], { seed: 4 });
  // With the norm n treated as a constant: ∂L/∂m_i = Σ_j G_ij V_ij/n_i, ∂L/∂ΔW_ij = G_ij m_i/n_i.
  const f = (d: Tensor, m: Tensor): Tensor => sum(mul(doraWeight(w, d, m), g));
  const res = gradcheck((m: Tensor) => f(d0, m), [m0]);
  assert.ok(res.ok, `∂/∂m: ${res.maxError}`);
  // In ΔW the true derivative includes the norm's; the detached one is m/n ⊙ G (PEFT's choice).
  const { grad } = valueAndGrad(f, { argnums: [0] })(d0, m0);
  const gd = (grad as Tensor[])[0];
  const n = doraRowNorms(tensor([...w.data].map((x, i) => x + d0.data[i]), { shape: [4, 3] }));
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 3; j++) {
      assert.ok(Math.abs(gd.data[i * 3 + j] - g.data[i * 3 + j] * m0.data[i] / n.data[i]) < 1e-14);
    }
  }
});

Deno.test("DoRA PEFT files: lora_magnitude_vector key, read/write round trip, merge = m ⊙ (W + sBA)/‖·‖", () => {
  const config = parsePeftConfig({
    peft_type: "LORA",
    r: 2,
    lora_alpha: 4,
    use_dora: true,
    target_modules: ["q_proj"],
  });
  const mod = {
    kind: "linear" as const,
    a: randn([2, 5], { seed: 5 }),
    b: randn([3, 2], { seed: 6 }),
    magnitude: randn([3], { seed: 7 }),
  };
  const files = writePeftLora({
    config,
    modules: new Map([["model.layers.0.self_attn.q_proj", mod]]),
    replacements: new Map(),
    metadata: {},
  });
  const keys = [...readSafetensors(files.weights).tensors.keys()].sort();
  assert.deepEqual(keys, [
    "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight",
    "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight",
    "base_model.model.model.layers.0.self_attn.q_proj.lora_magnitude_vector",
  ]);
  const back = readPeftLora(files.config, files.weights);
  const m = back.modules.get("model.layers.0.self_attn.q_proj")!;
  assert.deepEqual(Array.from(m.magnitude!.data), Array.from(mod.magnitude.data));
  const w = randn([3, 5], { seed: 8 });
  const merged = mergePeftLora(new Map([["model.layers.0.self_attn.q_proj.weight", w]]), back);
  const want = doraMerged(
    w,
    peftLoraDelta(config, "model.layers.0.self_attn.q_proj", m),
    mod.magnitude,
  );
  assert.ok(
    maxDiff(merged.get("model.layers.0.self_attn.q_proj.weight")!, want) <= 1e-15 * maxAbs(want),
  );
  assert.throws(
    () =>
      mergePeftLora(new Map([["model.layers.0.self_attn.q_proj.weight", w]]), back, {
        unmerge: true,
      }),
    /a DoRA merge cannot be undone/,
  );
  // Missing or unexpected magnitudes are reported.
  const { magnitude: _m, ...plain } = mod;
  const noMag = writePeftLora({
    config,
    modules: new Map([["q_proj", plain]]),
    replacements: new Map(),
    metadata: {},
  });
  assert.throws(
    () => readPeftLora(noMag.config, noMag.weights),
    /"q_proj" lacks lora_magnitude_vector/,
  );
  const noDora = writePeftLora({
    config: parsePeftConfig({ ...config, use_dora: false }),
    modules: new Map([["q_proj", mod]]),
    replacements: new Map(),
    metadata: {},
  });
  assert.throws(
    () => readPeftLora(noDora.config, noDora.weights),
    /lora_magnitude_vector but use_dora is not set/,
  );
});
