/**
 * Per-call time of small products through the public `matmul` (n = 16, 32, 64; f64 and f32),
 * measured as `benches/numpy_gemm.py --small` measures numpy: µs per call of the best and the
 * median of 300 batches of 100 calls (20 at n = 64) after a warm-up. On a loaded machine the best
 * batch is the figure least disturbed by other work; compare it with numpy's best in the same
 * sitting. `deno bench` (groups "matmul small" of `gemm_bench.ts`) gives the peer ml-matrix.
 *
 * Run as: `deno run -A benches/matmul_small.ts` (results: benches/RESULTS.md, "CPU GEMM",
 * small products).
 *
 * @module
 */
import { matmul, randn } from "../mod.ts";

/** µs per call of `f`: best and median of `batches` batches of `per` calls. */
function perCall(f: () => void, per: number, batches = 300): { best: number; median: number } {
  for (let i = 0; i < 1000; i++) f();
  const us: number[] = [];
  for (let r = 0; r < batches; r++) {
    const t = performance.now();
    for (let i = 0; i < per; i++) f();
    us.push((performance.now() - t) * 1000 / per);
  }
  us.sort((x, y) => x - y);
  return { best: us[0], median: us[us.length >> 1] };
}

for (const dtype of ["f64", "f32"] as const) {
  for (const n of [16, 32, 64]) {
    const a = randn([n, n], { seed: 1, dtype }), b = randn([n, n], { seed: 2, dtype });
    const out = randn([n, n], { seed: 3, dtype }), per = n === 64 ? 20 : 100;
    const fresh = perCall(() => matmul(a, b), per);
    const into = perCall(() => matmul(a, b, { out }), per);
    console.log(
      `ours ${dtype} small n=${n}: best ${fresh.best.toFixed(2)} us, median ${
        fresh.median.toFixed(2)
      } us per call; into out: best ${into.best.toFixed(2)}, median ${into.median.toFixed(2)} us`,
    );
  }
}
