import assert from "node:assert/strict";
import {
  flattenParams,
  loadCheckpoint,
  loadParams,
  type ParamTree,
  unflattenParams,
} from "../../../ops/io/checkpoint.ts";
import { readSafetensorsHeader, writeSafetensors } from "../../../ops/io/safetensors.ts";
import { randn } from "../../../ops/random.ts";
import { type Tensor, zeros } from "../../../ops/tensor.ts";
import { sharedData } from "./shared_data.ts";

const DATA = new URL("../../../../shared/data/peft/", import.meta.url);

Deno.test("flatten/unflatten: dotted keys like PyTorch's state_dict, and back", () => {
  const w0 = randn([2, 3], { seed: 1 }),
    w1 = randn([2, 3], { seed: 2 }),
    n = randn([3], { seed: 3 });
  const tree = {
    model: { layers: [{ q: { weight: w0 } }, { q: { weight: w1 } }], norm: { weight: n } },
  };
  const flat = flattenParams(tree);
  assert.deepEqual([...flat.keys()], [
    "model.layers.0.q.weight",
    "model.layers.1.q.weight",
    "model.norm.weight",
  ]);
  assert.equal(flat.get("model.layers.1.q.weight"), w1);
  const back = unflattenParams(flat) as Record<string, Record<string, Record<string, ParamTree>>>;
  assert.equal((back.model.layers["0"] as Record<string, Record<string, Tensor>>).q.weight, w0);
  assert.deepEqual([...flattenParams(back).keys()], [...flat.keys()]);
  assert.throws(() => flattenParams({ "a.b": n }), /key "a.b"/);
  assert.throws(() => unflattenParams(new Map([["a", n], ["a.b", n]])), /nests under tensor "a"/);
  assert.throws(() => unflattenParams(new Map([["a.b", n], ["a", n]])), /collides/);
  assert.throws(() => unflattenParams(new Map([["a..b", n]])), /empty part/);
});

Deno.test("loadParams checks names, shapes and converts dtypes; strict mode lists extras", () => {
  const w = randn([2, 2], { seed: 4, dtype: "f32" });
  const ck = new Map([["p.w", w], ["p.extra", w]]);
  const tpl = { w: zeros([2, 2]) };
  const got = loadParams(tpl, ck, { prefix: "p.", strict: false });
  assert.equal(got.w.dtype, "f64");
  assert.deepEqual(Array.from(got.w.data), Array.from(w.data));
  assert.equal(tpl.w.data[0], 0, "template untouched");
  assert.throws(
    () => loadParams(tpl, ck, { prefix: "p." }),
    /1 checkpoint tensors are not in the model: p.extra/,
  );
  assert.throws(() => loadParams({ v: zeros([2]) }, ck), /checkpoint has no tensor "v"/);
  assert.throws(
    () => loadParams({ w: zeros([4]) }, ck, { prefix: "p.", strict: false }),
    /"p.w" is 2x2 in the checkpoint, model expects 4/,
  );
});

Deno.test("loadParams: the loaded tree and the checkpoint map share no storage", () => {
  for (const dtype of ["f64", "f32"] as const) {
    // Same dtype as the template: the case that used to hand the checkpoint's tensor over.
    const w = randn([2, 3], { seed: 5, dtype });
    const saved = Array.from(w.data);
    const ck = new Map([["lin.w", w]]);
    const tree = loadParams({ lin: { w: zeros([2, 3], { dtype }) } }, ck);
    const got = (tree.lin as { w: Tensor }).w;
    assert.deepEqual(Array.from(got.data), saved);
    got.data.fill(7); // an in-place optimizer step on the model
    assert.deepEqual(Array.from(w.data), saved, `${dtype}: checkpoint unchanged by the model`);
    w.data.fill(-1); // reusing the checkpoint map
    assert.ok(got.data.every((v) => v === 7), `${dtype}: model unchanged by the checkpoint`);
  }
});

const { missing: NO_DATA } = sharedData("peft/base_model.safetensors");

Deno.test("loadCheckpoint fills a Llama-shaped template from the real base model", {
  ignore: NO_DATA,
}, () => {
  const bytes = Deno.readFileSync(new URL("base_model.safetensors", DATA));
  // Template built from the layout the README documents, not from the file.
  const layer = (): ParamTree => ({
    self_attn: Object.fromEntries(
      ["q_proj", "k_proj", "v_proj", "o_proj"].map((
        k,
      ) => [k, { weight: zeros([48, 48], { dtype: "f32" }) }]),
    ),
    mlp: {
      gate_proj: { weight: zeros([96, 48], { dtype: "f32" }) },
      up_proj: { weight: zeros([96, 48], { dtype: "f32" }) },
      down_proj: { weight: zeros([48, 96], { dtype: "f32" }) },
    },
    input_layernorm: { weight: zeros([48], { dtype: "f32" }) },
    post_attention_layernorm: { weight: zeros([48], { dtype: "f32" }) },
  });
  const tpl = {
    model: {
      embed_tokens: { weight: zeros([96, 48], { dtype: "f32" }) },
      layers: [layer(), layer()],
      norm: { weight: zeros([48], { dtype: "f32" }) },
    },
    lm_head: { weight: zeros([96, 48], { dtype: "f32" }) },
  };
  const params = loadCheckpoint(tpl, bytes, { name: "base_model.safetensors" });
  const flat = flattenParams(params);
  assert.equal(flat.size, readSafetensorsHeader(bytes).entries.length);
  // Saving the loaded tree reproduces the file byte for byte (same names, order, values).
  const resaved = writeSafetensors(new Map([...flat].sort(([a], [b]) => (a < b ? -1 : 1))));
  assert.deepEqual(resaved, bytes);
});
