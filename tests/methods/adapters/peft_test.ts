import assert from "node:assert/strict";
import { readSafetensors, writeSafetensors } from "../../../ops/io/safetensors.ts";
import { svdvals } from "../../../ops/linalg/svd.ts";
import { randn } from "../../../ops/random.ts";
import type { Tensor } from "../../../ops/tensor.ts";
import {
  mergePeftLora,
  type PeftLoraAdapter,
  peftLoraDelta,
  type PeftLoraModule,
  readPeftLora,
  writePeftLora,
} from "../../../methods/adapters/peft.ts";
import {
  isTargetModule,
  moduleScale,
  parsePeftConfig,
  patternKey,
} from "../../../methods/adapters/peft_config.ts";
import { readPeftAdapter } from "../../../methods/adapters/peft_adapter.ts";
import { inspectPeftAdapter } from "../../../methods/adapters/peft_inspect.ts";
import { runPeftTool } from "./helpers.ts";
import { sharedData } from "../../ops/io/shared_data.ts";

const U32 = 2 ** -24;

// The real PEFT fixtures: these tests are ignored (reason printed) only when ../shared/data is
// absent; with it present, a missing fixture fails (they used to return early and pass).
const { path: DIR, missing: NO_DATA } = sharedData("peft/");
const data = (name: string): string => `${DIR}${name}`;

/**
 * Float32 round-off bound of PEFT's merge `W + s·(B A)`: the r-term fp32 dot products and the
 * final add each contribute at most (r + 2)·u relative to |W| + s·Σ|B||A| (Higham, Thm 3.5).
 */
function mergeBound(w: Tensor, m: PeftLoraModule, s: number, i: number, j: number): number {
  const r = m.a.shape[0], n = m.a.shape[1];
  let acc = 0;
  for (let k = 0; k < r; k++) acc += Math.abs(m.b.data[i * r + k] * m.a.data[k * n + j]);
  return (r + 2) * U32 * (Math.abs(w.data[i * n + j]) + s * acc);
}

Deno.test("MUST HOLD: the peft tool merges the real LoRA into the base = PEFT's merge_and_unload", {
  ignore: NO_DATA,
}, async () => {
  const base = data("base_model.safetensors"), ad = data("lora_adapter_model.safetensors");
  const cfg = data("lora_adapter_config.json"), ref = data("lora_merged.safetensors");
  const dir = await Deno.makeTempDir();
  const out = `${dir}/merged.safetensors`;
  const res = await runPeftTool([
    "merge",
    "--base",
    base,
    "--adapter",
    ad,
    "--config",
    cfg,
    "--out",
    out,
  ]);
  assert.equal(res.code, 0, res.stderr);
  const merged = readSafetensors(await Deno.readFile(out)).tensors;
  const reference = readSafetensors(await Deno.readFile(ref)).tensors;
  const baseT = readSafetensors(await Deno.readFile(base)).tensors;
  const adapter = readPeftLora(await Deno.readTextFile(cfg), await Deno.readFile(ad));
  assert.equal(adapter.modules.size, 4);
  let compared = 0;
  for (const [module, m] of adapter.modules) {
    const key = `${module}.weight`;
    const got = merged.get(key)!, want = reference.get(key)!, w = baseT.get(key)!;
    assert.equal(got.dtype, "f32");
    const s = moduleScale(adapter.config, module).scale;
    const n = w.shape[1];
    let changed = 0;
    for (let i = 0; i < w.shape[0]; i++) {
      for (let j = 0; j < n; j++) {
        const e = Math.abs(got.data[i * n + j] - want.data[i * n + j]);
        assert.ok(e <= mergeBound(w, m, s, i, j), `${key}[${i},${j}] off by ${e}`);
        if (want.data[i * n + j] !== w.data[i * n + j]) changed++;
      }
    }
    assert.ok(changed > n, `${key}: the reference differs from the base`);
    compared++;
  }
  assert.equal(compared, 4);
  // Every other tensor of the base is passed through unchanged.
  for (const [k, t] of baseT) {
    if (!adapter.modules.has(k.replace(/\.weight$/, ""))) {
      assert.deepEqual(merged.get(k)!.data, t.data);
    }
  }
  // --unmerge on the merged file gives the base back to float32 round-off.
  const back = `${dir}/back.safetensors`;
  const res2 = await runPeftTool([
    "merge",
    "--base",
    out,
    "--adapter",
    ad,
    "--config",
    cfg,
    "--out",
    back,
    "--unmerge",
    "--only-adapted",
  ]);
  assert.equal(res2.code, 0, res2.stderr);
  const unmerged = readSafetensors(await Deno.readFile(back)).tensors;
  assert.equal(unmerged.size, 4);
  for (const [k, t] of unmerged) {
    const w = baseT.get(k)!;
    for (let i = 0; i < t.size; i++) assert.ok(Math.abs(t.data[i] - w.data[i]) <= 4 * U32 * 0.2);
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test(
  "real adapter: read → write gives the same bytes and the same config (unknown fields kept)",
  { ignore: NO_DATA },
  async () => {
    const ad = data("lora_adapter_model.safetensors"), cfg = data("lora_adapter_config.json");
    const bytes = await Deno.readFile(ad), text = await Deno.readTextFile(cfg);
    const adapter = readPeftLora(text, bytes);
    const files = writePeftLora(adapter);
    assert.deepEqual(files.weights, bytes);
    assert.deepEqual(JSON.parse(files.config), JSON.parse(text));
    // Shapes follow PEFT: lora_A [r, in], lora_B [out, r].
    for (const m of adapter.modules.values()) {
      assert.deepEqual(m.a.shape, [4, 48]);
      assert.deepEqual(m.b.shape, [48, 4]);
    }
  },
);

Deno.test("inspect: spectrum equals svdvals of the dense ΔW, rank r, parameter count", {
  ignore: NO_DATA,
}, async () => {
  const ad = data("lora_adapter_model.safetensors"), cfg = data("lora_adapter_config.json");
  const adapter = readPeftLora(await Deno.readTextFile(cfg), await Deno.readFile(ad));
  for (const rep of inspectPeftAdapter(adapter)) {
    const dense = peftLoraDelta(adapter.config, rep.module, adapter.modules.get(rep.module)!);
    const ref = svdvals(dense).data;
    assert.equal(rep.rank, 4);
    assert.equal(rep.params, 4 * 96);
    for (let i = 0; i < 4; i++) {
      assert.ok(Math.abs(rep.singularValues[i] - ref[i]) <= 1e-12 * ref[0]);
    }
    assert.ok(ref[4] <= 1e-14 * ref[0], "dense ΔW has rank ≤ r");
  }
  const dir = await Deno.makeTempDir();
  const res = await runPeftTool([
    "inspect",
    "--adapter",
    ad,
    "--config",
    cfg,
    "--json",
    `${dir}/i.json`,
  ]);
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stdout, /total trainable parameters 1536/);
  const json = JSON.parse(await Deno.readTextFile(`${dir}/i.json`));
  assert.equal(json.modules.length, 4);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("tool: unknown peft_type, malformed files and missing flags give a clear error", async () => {
  const dir = await Deno.makeTempDir();
  const cfgPath = `${dir}/c.json`,
    adPath = `${dir}/a.safetensors`,
    basePath = `${dir}/b.safetensors`;
  await Deno.writeTextFile(
    cfgPath,
    JSON.stringify({ peft_type: "IA3", r: 4, target_modules: ["q"] }),
  );
  await Deno.writeFile(adPath, writeSafetensors({}));
  await Deno.writeFile(
    basePath,
    writeSafetensors({ "q.weight": randn([2, 2], { seed: 0, dtype: "f32" }) }),
  );
  let res = await runPeftTool([
    "merge",
    "--base",
    basePath,
    "--adapter",
    adPath,
    "--config",
    cfgPath,
    "--out",
    `${dir}/o`,
  ]);
  assert.equal(res.code, 1);
  assert.match(res.stderr, /unsupported peft_type "IA3" \(supported: LORA, RANDLORA\)/);
  await Deno.writeTextFile(
    cfgPath,
    JSON.stringify({ peft_type: "LORA", r: 1, target_modules: ["q"] }),
  );
  await Deno.writeFile(adPath, new Uint8Array([1, 2, 3]));
  res = await runPeftTool([
    "merge",
    "--base",
    basePath,
    "--adapter",
    adPath,
    "--config",
    cfgPath,
    "--out",
    `${dir}/o`,
  ]);
  assert.equal(res.code, 1);
  assert.match(res.stderr, /a\.safetensors: file is 3 bytes/);
  res = await runPeftTool(["merge", "--adapter", adPath, "--config", cfgPath]);
  assert.match(res.stderr, /--base FILE is required/);
  res = await runPeftTool(["frobnicate"]);
  assert.match(res.stderr, /unknown command "frobnicate"/);
  // A misspelt or misplaced flag would be ignored (a typo of --only-adapted writes every tensor).
  const merge = ["merge", "--base", basePath, "--adapter", adPath, "--config", cfgPath];
  res = await runPeftTool([...merge, "--out", `${dir}/m.safetensors`, "--only-adapter"]);
  assert.equal(res.code, 1);
  assert.match(res.stderr, /--only-adapter: not a flag of merge/);
  res = await runPeftTool([...merge, "--out", `${dir}/m.safetensors`, "--json", `${dir}/j.json`]);
  assert.match(res.stderr, /--json: not a flag of merge/);
  res = await runPeftTool([...merge, "--out", `${dir}/m.safetensors`, "--unmerge", "yes"]);
  assert.match(res.stderr, /--unmerge takes no value, got --unmerge yes/);
  res = await runPeftTool(["inspect", "--adapter", adPath, "--config", cfgPath, "--unmerge"]);
  assert.match(res.stderr, /--unmerge: not a flag of inspect/);
  await assert.rejects(() => Deno.stat(`${dir}/m.safetensors`), Deno.errors.NotFound);
  await Deno.remove(dir, { recursive: true });
});

function loraFile(
  config: Record<string, unknown>,
  tensors: Record<string, Tensor>,
): [string, Uint8Array] {
  const full = Object.fromEntries(
    Object.entries(tensors).map(([k, t]) => [`base_model.model.${k}`, t]),
  );
  return [JSON.stringify(config), writeSafetensors(full)];
}

Deno.test("reader rejects inconsistent adapters, naming the module", () => {
  const a = randn([2, 5], { seed: 1 }), b = randn([3, 2], { seed: 2 });
  const cfg = { peft_type: "LORA", r: 2, lora_alpha: 4, target_modules: ["q"] };
  assert.throws(
    () => readPeftLora(...loraFile(cfg, { "m.q.lora_A.weight": a })),
    /module "m.q" has only one/,
  );
  assert.throws(
    () => readPeftLora(...loraFile(cfg, { "m.k.lora_A.weight": a, "m.k.lora_B.weight": b })),
    /"m.k" is not matched by target_modules/,
  );
  assert.throws(
    () =>
      readPeftLora(
        ...loraFile({ ...cfg, r: 3 }, { "m.q.lora_A.weight": a, "m.q.lora_B.weight": b }),
      ),
    /module "m.q": A is 2x5 and B is 3x2, expected \[3, in\]/,
  );
  assert.throws(
    () => readPeftLora(...loraFile(cfg, { "m.q.lora_A.default.weight": a })),
    /not a LoRA tensor PEFT writes/,
  );
  assert.throws(
    () => readPeftLora(JSON.stringify(cfg), writeSafetensors({ "x.lora_A.weight": a })),
    /lacks the "base_model.model." prefix/,
  );
  assert.throws(() => parsePeftConfig("{nope"), /not valid JSON/);
  assert.throws(() => parsePeftConfig({ peft_type: "LORA", r: 0 }), /r must be a positive integer/);
  assert.throws(
    () => parsePeftConfig({ peft_type: "LORA", r: 2, use_dora: true, fan_in_fan_out: true }),
    /use_dora with fan_in_fan_out/,
  );
  const ok = readPeftLora(...loraFile(cfg, { "m.q.lora_A.weight": a, "m.q.lora_B.weight": b }));
  assert.throws(
    () => mergePeftLora(new Map([["m.q.weight", randn([3, 4], { seed: 0 })]]), ok),
    /"m.q.weight" is 3x4 in the base but the adapter's ΔW is 3x5/,
  );
  assert.throws(() => mergePeftLora(new Map(), ok), /base has no tensor "m.q.weight"/);
});

Deno.test("PEFT matching rules: list suffix, regex full match, exclusions, layers, patterns", () => {
  const list = parsePeftConfig({ peft_type: "LORA", r: 2, target_modules: ["q_proj", "mlp.up"] });
  assert.ok(isTargetModule(list, "model.layers.3.self_attn.q_proj"));
  assert.ok(isTargetModule(list, "q_proj"));
  assert.ok(!isTargetModule(list, "model.layers.3.self_attn.xq_proj"));
  assert.ok(isTargetModule(list, "model.layers.0.mlp.up"));
  const rx = parsePeftConfig({ peft_type: "LORA", r: 2, target_modules: ".*\\.(q|v)_proj" });
  assert.ok(isTargetModule(rx, "model.layers.0.self_attn.v_proj"));
  assert.ok(!isTargetModule(rx, "model.layers.0.self_attn.v_proj.extra"), "full match, not search");
  const ex = parsePeftConfig({
    peft_type: "LORA",
    r: 2,
    target_modules: ["q_proj"],
    exclude_modules: ["layers.1.self_attn.q_proj"],
    layers_to_transform: [0, 1],
  });
  assert.ok(isTargetModule(ex, "model.layers.0.self_attn.q_proj"));
  assert.ok(!isTargetModule(ex, "model.layers.1.self_attn.q_proj"));
  const lt = parsePeftConfig({
    peft_type: "LORA",
    r: 2,
    target_modules: ["q_proj"],
    layers_to_transform: 2,
  });
  assert.ok(isTargetModule(lt, "model.layers.2.self_attn.q_proj"));
  assert.ok(!isTargetModule(lt, "model.layers.12.self_attn.q_proj"));
  const pat = parsePeftConfig({
    peft_type: "LORA",
    r: 8,
    lora_alpha: 16,
    rank_pattern: { "layers.0.self_attn.q_proj": 4, "q_proj": 2 },
    alpha_pattern: { "v_proj": 4 },
    use_rslora: true,
  });
  assert.equal(
    patternKey(pat.rank_pattern as Record<string, number>, "model.layers.0.self_attn.q_proj"),
    "layers.0.self_attn.q_proj",
  );
  assert.equal(
    patternKey(pat.rank_pattern as Record<string, number>, "model.layers.10.self_attn.q_proj"),
    "q_proj",
  );
  assert.equal(
    patternKey(pat.rank_pattern as Record<string, number>, "model.layers.0.self_attn.xq_proj"),
    undefined,
  );
  assert.deepEqual(moduleScale(pat, "model.layers.0.self_attn.q_proj"), {
    r: 4,
    alpha: 16,
    scale: 8,
  });
  assert.deepEqual(moduleScale(pat, "model.layers.0.self_attn.v_proj"), {
    r: 8,
    alpha: 4,
    scale: 4 / Math.sqrt(8),
  });
});

Deno.test("fan_in_fan_out, embeddings, lora_bias and modules_to_save merge like PEFT's rules", () => {
  const a = randn([2, 5], { seed: 3 }), b = randn([3, 2], { seed: 4 });
  const bb = randn([3], { seed: 5 }), head = randn([4, 3], { seed: 6 });
  // Naive oracle of s·B A.
  const s = 1.5;
  const naive = (i: number, j: number): number =>
    s * (b.data[i * 2] * a.data[j] + b.data[i * 2 + 1] * a.data[5 + j]);
  const cfg = {
    peft_type: "LORA",
    r: 2,
    lora_alpha: 3,
    target_modules: ["c_attn", "wte"],
    fan_in_fan_out: true,
    lora_bias: true,
    modules_to_save: ["lm_head"],
  };
  const adapter = readPeftAdapter(...loraFile(cfg, {
    "h.0.c_attn.lora_A.weight": a,
    "h.0.c_attn.lora_B.weight": b,
    "h.0.c_attn.lora_B.bias": bb,
    "wte.lora_embedding_A": a,
    "wte.lora_embedding_B": b,
    "lm_head.weight": head,
  })) as PeftLoraAdapter;
  const w = randn([5, 3], { seed: 7 }); // Conv1D layout [in, out]
  const bias = randn([3], { seed: 8 }), emb = randn([5, 3], { seed: 9 });
  const baseMap = new Map([
    ["h.0.c_attn.weight", w],
    ["h.0.c_attn.bias", bias],
    ["wte.weight", emb],
    ["lm_head.weight", randn([4, 3], { seed: 10 })],
  ]);
  const merged = mergePeftLora(baseMap, adapter);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 5; j++) {
      // Conv1D weight[j, i] gets ΔW[i, j]; the embedding table row j gets ΔE[j, i] = s·(B A)[i, j].
      assert.ok(
        Math.abs(
          merged.get("h.0.c_attn.weight")!.data[j * 3 + i] - w.data[j * 3 + i] - naive(i, j),
        ) < 1e-14,
      );
      assert.ok(
        Math.abs(merged.get("wte.weight")!.data[j * 3 + i] - emb.data[j * 3 + i] - naive(i, j)) <
          1e-14,
      );
    }
    assert.ok(
      Math.abs(merged.get("h.0.c_attn.bias")!.data[i] - bias.data[i] - s * bb.data[i]) < 1e-15,
    );
  }
  assert.deepEqual(merged.get("lm_head.weight")!.data, head.data);
  // Round trip of such an adapter through the writer keeps every tensor.
  const files = writePeftLora(adapter);
  const again = readPeftLora(files.config, files.weights);
  assert.deepEqual([...again.modules.keys()], [...adapter.modules.keys()]);
  assert.deepEqual(again.replacements.get("lm_head.weight")!.data, head.data);
  assert.deepEqual(again.modules.get("h.0.c_attn")!.bBias!.data, bb.data);
});
