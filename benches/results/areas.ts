/**
 * The areas of `benches/RESULTS.md` that `benches/results.ts` measures: which bench and peer
 * scripts each runs, and how their output becomes rows (ours vs peer, same sitting).
 *
 * @module
 */
import {
  type BenchResult,
  type GoalRule,
  groupRows,
  type Pair,
  pairRows,
  parsePeerJson,
  type PeerResult,
} from "./collect.ts";
import type { Goal, Row } from "./table.ts";

/** A command of an area: a `deno bench` file, a numpy peer, or a script-mode bench. */
export type Step =
  | { kind: "bench"; id: string; file: string }
  | { kind: "numpy"; id: string; script: string; threads: "1" | "default"; args?: string[] }
  | { kind: "script"; id: string; file: string; args?: string[] };

/** What the steps of an area produced, by step id. */
export interface Outputs {
  /** The benches of a `bench` step. */
  bench(id: string): BenchResult[];
  /** The parsed `--json` file of a `numpy` or `script` step. */
  json(id: string): unknown;
}

/** One area: its marker name, the commands it runs and the rows it makes of their output. */
export interface Area {
  name: string;
  steps: Step[];
  rows(out: Outputs): Row[];
}

const within = (times: number, peer: string): Goal => ({
  text: `within ${times}× ${peer}`,
  minSpeedup: 1 / times,
});
const faster = (times: number, peer: string): Goal => ({
  text: `≥ ${times}× faster than ${peer}`,
  minSpeedup: times,
});

/** "numpy 2.4.6 (1 thread)" from a peer_json.py file. */
function numpyLabel(json: unknown): string {
  const j = json as { numpy?: string; openblas_threads?: string };
  const threads = j.openblas_threads === "1" ? "1 thread" : `${j.openblas_threads} threads`;
  return `numpy ${j.numpy} (${threads})`;
}

function numpyRows(out: Outputs, id: string): { label: string; rows: PeerResult[] } {
  const j = out.json(id);
  return { label: numpyLabel(j), rows: parsePeerJson(j) };
}

const gemm: Area = {
  name: "gemm",
  steps: [
    { kind: "bench", id: "bench", file: "benches/gemm_bench.ts" },
    { kind: "numpy", id: "np", script: "benches/numpy_gemm.py", threads: "default" },
    { kind: "numpy", id: "np1", script: "benches/numpy_gemm.py", threads: "1", args: ["--small"] },
  ],
  rows(out): Row[] {
    const b = out.bench("bench");
    // The TypeScript kernel and the naive loop against ml-matrix say nothing about `matmul`.
    const kept = b.filter((r) => !/^(ours TypeScript kernel|naive triple loop) /.test(r.name));
    const np = numpyRows(out, "np"), np1 = numpyRows(out, "np1");
    const square = (dt: "f64" | "f32", n: number, goal?: Goal): Pair => ({
      case: `matmul ${dt} ${n}³`,
      ours: `ours matmul ${dt} ${n}`,
      peer: `${dt === "f64" ? "float64" : "float32"} n=${n}`,
      goal,
    });
    const small = (dt: "f64" | "f32", n: number): Pair => ({
      case: `matmul ${dt} ${n}³`,
      ours: `ours matmul small ${dt} ${n}`,
      peer: `${dt === "f64" ? "float64" : "float32"} small n=${n}`,
      goal: within(2, "numpy 1 thread"),
    });
    return [
      ...groupRows(kept, {
        goals: [{ match: /gemm f64 n=1024: ours matmul/, goal: faster(5, "ml-matrix") }],
      }),
      ...pairRows(kept, np.rows, np.label, [
        square("f64", 512),
        square("f64", 1024, { text: "≥ 0.25× numpy default", minSpeedup: 0.25 }),
        square("f32", 1024),
      ]),
      ...pairRows(
        kept,
        np1.rows,
        np1.label,
        [16, 32, 64].flatMap((n) => [
          small("f64", n),
          small("f32", n),
        ]),
      ),
    ];
  },
};

/** Options of {@link withNumpy}. */
interface WithNumpyOptions {
  /** Goals of the bench-group rows. */
  goals?: GoalRule[];
  /** Arguments of the numpy script (before `--json FILE`). */
  args?: string[];
  /** More `deno bench` files whose groups join the table (not paired with numpy). */
  moreBenches?: string[];
}

/**
 * An area of one `deno bench` file (rows against each group's baseline) and one numpy peer on
 * one thread (rows of `pairs`: our best timed run against numpy's best).
 */
function withNumpy(
  name: string,
  file: string,
  script: string,
  pairs: Pair[],
  opts: WithNumpyOptions = {},
): Area {
  const more = opts.moreBenches ?? [];
  return {
    name,
    steps: [
      { kind: "bench", id: "bench", file },
      ...more.map((f, i): Step => ({ kind: "bench", id: `more${i}`, file: f })),
      { kind: "numpy", id: "np1", script, threads: "1", args: opts.args },
    ],
    rows(out): Row[] {
      const b = out.bench("bench");
      const all = [b, ...more.map((_, i) => out.bench(`more${i}`))];
      const np = numpyRows(out, "np1");
      return [
        ...all.flatMap((r) => groupRows(r, { goals: opts.goals })),
        ...pairRows(b, np.rows, np.label, pairs),
      ];
    },
  };
}

const decompositionsBig = withNumpy(
  "decompositions",
  "benches/linalg_bench.ts",
  "benches/numpy_linalg.py",
  [
    { case: "svd 128 (u, s, vt)", ours: "ours svd 128", peer: "svd 128x128 (u, s, vt)" },
    { case: "eigh 128", ours: "ours eigh 128", peer: "eigh 128x128" },
    {
      case: "svd 512 (u, s, vt)",
      ours: "ours svd 512",
      peer: "svd 512x512 (u, s, vt)",
      goal: within(2, "numpy"),
    },
    { case: "svdvals 512", ours: "ours svdvals 512", peer: "svdvals 512x512" },
    { case: "eigh 512", ours: "ours eigh 512", peer: "eigh 512x512", goal: within(2, "numpy") },
    { case: "qr 1000×200", ours: "ours qr 1000x200", peer: "qr 1000x200 (reduced)" },
    { case: "svd 2000×100", ours: "ours svd 2000x100", peer: "svd 2000x100" },
  ],
  {
    goals: [
      { match: /^svd f64 512x512.*: ours svd 512$/, goal: faster(3, "ml-matrix") },
      { match: /: ours eigh 512$/, goal: faster(3, "ml-matrix") },
      { match: /: ours qr 1000x200$/, goal: faster(5, "ml-matrix") },
    ],
  },
);

/** `benches/linalg_small.ts --json`: best block of interleaved rounds, ours and ml-matrix. */
interface LinalgSmallJson {
  rounds: number;
  rows: { op: string; n: number; ours_us: number; ml_matrix_us: number }[];
}

/**
 * Decompositions: `deno bench` and numpy at 128–2000, and the interleaved small-size script,
 * whose best blocks the load disturbs less than `deno bench` means at 8×8 (where the goal is).
 */
const decompositions: Area = {
  name: "decompositions",
  steps: [
    ...decompositionsBig.steps,
    { kind: "script", id: "small", file: "benches/linalg_small.ts", args: ["--rounds", "60"] },
  ],
  rows(out): Row[] {
    const j = out.json("small") as LinalgSmallJson;
    return [
      ...decompositionsBig.rows(out),
      ...j.rows.map((r): Row => ({
        case: `${r.op} f64 ${r.n}×${r.n}`,
        ours: { label: `ours ${r.op}`, ms: r.ours_us / 1e3 },
        peer: {
          label: `ml-matrix ${r.op === "eigh" ? "EVD" : r.op.toUpperCase()}`,
          ms: r.ml_matrix_us / 1e3,
        },
        stat: `best block, ${j.rounds} interleaved rounds`,
        goal: r.n === 8 ? { text: "≥ ml-matrix", minSpeedup: 1 } : undefined,
      })),
    ];
  },
};

const lowrank: Area = {
  name: "lowrank",
  steps: [
    { kind: "bench", id: "bench", file: "benches/lowrank_bench.ts" },
    {
      kind: "numpy",
      id: "np1",
      script: "benches/numpy_randomized_svd.py",
      threads: "1",
      args: ["--skip-full"],
    },
  ],
  rows(out): Row[] {
    const b = out.bench("bench");
    const j = out.json("np1") as { randomized_svd_s: number };
    const peer = [{
      name: "randomized SVD (same algorithm, median of 5)",
      bestMs: 1e3 * j.randomized_svd_s,
    }];
    const rows = groupRows(b, {
      goals: [{ match: /^randomizedSvd: /, goal: faster(20, "our full svd") }],
    });
    for (
      const r of pairRows(b, peer, "numpy/scipy (1 thread)", [{
        case: "randomizedSvd k=32 2000²",
        ours: /one GEMM thread/,
        peer: peer[0].name,
        goal: within(2, "numpy 1 thread"),
      }, {
        case: "randomizedSvd k=32 2000²",
        ours: /two GEMM threads/,
        peer: peer[0].name,
        goal: within(2, "numpy 1 thread"),
      }])
    ) rows.push({ ...r, stat: "our best of 3 / numpy median" });
    return rows;
  },
};

const subgm = withNumpy(
  "subgm",
  "benches/subgm_bench.ts",
  "benches/numpy_subgm.py",
  [50, 100].flatMap((d) => {
    const m = d === 50 ? 3000 : 5000, goal = within(2, "numpy");
    return [
      {
        case: `iteration d=${d} f64`,
        ours: `ours packed f64 d=${d}`,
        peer: `float64 packed d=${d} m=${m}`,
        goal,
      },
      {
        case: `iteration d=${d} f32 storage, f64 arithmetic`,
        ours: `ours packed f32 d=${d}`,
        peer: `float32 storage, float64 arithmetic packed d=${d} m=${m}`,
        goal,
      },
    ];
  }),
);

const autograd: Area = {
  name: "autograd",
  steps: [
    { kind: "bench", id: "bench", file: "benches/autograd_bench.ts" },
    { kind: "numpy", id: "np", script: "benches/numpy_mlp_step.py", threads: "1" },
    {
      kind: "script",
      id: "llama",
      file: "benches/llama_step.ts",
      args: ["--blocks", "5", "--steps", "4"],
    },
  ],
  rows(out): Row[] {
    const b = out.bench("bench");
    const np = numpyRows(out, "np");
    const l = out.json("llama") as {
      ours_ms: number;
      jax: string | null;
      jax_before_ms: number | null;
      jax_after_ms: number | null;
    };
    const rows = [
      ...groupRows(b),
      ...pairRows(
        b,
        np.rows,
        np.label,
        ["f32", "f64"].map((dt) => ({
          case: `MLP 512→1024→512 step, batch 256, ${dt}`,
          ours: `autograd step ${dt}`,
          peer: `float${dt.slice(1)} mlp step`,
          goal: within(2, "numpy"),
        })),
      ),
    ];
    const jax = [l.jax_before_ms, l.jax_after_ms].filter((v): v is number => v !== null);
    if (jax.length > 0) {
      rows.push({
        case: "tiny Llama train step (f32)",
        ours: { label: "initLlama + llamaLoss + valueAndGrad + adamw", ms: l.ours_ms },
        peer: { label: `${l.jax ?? "jax"} jit (best of before/after ours)`, ms: Math.min(...jax) },
        stat: "best",
        goal: { text: "≤ 1.0× JAX", minSpeedup: 1 },
      });
    }
    return rows;
  },
};

const conv = withNumpy(
  "conv2d",
  "benches/conv_bench.ts",
  "benches/numpy_conv.py",
  ["f64", "f32"].map((dt) => ({
    case: `conv2d ${dt} x [32, 16, 32, 32] w [32, 16, 3, 3]`,
    ours: `ours conv2d ${dt}`,
    peer: `conv2d float${dt.slice(1)}`,
    goal: { text: "≥ 0.5× numpy's speed", minSpeedup: 0.5 },
  })),
);

const eigentrajectory = withNumpy(
  "eigentrajectory",
  "benches/trajectory_bench.ts",
  "benches/numpy_eigentrajectory.py",
  [1, 10].map((k) => ({
    case: `eth fold fit, nInit ${k}${k === 10 ? " (spec)" : ""}`,
    ours: new RegExp(`^ours: fitEigenTrajectory, nInit ${k} `),
    peer: `fit nInit ${k}`,
    goal: within(2, "numpy"),
  })),
  {
    goals: [{ match: /nInit 10/, goal: { text: "fold fit < 1 s", maxOursMs: 1000 } }],
    args: ["--ninit", "1,10", "--repeats", "2"],
    moreBenches: ["benches/kmeans_bench.ts"],
  },
);

/** Areas whose benches carry their peer as each group's baseline (no separate peer script). */
function benchOnly(
  name: string,
  files: string[],
  goals: { match: RegExp; goal: Goal }[] = [],
): Area {
  return {
    name,
    steps: files.map((file, i) => ({ kind: "bench", id: `b${i}`, file })),
    rows: (out) => files.flatMap((_, i) => groupRows(out.bench(`b${i}`), { goals })),
  };
}

/** `benches/galore_bench.ts --json`: every step in interleaved rounds, and the T = 200 amortised step. */
interface GaloreJson {
  rounds: number;
  T: number;
  rows: { name: string; meanMs: number; cpuMs: number }[];
}

const lowrankOptim: Area = {
  name: "lowrank-optim",
  steps: [{ kind: "script", id: "galore", file: "benches/galore_bench.ts" }],
  rows(out): Row[] {
    const j = out.json("galore") as GaloreJson;
    const by = (name: string): GaloreJson["rows"][number] => {
      const r = j.rows.find((r) => r.name === name);
      if (!r) throw new Error(`galore_bench --json has no row "${name}"`);
      return r;
    };
    const adamw = by("adamw"), plain = by("galore plain");
    const stat = `mean of ${j.rounds} interleaved rounds`;
    const peer = { label: "adamw step", ms: adamw.meanMs };
    const rows: Row[] = j.rows.filter((r) => r !== adamw).map((r) => ({
      case: "optimizer step, char-Llama parameters (28 matrices, rank 32)",
      ours: { label: r.name, ms: r.meanMs },
      peer,
      stat,
    }));
    for (const svd of ["exact", "randomized"]) {
      const refresh = by(`refresh, ${svd} SVD`);
      for (const [what, f] of [["wall", "meanMs"], ["main-thread CPU", "cpuMs"]] as const) {
        rows.push({
          case: `amortised GaLore step at T = ${j.T}, ${svd} SVD (${what})`,
          ours: {
            label: `(refresh + ${j.T - 1}·plain) / ${j.T}`,
            ms: (refresh[f] + (j.T - 1) * plain[f]) / j.T,
          },
          peer: { label: "adamw step", ms: adamw[f] },
          stat: what === "wall" ? stat : `CPU ms per step, ${j.rounds} rounds`,
          goal: { text: "≤ 1.15× adamw", minSpeedup: 1 / 1.15 },
        });
      }
    }
    return rows;
  },
};

const gpu: Area = {
  name: "gpu",
  steps: [{ kind: "bench", id: "bench", file: "benches/gpu_bench.ts" }],
  rows: (out) => groupRows(out.bench("bench")),
};

/** Every area, in the order of `benches/RESULTS.md`. */
export const AREAS: readonly Area[] = [
  gemm,
  decompositions,
  lowrank,
  gpu,
  subgm,
  autograd,
  conv,
  eigentrajectory,
  benchOnly("adapters", ["benches/adapters_bench.ts"], [{
    match: /^lora-forward: /,
    goal: { text: "≤ 1.10× the base GEMM", minSpeedup: 1 / 1.1 },
  }]),
  benchOnly("compression", ["benches/compression_bench.ts", "benches/binary_gemm_bench.ts"]),
  benchOnly("ctr", ["benches/ctr_bench.ts"]),
  lowrankOptim,
];

/** The names of {@link AREAS}. */
export const AREA_NAMES: readonly string[] = AREAS.map((a) => a.name);
