/** OwLore / LISA: the checkable properties of spec §6. */
import assert from "node:assert/strict";
import { randn, Rng, type Tensor, tensor } from "../../../ops/mod.ts";
import { initLlama } from "../../../ops/nn/llama.ts";
import {
  galoreAdamW,
  layerIndex,
  layerwiseGaloreAdamW,
  llamaInputNorms,
  llamaOutlierRatios,
  outlierRatio,
  sampleBlocks,
  samplingProbabilities,
  wandaScores,
} from "../../../methods/optim/mod.ts";

Deno.test("p sums to 1 and is proportional to D; equal D gives uniform (LISA) (§6.1)", () => {
  const d = [0.27, 0.3, 0.1, 0.08];
  const p = samplingProbabilities(d);
  assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-15);
  p.forEach((x, i) => assert.ok(Math.abs(x / p[0] - d[i] / d[0]) < 1e-14));
  assert.deepEqual(samplingProbabilities([2, 2, 2, 2]), [0.25, 0.25, 0.25, 0.25]);
  assert.deepEqual(samplingProbabilities([0, 0]), [0.5, 0.5]);
  assert.throws(() => samplingProbabilities([1, -1]), /ratio 1/);
});

Deno.test("D ∈ [0, 100] and unchanged by scaling a block's weights or activation norms (§6.2)", () => {
  const w1 = randn([6, 5], { seed: 1 }), w2 = randn([4, 6], { seed: 2 });
  const a1 = Float64Array.from(randn([5], { seed: 3 }).data, Math.abs);
  const a2 = Float64Array.from(randn([6], { seed: 4 }).data, Math.abs);
  for (const m of [0.5, 1, 2, 3]) {
    const d = outlierRatio([wandaScores(w1, a1), wandaScores(w2, a2)], m);
    assert.ok(d >= 0 && d <= 100);
    const sw = (w: Tensor, c: number): Tensor =>
      tensor(Array.from(w.data, (x) => x * c), { shape: w.shape });
    const ds = outlierRatio([
      wandaScores(sw(w1, 7), a1.map((x) => x * 3)),
      wandaScores(sw(w2, 7), a2.map((x) => x * 3)),
    ], m);
    assert.equal(ds, d);
  }
  assert.ok(outlierRatio([[5, 5, 5]], 0.5) === 100);
});

Deno.test("toy block [1×9, 10]: D = 10 % at M = 5 and 0 % at M = 11 (§6.3)", () => {
  const toy = [1, 1, 1, 1, 1, 1, 1, 1, 1, 10];
  assert.equal(outlierRatio([toy], 5), 10);
  assert.equal(outlierRatio([toy], 11), 0);
  // Split over two sub-layers: concatenated, the same answer.
  assert.equal(outlierRatio([toy.slice(0, 4), toy.slice(4)], 5), 10);
  // "More than M times the mean": a score exactly at the threshold is not an outlier.
  assert.equal(outlierRatio([[0, 0, 0, 2]], 4), 0);
  assert.equal(outlierRatio([[0, 0, 0, 2]], 3.9), 25);
});

Deno.test("each draw has γ distinct indices; γ = 1 frequencies match p within 3σ over 1e5 draws (§6.4)", () => {
  const p = samplingProbabilities([0.27, 0.3, 0.05, 0.08, 0.3]);
  const rng = new Rng(1);
  for (let i = 0; i < 200; i++) {
    const s = sampleBlocks(p, 3, rng);
    assert.equal(new Set(s).size, 3);
  }
  const n = 100_000, counts = new Array(p.length).fill(0);
  for (let i = 0; i < n; i++) counts[sampleBlocks(p, 1, rng)[0]]++;
  counts.forEach((c, i) => {
    const sigma = Math.sqrt(n * p[i] * (1 - p[i]));
    assert.ok(Math.abs(c - n * p[i]) < 3 * sigma, `block ${i}: ${c} vs ${n * p[i]}`);
  });
});

Deno.test("fewer positive p than γ: the positive ones, then uniform fill from the rest", () => {
  const rng = new Rng(2);
  const seen = new Set<number>();
  for (let i = 0; i < 200; i++) {
    const s = sampleBlocks([0, 1, 0, 0, 0], 2, rng);
    assert.equal(s[0], 1);
    assert.notEqual(s[1], 1);
    seen.add(s[1]);
  }
  assert.deepEqual([...seen].sort(), [0, 2, 3, 4]);
});

function blockParams(blocks: number): Record<string, Tensor> {
  const p: Record<string, Tensor> = { "model.embed_tokens.weight": randn([7, 4], { seed: 99 }) };
  for (let l = 0; l < blocks; l++) {
    p[`model.layers.${l}.mlp.up_proj.weight`] = randn([6, 4], { seed: l });
    p[`model.layers.${l}.input_layernorm.weight`] = randn([4], { seed: 50 + l });
  }
  return p;
}

Deno.test("re-sampling exactly at 0, K, 2K …; constant in between; frozen blocks bit-identical (§6.5, §6.6)", () => {
  const L = 6, K = 4, steps = 17;
  const params = blockParams(L);
  const opt = layerwiseGaloreAdamW({ numBlocks: L, gamma: 2, interval: K, rank: 2, seed: 3 });
  const state = opt.init(params);
  const draws: number[][] = [];
  for (let t = 0; t < steps; t++) {
    const before = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, v.data.slice()]));
    const grads = Object.fromEntries(
      Object.entries(params).map(([k, v], i) => [k, randn(v.shape, { seed: 1000 * t + i })]),
    );
    const active = [...opt.select(state)];
    if (t % K === 0) draws.push(active);
    else assert.deepEqual(active, draws[draws.length - 1], `step ${t}`);
    opt.step_(params, grads, state);
    assert.equal(state.drawnAt, t - (t % K));
    for (const [k, v] of Object.entries(params)) {
      const b = layerIndex(k);
      const same = v.data.every((x, i) => x === before[k][i]);
      assert.equal(same, b !== null && !active.includes(b), `${k} at step ${t}`);
    }
  }
  assert.equal(state.draws, Math.ceil(steps / K));
  assert.ok(new Set(draws.map((d) => d.join())).size > 1, "the draws vary");
});

Deno.test("a frozen block's state waits: its update count resumes where it stopped", () => {
  const params = blockParams(3);
  const opt = layerwiseGaloreAdamW({
    numBlocks: 3,
    gamma: 1,
    interval: 2,
    rank: 2,
    probabilities: [1, 1, 1],
    seed: 5,
  });
  const s = opt.init(params);
  const counts = [0, 0, 0];
  for (let t = 0; t < 12; t++) {
    const g = Object.fromEntries(
      Object.entries(params).map(([k, v], i) => [k, randn(v.shape, { seed: 10 * t + i })]),
    );
    const [b] = opt.select(s);
    opt.step_(params, g, s);
    counts[b]++;
    for (let l = 0; l < 3; l++) {
      assert.equal(s.t[`model.layers.${l}.mlp.up_proj.weight`] ?? 0, counts[l]);
    }
    assert.equal(s.t["model.embed_tokens.weight"], t + 1);
  }
});

Deno.test("γ = L with probabilities equal to GaLore-AdamW on everything", () => {
  const a = blockParams(2), b = blockParams(2);
  const lw = layerwiseGaloreAdamW({ numBlocks: 2, gamma: 2, rank: 2, lr: 0.01 });
  const ga = galoreAdamW({ rank: 2, lr: 0.01 });
  const sa = lw.init(a), sb = ga.init(b);
  for (let t = 0; t < 5; t++) {
    const g = Object.fromEntries(
      Object.entries(a).map(([k, v], i) => [k, randn(v.shape, { seed: 7 * t + i })]),
    );
    lw.step_(a, g, sa);
    ga.step_(b, g, sb);
  }
  for (const k of Object.keys(a)) assert.deepEqual(a[k].data, b[k].data);
});

Deno.test("Llama calibration: input norms are column norms of the linear inputs; D per block", () => {
  const cfg = { vocabSize: 11, hiddenSize: 8, intermediateSize: 16, numLayers: 3, numHeads: 2 };
  const params = initLlama(cfg, { seed: 1 });
  const batches = [[1, 2, 3, 4, 5], [6, 7, 8]];
  const norms = llamaInputNorms(params, cfg, batches);
  assert.equal(Object.keys(norms).length, 3 * 7 + 1); // seven per block and the head
  // The q/k/v inputs of block 0 are the same tensor: equal norms.
  assert.deepEqual(
    norms["model.layers.0.self_attn.q_proj"],
    norms["model.layers.0.self_attn.v_proj"],
  );
  const d = llamaOutlierRatios(params, cfg, batches, { m: 3 });
  assert.equal(d.length, 3);
  for (const x of d) assert.ok(x >= 0 && x <= 100);
  // Independent check of block 0's q_proj input: RMSNorm(embedding) of every token, weight 1.
  const e = params["model.embed_tokens.weight"].data, dm = cfg.hiddenSize;
  const sq = new Float64Array(dm);
  for (const id of batches.flat()) {
    const row = Array.from(e.slice(id * dm, id * dm + dm));
    const rms = Math.sqrt(row.reduce((a, x) => a + x * x, 0) / dm + 1e-6);
    row.forEach((x, j) => sq[j] += (x / rms) ** 2);
  }
  const q = norms["model.layers.0.self_attn.q_proj"];
  sq.forEach((x, j) => assert.ok(Math.abs(Math.sqrt(x) - q[j]) < 1e-12 * Math.sqrt(x)));
  // D of block 1 is the outlier ratio of its seven weights' Wanda scores.
  const names = ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj"]
    .concat(["mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"]).map((n) => `model.layers.1.${n}`);
  const scores = names.map((n) => wandaScores(params[`${n}.weight`], norms[n]));
  assert.equal(d[1], outlierRatio(scores, 3));
});

Deno.test("layerwise options are checked", () => {
  const base = { numBlocks: 3, gamma: 1, rank: 2 };
  assert.throws(() => layerwiseGaloreAdamW({ ...base, gamma: 4 }), /gamma/);
  assert.throws(() => layerwiseGaloreAdamW({ ...base, interval: 0 }), /interval/);
  assert.throws(() => layerwiseGaloreAdamW({ ...base, probabilities: [1, 1] }), /probabilities/);
  assert.throws(() => layerwiseGaloreAdamW({ ...base, gama: 1 } as never), TypeError);
  const opt = layerwiseGaloreAdamW({ ...base, numBlocks: 2 });
  assert.throws(() => opt.init(blockParams(3)), /blockOf\("model.layers.2/);
  const custom = layerwiseGaloreAdamW({ ...base, blockOf: () => null });
  const p = blockParams(3), s = custom.init(p);
  const before = p["model.layers.2.mlp.up_proj.weight"].data.slice();
  custom.step_(p, Object.fromEntries(Object.entries(p).map(([k, v]) => [k, randn(v.shape)])), s);
  assert.notDeepEqual(p["model.layers.2.mlp.up_proj.weight"].data, before); // no blocks: all train
});
