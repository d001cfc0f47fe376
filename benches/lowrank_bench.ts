/**
 * Benches of the dense factorizations and low-rank methods (issue 3), each group with a peer
 * as baseline so the report reads "N× faster than …":
 *
 * - `randomizedSvd` rank 32 of an n × n matrix (n = 2000, or `LOWRANK_BENCH_N`) against our
 *   full `svd` (goal ≥ 20×), with one and with two GEMM threads. The numpy implementation of
 *   the same algorithm is timed by `benches/numpy_randomized_svd.py` (Deno cannot host it;
 *   `--phases` splits it by step); both go in `benches/RESULTS.md`.
 * - `lu`, `solve`, `cholesky` of 512 × 512 against ml-matrix `LuDecomposition`, `solve` and
 *   `CholeskyDecomposition`.
 *
 * Run: `deno bench -A benches/lowrank_bench.ts`.
 *
 * @module
 */
import { CholeskyDecomposition, LuDecomposition, Matrix, solve as mlSolve } from "ml-matrix";
import { cholesky } from "../ops/linalg/cholesky.ts";
import { lu } from "../ops/linalg/lu.ts";
import { qr } from "../ops/linalg/qr.ts";
import { randomizedSvd } from "../ops/linalg/randomized_svd.ts";
import { solve } from "../ops/linalg/solve.ts";
import { svd } from "../ops/linalg/svd.ts";
import { matmul } from "../ops/matmul.ts";
import { setGemmThreads } from "../ops/cpu/gemm.ts";
import { randn } from "../ops/random.ts";
import { Tensor } from "../ops/tensor.ts";

const N = Number(Deno.env.get("LOWRANK_BENCH_N") ?? 2000);
const K = 32;

/** n × n with singular values 0.9^i (the family of `numpy_randomized_svd.py`). */
function decaying(n: number): Tensor {
  // Orthonormal factors by QR (seconds), not by two full SVDs (minutes at n = 2000).
  const u = qr(randn([n, n], { seed: 1 })).q, v = qr(randn([n, n], { seed: 2 })).q;
  const us = u.data.slice() as Float64Array;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) us[i * n + j] *= 0.9 ** j;
  return matmul(new Tensor(us, [n, n]), v, { transB: true });
}

function toMl(t: Tensor): Matrix {
  const [m, n] = t.shape;
  return new Matrix(
    Array.from({ length: m }, (_, i) => Array.from(t.data.slice(i * n, i * n + n))),
  );
}

const big = decaying(N);

// One and two GEMM threads (wall time; numpy's peer runs with OPENBLAS_NUM_THREADS=1 and with
// its default threads). The switch is restored to the engine default after each call.
const defaultThreads = (globalThis.navigator?.hardwareConcurrency ?? 1) >= 2;
for (const threads of [false, true]) {
  Deno.bench({
    name: `randomizedSvd k=${K} ${N}x${N}, ${threads ? "two GEMM threads" : "one GEMM thread"}`,
    group: "randomizedSvd",
    n: 3,
    warmup: 1,
    fn: () => {
      setGemmThreads(threads);
      try {
        randomizedSvd(big, K, { seed: 0 });
      } finally {
        setGemmThreads(defaultThreads);
      }
    },
  });
}
Deno.bench({
  name: `full svd ${N}x${N} (ours)`,
  group: "randomizedSvd",
  baseline: true,
  n: 1,
  warmup: 0,
  fn: () => {
    svd(big);
  },
});

const a512 = randn([512, 512], { seed: 3 });
const spd512 = matmul(a512, a512, { transA: true });
for (let i = 0; i < 512; i++) spd512.data[i * 512 + i] += 512;
const b512 = randn([512, 1], { seed: 4 });
const mlA = toMl(a512), mlSpd = toMl(spd512), mlB = toMl(b512);

Deno.bench({ name: "lu 512 (ours)", group: "lu 512", fn: () => void lu(a512) });
Deno.bench({
  name: "lu 512 (ml-matrix LuDecomposition)",
  group: "lu 512",
  baseline: true,
  fn: () => void new LuDecomposition(mlA),
});
Deno.bench({ name: "solve 512 (ours)", group: "solve 512", fn: () => void solve(a512, b512) });
Deno.bench({
  name: "solve 512 (ml-matrix solve)",
  group: "solve 512",
  baseline: true,
  fn: () => void mlSolve(mlA, mlB),
});
Deno.bench({
  name: "cholesky 512 (ours)",
  group: "cholesky 512",
  fn: () => void cholesky(spd512),
});
Deno.bench({
  name: "cholesky 512 (ml-matrix CholeskyDecomposition)",
  group: "cholesky 512",
  baseline: true,
  fn: () => void new CholeskyDecomposition(mlSpd),
});
