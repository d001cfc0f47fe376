/**
 * GaLore step cost (issue 17 speed target: amortised `galoreAdamW` step within 1.15× of `adamw`
 * at T = 200), on the parameters of the experiment's char-level Llama (d = 128, 4 layers,
 * SwiGLU 512, vocabulary 65; f32; 0.83 M parameters, 28 GaLore matrices at rank 32).
 *
 * A GaLore step either reuses the projector (T − 1 of every T steps) or refreshes it from the
 * gradient's SVD (one in T). The groups time both against the AdamW step (baseline); the
 * amortised cost is `(refresh + (T − 1)·plain) / T`. Run as a script
 * (`deno run -A benches/galore_bench.ts`) to print the amortised ratios for the exact and the
 * randomized SVD.
 *
 * @module
 */
import { adamw, initLlama, type LlamaParams, randn } from "../mod.ts";
import { galoreAdamW, type GaloreState } from "../methods/optim/mod.ts";
import type { Optimizer } from "../ops/optim/optimizer.ts";

const cfg = { vocabSize: 65, hiddenSize: 128, intermediateSize: 512, numLayers: 4, numHeads: 4 };
const params: LlamaParams = initLlama(cfg, { seed: 0, dtype: "f32" });
const grads: LlamaParams = Object.fromEntries(
  Object.entries(params).map(([k, p], i) => [k, randn(p.shape, { seed: 100 + i, dtype: "f32" })]),
);
const T = 200, RANK = 32;

function prepared<S extends { step: number }>(opt: Optimizer<S>): S {
  const s = opt.init(params);
  opt.step_(params, grads, s); // moments and projectors exist from here on
  return s;
}

const aw = adamw({ lr: 1e-5, eps: 1e-6, weightDecay: 0, style: "hf" });
const awState = prepared(aw);
const exact = galoreAdamW({ lr: 1e-5, rank: RANK, updateProjGap: T });
const exactState = prepared(exact);
const rand = galoreAdamW({ lr: 1e-5, rank: RANK, updateProjGap: T, projector: "randomized" });
const randState = prepared(rand);

/** A step that reuses the projectors (count not a multiple of T). */
function plainStep(opt: Optimizer<GaloreState>, s: GaloreState): void {
  for (const k of Object.keys(s.t)) s.t[k] = 1;
  opt.step_(params, grads, s);
}

/** A step that refreshes every projector (count a multiple of T). */
function refreshStep(opt: Optimizer<GaloreState>, s: GaloreState): void {
  for (const k of Object.keys(s.t)) s.t[k] = T;
  opt.step_(params, grads, s);
}

Deno.bench({ name: "adamw step", group: "galore plain step", baseline: true }, () => {
  aw.step_(params, grads, awState);
});
Deno.bench({ name: "galoreAdamW step, projector reused", group: "galore plain step" }, () => {
  plainStep(exact, exactState);
});
Deno.bench({ name: "adamw step", group: "galore refresh step", baseline: true }, () => {
  aw.step_(params, grads, awState);
});
Deno.bench({ name: "galoreAdamW refresh step, exact SVD", group: "galore refresh step" }, () => {
  refreshStep(exact, exactState);
});
Deno.bench(
  { name: "galoreAdamW refresh step, randomized SVD", group: "galore refresh step" },
  () => {
    refreshStep(rand, randState);
  },
);

function best(f: () => void, reps: number, rounds = 5): number {
  let b = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) f();
    b = Math.min(b, (performance.now() - t0) / reps);
  }
  return b;
}

if (import.meta.main) {
  for (let i = 0; i < 3; i++) { // warm up every path
    aw.step_(params, grads, awState);
    plainStep(exact, exactState);
    refreshStep(exact, exactState);
    refreshStep(rand, randState);
  }
  const a = best(() => aw.step_(params, grads, awState), 10);
  const p = best(() => plainStep(exact, exactState), 10);
  const re = best(() => refreshStep(exact, exactState), 2);
  const rr = best(() => refreshStep(rand, randState), 2);
  const amort = (r: number): number => (r + (T - 1) * p) / T;
  console.log(
    `adamw step ${a.toFixed(2)} ms; galore plain ${p.toFixed(2)} ms (${(p / a).toFixed(2)}x)`,
  );
  console.log(`refresh: exact SVD ${re.toFixed(1)} ms, randomized ${rr.toFixed(1)} ms`);
  console.log(
    `amortised at T = ${T}: exact ${(amort(re) / a).toFixed(3)}x, randomized ${
      (amort(rr) / a).toFixed(3)
    }x of adamw`,
  );
}
