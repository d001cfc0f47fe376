/**
 * Compression costs (issue 15), f32 on the CPU, each against its dense baseline:
 *
 * - N:M (2:4) sparse × dense: `x·Sᵀ` for `x` 128×512 tokens and a 2:4-sparse S (512×512) in the
 *   packed form (`nmMatmulT`, half the multiply-adds, scalar loop) against the dense GEMM at the
 *   same shape (`matmul(x, S, { transB })`, blocked WebAssembly SIMD).
 * - A DSFormer layer at 2× (`x·Sᵀ·Dᵀ`, k = 168 for 512×512) against the dense layer `x·Wᵀ`.
 *
 * - TRP (spec §1): a 3×3 conv (x [16, 64, 16, 16], w [64, 64, 3, 3], padding 1) against its
 *   factorised forms: NC at r = 16 (3.6× fewer MACs), VH at r = 24 (4× fewer), ND at r = 2
 *   (3.9× fewer).
 *
 * Also runnable as a script (`deno run -A benches/compression_bench.ts`) to print the ratios.
 */
import { randn } from "../ops/random.ts";
import { matmul } from "../ops/matmul.ts";
import { astype, type Tensor } from "../ops/tensor.ts";
import { dsformerKForBudget, nmMatmulT, nmPack, nmProject } from "../methods/compression/mod.ts";
import { applyTrpFactorised, trpDecompose } from "../methods/compression/mod.ts";
import { conv2d } from "../ops/conv/conv2d.ts";

const [B, N] = [128, 512];
const f32 = (t: Tensor): Tensor => astype(t, "f32");
const x = f32(randn([B, N], { seed: 1 }));
const s = f32(nmProject(randn([N, N], { seed: 2 }), 2, 4));
const packed = nmPack(s, 2, 4);
const K = dsformerKForBudget(N, N, (N * N) / 2, { keep: 2, group: 4 });
const sk = f32(nmProject(randn([K, N], { seed: 3 }), 2, 4));
const skPacked = nmPack(sk, 2, 4);
const d = f32(randn([N, K], { seed: 4 }));
const w = f32(randn([N, N], { seed: 5 }));

const denseSame = (): Tensor => matmul(x, s, { transB: true });
const sparse = (): Tensor => nmMatmulT(x, packed);
const denseLayer = (): Tensor => matmul(x, w, { transB: true });
const dsLayer = (): Tensor => matmul(nmMatmulT(x, skPacked), d, { transB: true });

Deno.bench({
  name: "dense GEMM x·Sᵀ (128x512 · 512x512)",
  group: "nm-sparse",
  baseline: true,
  fn: () => void denseSame(),
});
Deno.bench({ name: "2:4 packed x·Sᵀ (nmMatmulT)", group: "nm-sparse", fn: () => void sparse() });
Deno.bench({
  name: "dense layer x·Wᵀ (512x512)",
  group: "dsformer-layer",
  baseline: true,
  fn: () => void denseLayer(),
});
Deno.bench({
  name: `DSFormer layer x·Sᵀ·Dᵀ at 2x (k = ${K}, 2:4)`,
  group: "dsformer-layer",
  fn: () => void dsLayer(),
});

const cx = f32(randn([16, 64, 16, 16], { seed: 6 })), cw = f32(randn([64, 64, 3, 3], { seed: 7 }));
const TRP_RANKS = { nc: 16, vh: 24, nd: 2 } as const;
const convOriginal = (): Tensor => conv2d(cx, cw, { padding: 1 });
const trpConvs = Object.entries(TRP_RANKS).map(([scheme, rank]) => {
  const f = trpDecompose({ weight: cw }, { scheme: scheme as "nc", rank, padding: 1 });
  return { name: `TRP ${scheme.toUpperCase()} r = ${rank}`, fn: () => applyTrpFactorised(f, cx) };
});
Deno.bench({
  name: "original conv 3x3 64→64 (x 16x64x16x16)",
  group: "trp-conv",
  baseline: true,
  fn: () => void convOriginal(),
});
for (const c of trpConvs) Deno.bench({ name: c.name, group: "trp-conv", fn: () => void c.fn() });

function time(f: () => unknown, reps = 20): number {
  for (let i = 0; i < 3; i++) f();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) f();
  return (performance.now() - t0) / reps;
}

if (import.meta.main) {
  const orig = time(convOriginal, 5);
  for (const c of trpConvs) {
    const t = time(c.fn, 5);
    console.log(
      `${c.name} ${t.toFixed(2)} ms vs conv ${orig.toFixed(2)} ms: ${(orig / t).toFixed(2)}x`,
    );
  }
  const [a, b, c, e] = [time(denseSame), time(sparse), time(denseLayer), time(dsLayer)];
  console.log(
    `2:4 x·Sᵀ ${b.toFixed(2)} ms vs dense GEMM ${a.toFixed(2)} ms: ${(a / b).toFixed(2)}x`,
  );
  console.log(
    `DSFormer layer (k=${K}) ${e.toFixed(2)} ms vs dense ${c.toFixed(2)} ms: ${
      (c / e).toFixed(2)
    }x`,
  );
}
