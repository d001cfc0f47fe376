/**
 * Benches of the dense factorizations and low-rank methods (issue 3), each group with a peer
 * as baseline so the report reads "N× faster than …":
 *
 * - `randomizedSvd` rank 32 of an n × n matrix (n = 2000, or `LOWRANK_BENCH_N`) against our
 *   full `svd` (goal ≥ 20×), with one and with two GEMM threads. The numpy implementation of
 *   the same algorithm is timed by `benches/numpy_randomized_svd.py` (Deno cannot host it;
 *   `--phases` splits it by step); both go in `benches/RESULTS.md`.
 *   `deno run -A benches/lowrank_bench.ts --phases [--repeats N]` splits ours by step the same
 *   way (median process CPU seconds per step, one GEMM thread) and prints one JSON line with
 *   the field names of the numpy script's, plus `check` (finiteness, scaling and the transposed
 *   copy) and `pin` (copies into the GEMM memory), and the σ error `top_k_rel_error`
 *   (`max |σ̃_i − 0.9^i| / σ_1`, as the numpy script's); the benches do not run then.
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
import { rsvdCore, type RsvdPhase, wantsTranspose } from "../ops/linalg/_rsvd_core.ts";
import { rsvdOperand } from "../ops/linalg/_rsvd_operand.ts";
import { solve } from "../ops/linalg/solve.ts";
import { svd } from "../ops/linalg/svd.ts";
import { matmul } from "../ops/matmul.ts";
import { setGemmThreads } from "../ops/cpu/gemm.ts";
import { randn, Rng } from "../ops/random.ts";
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

/** Process CPU milliseconds (all threads), or NaN where the runtime does not report them. */
function cpuMs(): number {
  const u = (globalThis as { process?: { cpuUsage?: () => { user: number; system: number } } })
    .process?.cpuUsage?.();
  return u ? (u.user + u.system) / 1e3 : NaN;
}

/** Median of a non-empty list. */
function median(xs: number[]): number {
  const s = [...xs].sort((p, q) => p - q);
  return s[s.length >> 1];
}

/**
 * Median CPU seconds of each step of `randomizedSvd(big, K, { seed: 0 })` over `repeats` runs
 * (with its defaults: 7 LU-normalized power iterations), and of the whole call.
 */
function phases(repeats: number): Record<string, unknown> {
  const runs: Record<string, number>[] = [], total: number[] = [];
  setGemmThreads(false);
  for (let r = 0; r <= repeats; r++) { // run 0 warms up
    const c0 = cpuMs();
    randomizedSvd(big, K, { seed: r });
    total.push(cpuMs() - c0);
    const t: Record<string, number> = {};
    let last = cpuMs();
    const lap = (name: RsvdPhase | "check"): void => {
      const now = cpuMs();
      t[name] = (t[name] ?? 0) + (now - last) / 1e3;
      last = now;
    };
    const plan = { k: K, l: K + 10, iters: 7, how: "lu" as const, rng: new Rng(r), lap };
    const op = rsvdOperand(big, wantsTranspose(N, N, plan));
    lap("check");
    rsvdCore(op.a, N, N, plan, op.at);
    runs.push(t);
  }
  const names = Object.keys(runs[1]);
  // σ_i of `big` are 0.9^i (to rounding): the numpy script's `top_k_rel_error`, for our result.
  const s = randomizedSvd(big, K, { seed: 0 }).s.data;
  let err = 0;
  for (let i = 0; i < K; i++) err = Math.max(err, Math.abs(s[i] - 0.9 ** i));
  return {
    n: N,
    k: K,
    gemm_threads: 1,
    randomized_svd_cpu_s: median(total.slice(1)) / 1e3,
    phases_cpu_s: Object.fromEntries(names.map((p) => [p, median(runs.slice(1).map((t) => t[p]))])),
    top_k_rel_error: err,
  };
}

if (Deno.args.includes("--phases")) {
  const i = Deno.args.indexOf("--repeats");
  const repeats = i < 0 ? 5 : Number(Deno.args[i + 1]);
  const known = i < 0 ? 1 : 3;
  if (!Number.isInteger(repeats) || repeats < 1 || Deno.args.length !== known) {
    console.error("usage: deno run -A benches/lowrank_bench.ts --phases [--repeats N ≥ 1]");
    Deno.exit(2);
  }
  console.log(JSON.stringify(phases(repeats)));
  Deno.exit(0);
}

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
