/**
 * Experiment: optimisation-trajectory distillation (OTD; Fan et al., ICCV 2023, code
 * camwew/TADA-MI; spec `compression_optim_attention.md` §10) on the UCI digits, issue 21.
 *
 * - Split (data README): test = rows i % 5 == 0, train = the rest. Per seed, the train rows are
 *   shuffled and halved: the *source pool* and the *target pool*, so no image is in both domains.
 * - Source domain: the source-pool images of classes 0–6, with labels (20 % held out as a
 *   source validation set, used only for the sanity check of the source model).
 * - Target domain: the same kind of image, *shifted*: intensities inverted (x ↦ 1 − x) and then
 *   blurred by a fixed 3×3 binomial kernel ([1 2 1]ᵀ[1 2 1]/16, edges replicated). Few labels:
 *   `K_SHOT` = 5 labelled target-pool images per class, for all ten classes, so classes 7–9 are
 *   seen *only* through these few target labels. The other target-pool images are the target
 *   validation set; target test = the shifted test rows, scored once per method: `accOld` on
 *   classes 0–6, `accNew` on 7–9.
 * - Each domain's pixels are standardised with the mean and deviation of its own unlabelled
 *   pool (source: the source images of classes 0–6; target: the whole target pool).
 * - Model: 64 → 32 ReLU features → 10-way softmax head; pretrained on the source (AdamW), then
 *   adapted from the same weights by three methods on the same batches (AdamW, lr 3e-3):
 *   `finetune`: source CE + few-shot target CE;
 *   `boost`: the same, with the historical-trajectory boost g ← g + 0.1·U_rU_rᵀg on the two
 *   weight matrices (flat banks: L = ⌊0.8·D⌋ or 300, SVD every L pushes);
 *   `otd`: boost + 1000·(L_cd + L_cc) after a warm-up, with closed-form per-sample gradients of
 *   the head (D = 10·33 = 330), EMA 0.95, 98 % energy banks. L_cd compares source statistics
 *   with those of the target few-shot samples of the shared classes 0–6; L_cc pulls the head
 *   rows of classes 7–9 toward the mean of rows 0–6, projected with a bank of the reference
 *   rows (spec: one stream per branch; with one head both streams act on it).
 * - Deviations from the spec, stated: (1) the statistic banks take their SVD every L pushes,
 *   not 10·L, since 10·L = 2640 exceeds the adaptation steps here (the projector would never
 *   exist); (2) the few-shot target loss has weight 1, not 0.1: the spec's 0.1 sits beside a
 *   mixed pseudo-label loss that this experiment does not have, so the few shots are the only
 *   target signal. The matching weight (1000), EMA, energy and boost are the spec's values.
 * - Design choices fixed on the target *validation* set with plain fine-tuning, never on test:
 *   per-domain standardisation (without it no method got above ~0.15 on old target classes),
 *   few-shot weight 1 over 0.1, 32 hidden units over 16, 600 quick adaptation steps over 300
 *   (with 300 the trajectory banks fire only at the last steps). Adam, not SGD: with SGD the
 *   OTD run diverged (NaN) at lr 0.02.
 * - Checks: the source model is accurate on source validation data, the shift is real (it
 *   drops on the target), fine-tuning recovers old classes, every method learns new classes
 *   above chance, and the banks did fire and keep a low rank. Whether OTD helped is reported,
 *   not asserted.
 *
 * `deno run -A experiments/otd.ts [--quick] [--seed N] [--out DIR] [--json FILE]`
 * → `{ "finetune": { "accOld", "accNew" }, "boost": {…}, "otd": {…}, "seeds" }` (means over seeds).
 *
 * @module
 */
import { checkOutputFile, CliError, COMMON_FLAGS, exitWith, runCli, upFront } from "./lib/cli.ts";
import { announceData } from "./lib/data_sources.ts";
import { plotSvg } from "./lib/plot.ts";
import { type Check, writeReport } from "./lib/report.ts";
import { CLASSES, DATA, K_SHOT, type LabeledSet, loadDigits } from "./lib/otd_digits.ts";
import {
  HIDDEN,
  type Method,
  METHODS,
  runSeed,
  type SeedResult,
  type Sizes,
} from "./lib/otd_train.ts";

const CLI = {
  name: "experiments/otd.ts",
  summary: "Optimisation-trajectory distillation (spec §10) on shifted UCI digits: plain " +
    "fine-tuning vs trajectory boost vs full OTD, target accuracy on old (0–6) and new (7–9) " +
    "classes over several seeds (3 with --quick, else 5, starting at --seed). Needs " +
    "../shared/data/digits beside the checkout.",
  flags: COMMON_FLAGS,
  json: '{ "finetune": { "accOld", "accNew" }, "boost": { "accOld", "accNew" }, ' +
    '"otd": { "accOld", "accNew" }, "seeds": [N, ...] } (accuracies are means over the seeds)',
} as const;

function log(msg: string): void {
  console.error(`[otd] ${msg}`);
}

// ---------------------------------------------------------------- report

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]): number =>
  xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, b) => a + (b - mean(xs)) ** 2, 0) / (xs.length - 1));
const fmt = (xs: number[]): string => `${mean(xs).toFixed(3)} ± ${sd(xs).toFixed(3)}`;

function checks(rs: SeedResult[]): Check[] {
  const col = (f: (r: SeedResult) => number): number[] => rs.map(f);
  const srcVal = col((r) => r.sourceVal), shifted = col((r) => r.noAdapt.accOld);
  const ftOld = col((r) => r.acc.finetune.accOld);
  const out: Check[] = [
    {
      name: "source model is accurate on source validation images (classes 0–6)",
      ok: Math.min(...srcVal) >= 0.85,
      detail: `min over seeds ${Math.min(...srcVal).toFixed(3)} (need ≥ 0.85)`,
    },
    {
      name: "the domain shift is real: the source model drops on shifted test images",
      ok: mean(shifted) <= mean(srcVal) - 0.2,
      detail: `target old-class accuracy ${fmt(shifted)} vs source validation ${fmt(srcVal)}`,
    },
    {
      name: "fine-tuning with few target labels recovers the old classes",
      ok: mean(ftOld) >= mean(shifted) + 0.1,
      detail: `finetune accOld ${fmt(ftOld)} vs no adaptation ${fmt(shifted)}`,
    },
    ...METHODS.map((m) => ({
      name: `${m} learns the new classes 7–9 above chance (0.1)`,
      ok: mean(col((r) => r.acc[m].accNew)) >= 0.2,
      detail: `accNew ${fmt(col((r) => r.acc[m].accNew))} (need mean ≥ 0.2)`,
    })),
    {
      name: "the statistic banks took SVDs and kept a low-rank subspace (r < D)",
      ok: rs.every((r) => r.statRank.svds >= 1 && r.statRank.m < CLASSES * (HIDDEN + 1)),
      detail: rs.map((r) =>
        `seed ${r.seed}: r_m ${r.statRank.m}, r_v ${r.statRank.v} of ${
          CLASSES * (HIDDEN + 1)
        }, ${r.statRank.svds} SVDs`
      ).join("; "),
    },
    {
      name: "every trajectory bank took an SVD and kept r < L",
      ok: rs.every((r) => Object.values(r.trajectory).every((b) => b.svds >= 1 && b.rank >= 1)),
      detail:
        Object.entries(rs[0].trajectory).map(([k, b]) =>
          `${k}: D ${b.dim}, r ${b.rank}, ${b.svds} SVDs`
        ).join("; ") + " (first seed)",
    },
    {
      name: "closed-form per-sample head gradient equals grad on the trained model",
      ok: rs.every((r) => r.closedFormError < 1e-12),
      detail: `max error ${Math.max(...col((r) => r.closedFormError)).toExponential(2)}`,
    },
  ];
  return out;
}

function figures(rs: SeedResult[]): { file: string; caption: string; svg: string }[] {
  const seeds = rs.map((r) => r.seed);
  const accPlot = (key: "accOld" | "accNew", title: string): string =>
    plotSvg({
      title,
      xLabel: "seed",
      yLabel: "target test accuracy",
      series: [
        ...METHODS.map((m) => ({
          name: m,
          x: seeds,
          y: rs.map((r) => r.acc[m][key]),
          mode: "both" as const,
        })),
        {
          name: "no adaptation",
          x: seeds,
          y: rs.map((r) => r.noAdapt[key]),
          mode: "points" as const,
        },
      ],
    });
  const steps = rs[0].lcd.map((_, i) => i + 1);
  return [
    {
      file: "otd_acc_old.svg",
      caption: "Old classes 0–6 on the shifted test set, per seed",
      svg: accPlot("accOld", "old classes (0–6)"),
    },
    {
      file: "otd_acc_new.svg",
      caption: "New classes 7–9 on the shifted test set, per seed",
      svg: accPlot("accNew", "new classes (7–9)"),
    },
    {
      file: "otd_losses.svg",
      caption: `Distillation losses during OTD adaptation (seed ${
        rs[0].seed
      }; weighted by 1000 after the warm-up)`,
      svg: plotSvg({
        title: "OTD distillation losses",
        xLabel: "adaptation step",
        yLabel: "loss",
        logY: true,
        series: [
          { name: "L_cd (cross-domain)", x: steps, y: rs[0].lcd },
          { name: "L_cc (cross-class)", x: steps, y: rs[0].lcc },
        ],
      }),
    },
  ];
}

/** The digits table; a malformed file ends the run with one line and exit 2. */
function readData(): LabeledSet {
  try {
    const digits = loadDigits();
    announceData("otd", DATA);
    return digits;
  } catch (e) {
    return exitWith(CLI.name, e);
  }
}

async function main(): Promise<void> {
  const flags = runCli(CLI).values;
  upFront(CLI.name, () => {
    if (flags.json !== undefined) checkOutputFile("json", flags.json);
    let isFile = false;
    try {
      isFile = Deno.statSync(DATA).isFile;
    } catch {
      isFile = false;
    }
    if (!isFile) {
      throw new CliError(`no digits data at ${DATA} (../shared goes beside the checkout)`);
    }
  });
  const sizes: Sizes = flags.quick
    ? { pretrainSteps: 300, adaptSteps: 600, warmup: 50 }
    : { pretrainSteps: 800, adaptSteps: 1500, warmup: 150 };
  const nSeeds = flags.quick ? 3 : 5;
  const seeds = Array.from({ length: nSeeds }, (_, i) => flags.seed + i);
  const all = readData();
  const t0 = performance.now();
  const rs = seeds.map((seed) => runSeed(all, seed, sizes));
  const seconds = (performance.now() - t0) / 1000;
  const summaryOf = (m: Method): { accOld: number; accNew: number } => ({
    accOld: mean(rs.map((r) => r.acc[m].accOld)),
    accNew: mean(rs.map((r) => r.acc[m].accNew)),
  });
  const result = {
    finetune: summaryOf("finetune"),
    boost: summaryOf("boost"),
    otd: summaryOf("otd"),
    seeds,
  };
  if (flags.json) await Deno.writeTextFile(flags.json, JSON.stringify(result, null, 2));
  const dNew = result.otd.accNew - result.finetune.accNew;
  const paired = rs.map((r) => r.acc.otd.accNew - r.acc.finetune.accNew);
  const verdict = `OTD vs plain fine-tuning on the new classes: ${dNew >= 0 ? "+" : ""}${
    dNew.toFixed(3)
  } mean accuracy (per seed ${paired.map((x) => x.toFixed(3)).join(", ")}); ${
    paired.every((x) => x > 0)
      ? "it helped on every seed"
      : paired.every((x) => x <= 0)
      ? "it did not help on any seed"
      : "mixed across seeds"
  }.`;
  log(verdict);
  const sameAsFinetune =
    rs.filter((r) =>
      r.acc.boost.accOld === r.acc.finetune.accOld && r.acc.boost.accNew === r.acc.finetune.accNew
    ).length;
  const boostNote =
    `The boost alone gave the same test accuracy as fine-tuning on ${sameAsFinetune} of ` +
    `${rs.length} seeds: under AdamW, scaling the in-subspace part of a gradient by 1.1 barely changes ` +
    "the per-coordinate normalised step.";
  const table = (key: "accOld" | "accNew"): (string | number)[][] =>
    METHODS.map((
      m,
    ) => [m, fmt(rs.map((r) => r.acc[m][key])), ...rs.map((r) => r.acc[m][key].toFixed(3))]);
  await writeReport(flags.out, {
    name: "otd",
    title: "Optimisation-trajectory distillation on shifted digits (OTD, Fan et al. ICCV 2023)",
    summary:
      `Source: digits 0–6 with labels; target: inverted + 3×3 binomial blur, ${K_SHOT} labels per class ` +
      `including new classes 7–9. ${seeds.length} seeds, ${sizes.pretrainSteps} pretraining and ${sizes.adaptSteps} ` +
      `adaptation steps (${
        seconds.toFixed(0)
      } s). Deviations: statistic banks take an SVD every L pushes (spec 10·L); ` +
      `few-shot weight 1 (spec 0.1, beside a pseudo-label loss we lack). ${boostNote} ${verdict}`,
    tables: [
      {
        caption: "Target test accuracy, old classes 0–6 (mean ± sd over seeds, then per seed)",
        header: ["method", "mean ± sd", ...seeds.map((s) => `seed ${s}`)],
        rows: table("accOld"),
      },
      {
        caption: "Target test accuracy, new classes 7–9",
        header: ["method", "mean ± sd", ...seeds.map((s) => `seed ${s}`)],
        rows: table("accNew"),
      },
      {
        caption: "Target validation accuracy (old / new; the set the design choices were fixed on)",
        header: ["method", ...seeds.map((s) => `seed ${s}`)],
        rows: METHODS.map((m) => [
          m,
          ...rs.map((r) => `${r.val[m].accOld.toFixed(3)} / ${r.val[m].accNew.toFixed(3)}`),
        ]),
      },
      {
        caption: "Source model before adaptation",
        header: ["seed", "source val acc (0–6)", "target accOld", "target accNew"],
        rows: rs.map((
          r,
        ) => [
          r.seed,
          r.sourceVal.toFixed(3),
          r.noAdapt.accOld.toFixed(3),
          r.noAdapt.accNew.toFixed(3),
        ]),
      },
    ],
    figures: figures(rs),
    checks: checks(rs),
    data: { result, perSeed: rs.map(({ lcd: _l, lcc: _c, ...rest }) => rest), sizes },
  });
}

if (import.meta.main) await main();
