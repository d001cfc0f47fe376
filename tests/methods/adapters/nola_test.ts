import assert from "node:assert/strict";
import { matmul } from "../../../ops/matmul.ts";
import { randn, Rng } from "../../../ops/random.ts";
import { writeSafetensors } from "../../../ops/io/safetensors.ts";
import {
  deriveSeed,
  nola,
  nolaFactors,
  nolaParamCount,
  type NolaState,
  nolaToLora,
} from "../../../methods/adapters/nola.ts";
import { lora, loraApply } from "../../../methods/adapters/lora.ts";
import {
  checkDeltaGradients,
  checkMergeRoundTrip,
  maxAbs,
  maxDiff,
  probeGrads,
  rankOf,
} from "./helpers.ts";

function trained(st: NolaState, seed: number): NolaState {
  return {
    ...st,
    params: {
      alpha: randn([...st.params.alpha.shape], { seed }),
      beta: randn([...st.params.beta.shape], { seed: seed + 1 }),
    },
  };
}

Deno.test("NOLA: regeneration from (seed, module, coefficients) is bit-identical; storage is k + l numbers", () => {
  const w = randn([12, 9], { seed: 0 });
  const opts = { r: 3, k: 16, l: 8, seed: 42, module: "model.layers.0.q_proj" };
  const a = trained(nola.init(w, opts, new Rng(0)), 5),
    b = trained(nola.init(w, opts, new Rng(1)), 5);
  assert.deepEqual(nola.delta(a).data, nola.delta(b).data);
  const other = trained(nola.init(w, { ...opts, module: "model.layers.1.q_proj" }, new Rng(0)), 5);
  assert.ok(maxDiff(nola.delta(a), nola.delta(other)) > 0);
  // What must be stored: the coefficients (and integer seeds); no dense matrix.
  const bytes = writeSafetensors(a.params);
  assert.ok(bytes.length < 8 * (16 + 8) + 200, `${bytes.length} bytes`);
  assert.equal(nola.paramCount(a), 24);
  assert.equal(nolaParamCount(512, 512), 1024); // §16 row, for any layer shape and rank
  for (const [out, inp, r] of [[3, 40, 1], [25, 6, 5]]) {
    const other = nola.init(randn([out, inp], { seed: 0 }), { r, k: 5, l: 6 }, new Rng(0));
    assert.equal(nola.paramCount(other), 11);
  }
});

Deno.test("NOLA: ΔW = 0 at init, ∂L/∂α = 0, ∂L/∂β ≠ 0, rank ≤ r, gradcheck, merge round trip", () => {
  const w = randn([10, 7], { seed: 1 });
  const st = nola.init(w, { r: 2, k: 6, l: 5, alpha: 4 }, new Rng(0));
  assert.equal(maxAbs(nola.delta(st)), 0);
  const g = probeGrads(nola, st);
  assert.equal(maxAbs(g.alpha), 0);
  assert.ok(maxAbs(g.beta) > 0);
  const t = trained(st, 3);
  assert.equal(rankOf(nola.delta(t)), 2);
  checkDeltaGradients(nola, t);
  checkMergeRoundTrip(nola, w, t);
  // Paper form: no A₀, random α; B = 0 still gives ΔW = 0 and a non-zero ∂L/∂β.
  const paper = nola.init(w, { r: 2, k: 6, l: 5, form: "paper" }, new Rng(2));
  assert.equal(maxAbs(paper.a0), 0);
  assert.equal(maxAbs(nola.delta(paper)), 0);
  assert.ok(maxAbs(probeGrads(nola, paper).beta) > 0);
});

Deno.test("NOLA: bases are U(−1, 1) with variance 1/3; LoRA export reproduces the forward", () => {
  const st = nola.init(randn([30, 20], { seed: 0 }), { r: 4, k: 50, l: 50 }, new Rng(0));
  const v = st.basesA!.data;
  let mean = 0, sq = 0;
  for (const x of v) {
    assert.ok(x >= -1 && x <= 1);
    mean += x;
    sq += x * x;
  }
  mean /= v.length;
  // 4000 draws: standard error of the mean √(1/3/4000) ≈ 0.009, of the variance ≈ 0.0047.
  assert.ok(Math.abs(mean) < 0.04);
  assert.ok(Math.abs(sq / v.length - mean * mean - 1 / 3) < 0.02);
  const t = trained(st, 7);
  const exp = nolaToLora(t);
  const x = randn([5, 20], { seed: 9 });
  const want = matmul(x, nola.delta(t), { transB: true });
  assert.ok(maxDiff(loraApply(exp, x), want) <= 1e-12 * maxAbs(want));
  assert.ok(maxDiff(lora.delta(exp), nola.delta(t)) <= 1e-12 * maxAbs(nola.delta(t)));
  assert.deepEqual(nolaFactors(t).a.shape, [4, 20]);
});

Deno.test("NOLA regenerate-in-backward: same ΔW and gradients as stored bases, nothing dense kept", () => {
  const w = randn([9, 7], { seed: 11 });
  const opts = { r: 3, k: 12, l: 10, alpha: 6, seed: 5, module: "m" };
  const stored = trained(nola.init(w, opts, new Rng(0)), 21);
  const lean = { ...trained(nola.init(w, { ...opts, storeBases: false }, new Rng(0)), 21) };
  assert.equal(lean.basesA, undefined);
  const d = nola.delta(stored);
  assert.ok(maxDiff(nola.delta(lean), d) <= 1e-13 * maxAbs(d));
  const gs = probeGrads(nola, stored), gl = probeGrads(nola, lean);
  assert.ok(maxDiff(gs.alpha, gl.alpha) <= 1e-12 * maxAbs(gs.alpha));
  assert.ok(maxDiff(gs.beta, gl.beta) <= 1e-12 * maxAbs(gs.beta));
  checkDeltaGradients(nola, lean);
});

Deno.test("NOLA ΔW = s·B A from the regenerated bases: A = A₀ + Σα_iU_i/√k, B = Σβ_jV_j/√l, |A₀| ≤ 1/√in", () => {
  const [out, inp, r, k, l] = [5, 4, 2, 3, 6];
  const w = randn([out, inp], { seed: 0 });
  for (const storeBases of [true, false]) {
    const st = trained(
      nola.init(w, { r, k, l, alpha: 3, seed: 7, module: "m.q", storeBases }, new Rng(0)),
      21,
    );
    // Independent regeneration from the documented stream layout (spec §5 "Seeds").
    const ra = new Rng(deriveSeed(7, "m.q", "A")), rb = new Rng(deriveSeed(7, "m.q", "B"));
    const r0 = new Rng(deriveSeed(7, "m.q", "A0"));
    const bound = 1 / Math.sqrt(inp);
    const a = Array.from({ length: r * inp }, () => r0.uniformIn(-bound, bound));
    assert.ok(a.every((x) => Math.abs(x) <= bound) && Math.max(...a.map(Math.abs)) > 0.5 * bound);
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < r * inp; j++) {
        a[j] += st.params.alpha.data[i] * ra.uniformIn(-1, 1) / Math.sqrt(k);
      }
    }
    const b = new Array(out * r).fill(0);
    for (let i = 0; i < l; i++) {
      for (let j = 0; j < out * r; j++) {
        b[j] += st.params.beta.data[i] * rb.uniformIn(-1, 1) / Math.sqrt(l);
      }
    }
    const d = nola.delta(st);
    for (let i = 0; i < out; i++) {
      for (let j = 0; j < inp; j++) {
        let ref = 0;
        for (let c = 0; c < r; c++) ref += b[i * r + c] * a[c * inp + j];
        ref *= 3 / r;
        assert.ok(Math.abs(d.data[i * inp + j] - ref) <= 1e-14, `store ${storeBases} (${i},${j})`);
      }
    }
  }
});
