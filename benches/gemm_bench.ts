/**
 * CPU GEMM speed: ours (matmul → WebAssembly SIMD kernel) against ml-matrix `mmul` (baseline),
 * our portable TypeScript kernel and a naive triple loop. numpy is timed separately by
 * `benches/numpy_gemm.py`. Results: `benches/RESULTS.md`, section "CPU GEMM".
 */
import { Matrix } from "ml-matrix";
import { gemm } from "../ops/cpu/gemm.ts";
import { gemmSmall } from "../ops/cpu/gemm_small.ts";
import { gemmTs } from "../ops/cpu/gemm_ts.ts";
import { gemmWasm, startGemmThreads } from "../ops/cpu/gemm_wasm.ts";
import { matmul } from "../ops/matmul.ts";
import { matmul as publicMatmul } from "../mod.ts";
import { randn } from "../ops/random.ts";
import type { Tensor } from "../ops/tensor.ts";

/** The obvious row-major i-p-j loop, no blocking: what a user writes by hand. */
function naive(a: Tensor, b: Tensor): Float64Array | Float32Array {
  const [m, k] = a.shape, n = b.shape[1];
  const c = a.dtype === "f64" ? new Float64Array(m * n) : new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const v = a.data[i * k + p];
      for (let j = 0; j < n; j++) c[i * n + j] += v * b.data[p * n + j];
    }
  }
  return c;
}

function toMl(t: Tensor): Matrix {
  const [r, c] = t.shape;
  return new Matrix(
    Array.from({ length: r }, (_, i) => Array.from(t.data.slice(i * c, (i + 1) * c))),
  );
}

const cases = [
  ["f64", 128],
  ["f64", 256],
  ["f64", 512],
  ["f64", 1024],
  ["f32", 512],
  ["f32", 1024],
] as const;

for (const [dtype, n] of cases) {
  const a = randn([n, n], { seed: 1, dtype }), b = randn([n, n], { seed: 2, dtype });
  const ma = toMl(a), mb = toMl(b);
  const group = `gemm ${dtype} n=${n}`;
  // Large sizes take ~0.1–1 s per call: a few timed runs are enough and keep the bench short.
  const few = n >= 512 ? { n: n >= 1024 ? 5 : 10, warmup: 1 } : {};
  Deno.bench(`ml-matrix mmul (f64) ${n}`, { group, baseline: true, ...few }, () => {
    ma.mmul(mb);
  });
  Deno.bench(`ours matmul ${dtype} ${n}`, { group, ...few }, () => {
    matmul(a, b);
  });
  Deno.bench(`ours TypeScript kernel ${dtype} ${n}`, { group, ...few }, () => {
    const c = a.dtype === "f64" ? new Float64Array(n * n) : new Float32Array(n * n);
    gemmTs({ m: n, n, k: n, a: a.data, lda: n, b: b.data, ldb: n, c, ldc: n });
  });
  // The naive loop needs seconds per call at n = 1024; it is measured up to 512 only.
  if (n <= 512) {
    Deno.bench(`naive triple loop ${dtype} ${n}`, { group, ...few }, () => {
      naive(a, b);
    });
  }
}

// Where the WebAssembly kernel starts to beat the TypeScript one (gemm's WASM_MIN_FLOPS): the
// small-product path that gemm takes up to 64³, and the blocked driver it replaced there.
for (const n of [4, 8, 16]) {
  const a = randn([n, n], { seed: 1 }), b = randn([n, n], { seed: 2 });
  const args = { m: n, n, k: n, a: a.data, lda: n, b: b.data, ldb: n, ldc: n };
  const group = `gemm small f64 n=${n}`;
  Deno.bench(`TypeScript kernel ${n}`, { group, baseline: true }, () => {
    gemmTs({ ...args, c: new Float64Array(n * n) });
  });
  Deno.bench(`WebAssembly small path ${n}`, { group }, () => {
    gemmSmall({ ...args, c: new Float64Array(n * n) });
  });
  Deno.bench(`WebAssembly blocked driver ${n}`, { group }, () => {
    gemmWasm({ ...args, c: new Float64Array(n * n) });
  });
}

// Small products through the public matmul (issue 12 §4: per-call overhead decides the time of
// thousands of them). numpy 1 thread in the same sitting: `benches/numpy_gemm.py --small`.
for (const dtype of ["f64", "f32"] as const) {
  for (const n of [16, 32, 64]) {
    const a = randn([n, n], { seed: 1, dtype }), b = randn([n, n], { seed: 2, dtype });
    const ma = toMl(a), mb = toMl(b), out = randn([n, n], { seed: 3, dtype });
    const group = `matmul small ${dtype} n=${n}`;
    Deno.bench(`ml-matrix mmul (f64) small ${n}`, { group, baseline: true }, () => {
      ma.mmul(mb);
    });
    Deno.bench(`ours matmul small ${dtype} ${n}`, { group }, () => {
      publicMatmul(a, b);
    });
    Deno.bench(`ours matmul into out small ${dtype} ${n}`, { group }, () => {
      publicMatmul(a, b, { out });
    });
  }
}

// Skinny (low-rank) products: one small dimension, as in randomizedSvd, LoRA and panel updates.
// Baseline: ml-matrix mmul (f64, as in the square groups). numpy: benches/numpy_gemm.py.
const skinny = [
  ["A·Ω 2000x2000·2000x42", 2000, 42, 2000, false],
  ["Qᵀ·A 2000x42ᵀ·2000x2000", 42, 2000, 2000, true],
  ["4096x16·16x4096", 4096, 4096, 16, false],
  ["512x4096·4096x16", 512, 16, 4096, false],
] as const;
for (const dtype of ["f64", "f32"] as const) {
  for (const [name, m, n, k, transA] of skinny) {
    const a = randn(transA ? [k, m] : [m, k], { seed: 1, dtype });
    const b = randn([k, n], { seed: 2, dtype });
    const c = dtype === "f64" ? new Float64Array(m * n) : new Float32Array(m * n);
    const args = { m, n, k, a: a.data, lda: transA ? m : k, b: b.data, ldb: n, c, ldc: n, transA };
    // ml-matrix gets op(A) made once, outside the timed call.
    const ma = transA ? toMl(a).transpose() : toMl(a), mb = toMl(b);
    const group = `gemm skinny ${dtype} ${name}`;
    const few = { n: 10, warmup: 2 };
    // ml-matrix takes 0.2-2 s per call here (13-17x ours): three timed calls are enough.
    Deno.bench(
      `ml-matrix mmul (f64) skinny ${dtype} ${name}`,
      { group, baseline: true, n: 3, warmup: 1 },
      () => {
        ma.mmul(mb);
      },
    );
    Deno.bench(`ours gemm ${dtype} ${name}`, { group, ...few }, () => {
      gemm(args);
    });
  }
}

// Does the second thread pay on this machine? Both rows run the direct path (gemm_direct.ts);
// with two threads its large kernel calls are shared with the helper (see THREADS_MIN_FLOPS).
const helper = await startGemmThreads();
for (const [dtype, n] of [["f64", 256], ["f64", 1024], ["f32", 1024]] as const) {
  const a = randn([n, n], { seed: 1, dtype }), b = randn([n, n], { seed: 2, dtype });
  const c = a.dtype === "f64" ? new Float64Array(n * n) : new Float32Array(n * n);
  const args = { m: n, n, k: n, a: a.data, lda: n, b: b.data, ldb: n, c, ldc: n };
  const group = `gemm threads ${dtype} n=${n}`;
  const few = n >= 1024 ? { n: 8, warmup: 1 } : {};
  Deno.bench(`one thread ${dtype} ${n}`, { group, baseline: true, ...few }, () => {
    gemmWasm(args, { threads: false });
  });
  Deno.bench(`two threads ${dtype} ${n}`, { group, ignore: !helper, ...few }, () => {
    gemmWasm(args, { threads: true });
  });
}
