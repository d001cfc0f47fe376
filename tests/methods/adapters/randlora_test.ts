import assert from "node:assert/strict";
import { readSafetensors, writeSafetensors } from "../../../ops/io/safetensors.ts";
import { randn, Rng } from "../../../ops/random.ts";
import { transpose } from "../../../ops/shape.ts";
import { matmul } from "../../../ops/matmul.ts";
import { astype, type Tensor, zeros } from "../../../ops/tensor.ts";
import {
  randLora,
  randLoraApply,
  randLoraBases,
  randLoraFromParts,
  randLoraParamCount,
  type RandLoraState,
} from "../../../methods/adapters/randlora.ts";
import { mergePeftAdapter, readPeftAdapter } from "../../../methods/adapters/peft_adapter.ts";
import { writePeftRandLora } from "../../../methods/adapters/peft_randlora.ts";
import {
  randLoraScaledA,
  randLoraScaledAExpanded,
} from "../../../methods/adapters/randlora_scaled.ts";
import { gradcheck, mul as mulAD, sum, valueAndGrad } from "../../../ops/autograd/mod.ts";
import {
  checkDeltaGradients,
  checkMergeRoundTrip,
  maxAbs,
  maxDiff,
  probeGrads,
  rankOf,
} from "./helpers.ts";

function randomized(st: RandLoraState, seed: number): RandLoraState {
  const params = {
    lambda: randn([...st.params.lambda.shape], { seed }),
    gamma: randn([...st.params.gamma.shape], { seed: seed + 1 }),
  };
  return { ...st, params };
}

/** The spec's explicit index formulas (§4), evaluated with plain loops. */
function naiveM(st: RandLoraState, pairing: "peft" | "per-basis"): number[][] {
  const { r, n, a, bHat } = st;
  const k = a.shape[1], d = bHat.shape[0];
  const lam = (rho: number, i: number): number => st.params.lambda.data[rho * n + i];
  const gam = (i: number, j: number): number => st.params.gamma.data[i * k + j];
  const B = (i: number, row: number, rho: number): number => bHat.data[row * n * r + i * r + rho];
  const M = Array.from({ length: d }, () => new Array(k).fill(0));
  for (let c = 0; c < n * r; c++) {
    for (let row = 0; row < d; row++) {
      for (let j = 0; j < k; j++) {
        if (pairing === "peft") {
          const rho = Math.floor(c / n), i = c % n;
          M[row][j] += B(Math.floor(c / r), row, c % r) * lam(rho, i) * a.data[rho * k + j] *
            gam(i, j);
        } else {
          const i = Math.floor(c / r), rho = c % r; // Σ_i B_i diag(λ_i) A diag(γ_i)
          M[row][j] += B(i, row, rho) * lam(rho, i) * a.data[rho * k + j] * gam(i, j);
        }
      }
    }
  }
  return M;
}

Deno.test("RandLoRA: both pairings equal the spec's index formulas, and differ from each other", () => {
  const w = randn([10, 7], { seed: 1 });
  for (const pairing of ["peft", "per-basis"] as const) {
    const st = randomized(randLora.init(w, { r: 3, alpha: 6, pairing }, new Rng(2)), 5);
    const d = randLora.delta(st);
    const M = naiveM(st, pairing);
    for (let i = 0; i < 10; i++) {
      for (let j = 0; j < 7; j++) {
        assert.ok(Math.abs(d.data[i * 7 + j] - st.scale * M[i][j]) < 1e-12);
      }
    }
  }
  const a = randomized(randLora.init(w, { r: 3, alpha: 6 }, new Rng(2)), 5);
  const b = { ...a, pairing: "per-basis" as const };
  assert.ok(maxDiff(randLora.delta(a), randLora.delta(b)) > 1e-3, "pairings differ for n > 1");
});

Deno.test("RandLoRA: full rank min(in, out) from n(r + k) ≪ in·out parameters; orientation", () => {
  for (const [out, inp] of [[64, 48], [48, 64]]) {
    for (const pairing of ["peft", "per-basis"] as const) {
      const st = randomized(
        randLora.init(randn([out, inp], { seed: 0 }), { r: 8, pairing }, new Rng(3)),
        7,
      );
      assert.equal(rankOf(randLora.delta(st)), 48);
      assert.equal(randLora.paramCount(st), 6 * (8 + 48));
      assert.ok(randLora.paramCount(st) < out * inp / 9);
    }
  }
  // For out < in the layer is the transpose of the out ≥ in layer with the same parts, so γ
  // multiplies output (row) indices.
  const bases = randLoraBases([[9, 5]], 2, { seed: 4 });
  const lam = randn([2, 3], { seed: 8 }), gam = randn([3, 5], { seed: 9 });
  const tall = randLoraFromParts([9, 5], bases, lam, gam, { scale: 1.5 });
  const wide = randLoraFromParts([5, 9], bases, lam, gam, { scale: 1.5 });
  assert.ok(maxDiff(randLora.delta(wide), transpose(randLora.delta(tall))) < 1e-15);
  const g2 = gam.clone();
  for (let i = 0; i < 3; i++) g2.data[i * 5 + 2] *= 3;
  const wide2 = randLoraFromParts([5, 9], bases, lam, g2, { scale: 1.5 });
  const d1 = randLora.delta(wide), d2 = randLora.delta(wide2);
  for (let i = 0; i < 5; i++) {
    for (let j = 0; j < 9; j++) {
      const want = (i === 2 ? 3 : 1) * d1.data[i * 9 + j];
      assert.ok(Math.abs(d2.data[i * 9 + j] - want) < 1e-13, "γ scales row 2 of ΔW");
    }
  }
});

Deno.test("RandLoRA: PEFT init (λ = 0, γ = 1/max(n,k)), gradients at step 0, gradcheck", () => {
  const st = randLora.init(randn([12, 8], { seed: 0 }), { r: 3, alpha: 12 }, new Rng(1));
  assert.equal(maxAbs(randLora.delta(st)), 0);
  assert.ok(st.params.gamma.data.every((x) => x === 1 / 8));
  assert.equal(st.scale, 4);
  const g = probeGrads(randLora, st);
  assert.ok(maxAbs(g.lambda) > 0);
  assert.equal(maxAbs(g.gamma), 0);
  checkDeltaGradients(randLora, randomized(st, 3));
  checkDeltaGradients(randLora, randomized({ ...st, pairing: "per-basis" }, 3));
  const sq = randLora.init(
    randn([12, 8], { seed: 0 }),
    { r: 3, alpha: 12, divideSqrtN: true },
    new Rng(1),
  );
  assert.equal(sq.scale, 12 / (3 * Math.sqrt(3)));
});

Deno.test("RandLoRA: seeded bases are deterministic, unit variance; sparse frequencies (χ²)", () => {
  const a = randLoraBases([[40, 30]], 4, { seed: 5 }),
    b = randLoraBases([[40, 30]], 4, { seed: 5 });
  assert.deepEqual(a.b.data, b.b.data);
  const c = randLoraBases([[40, 30]], 4, { seed: 6 });
  assert.ok(maxDiff(a.b, c.b) > 0);
  let ss = 0;
  for (const x of a.b.data) ss += x * x;
  assert.ok(Math.abs(ss / a.b.size - 1) < 0.05);
  for (
    const [basis, p] of [["sparse", 1 / 6], ["very_sparse", 1 / (2 * Math.sqrt(300))]] as const
  ) {
    const { b: t } = randLoraBases([[400, 300]], 4, { seed: 7, basis });
    const vals = [...new Set(Array.from(t.data).map((x) => Math.abs(x)))].filter((x) => x > 0);
    assert.equal(vals.length, 1, "entries are {−c, 0, +c}");
    const counts = [0, 0, 0];
    for (const x of t.data) counts[x < 0 ? 0 : x === 0 ? 1 : 2]++;
    const expected = [p, 1 - 2 * p, p].map((q) => q * t.size);
    const chi2 = counts.reduce((acc, o, i) => acc + (o - expected[i]) ** 2 / expected[i], 0);
    assert.ok(chi2 < 13.8, `${basis}: χ²(2) = ${chi2} beyond the 0.1% quantile`);
  }
  checkMergeRoundTrip(
    randLora,
    randn([12, 8], { seed: 0 }),
    randomized(randLora.init(randn([12, 8], { seed: 0 }), { r: 3 }, new Rng(1)), 2),
  );
});

Deno.test("RandLoRA: parameter counts of the spec table (§4, §16)", () => {
  assert.equal(randLoraParamCount(4096, 4096, 32), 528_384);
  assert.equal(randLoraParamCount(11008, 4096, 32), 528_384);
  assert.equal(randLoraParamCount(4096, 4096, 64), 266_240);
  assert.equal(randLoraParamCount(4096, 4096, 30), 565_262);
  assert.throws(() => randLoraParamCount(4096, 4096, 0), /r must be a positive integer, got 0/);
  assert.throws(
    () => randLoraParamCount(4096, 40.5, 8),
    /inp must be a positive integer, got 40.5/,
  );
});

Deno.test("RandLoRA PEFT files: shared bases over layers, round trip, merge = W + ΔW", () => {
  const shapes: [number, number][] = [[12, 8], [8, 16]];
  const bases = randLoraBases(shapes, 3, { seed: 11, dtype: "f32" });
  const ws = shapes.map((s, i) => randn(s, { seed: 20 + i, dtype: "f32" }));
  const states: Record<string, RandLoraState> = {};
  ["m.0.q", "m.0.k"].forEach((name, i) => {
    const st = randLora.init(ws[i], { r: 3, alpha: 9, bases }, new Rng(0));
    states[name] = randomized(st, 30 + i);
    states[name] = {
      ...states[name],
      params: {
        lambda: astype(states[name].params.lambda, "f32"),
        gamma: astype(states[name].params.gamma, "f32"),
      },
    };
  });
  const files = writePeftRandLora(states, { target_modules: ["q", "k"] });
  const keys = [...readSafetensors(files.weights).tensors.keys()];
  assert.ok(
    keys.includes("base_model.randlora_A") &&
      keys.includes("base_model.model.m.0.q.randlora_lambda"),
  );
  const ad = readPeftAdapter(files.config, files.weights);
  assert.equal(ad.modules.size, 2);
  const base = new Map<string, Tensor>([["m.0.q.weight", ws[0]], ["m.0.k.weight", ws[1]]]);
  const merged = mergePeftAdapter(base, ad);
  for (const [i, name] of ["m.0.q", "m.0.k"].entries()) {
    const d = randLora.delta({
      ...states[name],
      params: {
        lambda: astype(states[name].params.lambda, "f64"),
        gamma: astype(states[name].params.gamma, "f64"),
      },
      bHat: astype(states[name].bHat, "f64"),
      a: astype(states[name].a, "f64"),
    });
    const got = merged.get(`${name}.weight`)!;
    for (let j = 0; j < got.size; j++) {
      const want = ws[i].data[j] + d.data[j];
      assert.ok(Math.abs(got.data[j] - want) <= 2 ** -24 * (Math.abs(want) + maxAbs(d)) * 2);
    }
  }
  // save_projection = false files cannot be merged here: the bases are missing.
  const noBases = writeSafetensors(
    new Map(
      [...readSafetensors(files.weights).tensors].filter(([k]) =>
        !k.endsWith("randlora_A") && !k.endsWith("randlora_B")
      ),
    ),
  );
  assert.throws(() => readPeftAdapter(files.config, noBases), /save_projection=false/);
  assert.throws(
    () => randLoraFromParts([12, 8], bases, zeros([3, 2]), zeros([3, 8]), { scale: 1 }),
    /lambda is 3x2, expected 3x3/,
  );
});

Deno.test("RandLoRA factored branch equals x ΔWᵀ in both orientations", () => {
  for (const [out, inp] of [[10, 6], [6, 10]]) {
    const st = randomized(
      randLora.init(randn([out, inp], { seed: 0 }), { r: 2, alpha: 4 }, new Rng(1)),
      3,
    );
    const x = randn([5, inp], { seed: 4 });
    const want = matmul(x, randLora.delta(st), { transB: true });
    assert.ok(maxDiff(randLoraApply(st, x), want) <= 1e-12 * maxAbs(want));
  }
});

Deno.test("RandLoRA PEFT files with a single basis (n_max = 1) and tampered base copies", () => {
  const w = randn([6, 4], { seed: 1 });
  const st = randomized(randLora.init(w, { r: 4, alpha: 8 }, new Rng(2)), 6); // k = 4 = r ⇒ n = 1
  assert.equal(st.n, 1);
  const files = writePeftRandLora({ q: st }, { target_modules: ["q"] });
  const ad = readPeftAdapter(files.config, files.weights);
  const merged = mergePeftAdapter(new Map([["q.weight", w]]), ad).get("q.weight")!;
  const want = randLora.delta(st);
  for (let i = 0; i < w.size; i++) {
    assert.ok(Math.abs(merged.data[i] - w.data[i] - want.data[i]) < 1e-12);
  }
  const t = readSafetensors(files.weights).tensors;
  const bad = t.get("base_model.model.q.randlora_B")!.clone();
  bad.data[0] += 1;
  t.set("base_model.model.q.randlora_B", bad);
  assert.throws(
    () => readPeftAdapter(files.config, writeSafetensors(t)),
    /copy of the bases differs/,
  );
});

Deno.test("RandLoRA default α = 640 (PEFT's randlora_alpha): s = 640/r, or 640/(r·√n) with divideSqrtN", () => {
  const w = randn([12, 9], { seed: 3 }); // k = 9, r = 4 ⇒ n = 3
  assert.equal(randLora.init(w, { r: 4 }, new Rng(0)).scale, 160);
  assert.equal(
    randLora.init(w, { r: 4, divideSqrtN: true }, new Rng(0)).scale,
    640 / (4 * Math.sqrt(3)),
  );
  assert.equal(randLora.init(w, { r: 4, alpha: 8 }, new Rng(0)).scale, 2);
  // ΔW is linear in s: the default-α update is 80× the α = 8 one for the same λ, γ and bases.
  const st = randLora.init(w, { r: 4 }, new Rng(0));
  const lam = randn([...st.params.lambda.shape], { seed: 5 });
  const d640 = randLora.delta({ ...st, params: { ...st.params, lambda: lam } });
  const d8 = randLora.delta({ ...st, scale: 2, params: { ...st.params, lambda: lam } });
  const d80 = d8.clone();
  for (let i = 0; i < d80.size; i++) d80.data[i] *= 80;
  assert.ok(maxAbs(d640) > 0 && maxDiff(d640, d80) <= 1e-12 * maxAbs(d640));
});

Deno.test("RandLoRA memory-saving Â: same values and gradients as the expanded autodiff form, both pairings", () => {
  for (const pairing of ["peft", "per-basis"] as const) {
    for (const shape of [[10, 7], [7, 10]]) {
      const st0 = randLora.init(randn(shape, { seed: 2 }), { r: 3, pairing }, new Rng(1));
      const st = {
        ...st0,
        params: {
          lambda: randn([...st0.params.lambda.shape], { seed: 3 }),
          gamma: randn([...st0.params.gamma.shape], { seed: 4 }),
        },
      };
      assert.deepEqual(
        Array.from(randLoraScaledA(st).data),
        Array.from(randLoraScaledAExpanded(st).data),
      );
      const g = randn([st.n * st.r, st.a.shape[1]], { seed: 5 });
      const f = (which: typeof randLoraScaledA) => (lambda: Tensor, gamma: Tensor): Tensor =>
        sum(mulAD(which({ ...st, params: { lambda, gamma } }), g));
      const custom = valueAndGrad(f(randLoraScaledA), { argnums: [0, 1] })(
        st.params.lambda,
        st.params.gamma,
      );
      const auto = valueAndGrad(f(randLoraScaledAExpanded), { argnums: [0, 1] })(
        st.params.lambda,
        st.params.gamma,
      );
      for (let i = 0; i < 2; i++) {
        const [c, a] = [(custom.grad as Tensor[])[i], (auto.grad as Tensor[])[i]];
        assert.ok(maxDiff(c, a) <= 1e-13 * maxAbs(a), `${pairing} ${shape} grad ${i}`);
      }
      const res = gradcheck(f(randLoraScaledA), [st.params.lambda, st.params.gamma]);
      assert.ok(res.ok, `${pairing}: gradcheck ${res.maxError}`);
    }
  }
});
