/**
 * Experiment (issue 18): RALA, rank-augmented linear attention (Fan, Huang, He, CVPR 2025;
 * spec `compression_optim_attention.md` §7) against softmax and plain linear attention (φ =
 * ELU + 1) in a small RAVLT-style ViT on UCI digits, with the paper's rank analysis, and the
 * cost of one attention layer against the number of tokens.
 *
 * - Data (`--data DIR`, default `../shared/data/digits`): test = rows i % 5 == 0 (data README),
 *   the rest shuffled by the seed into train (90 %) and validation (10 %, reported only: the
 *   schedule is fixed in advance, nothing is selected). Test is scored once per model.
 * - Model: `attention.initRavlt` defaults — stem conv 3×3 → 32 ch; stage 1 (8×8 tokens,
 *   2 heads of d = 16), stride-2 conv, stage 2 (4×4 tokens, 64 ch, 4 heads of 16); one block
 *   per stage (CPE 3×3 DW conv, attention, ConvFFN ×2), mean pool, linear head. Every block
 *   uses the `--attention` type. AdamW (lr 3e-3, weight decay 0.05), 400 steps of batch 32
 *   (`--quick`: 60 of 24), f64. Pixels are standardised with the training rows' mean and
 *   deviation (with raw [0, 1] pixels softmax and linear attention did not leave chance level
 *   in 60 steps: a choice made on training loss, before any test score was read).
 * - Ranks (`kvRank`, `outputRank`): numerical rank σᵢ > 1e-6·σ₁ of the d×d KV buffer and of the
 *   N×d matrix entering the output projection (RALA: after LePE and gating), per head, at the
 *   first block of stage 1, mean over heads and the first 16 test images. Softmax attention has
 *   no KV buffer: `kvRank` is null.
 * - `--bench`: forward time of one attention layer (4 heads, d = 64, f32, batch 1) for N =
 *   256 … 16384 tokens (256 … 2048 with `--quick`); softmax is skipped where its N×N matrices
 *   would exceed 4 GiB. With `--attention all` (the default) the report also holds the bench
 *   at N = 256 … 2048 (the time-vs-N plot of `deno task reproduce`); `--json` is unchanged.
 * - Ranks are also reported at a coarser relative tolerance 1e-2 (the effective rank), since at
 *   the spec's 1e-6 every d = 16 matrix here came out (nearly) full rank.
 *
 * `deno run -A experiments/attention.ts --attention softmax|linear|rala|all [--quick] [--seed N]
 * [--data DIR] [--out DIR] --json FILE` → `{ "acc", "params", "kvRank", "outputRank",
 * "trainSeconds" }` (with `all`, the default: one such object per type); `--bench` →
 * `{ "n": [...], "softmaxMs": [...], "linearMs": [...], "ralaMs": [...] }` plus byte counts.
 *
 * @module
 */
import { attention } from "../mod.ts";
import {
  checkInputDir,
  checkOutputFile,
  COMMON_FLAGS,
  exitWith,
  rejectIdle,
  runCli,
  upFront,
} from "./lib/cli.ts";
import { announceData, sharedData } from "./lib/data_sources.ts";
import { plotSvg } from "./lib/plot.ts";
import { type Check, type Figure, type Table, writeReport } from "./lib/report.ts";
import { type BenchResult, runBench } from "./lib/attention_bench.ts";
import {
  COARSE_TOL,
  type DigitSplit,
  loadDigitSplit,
  runVit,
  type VitResult,
} from "./lib/attention_vit.ts";

const DEFAULT_DATA = sharedData("digits");

const CLI = {
  name: "experiments/attention.ts",
  summary: "RALA vs linear vs softmax attention (spec §7): a RAVLT-style ViT on UCI digits " +
    "(accuracy, parameters, KV-buffer and output ranks, training time), or with --bench the " +
    "forward time of one attention layer against the number of tokens.",
  flags: {
    ...COMMON_FLAGS,
    attention: {
      type: "string",
      default: "all",
      choices: ["softmax", "linear", "rala", "all"],
      help: "attention type of the ViT (all: the three in turn)",
    },
    data: { type: "string", default: DEFAULT_DATA, help: "folder holding digits.csv" },
    bench: { type: "boolean", help: "time one attention layer against N instead of training" },
  },
  json: '{ "acc", "params", "kvRank", "outputRank", "trainSeconds" } for one type, ' +
    '{ "softmax": {...}, "linear": {...}, "rala": {...} } for all; --bench: ' +
    '{ "n": [...], "softmaxMs": [...], "linearMs": [...], "ralaMs": [...], "softmaxAttnBytes", ' +
    '"ralaBufferBytes", "activationBytes" }',
} as const;

const QUICK_NS = [256, 512, 1024, 2048];

function log(msg: string): void {
  console.error(`[attention] ${msg}`);
}

type Kind = attention.AttentionKind;
const pub = (r: VitResult) => ({
  acc: r.acc,
  params: r.params,
  kvRank: r.kvRank,
  outputRank: r.outputRank,
  trainSeconds: r.trainSeconds,
});

function vitChecks(rs: Partial<Record<Kind, VitResult>>, quick: boolean): Check[] {
  const checks: Check[] = [];
  for (const [k, r] of Object.entries(rs) as [Kind, VitResult][]) {
    checks.push({
      name: `${k}: the ViT learns (test accuracy well above chance 0.1)`,
      ok: r.acc > (quick ? 0.3 : 0.8),
      detail: `acc ${r.acc.toFixed(3)} (validation ${r.valAcc.toFixed(3)})`,
    });
  }
  const lin = rs.linear, rala = rs.rala, soft = rs.softmax;
  if (lin && rala) {
    checks.push({
      name: "rank claim: RALA's output rank ≥ plain linear attention's (reported, §7)",
      ok: rala.outputRank >= lin.outputRank,
      detail: `output rank: rala ${rala.outputRank.toFixed(2)}, linear ${
        lin.outputRank.toFixed(2)
      }; KV rank: rala ${rala.kvRank?.toFixed(2)}, linear ${
        lin.kvRank?.toFixed(2)
      }; at tol ${COARSE_TOL}: output rala ${rala.coarse.output.toFixed(2)}, linear ${
        lin.coarse.output.toFixed(2)
      }, KV rala ${rala.coarse.kv?.toFixed(2)}, linear ${lin.coarse.kv?.toFixed(2)}`,
    });
  }
  if (lin && rala && soft) {
    const gap = soft.acc - lin.acc, closed = rala.acc >= lin.acc;
    checks.push({
      name:
        "accuracy claim (reported, not asserted): RALA closes linear attention's gap to softmax",
      ok: true,
      detail: `softmax ${soft.acc.toFixed(3)}, linear ${lin.acc.toFixed(3)}, rala ${
        rala.acc.toFixed(3)
      }: gap softmax − linear ${gap.toFixed(3)}; rala ${closed ? "≥" : "<"} linear — ${
        gap <= 0 ? "no gap to close here" : rala.acc >= soft.acc - gap / 2 ? "held" : "not held"
      }`,
    });
  }
  return checks;
}

function vitReport(rs: Partial<Record<Kind, VitResult>>): { tables: Table[]; figures: Figure[] } {
  const kinds = Object.keys(rs) as Kind[];
  const table: Table = {
    caption: "ViT on digits: test accuracy (once), parameters, mean ranks at stage 1 (d = 16)",
    header: [
      "attention",
      "acc",
      "val acc",
      "params",
      "kvRank",
      "attnRank",
      "outputRank",
      `kv @${COARSE_TOL}`,
      `attn @${COARSE_TOL}`,
      `output @${COARSE_TOL}`,
      "train s",
    ],
    rows: kinds.map((k) => {
      const r = rs[k]!;
      return [
        k,
        r.acc.toFixed(3),
        r.valAcc.toFixed(3),
        r.params,
        r.kvRank === null ? "—" : r.kvRank.toFixed(2),
        r.attnRank.toFixed(2),
        r.outputRank.toFixed(2),
        r.coarse.kv === null ? "—" : r.coarse.kv.toFixed(2),
        r.coarse.attn.toFixed(2),
        r.coarse.output.toFixed(2),
        r.trainSeconds.toFixed(1),
      ];
    }),
  };
  const fig: Figure = {
    file: "attention_loss.svg",
    caption: "Training loss per step of the ViT for each attention type",
    svg: plotSvg({
      title: "ViT training loss on digits",
      xLabel: "step",
      yLabel: "cross-entropy",
      logY: true,
      series: kinds.map((k) => ({
        name: k,
        x: rs[k]!.losses.map((_, i) => i + 1),
        y: rs[k]!.losses,
      })),
    }),
  };
  return { tables: [table], figures: [fig] };
}

function benchReport(b: BenchResult): { tables: Table[]; figures: Figure[]; checks: Check[] } {
  const i4096 = b.n.indexOf(4096);
  const checks: Check[] = [{
    name: "RALA's time grows about linearly in N (×2 N ≤ ×3 time at the largest step)",
    ok: b.ralaMs.length < 2 ||
      b.ralaMs[b.ralaMs.length - 1] / b.ralaMs[b.ralaMs.length - 2] <= 3,
    detail: b.n.map((n, i) => `N ${n}: ${b.ralaMs[i].toFixed(1)} ms`).join(", "),
  }];
  if (i4096 >= 0 && b.softmaxMs[i4096] !== null) {
    const speed = b.softmaxMs[i4096]! / b.ralaMs[i4096];
    checks.push({
      name: "target (reported): RALA ≥ 10× faster than softmax attention at N = 4096",
      ok: true,
      detail: `${speed.toFixed(1)}× (${b.softmaxMs[i4096]!.toFixed(0)} vs ${
        b.ralaMs[i4096].toFixed(0)
      } ms) — ${speed >= 10 ? "met" : "not met"}`,
    });
  }
  const mib = (x: number): string => (x / 2 ** 20).toFixed(1);
  return {
    checks,
    tables: [{
      caption: "One attention layer (4 heads × d 64, f32, batch 1), forward ms (median) and bytes",
      header: ["N", "softmax ms", "linear ms", "rala ms", "softmax N×N MiB", "N×C MiB"],
      rows: b.n.map((n, i) => [
        n,
        b.softmaxMs[i]?.toFixed(1) ?? "skipped",
        b.linearMs[i].toFixed(1),
        b.ralaMs[i].toFixed(1),
        mib(b.softmaxAttnBytes[i]),
        mib(b.activationBytes[i]),
      ]),
    }],
    figures: [{
      file: "attention_time.svg",
      caption: "Forward time of one attention layer against the number of tokens (log–log)",
      svg: plotSvg({
        title: "attention layer time vs N (CPU)",
        xLabel: "tokens N",
        yLabel: "ms",
        logX: true,
        logY: true,
        series: [
          { name: "softmax", x: b.n, y: b.softmaxMs.map((v) => v ?? NaN), mode: "both" },
          { name: "linear", x: b.n, y: b.linearMs, mode: "both" },
          { name: "rala", x: b.n, y: b.ralaMs, mode: "both" },
        ],
      }),
    }],
  };
}

function readData(dir: string, seed: number): DigitSplit {
  try {
    const split = loadDigitSplit(dir, seed);
    announceData("attention", `${dir}/digits.csv`);
    return split;
  } catch (e) {
    return exitWith(CLI.name, e);
  }
}

async function main(): Promise<void> {
  const { values: flags, given } = runCli(CLI);
  upFront(CLI.name, () => {
    if (flags.json !== undefined) checkOutputFile("json", flags.json);
    rejectIdle(given, "attention", flags.bench, "with --bench (it times all three layers)");
    rejectIdle(given, "data", flags.bench, "with --bench (it uses random tokens)");
    if (!flags.bench) checkInputDir("data", flags.data);
  });
  const t0 = performance.now();
  let json: unknown, parts: { tables: Table[]; figures: Figure[] }, checks: Check[];
  if (flags.bench) {
    const ns = flags.quick ? QUICK_NS : [...QUICK_NS, 4096, 8192, 16384];
    const b = runBench(ns, flags.quick ? 2 : 3, 4 * 2 ** 30, log);
    json = b;
    const r = benchReport(b);
    parts = r;
    checks = r.checks;
  } else {
    const data = readData(flags.data, flags.seed);
    const sizes = flags.quick
      ? { steps: 60, batch: 24, lr: 3e-3 }
      : { steps: 400, batch: 32, lr: 3e-3 };
    const kinds: Kind[] = flags.attention === "all"
      ? [...attention.ATTENTION_KINDS]
      : [flags.attention as Kind];
    const rs: Partial<Record<Kind, VitResult>> = {};
    for (const k of kinds) {
      rs[k] = runVit(k, data, sizes, flags.seed, log);
      log(`${k}: acc ${rs[k]!.acc.toFixed(3)}, ranks kv ${rs[k]!.kvRank} out ${rs[k]!.outputRank}`);
    }
    json = kinds.length === 1
      ? pub(rs[kinds[0]]!)
      : Object.fromEntries(kinds.map((k) => [k, pub(rs[k]!)]));
    parts = vitReport(rs);
    checks = vitChecks(rs, flags.quick);
    if (kinds.length > 1) {
      // The report also shows the time-vs-N plot (small N; --bench for the full range).
      const b = benchReport(runBench(QUICK_NS, 2, 4 * 2 ** 30, log));
      parts = { tables: [...parts.tables, ...b.tables], figures: [...parts.figures, ...b.figures] };
      checks = [...checks, ...b.checks];
    }
  }
  if (flags.json !== undefined) await Deno.writeTextFile(flags.json, JSON.stringify(json, null, 2));
  const seconds = (performance.now() - t0) / 1000;
  await writeReport(flags.out, {
    name: "attention",
    title: "RALA vs linear vs softmax attention (issue 18)",
    summary: (flags.bench ? "Layer time against N" : "ViT on UCI digits") +
      ` (${flags.quick ? "quick" : "full"} run, seed ${flags.seed}, ${seconds.toFixed(0)} s).`,
    ...parts,
    checks,
    data: json,
  });
}

if (import.meta.main) await main();
