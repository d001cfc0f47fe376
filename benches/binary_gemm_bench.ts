/**
 * BiPFT's binary product (issue 15, spec `compression_optim_attention.md` §4 "Complexity"):
 * `sign(x)·sign(W)ᵀ` by XOR and popcount on packed bits (`binaryMatmulT`; W packed once, the
 * activations packed inside the timed call) against the f32 GEMM `x·Wᵀ` (blocked WebAssembly
 * SIMD) at the same shape: x 128 tokens × 512, W 512×512.
 *
 * Also runnable as a script (`deno run -A benches/binary_gemm_bench.ts`) to print the ratio.
 */
import { randn } from "../ops/random.ts";
import { matmul } from "../ops/matmul.ts";
import { astype, type Tensor } from "../ops/tensor.ts";
import { binaryMatmulT, packSigns } from "../methods/compression/mod.ts";

const x = astype(randn([128, 512], { seed: 1 }), "f32");
const w = astype(randn([512, 512], { seed: 2 }), "f32");
const wBits = packSigns(w);

const dense = (): Tensor => matmul(x, w, { transB: true });
const binary = (): Tensor => binaryMatmulT(packSigns(x), wBits);

Deno.bench({
  name: "f32 GEMM x·Wᵀ (128x512 · 512x512)",
  group: "binary-gemm",
  baseline: true,
  fn: () => void dense(),
});
Deno.bench({
  name: "XOR-popcount sign(x)·sign(W)ᵀ (packing x included)",
  group: "binary-gemm",
  fn: () => void binary(),
});

function time(f: () => unknown, reps = 20): number {
  for (let i = 0; i < 3; i++) f();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) f();
  return (performance.now() - t0) / reps;
}

if (import.meta.main) {
  const [d, b] = [time(dense), time(binary)];
  console.log(
    `XOR-popcount ${b.toFixed(2)} ms vs f32 GEMM ${d.toFixed(2)} ms: ${(d / b).toFixed(2)}x`,
  );
}
