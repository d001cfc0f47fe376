/**
 * GaLore step cost (issue 17 speed target: amortised `galoreAdamW` step within 1.15× of `adamw`
 * at T = 200), on the parameters of the experiment's char-level Llama (d = 128, 4 layers,
 * SwiGLU 512, vocabulary 65; f32; 1.07 M parameters, 28 GaLore matrices at rank 32).
 *
 * A GaLore step either reuses the projector (T − 1 of every T steps) or refreshes it from the
 * gradient's SVD (one in T). The groups time both against the AdamW step (baseline); the
 * amortised cost is `(refresh + (T − 1)·plain) / T`.
 *
 * Script mode, `deno run -A benches/galore_bench.ts [--rounds N] [--json FILE]`: warms every
 * path up, then runs N rounds (default 20) that each time every variant in turn (AdamW, GaLore
 * with the SIMD kernels and with the TypeScript kernels, Natural GaLore, and the two refresh
 * steps), so that all of them see the same load. It prints the mean and min wall time of each,
 * the mean and min of the per-round ratio to AdamW, the main thread's CPU time per step (from
 * `/proc/thread-self/stat`: time the thread ran, robust to other processes taking the cores), the
 * amortised ratios at T = 200 for the exact and the randomized SVD, and the load average.
 *
 * @module
 */
import { adamw, initLlama, type LlamaParams, randn } from "../mod.ts";
import {
  galoreAdamW,
  type GaloreState,
  naturalGaloreAdamW,
  type Optimizer,
} from "../methods/optim/mod.ts";
import { setSimdKernels } from "../methods/optim/step_arena.ts";

const cfg = { vocabSize: 65, hiddenSize: 128, intermediateSize: 512, numLayers: 4, numHeads: 4 };
const params: LlamaParams = initLlama(cfg, { seed: 0, dtype: "f32" });
const grads: LlamaParams = Object.fromEntries(
  Object.entries(params).map(([k, p], i) => [k, randn(p.shape, { seed: 100 + i, dtype: "f32" })]),
);
const T = 200, RANK = 32, HISTORY = 20;

function prepared<S extends { step: number }>(opt: Optimizer<S>, steps = 1): S {
  const s = opt.init(params);
  // Moments and projectors exist from the first step on; Natural GaLore's FIFO fills in s.
  for (let i = 0; i < steps; i++) opt.step_(params, grads, s);
  return s;
}

const aw = adamw({ lr: 1e-5, eps: 1e-6, weightDecay: 0, style: "hf" });
const awState = prepared(aw);
const exact = galoreAdamW({ lr: 1e-5, rank: RANK, updateProjGap: T });
const exactState = prepared(exact);
const rand = galoreAdamW({ lr: 1e-5, rank: RANK, updateProjGap: T, projector: "randomized" });
const randState = prepared(rand);
const natural = naturalGaloreAdamW({ lr: 1e-5, rank: RANK, updateProjGap: T, history: HISTORY });
const naturalState = prepared(natural, HISTORY + 1);

/** A step that reuses the projectors (count not a multiple of T). */
function plainStep<S extends GaloreState>(opt: Optimizer<S>, s: S): void {
  for (const k of Object.keys(s.t)) s.t[k] = 1;
  opt.step_(params, grads, s);
}

/** A step that refreshes every projector (count a multiple of T). */
function refreshStep(opt: Optimizer<GaloreState>, s: GaloreState): void {
  for (const k of Object.keys(s.t)) s.t[k] = T;
  opt.step_(params, grads, s);
}

/** The same step with the TypeScript element-wise kernels instead of the SIMD ones. */
function plainStepTs(): void {
  const was = setSimdKernels(false);
  try {
    plainStep(exact, exactState);
  } finally {
    setSimdKernels(was);
  }
}

Deno.bench({ name: "adamw step", group: "galore plain step", baseline: true }, () => {
  aw.step_(params, grads, awState);
});
Deno.bench({ name: "galoreAdamW step, projector reused", group: "galore plain step" }, () => {
  plainStep(exact, exactState);
});
Deno.bench(
  { name: "naturalGaloreAdamW step, projector reused", group: "galore plain step" },
  () => {
    plainStep(natural, naturalState);
  },
);
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

/** CPU time (ms) the calling thread has run, or NaN where /proc is not readable. */
function threadCpuMs(): number {
  try {
    const stat = Deno.readTextFileSync("/proc/thread-self/stat");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // Fields 14 and 15 (utime, stime) are the 12th and 13th after the command name; clock
    // ticks of 10 ms (USER_HZ = 100 on Linux).
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return NaN;
  }
}

interface Variant {
  name: string;
  run: () => void;
  reps: number;
  wall: number[];
  cpu: number;
}

function parseArgs(args: string[]): { rounds: number; json?: string } {
  let rounds = 20, json: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i], v = args[i + 1];
    if (a === "--rounds" && v !== undefined && /^[1-9]\d*$/.test(v)) rounds = Number(args[++i]);
    else if (a === "--json" && v !== undefined && !v.startsWith("--")) json = args[++i];
    else {
      console.error(`galore_bench: bad argument ${a}; usage: [--rounds N] [--json FILE]`);
      Deno.exit(2);
    }
  }
  return { rounds, json };
}

const mean = (a: number[]): number => a.reduce((x, y) => x + y, 0) / a.length;
const fmt = (x: number, d = 2): string => Number.isFinite(x) ? x.toFixed(d) : "n/a";

if (import.meta.main) {
  const { rounds, json } = parseArgs(Deno.args);
  const variants: Variant[] = [
    ["adamw", () => aw.step_(params, grads, awState), 10],
    ["galore plain", () => plainStep(exact, exactState), 10],
    ["galore plain, TS kernels", plainStepTs, 10],
    ["natural galore plain", () => plainStep(natural, naturalState), 4],
    ["refresh, exact SVD", () => refreshStep(exact, exactState), 1],
    ["refresh, randomized SVD", () => refreshStep(rand, randState), 1],
  ].map(([name, run, reps]) => ({
    name: name as string,
    run: run as () => void,
    reps: reps as number,
    wall: [],
    cpu: 0,
  }));
  const load0 = Deno.loadavg();
  for (let i = 0; i < 3; i++) for (const v of variants) v.run(); // warm up every path
  for (let r = 0; r < rounds; r++) {
    for (const v of variants) {
      const c0 = threadCpuMs(), t0 = performance.now();
      for (let i = 0; i < v.reps; i++) v.run();
      v.wall.push((performance.now() - t0) / v.reps);
      v.cpu += threadCpuMs() - c0;
    }
  }
  const load1 = Deno.loadavg();
  const base = variants[0];
  const cpuPer = (v: Variant): number => v.cpu / (rounds * v.reps);
  const rows = variants.map((v) => {
    const ratio = v.wall.map((w, r) => w / base.wall[r]);
    return {
      name: v.name,
      meanMs: mean(v.wall),
      minMs: Math.min(...v.wall),
      ratioMean: mean(ratio),
      ratioMin: Math.min(...ratio),
      cpuMs: cpuPer(v),
      cpuRatio: cpuPer(v) / cpuPer(base),
    };
  });
  const [, plain] = rows;
  const amortised = (refresh: typeof rows[number]) => ({
    wall: (refresh.meanMs + (T - 1) * plain.meanMs) / T / rows[0].meanMs,
    cpu: (refresh.cpuMs + (T - 1) * plain.cpuMs) / T / rows[0].cpuMs,
  });
  const amort = { exact: amortised(rows[4]), randomized: amortised(rows[5]) };
  console.log(
    `load average ${load0.map((x) => x.toFixed(2)).join(" / ")} at the start, ${
      load1.map((x) => x.toFixed(2)).join(" / ")
    } at the end; ${rounds} rounds`,
  );
  console.log("step | mean ms | min ms | ratio to adamw mean / min | CPU ms | CPU ratio");
  for (const r of rows) {
    console.log(
      `${r.name} | ${fmt(r.meanMs)} | ${fmt(r.minMs)} | ${fmt(r.ratioMean, 3)} / ${
        fmt(r.ratioMin, 3)
      } | ${fmt(r.cpuMs)} | ${fmt(r.cpuRatio, 3)}`,
    );
  }
  console.log(
    `amortised at T = ${T} (wall / CPU): exact SVD ${fmt(amort.exact.wall, 3)}x / ${
      fmt(amort.exact.cpu, 3)
    }x, randomized ${fmt(amort.randomized.wall, 3)}x / ${fmt(amort.randomized.cpu, 3)}x of adamw`,
  );
  if (json) {
    await Deno.writeTextFile(
      json,
      JSON.stringify({ rounds, loadStart: load0, loadEnd: load1, T, rows, amortised: amort }),
    );
  }
}
