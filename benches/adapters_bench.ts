/**
 * Adapter costs (issue 8 speed target, `benches/RESULTS.md` section "Adapters"):
 *
 * - LoRA forward `x W₀ᵀ + s (x Aᵀ) Bᵀ` (batch 512, r = 16) against the base GEMM `x W₀ᵀ` alone
 *   (baseline): the two thin GEMMs should add only a few percent. Sized 1024×1024 instead of the
 *   issue's 4096×4096 because one 512×4096×4096 f32 GEMM takes seconds on the shared 2-core
 *   machine; the ratio (2·r·(in + out) / (in·out) extra work) is what matters, and it is smaller
 *   at 4096 (≈0.8%) than here (≈3%).
 * - Merging a rank-16 adapter into a 1024×1024 weight (`W + s·B A`) against the GEMM `B A` alone
 *   (baseline): merge should be GEMM-bound.
 *
 * Also runnable as a script (`deno run -A benches/adapters_bench.ts`) to print the ratios.
 */
import { gemm } from "../ops/cpu/gemm.ts";
import { randn } from "../ops/random.ts";
import { astype, type Tensor } from "../ops/tensor.ts";
import { lora, loraFromFactors, loraMerge, loraMerge_ } from "../methods/adapters/lora.ts";
import { merge } from "../methods/adapters/adapter.ts";

const [N, D_IN, D_OUT, R] = [512, 1024, 1024, 16];

const f32 = (t: Tensor): Tensor => astype(t, "f32");
const x = f32(randn([N, D_IN], { seed: 1 }));
const w = f32(randn([D_OUT, D_IN], { seed: 2 }));
const st = loraFromFactors(
  f32(randn([R, D_IN], { seed: 3 })),
  f32(randn([D_OUT, R], { seed: 4 })),
  {
    alpha: 32,
  },
);
const y = new Float32Array(N * D_OUT),
  xa = new Float32Array(N * R),
  ba = new Float32Array(D_OUT * D_IN);

function baseForward(): void {
  gemm({
    m: N,
    n: D_OUT,
    k: D_IN,
    a: x.data,
    lda: D_IN,
    b: w.data,
    ldb: D_IN,
    transB: true,
    c: y,
    ldc: D_OUT,
  });
}

/** The LoRA forward with the branch accumulated into the base output (beta = 1). */
function loraForward(): void {
  baseForward();
  gemm({
    m: N,
    n: R,
    k: D_IN,
    a: x.data,
    lda: D_IN,
    b: st.params.a.data,
    ldb: D_IN,
    transB: true,
    c: xa,
    ldc: R,
  });
  gemm({
    m: N,
    n: D_OUT,
    k: R,
    a: xa,
    lda: R,
    b: st.params.b.data,
    ldb: R,
    transB: true,
    c: y,
    ldc: D_OUT,
    alpha: st.scale,
    beta: 1,
  });
}

function productOnly(): void {
  gemm({
    m: D_OUT,
    n: D_IN,
    k: R,
    a: st.params.b.data,
    lda: R,
    b: st.params.a.data,
    ldb: D_IN,
    c: ba,
    ldc: D_IN,
  });
}

const wWork = w.clone();

/** In-place merge then unmerge (keeps the working weight bounded); two GEMMs per call. */
function mergeInPlace(): void {
  loraMerge_(wWork, st);
  loraMerge_(wWork, st, { unmerge: true });
}

function mergeCopy(): Tensor {
  return loraMerge(w, st);
}

function mergeGeneric(): Tensor {
  return merge(w, lora, st);
}

Deno.bench({
  name: "base GEMM x·W₀ᵀ (512×1024×1024, f32)",
  group: "lora-forward",
  baseline: true,
  fn: baseForward,
});
Deno.bench({
  name: "LoRA forward x·W₀ᵀ + s(x·Aᵀ)·Bᵀ, r=16",
  group: "lora-forward",
  fn: loraForward,
});
Deno.bench({
  name: "GEMM B·A alone (1024×16×1024)",
  group: "lora-merge",
  baseline: true,
  fn: productOnly,
});
Deno.bench({
  name: "loraMerge_ in place, merge + unmerge (2 GEMMs)",
  group: "lora-merge",
  fn: mergeInPlace,
});
Deno.bench({
  name: "loraMerge into a new tensor (copy of W + GEMM)",
  group: "lora-merge",
  fn: () => void mergeCopy(),
});
Deno.bench({
  name: "generic merge (delta via autograd ops, then add)",
  group: "lora-merge",
  fn: () => void mergeGeneric(),
});

function timeMs(f: () => unknown, reps: number): number {
  f();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) f();
  return (performance.now() - t0) / reps;
}

if (import.meta.main) {
  const base = timeMs(baseForward, 5), withLora = timeMs(loraForward, 5);
  const prod = timeMs(productOnly, 10), mer = timeMs(mergeInPlace, 10) / 2;
  const copy = timeMs(mergeCopy, 5);
  const gen = timeMs(mergeGeneric, 5);
  console.log(
    `forward: base ${base.toFixed(1)} ms, LoRA ${withLora.toFixed(1)} ms, ratio ${
      (withLora / base).toFixed(3)
    }`,
  );
  console.log(
    `merge: B·A ${prod.toFixed(2)} ms, in place ${mer.toFixed(2)} ms (×${
      (mer / prod).toFixed(2)
    }), ` +
      `copy ${copy.toFixed(2)} ms (×${(copy / prod).toFixed(2)}), generic ${gen.toFixed(2)} ms (×${
        (gen / prod).toFixed(2)
      })`,
  );
}
