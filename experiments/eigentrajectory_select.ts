/**
 * Variant selection for the trained EigenTrajectory predictor (Bae, Oh, Jeon, ICCV 2023; spec
 * `eigentrajectory.md` §4–§6), done on the validation split only: every on/off combination of
 * the design choices (speed feature, fixed neighbour pooling, learned social layer), or with
 * `--design one-at-a-time` the default and each choice switched on alone, is trained per
 * leave-one-scene-out fold and per seed; the variant with the lowest mean validation FDE (mean
 * over folds and seeds, each run's best-validation epoch) is selected, and only then is the test
 * split read, once, for that variant. The test table gives the mean over the seeds with its
 * spread and the default seed's row.
 *
 * `deno run -A experiments/eigentrajectory_select.ts [--data DIR|synthetic] [--folds eth,…]
 *   [--seeds 0,1,2] [--grid speed,neighbours,social] [--design factorial|one-at-a-time]
 *   [--workers 2] [--epochs 16] [--json FILE] [--out DIR] [--quick]`
 *
 * Data: without `--data`, `../shared/data/ethucy` when it exists, else seeded synthetic scenes.
 * JSON: `{ "variants": [{ name, speed, neighbours, social, valFde, valFdeSd, folds }],
 * "selected", "test": { folds, avg, seeds, defaultSeed }, "anchors": { folds, avg } }`.
 *
 * @module
 */
import { FOLDS, type ForecastScores } from "../methods/trajectory/mod.ts";
import {
  checkOutputFile,
  CliError,
  COMMON_FLAGS,
  exitWith,
  rejectIdle,
  runCli,
  upFront,
} from "./lib/cli.ts";
import type {
  InitMessage,
  ScoreDone,
  ScoreJob,
  TrainDone,
  TrainJob,
  Variant,
} from "./lib/et_select_worker.ts";
import { announceData } from "./lib/data_sources.ts";
import { ethucyDir } from "./lib/ethucy_dir.ts";
import { plotSvg, type Series } from "./lib/plot.ts";
import { type Check, writeReport } from "./lib/report.ts";

/** The factors under selection and their "on" value (off: false / 0, the experiment default). */
const FACTORS = {
  speed: { on: true, label: "speed" },
  neighbours: { on: 4, label: "pool4" },
  social: { on: 8, label: "social8" },
} as const;
type Factor = keyof typeof FACTORS;
const FACTOR_NAMES = Object.keys(FACTORS) as Factor[];

const SPEC = {
  name: "experiments/eigentrajectory_select.ts",
  summary: "EigenTrajectory trained predictor: choose the speed feature, neighbour pooling and " +
    "the social layer on validation FDE over seeds and folds, then score the test split once " +
    "for the selected variant. Without --data, ../shared/data/ethucy is used when it exists, " +
    "else seeded synthetic scenes.",
  flags: {
    ...COMMON_FLAGS,
    data: { type: "string", help: "ETH/UCY folder (DIR/<fold>/{train,val,test}) or 'synthetic'" },
    folds: { type: "list", default: FOLDS, choices: FOLDS, help: "folds (ETH/UCY only)" },
    seeds: {
      type: "list",
      default: ["0", "1", "2"],
      help: "training seeds of every variant [quick: --seed only]",
    },
    grid: {
      type: "list",
      default: FACTOR_NAMES,
      choices: FACTOR_NAMES,
      help: "factors to vary: every on/off combination is a variant (speed; neighbours 0/4; " +
        "social 0/8)",
    },
    design: {
      type: "string",
      default: "factorial",
      choices: ["factorial", "one-at-a-time"],
      help: "variants: every on/off combination of the grid, or the all-off default and each " +
        "grid factor switched on alone",
    },
    workers: { type: "integer", min: 1, default: 2, help: "parallel training workers" },
    epochs: { type: "integer", min: 1, help: "epochs per run [default: 16, quick 1]" },
    ninit: { type: "integer", min: 1, help: "k-means restarts [default: 10, quick 1]" },
    hidden: { type: "list", default: ["128", "128"], help: "mlp hidden widths" },
    relax: { type: "number", min: 0, max: 0.999, default: 0.1, help: "relaxed-WTA ε, first epoch" },
    "relax-end": { type: "number", min: 0, max: 0.999, default: 0, help: "ε of the last epoch" },
  },
  json: '{ "variants": [{ name, speed, neighbours, social, valFde, valFdeSd, folds: { <fold>: ' +
    '{ valFde, runs } } }], "selected": name, "test": { folds: { <fold>: { ade, fde, seeds } }, ' +
    "avg: { ade, fde, adeSd, fdeSd }, seeds: [{ seed, ade, fde }], defaultSeed: { seed, ade, " +
    'fde } }, "anchors": { folds, avg } } (metres, best of 20; test only for the selected variant)',
} as const;

const log = (msg: string): void => console.error(msg);
const cli = runCli(SPEC);
const flags = cli.values;
const dataDir = ethucyDir(flags.data, SPEC.name);
upFront(SPEC.name, () => {
  rejectIdle(cli.given, "folds", dataDir === null, "on synthetic scenes: needs --data DIR");
  if (flags.json !== undefined) checkOutputFile("json", flags.json);
  checkOutputFile("out", `${flags.out}/eigentrajectory_select.json`);
});
const integers = (name: string, words: string[], min: number): number[] =>
  words.map((w) => {
    const n = Number(w);
    if (!Number.isSafeInteger(n) || n < min) {
      exitWith(SPEC.name, new CliError(`--${name} must list integers ≥ ${min}, got ${words}`));
    }
    return n;
  });
// Quick mode trains one seed unless --seeds is given (8 variants × 1 fold × 1 seed ≈ 30 s).
const seeds = integers(
  "seeds",
  flags.quick && !cli.given.has("seeds") ? [String(flags.seed)] : flags.seeds,
  0,
);
const hidden = integers("hidden", flags.hidden, 1);
// Quick mode (deno task reproduce): one fold, one epoch, one seed unless given.
const quickFolds = flags.quick && !cli.given.has("folds") ? ["zara1"] : flags.folds;
const folds = dataDir === null ? ["synthetic"] : quickFolds;
const epochs = flags.epochs ?? (flags.quick ? 1 : 16);
const nInit = flags.ninit ?? (flags.quick ? 1 : 10);
const grid = [...new Set(flags.grid as Factor[])];
// After every flag check: the data line comes first among the run's output, never before an error.
announceData(
  "eigentrajectory_select",
  dataDir ?? `generated: seeded synthetic scenes (seed ${flags.seed})`,
);

/**
 * The variants as bit masks over the grid: every on/off combination (factorial), or none and
 * each factor alone (one-at-a-time, 1 + factors runs instead of 2^factors).
 */
function masks(): number[] {
  if (flags.design === "factorial") return Array.from({ length: 1 << grid.length }, (_, m) => m);
  return [0, ...grid.map((_, i) => 1 << i)];
}

/** The variants of the design, the all-off (experiment default) first. */
function variants(): { name: string; v: Variant }[] {
  const out: { name: string; v: Variant }[] = [];
  for (const mask of masks()) {
    const v: Variant = { speed: false, neighbours: 0, social: 0 };
    const parts: string[] = [];
    grid.forEach((f, i) => {
      if (!(mask & (1 << i))) return;
      (v as unknown as Record<Factor, unknown>)[f] = FACTORS[f].on;
      parts.push(FACTORS[f].label);
    });
    out.push({ name: parts.length ? parts.join("+") : "base", v });
  }
  return out;
}

/** A pool of workers; each job goes to the first idle one, and results come back in any order. */
class Pool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly waiting: (() => void)[] = [];
  /** The worker that trained each job id (its network lives there). */
  readonly home = new Map<number, Worker>();

  constructor(n: number, init: InitMessage) {
    const url = new URL("./lib/et_select_worker.ts", import.meta.url).href;
    for (let i = 0; i < n; i++) {
      const w = new Worker(url, { type: "module" });
      w.postMessage(init);
      this.workers.push(w);
    }
  }

  /** Waits for every worker's "ready". */
  async ready(): Promise<void> {
    await Promise.all(this.workers.map((w) => this.reply(w)));
    this.idle.push(...this.workers);
  }

  private reply<T>(w: Worker): Promise<T> {
    return new Promise((resolve, reject) => {
      w.onmessage = (e) => {
        if (e.data.kind === "error") reject(new Error(e.data.message));
        else resolve(e.data as T);
      };
      w.onerror = (e) => {
        e.preventDefault();
        reject(new Error(e.message));
      };
    });
  }

  async train(job: TrainJob): Promise<TrainDone> {
    const w = await this.take();
    this.home.set(job.id, w);
    return this.run<TrainDone>(w, job);
  }

  /** A score job must run on the worker that holds the network. */
  async score(job: ScoreJob): Promise<ScoreDone> {
    const w = this.home.get(job.id) as Worker;
    while (!this.idle.includes(w)) await new Promise<void>((r) => this.waiting.push(r));
    this.idle.splice(this.idle.indexOf(w), 1);
    return this.run<ScoreDone>(w, job);
  }

  private async take(): Promise<Worker> {
    while (this.idle.length === 0) await new Promise<void>((r) => this.waiting.push(r));
    return this.idle.shift() as Worker;
  }

  private async run<T>(w: Worker, msg: TrainJob | ScoreJob): Promise<T> {
    try {
      const done = this.reply<T>(w);
      w.postMessage(msg);
      return await done;
    } finally {
      this.idle.push(w);
      this.waiting.splice(0).forEach((r) => r());
    }
  }

  close(): void {
    for (const w of this.workers) w.terminate();
  }
}

interface Run {
  id: number;
  variant: string;
  fold: string;
  seed: number;
  done?: TrainDone;
}

const mean = (a: number[]): number => a.reduce((s, x) => s + x, 0) / a.length;
const sd = (a: number[]): number => {
  if (a.length < 2) return 0;
  const m = mean(a);
  return Math.sqrt(a.reduce((s, x) => s + (x - m) ** 2, 0) / (a.length - 1));
};

const list = variants();
const runs: Run[] = [];
for (const { name } of list) {
  for (const seed of seeds) {
    for (const fold of folds) runs.push({ id: runs.length, variant: name, fold, seed });
  }
}
log(
  `${list.length} variants × ${seeds.length} seeds × ${folds.length} folds = ${runs.length} runs, ` +
    `${epochs} epochs each, ${flags.workers} workers; data: ${dataDir ?? "synthetic scenes"}`,
);
const pool = new Pool(flags.workers, {
  kind: "init",
  dataDir,
  nInit,
  seed: flags.seed,
  syntheticScale: flags.quick ? 0.3 : 1,
});
await pool.ready();

// ---- phase 1: train every run; only validation numbers come back ----
const t0 = performance.now();
let finished = 0;
await Promise.all(runs.map(async (r) => {
  const v = (list.find((x) => x.name === r.variant) as { v: Variant }).v;
  r.done = await pool.train({
    kind: "train",
    id: r.id,
    fold: r.fold,
    variant: v,
    seed: r.seed,
    epochs,
    hidden,
    relax: flags.relax,
    relaxEnd: flags["relax-end"],
    mirror: !flags.quick,
  });
  finished++;
  const el = (performance.now() - t0) / 1000, eta = (el / finished) * (runs.length - finished);
  log(
    `[${finished}/${runs.length}] ${r.variant} seed ${r.seed} ${r.fold}: val FDE ` +
      `${r.done.valFde.toFixed(4)} (epoch ${r.done.bestEpoch}/${r.done.epochs}, ` +
      `${r.done.seconds.toFixed(0)} s) elapsed ${el.toFixed(0)} s, ETA ${eta.toFixed(0)} s`,
  );
}));

/** Per variant: mean val FDE over folds and seeds, and the spread of the per-seed means. */
const summary = list.map(({ name, v }) => {
  const mine = runs.filter((r) => r.variant === name);
  const perSeed = seeds.map((s) =>
    mean(mine.filter((r) => r.seed === s).map((r) => (r.done as TrainDone).valFde))
  );
  const perFold = Object.fromEntries(folds.map((f) => {
    const fr = mine.filter((r) => r.fold === f);
    return [f, {
      valFde: mean(fr.map((r) => (r.done as TrainDone).valFde)),
      runs: fr.map((r) => {
        const { kind: _kind, id: _id, ...d } = r.done as TrainDone;
        return { seed: r.seed, ...d };
      }),
    }];
  }));
  return { name, ...v, valFde: mean(perSeed), valFdeSd: sd(perSeed), folds: perFold };
});
// Ties go to the earlier (simpler) variant: the list starts with the all-off default.
const selected = summary.reduce((best, s) => (s.valFde < best.valFde ? s : best));
log(`selected on validation: ${selected.name} (val FDE ${selected.valFde.toFixed(4)})`);

// ---- phase 2: the test split, once, for the selected variant ----
const scored = new Map<number, ScoreDone>();
await Promise.all(
  runs.filter((r) => r.variant === selected.name).map(async (r) => {
    scored.set(r.id, await pool.score({ kind: "score", id: r.id }));
  }),
);
pool.close();

const testRuns = runs.filter((r) => scored.has(r.id));
const scoreOf = (r: Run): ScoreDone => scored.get(r.id) as ScoreDone;
const testFolds = Object.fromEntries(folds.map((f) => {
  const fr = testRuns.filter((r) => r.fold === f);
  return [f, {
    ade: mean(fr.map((r) => scoreOf(r).mlp.ade)),
    fde: mean(fr.map((r) => scoreOf(r).mlp.fde)),
    seeds: fr.map((r) => ({ seed: r.seed, ade: scoreOf(r).mlp.ade, fde: scoreOf(r).mlp.fde })),
  }];
}));
const seedAvg = seeds.map((seed) => {
  const fr = testRuns.filter((r) => r.seed === seed);
  return {
    seed,
    ade: mean(fr.map((r) => scoreOf(r).mlp.ade)),
    fde: mean(fr.map((r) => scoreOf(r).mlp.fde)),
  };
});
const testAvg = {
  ade: mean(seedAvg.map((s) => s.ade)),
  fde: mean(seedAvg.map((s) => s.fde)),
  adeSd: sd(seedAvg.map((s) => s.ade)),
  fdeSd: sd(seedAvg.map((s) => s.fde)),
};
const defaultSeed = seedAvg.find((s) => s.seed === flags.seed) ?? seedAvg[0];
const anchorOf = (f: string): ForecastScores =>
  scoreOf(testRuns.find((r) => r.fold === f) as Run).anchors;
const anchors = {
  folds: Object.fromEntries(folds.map((f) => [f, { ade: anchorOf(f).ade, fde: anchorOf(f).fde }])),
  avg: {
    ade: mean(folds.map((f) => anchorOf(f).ade)),
    fde: mean(folds.map((f) => anchorOf(f).fde)),
  },
};

// ---- tables, checks, outputs ----
const f3 = (x: number): string => x.toFixed(3), f4 = (x: number): string => x.toFixed(4);
const valHeader = ["variant", ...folds.map((f) => `${f} val FDE`), "mean val FDE ± sd (seeds)"];
const valRows = summary.map((s) => [
  s.name + (s === selected ? " (selected)" : ""),
  ...folds.map((f) => f4(s.folds[f].valFde)),
  `${f4(s.valFde)} ± ${f4(s.valFdeSd)}`,
]);
const testHeader = [
  "fold",
  "anchors only",
  `${selected.name}, mean of ${seeds.length} seeds`,
  ...seeds.map((s) => `seed ${s}`),
];
const testRows = [
  ...folds.map((f) => [
    f,
    `${f3(anchors.folds[f].ade)}/${f3(anchors.folds[f].fde)}`,
    `${f3(testFolds[f].ade)}/${f3(testFolds[f].fde)}`,
    ...testFolds[f].seeds.map((s) => `${f3(s.ade)}/${f3(s.fde)}`),
  ]),
  [
    "AVG",
    `${f3(anchors.avg.ade)}/${f3(anchors.avg.fde)}`,
    `${f3(testAvg.ade)}±${f3(testAvg.adeSd)}/${f3(testAvg.fde)}±${f3(testAvg.fdeSd)}`,
    ...seedAvg.map((s) => `${f3(s.ade)}/${f3(s.fde)}`),
  ],
];
const tsv = (h: string[], rows: string[][]): string =>
  [h, ...rows].map((r) => r.join("\t")).join("\n");
console.log(tsv(valHeader, valRows));
console.log();
console.log(tsv(testHeader, testRows));

const checks: Check[] = [
  {
    name: "the test split was read only for the selected variant, once per fold and seed",
    ok: scored.size === folds.length * seeds.length &&
      testRuns.every((r) => r.variant === selected.name),
    detail: `${scored.size} test scorings of ${runs.length} trained runs`,
  },
  {
    name: "the selected variant beats anchors-only on the test mean over folds (seed mean)",
    ok: testAvg.ade < anchors.avg.ade && testAvg.fde < anchors.avg.fde,
    detail:
      `${f3(testAvg.ade)}/${f3(testAvg.fde)} vs anchors ${f3(anchors.avg.ade)}/${
        f3(anchors.avg.fde)
      }` + (folds.length === 5 ? "; published ET AVG 0.21/0.34" : ""),
  },
];
const body = {
  variants: summary,
  selected: selected.name,
  test: { folds: testFolds, avg: testAvg, seeds: seedAvg, defaultSeed },
  anchors,
};
if (flags.json) await Deno.writeTextFile(flags.json, JSON.stringify(body, null, 2) + "\n");

const valSeries: Series[] = seeds.map((seed) => ({
  name: `seed ${seed}`,
  x: summary.map((_, i) => i + 1),
  y: summary.map((s) =>
    mean(
      runs.filter((r) => r.variant === s.name && r.seed === seed).map((r) =>
        (r.done as TrainDone).valFde
      ),
    )
  ),
  mode: "points" as const,
}));
await writeReport(flags.out, {
  name: "eigentrajectory_select",
  title: "EigenTrajectory: variant selection on validation, test read once",
  summary: `${dataDir ? `ETH/UCY (${dataDir})` : "synthetic scenes"}, folds ${folds.join(", ")}; ` +
    `${flags.design} variants ${summary.map((s) => s.name).join(", ")}; seeds ${
      seeds.join(", ")
    }; ${epochs} ` +
    `epochs, MLP ${hidden.join("×")}, relaxed WTA ε ${flags.relax} → ${flags["relax-end"]}, ` +
    `k-means nInit ${nInit}${flags.quick ? " (quick mode)" : ""}. Selected: ${selected.name}.`,
  tables: [
    {
      caption: "validation FDE (m) per variant: the selection criterion",
      header: valHeader,
      rows: valRows,
    },
    {
      caption: `test ADE/FDE (m, best of 20) of the selected variant ${selected.name}, read once`,
      header: testHeader,
      rows: testRows,
    },
  ],
  figures: [{
    file: "eigentrajectory_select_val.svg",
    caption: `mean validation FDE over folds per variant (1 = ${
      summary.map((s, i) => `${i + 1} ${s.name}`).join(", ")
    }), one point per seed`,
    svg: plotSvg({
      title: "validation FDE per variant",
      xLabel: "variant",
      yLabel: "val FDE (m)",
      series: valSeries,
    }),
  }],
  checks,
  data: body,
});
