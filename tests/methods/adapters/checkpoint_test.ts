import assert from "node:assert/strict";
import { randn, Rng } from "../../../ops/random.ts";
import { Tensor } from "../../../ops/tensor.ts";
import { readSafetensors, writeSafetensors } from "../../../ops/io/safetensors.ts";
import type { AdapterMethod, AdapterState } from "../../../methods/adapters/adapter.ts";
import {
  checkpointType,
  loadAdapterCheckpoint,
  saveAdapterCheckpoint,
} from "../../../methods/adapters/checkpoint.ts";
import { nola } from "../../../methods/adapters/nola.ts";
import { loldu } from "../../../methods/adapters/loldu.ts";
import { pissa } from "../../../methods/adapters/pissa.ts";
import { dyLora, withRank } from "../../../methods/adapters/dylora.ts";
import { growAdapter, triAdapt } from "../../../methods/adapters/triadapt.ts";
import { flora } from "../../../methods/adapters/flora.ts";
import { intTune, nlora, slora } from "../../../methods/adapters/nlora.ts";
import { initMoleGates } from "../../../methods/adapters/mole.ts";
import { maxAbs, maxDiff } from "./helpers.ts";

/** Moves every trainable tensor (a trained state), in place on copies. */
function perturb<S extends AdapterState>(st: S, seed: number): S {
  const params: Record<string, Tensor> = {};
  for (const [k, t] of Object.entries(st.params)) {
    const n = randn([...t.shape], { seed: seed++, dtype: t.dtype });
    const c = t.clone();
    for (let i = 0; i < c.size; i++) c.data[i] += 0.1 * n.data[i];
    params[k] = c;
  }
  return { ...st, params };
}

/** Every field equal: tensors bit for bit (same dtype and shape), the rest deep-equal. */
function assertSameState(got: AdapterState, want: AdapterState, what: string): void {
  const keys = new Set([...Object.keys(got), ...Object.keys(want)]);
  for (const k of keys) {
    const g = (got as unknown as Record<string, unknown>)[k];
    const w = (want as unknown as Record<string, unknown>)[k];
    if (k === "params") {
      assert.deepEqual(Object.keys(g as object).sort(), Object.keys(w as object).sort(), what);
      for (const [n, t] of Object.entries(w as Record<string, Tensor>)) {
        sameTensor((g as Record<string, Tensor>)[n], t, `${what} params.${n}`);
      }
    } else if (w instanceof Tensor) sameTensor(g as Tensor, w, `${what} ${k}`);
    else assert.deepEqual(g, w, `${what} ${k}`);
  }
}

function sameTensor(g: Tensor, w: Tensor, what: string): void {
  assert.ok(g instanceof Tensor, `${what} missing`);
  assert.equal(g.dtype, w.dtype, what);
  assert.deepEqual(g.shape, w.shape, what);
  assert.deepEqual(Array.from(g.data), Array.from(w.data), what);
}

function roundTrip<S extends AdapterState>(
  // deno-lint-ignore no-explicit-any
  method: AdapterMethod<any, S> | null,
  states: Record<string, S>,
  bases?: Record<string, Tensor>,
): Record<string, AdapterState> {
  const files = saveAdapterCheckpoint(states);
  const back = loadAdapterCheckpoint(files.config, files.weights, { bases });
  const first = Object.values(states)[0];
  assert.equal(back.method, first.method);
  assert.equal(JSON.parse(files.config).peft_type, checkpointType(first.method));
  for (const [m, st] of Object.entries(states)) {
    assertSameState(back.states[m], st, `${first.method} ${m}`);
    if (method) sameTensor(method.delta(back.states[m] as S), method.delta(st), `${m} ΔW`);
  }
  return back.states;
}

const W = randn([9, 7], { seed: 1 });
const W2 = randn([9, 7], { seed: 2, dtype: "f32" });

Deno.test("checkpoints round-trip every method bit for bit (states and ΔW)", () => {
  roundTrip(dyLora, {
    "l.q": withRank(perturb(dyLora.init(W, { r: 4, alpha: 8, useRslora: true }, new Rng(0)), 1), 2),
    "l.v": perturb(dyLora.init(W2, { r: 3, mode: "nonfrozen" }, new Rng(1)), 5),
  });
  const tri = growAdapter(
    growAdapter(triAdapt.init(W, {}, new Rng(0)), 2, new Rng(1)),
    3,
    new Rng(2),
  );
  roundTrip(triAdapt, {
    q: perturb(tri, 3),
    v: perturb(triAdapt.init(W2, { initRank: 2 }, new Rng(4)), 9),
  });
  roundTrip(flora, { q: perturb(flora.init(W, { ranks: [3, 2], scale: 2 }, new Rng(0)), 2) });
  const conv = randn([4, 3, 3, 3], { seed: 5 });
  roundTrip(flora, { conv: perturb(flora.init(conv, { ranks: [2, 2, 2, 2] }, new Rng(0)), 4) });
  for (const m of [slora, nlora, intTune]) {
    roundTrip(m, { q: perturb(m.init(W, { r: 3, alpha: 6 }, new Rng(0)), 7) });
  }
});

Deno.test("NOLA checkpoint holds only k + l coefficients (+ seeds); bases and A₀ are regenerated", () => {
  const big = randn([48, 40], { seed: 3 });
  for (
    const opts of [{ form: "code" as const }, { form: "paper" as const }, { storeBases: false }]
  ) {
    const st = perturb(
      nola.init(big, { r: 4, k: 10, l: 6, seed: 3, module: "m.q", ...opts }, new Rng(0)),
      1,
    );
    roundTrip(nola, { "m.q": st });
    const { tensors } = readSafetensors(saveAdapterCheckpoint({ "m.q": st }).weights);
    assert.deepEqual([...tensors.keys()].sort(), ["m.q.params.alpha", "m.q.params.beta"]);
  }
});

Deno.test("LoLDU and PiSSA checkpoints rebuild the residual from the original W (needed, checked)", () => {
  for (const w of [W, W2]) {
    const st = loldu.init(w, { r: 3, alpha: 2, trainSigma: true }, new Rng(0));
    const tr = perturb(st, 4);
    const ps = perturb(pissa.init(w, { r: 2, alpha: 4 }, new Rng(0)), 6);
    if (w.dtype === "f64") {
      roundTrip(loldu, { q: tr }, { q: w });
      roundTrip(pissa, { q: ps }, { q: w });
    } else {
      // f32: the stored factors are rounded, so the rebuilt residual is within a few f32 ulps.
      for (const [m, s] of [[loldu, tr], [pissa, ps]] as const) {
        const f = saveAdapterCheckpoint({ q: s });
        const back = loadAdapterCheckpoint(f.config, f.weights, { bases: { q: w } }).states.q;
        assertSameState({ ...back, base: s.base }, s, `${m.name} f32`);
        const tol = 4 * 2 ** -24 * maxAbs(w);
        assert.ok(
          maxDiff(back.base!, s.base) <= tol,
          `${m.name} f32 base ${maxDiff(back.base!, s.base)}`,
        );
      }
    }
    const f = saveAdapterCheckpoint({ q: tr });
    assert.ok(!readSafetensors(f.weights).tensors.has("q.base"));
    assert.equal(readSafetensors(f.weights).ints.get("q.perm")?.dtype, "i32");
    assert.throws(
      () => loadAdapterCheckpoint(f.config, f.weights),
      /"q" \(loldu\) needs its original weight/,
    );
    assert.throws(
      () =>
        loadAdapterCheckpoint(f.config, f.weights, { bases: { q: randn([7, 9], { seed: 0 }) } }),
      /"q": the weight is 7x9, the adapter 9x7/,
    );
  }
});

Deno.test("MoLE gates (a state-like record) round-trip; bad files name the key", () => {
  const gates = {
    method: "mole-gates",
    shape: [3, 7, 9],
    params: initMoleGates(3, 7, 9, new Rng(0)),
  };
  roundTrip(null, {
    "down.0": gates,
    "down.1": { ...gates, params: initMoleGates(3, 7, 9, new Rng(1)) },
  });
  const f = saveAdapterCheckpoint({ q: dyLora.init(W, { r: 2 }, new Rng(0)) });
  const cfg = JSON.parse(f.config);
  assert.throws(
    () => loadAdapterCheckpoint({ ...cfg, peft_type: "LORA" }, f.weights),
    /peft_type "LORA"/,
  );
  assert.throws(
    () => loadAdapterCheckpoint({ ...cfg, lowrank_format: 2 }, f.weights),
    /lowrank_format 2/,
  );
  const { tensors } = readSafetensors(f.weights);
  tensors.set("stray.params.x", randn([2], { seed: 0 }));
  assert.throws(
    () => loadAdapterCheckpoint(cfg, writeSafetensors(tensors), { name: "run7/adapter.st" }),
    /run7\/adapter.st: tensor "stray.params.x" belongs to no module/,
  );
  const tagged = saveAdapterCheckpoint({ q: dyLora.init(W, { r: 2 }, new Rng(0)) }, { step: "40" });
  assert.deepEqual(readSafetensors(tagged.weights).metadata, { format: "lowrank", step: "40" });
  assert.throws(
    () => saveAdapterCheckpoint({ q: dyLora.init(W, { r: 2 }, new Rng(0)), v: gates as never }),
    /"v" is mole-gates, the first state is dylora/,
  );
});
