/**
 * The report of the TRP experiment (issue 15, `experiments/compress_trp.ts`): the model table,
 * the per-layer ranks, the training curves, the checks that can fail and the paper's claims.
 *
 * @module
 */
import { plotSvg } from "./plot.ts";
import type { Check, ExperimentReport } from "./report.ts";

/** One scheme's row of the JSON. */
export interface TrpSchemeRow {
  /** Test accuracy (fraction). */
  acc: number;
  /** MACs per image. */
  macs: number;
  /** Median ms of the test-set forward. */
  inferenceMs: number;
  /** Parameters of the deployed network. */
  params: number;
  /** Test accuracy of the TRP model of this scheme before factorisation. */
  undecomposedAcc: number;
  /** Validation accuracy. */
  valAcc: number;
  /** Original / factorised inference time, same run. */
  speedup: number;
  /** Original / factorised MACs. */
  macReduction: number;
  /** Rank per factorised conv. */
  ranks: Record<string, number>;
}

/** The fields of the JSON the report reads. */
export interface TrpJson {
  /** The normally trained network. */
  baseline: {
    acc: number;
    macs: number;
    params: number;
    inferenceMs: number;
    valAcc: number;
    energyRanks: Record<string, number>;
  };
  /** TRP+Nu deployed with NC. */
  trp: { acc: number; macs: number; undecomposedAcc: number; energyRanks: Record<string, number> };
  /** Each scheme's deployment of the TRP model. */
  schemes: Record<"nc" | "vh" | "nd", TrpSchemeRow>;
  /** The baseline factorised at TRP's NC ranks. */
  baselineAtTrpRanks: { acc: number; macs: number };
}

/** Training curves: mean loss per epoch, and TRP's mean projected rank per projection step. */
export interface TrpCurves {
  /** Baseline loss per epoch. */
  baseline: number[];
  /** TRP loss per epoch. */
  trp: number[];
  /** `[step, mean rank]` at each projection. */
  ranks: [number, number][];
}

const pct = (a: number): string => (100 * a).toFixed(2);
const mean = (r: Record<string, number>): number => {
  const v = Object.values(r);
  return v.reduce((a, b) => a + b, 0) / v.length;
};

function checks(r: TrpJson): Check[] {
  const nc = r.schemes.nc;
  return [
    {
      name: "the baseline learns the task (test accuracy ≥ 0.8)",
      ok: r.baseline.acc >= 0.8,
      detail: `${pct(r.baseline.acc)}%`,
    },
    {
      name: "TRP training leaves low-rank kernels (mean energy-0.9 NC rank below the baseline's)",
      ok: mean(r.trp.energyRanks) < mean(r.baseline.energyRanks),
      detail: `${mean(r.trp.energyRanks).toFixed(2)} vs ${mean(r.baseline.energyRanks).toFixed(2)}`,
    },
    {
      name:
        "factorising the TRP model without fine-tuning costs ≤ 1 point (NC, the code's criterion)",
      ok: r.trp.undecomposedAcc - nc.acc <= 0.01,
      detail: `${pct(r.trp.undecomposedAcc)}% → ${pct(nc.acc)}%`,
    },
    {
      name: "every scheme lowers the MACs",
      ok: Object.values(r.schemes).every((s) => s.macReduction > 1),
      detail: Object.entries(r.schemes).map(([k, s]) => `${k} ${s.macReduction.toFixed(2)}×`).join(
        ", ",
      ),
    },
  ];
}

function summary(r: TrpJson): string {
  const nc = r.schemes.nc, loss = 100 * (r.baseline.acc - nc.acc);
  const goal = nc.macReduction >= 2 && loss <= 1;
  return `Goal (≥ 2× fewer MACs at ≤ 1 point loss, TRP+Nu channel): ${
    goal ? "held" : "not held"
  } ` +
    `(${nc.macReduction.toFixed(2)}× at ${loss.toFixed(2)} points; paper: 2.17× at 1.24 points ` +
    `on CIFAR-10). Measured inference speed-up of the NC network: ${nc.speedup.toFixed(2)}× ` +
    `(${nc.speedup > 1 ? "faster" : "not faster"} than the original, same run). ` +
    `The baseline factorised at TRP's ranks scores ${pct(r.baselineAtTrpRanks.acc)}%: ` +
    `what the low-rank training buys. Claims are reported; the checks are properties.`;
}

/**
 * The report of one run.
 *
 * @example
 * ```ts ignore
 * import { trpReport } from "./trp_report.ts";
 * const report = trpReport(json, curves);
 * ```
 */
export function trpReport(r: TrpJson, c: TrpCurves): ExperimentReport {
  const b = r.baseline;
  const row = (name: string, s: TrpSchemeRow): (string | number)[] => [
    name,
    pct(s.undecomposedAcc),
    pct(s.acc),
    s.macs,
    s.macReduction.toFixed(2),
    s.params,
    s.inferenceMs.toFixed(2),
    s.speedup.toFixed(2),
  ];
  const layers = Object.keys(r.schemes.nd.ranks);
  return {
    name: "compress_trp",
    title: "TRP: trained rank pruning of a small ResNet on digits (NC / VH / ND deployments)",
    summary: summary(r),
    tables: [{
      caption:
        "Test accuracy (%) before and after factorisation (no fine-tuning), MACs per image, parameters, CPU inference of the test set (ms, median; speed-up against the original in the same run)",
      header: [
        "model",
        "acc before",
        "test acc",
        "MACs",
        "MAC ×",
        "params",
        "infer ms",
        "speed-up",
      ],
      rows: [
        ["baseline", "-", pct(b.acc), b.macs, "1.00", b.params, b.inferenceMs.toFixed(2), "1.00"],
        row("TRP+Nu (NC-trained) → NC", r.schemes.nc),
        row("TRP+Nu (VH-trained) → VH", r.schemes.vh),
        row("TRP+Nu (ND-trained) → ND", r.schemes.nd),
        [
          "baseline → NC at TRP's ranks",
          pct(b.acc),
          pct(r.baselineAtTrpRanks.acc),
          r.baselineAtTrpRanks.macs,
          (b.macs / r.baselineAtTrpRanks.macs).toFixed(2),
          "-",
          "-",
          "-",
        ],
      ],
    }, {
      caption: "Per-layer ranks (energy-0.9 NC rank of the trained kernels; deployed ranks)",
      header: ["layer", "baseline e0.9", "TRP e0.9", "NC", "VH", "ND"],
      rows: layers.map((l) => [
        l,
        b.energyRanks[l],
        r.trp.energyRanks[l],
        r.schemes.nc.ranks[l] ?? "-",
        r.schemes.vh.ranks[l] ?? "-",
        r.schemes.nd.ranks[l],
      ]),
    }],
    figures: [{
      file: "compress_trp_loss.svg",
      caption: "Training loss per epoch",
      svg: plotSvg({
        title: "Training loss",
        xLabel: "epoch",
        yLabel: "cross-entropy",
        series: [
          { name: "baseline", x: c.baseline.map((_, i) => i + 1), y: c.baseline, mode: "both" },
          { name: "TRP+Nu", x: c.trp.map((_, i) => i + 1), y: c.trp, mode: "both" },
        ],
      }),
    }, {
      file: "compress_trp_rank.svg",
      caption: "Mean projected rank (energy 0.9) of the selected convs during TRP training",
      svg: plotSvg({
        title: "TRP rank during training",
        xLabel: "step",
        yLabel: "mean rank",
        series: [{ name: "TRP+Nu", x: c.ranks.map((p) => p[0]), y: c.ranks.map((p) => p[1]) }],
      }),
    }],
    checks: checks(r),
    data: r,
  };
}
