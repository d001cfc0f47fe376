/**
 * The `--bench` mode of `experiments/attention.ts` (issue 18): forward time of one attention
 * layer (4 heads of d = 64, C = 256, batch 1, f32) at N tokens for softmax, linear and RALA
 * attention, on the CPU. Each timing warms up once, then takes the median of `reps` runs.
 * Softmax attention is skipped (null) where its N×N score and probability matrices would pass
 * `maxSoftmaxBytes`.
 *
 * @module
 */
import { astype, attention, randn, type Tensor } from "../../mod.ts";
import { timeWarm } from "./timing.ts";

/** Heads and head width of the bench layer. */
export const BENCH_HEADS = 4, BENCH_D = 64;

/** What the bench writes (issue 18 names the first four fields). */
export interface BenchResult {
  n: number[];
  softmaxMs: (number | null)[];
  linearMs: number[];
  ralaMs: number[];
  /** Bytes of softmax attention's N×N score and probability matrices (2·h·N²·4). */
  softmaxAttnBytes: number[];
  /** Bytes of RALA's state that grows past O(N·C): the h KV buffers d×d (h·d²·4), any N. */
  ralaBufferBytes: number;
  /** Bytes of one N×C f32 activation (both layers hold a few dozen of these). */
  activationBytes: number[];
}

/** `[H, W]` with `H·W = n`, as square as powers of two allow. */
export function gridOf(n: number): attention.Grid {
  let h = 1;
  while (h * h * 4 <= n) h *= 2;
  if (n % h !== 0) throw new RangeError(`bench: N = ${n} is not a grid of powers of two`);
  return [h, n / h];
}

function timeLayer(
  kind: attention.AttentionKind,
  x: Tensor,
  grid: attention.Grid,
  reps: number,
): number {
  const p = attention.initAttentionLayer(kind, BENCH_HEADS * BENCH_D, {
    nHeads: BENCH_HEADS,
    seed: 0,
    dtype: "f32",
  });
  const run = (): void =>
    void attention.applyAttentionLayer(kind, p, x, { nHeads: BENCH_HEADS, grid });
  return timeWarm(run, { warmup: 1, reps }).medianMs;
}

/** Times the three layers at every N in `ns`. */
export function runBench(
  ns: number[],
  reps: number,
  maxSoftmaxBytes: number,
  log: (msg: string) => void,
): BenchResult {
  const c = BENCH_HEADS * BENCH_D;
  const out: BenchResult = {
    n: ns,
    softmaxMs: [],
    linearMs: [],
    ralaMs: [],
    softmaxAttnBytes: ns.map((n) => 2 * BENCH_HEADS * n * n * 4),
    ralaBufferBytes: BENCH_HEADS * BENCH_D * BENCH_D * 4,
    activationBytes: ns.map((n) => n * c * 4),
  };
  ns.forEach((n, i) => {
    const grid = gridOf(n), x = astype(randn([1, n, c], { seed: n }), "f32");
    const fits = out.softmaxAttnBytes[i] <= maxSoftmaxBytes;
    out.softmaxMs.push(fits ? timeLayer("softmax", x, grid, reps) : null);
    out.linearMs.push(timeLayer("linear", x, grid, reps));
    out.ralaMs.push(timeLayer("rala", x, grid, reps));
    log(
      `bench N=${n}: softmax ${out.softmaxMs[i]?.toFixed(1) ?? "skipped"} ms, linear ${
        out.linearMs[i].toFixed(1)
      } ms, rala ${out.ralaMs[i].toFixed(1)} ms`,
    );
  });
  return out;
}
