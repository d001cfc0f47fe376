/**
 * Low-rank compression of CTR models with Atomic Feature Mimicking (Yu et al., "Unified
 * Low-rank Compression Framework for Click-through Rate Prediction", KDD 2024; spec
 * `compression_optim_attention.md` §2).
 *
 * `deno run -A experiments/ctr.ts [--quick] [--seed N] [--data FILE | --rows N] [--kind deepfm|mlp]
 *   [--json FILE] [--out DIR]` trains the original model (DeepFM by default) on a Criteo-format log
 * (`--data`, or a generated one of `--rows` rows from a known low-rank model), compresses it by
 * weight SVD and by AFM to a model at least 3× smaller (every parameter counted), fine-tunes both
 * for the same budget, and writes to `--json`
 * `{ "original": { "auc", "logloss", "params" }, "svd", "afm", "svdFinetuned", "afmFinetuned",
 *   "reconError": { "svd", "afm" }, "inferenceMs": { "original", "afm" } }`
 * (test-set scores; reconError = mean squared error of the compressed layers' outputs on the
 * calibration rows; inferenceMs = wall ms to score the test rows, median of 5 after a warm-up).
 * Rows are split 80/10/10 (seeded) into train / validation / test; epochs are selected on
 * validation AUC; each model is scored on test once. The report (`<out>/ctr.json`, SVG) adds the
 * AUC-vs-size curve over several ratios.
 *
 * `deno run -A experiments/ctr.ts --inspect --data FILE [--json OUT]` writes
 * `{ "rows", "dense", "sparse", "missing", "vocab" }` for any Criteo-format file: row count, 13
 * integer and 26 categorical feature columns, the number of empty feature cells, and the number
 * of distinct values of each categorical column.
 *
 * A malformed file (wrong field count, non-numeric integer, label not 0/1) exits 1 with the
 * file, line and field named; a flag that would have no effect is an error too.
 *
 * @module
 */
import { ctr, parseCriteo, readCriteo, Rng } from "../mod.ts";
import {
  checkInputFile,
  checkOutputFile,
  CliError,
  COMMON_FLAGS,
  rejectIdle,
  runCli,
  upFront,
} from "./lib/cli.ts";
import { announceData } from "./lib/data_sources.ts";
import { timeWarm } from "./lib/timing.ts";
import { plotSvg } from "./lib/plot.ts";
import { type Check, writeReport } from "./lib/report.ts";

type Score = { auc: number; logloss: number; params: number };
const log = (msg: string): void => console.error(msg);

const CLI = {
  name: "experiments/ctr.ts",
  summary: "Low-rank compression of CTR models with AFM (KDD 2024): train DeepFM (or an " +
    "embedding MLP) on a Criteo-format log, compress by weight SVD and by AFM to ≥ 3× " +
    "smaller, fine-tune both. Data: a generated Criteo-format log of --rows rows (seeded, " +
    "known low-rank click model); the Criteo sample only with --data FILE. --inspect --data " +
    "FILE summarises a file instead.",
  flags: {
    ...COMMON_FLAGS,
    inspect: { type: "boolean", help: "summarise the Criteo-format file of --data and stop" },
    data: { type: "string", help: "a Criteo-format file instead of the generated log" },
    rows: { type: "integer", min: 100, help: "rows of the generated log [20000 quick, 200000]" },
    kind: { type: "string", default: "deepfm", choices: ["deepfm", "mlp"], help: "model" },
  },
  json: '{ "original": { auc, logloss, params }, "svd", "afm", "svdFinetuned", ' +
    '"afmFinetuned", "reconError": { svd, afm }, "inferenceMs": { original, afm } }; ' +
    'with --inspect: { "rows", "dense", "sparse", "missing", "vocab" }',
} as const;

const cli = runCli(CLI);
const flags = cli.values;
upFront(CLI.name, () => {
  const g = cli.given;
  for (const k of ["quick", "seed", "out", "rows", "kind"]) {
    rejectIdle(g, k, flags.inspect, "with --inspect (it reads --data and --json)");
  }
  if (flags.inspect && flags.data === undefined) throw new CliError("--inspect needs --data FILE");
  rejectIdle(g, "rows", flags.data !== undefined, "with --data (it sizes the generated log)");
  if (flags.data !== undefined) checkInputFile("data", flags.data);
  if (flags.json !== undefined) checkOutputFile("json", flags.json);
  if (!flags.inspect) checkOutputFile("out", `${flags.out}/ctr.json`);
});

async function inspect(path: string, json?: string): Promise<void> {
  const d = readCriteo(path);
  let missing = 0;
  for (const v of d.ints) if (Number.isNaN(v)) missing++;
  for (const v of d.cats) if (v === "") missing++;
  const vocab = Array.from({ length: ctr.N_SPARSE }, (_, f) => {
    const s = new Set<string>();
    for (let r = 0; r < d.rows; r++) {
      if (d.cats[r * ctr.N_SPARSE + f] !== "") s.add(d.cats[r * ctr.N_SPARSE + f]);
    }
    return s.size;
  });
  const text = JSON.stringify({
    rows: d.rows,
    dense: ctr.N_DENSE,
    sparse: ctr.N_SPARSE,
    missing,
    vocab,
  });
  if (json) await Deno.writeTextFile(json, text);
  else console.log(text);
}

/** Wall ms to score `data`, median of 5 after one warm-up run. */
function inferenceMs(model: ctr.CtrModel, data: ctr.CtrBatchData): number {
  return timeWarm(() => ctr.predictLogits(model, data), { warmup: 1, reps: 5 }).medianMs;
}

async function main(): Promise<void> {
  if (flags.inspect) return await inspect(flags.data!, flags.json);
  const quick = flags.quick;
  const kind = flags.kind as "deepfm" | "mlp";
  const rows = flags.rows ?? (quick ? 20_000 : 200_000);
  const t0 = performance.now();
  let data: ctr.CriteoData, oracle: Float64Array | null = null, source: string;
  if (flags.data !== undefined) {
    announceData("ctr", flags.data);
    data = readCriteo(flags.data);
    source = flags.data;
  } else {
    source = `synthetic (${rows} rows, seed ${flags.seed}, rank-4 FM clicks, Zipf categories)`;
    announceData("ctr", `generated: ${source}`);
    const g = ctr.syntheticCriteo({ rows, seed: flags.seed });
    data = parseCriteo(g.text, { file: "synthetic" });
    oracle = g.logits;
  }
  log(`ctr: ${data.rows} rows from ${source} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  const perm = new Rng(flags.seed + 1).permutation(data.rows);
  const nTr = Math.floor(0.8 * data.rows), nVa = Math.floor(0.1 * data.rows);
  const [trRows, vaRows, teRows] = [
    perm.slice(0, nTr),
    perm.slice(nTr, nTr + nVa),
    perm.slice(nTr + nVa),
  ];
  const enc = ctr.buildEncoder(data, { rows: trRows, minCount: 2 });
  const [train, val, test] = [trRows, vaRows, teRows].map((r) => ctr.encodeRows(data, enc, r));
  const vocabSize = enc.offsets[ctr.N_SPARSE];
  const embDim = quick ? 8 : 16, hidden = quick ? [128, 128, 128] : [400, 400, 400];
  const fit = { batchSize: 512, lr: 3e-3, seed: flags.seed };
  const epochs = 3, ftEpochs = 1, ftLr = 1e-3;
  log(`ctr: ${kind}, vocabulary ${vocabSize} ids, embedding ${embDim}, MLP ${hidden.join("-")}`);
  const original = ctr.initCtrModel({ kind, vocabSize, embDim, hidden, seed: flags.seed });
  ctr.fitCtr(original, train, val, {
    ...fit,
    epochs,
    onEpoch: (e, v, l) =>
      log(
        `  original epoch ${e + 1}/${epochs}: train loss ${l.toFixed(4)}, val AUC ${
          v.auc.toFixed(4)
        }`,
      ),
  });
  const score = (m: ctr.CtrModel): Score => ({
    ...ctr.evaluateCtr(m, test),
    params: ctr.countParams(m),
  });
  const base = score(original);
  log(`ctr: original test AUC ${base.auc.toFixed(4)}, ${base.params} parameters`);
  const ratios = quick ? [2, 3, 5] : [2, 3, 4, 5];
  const curve: Record<
    string,
    { ratio: number; before: Score; after: Score; recon: number; ranks: (number | null)[] }[]
  > = { svd: [], afm: [] };
  const models: Record<string, ctr.CtrModel> = {};
  for (const ratio of ratios) {
    for (const method of ["svd", "afm"] as const) {
      const c = ctr.compressCtr(original, { method, ratio, calibration: train });
      const before = score(c.model);
      ctr.fitCtr(c.model, train, val, { ...fit, lr: ftLr, epochs: ftEpochs });
      const after = score(c.model);
      log(
        `  ${method} ×${ratio}: ${c.params} params, ranks ${c.plan.ranks.join(",")}, recon MSE ${
          c.reconError.toExponential(3)
        }, test AUC ${before.auc.toFixed(4)} → ${after.auc.toFixed(4)} fine-tuned`,
      );
      curve[method].push({ ratio, before, after, recon: c.reconError, ranks: c.plan.ranks });
      if (ratio === 3) models[method] = c.model;
    }
  }
  const at3 = (m: "svd" | "afm") => curve[m].find((p) => p.ratio === 3)!;
  const result = {
    original: base,
    svd: at3("svd").before,
    afm: at3("afm").before,
    svdFinetuned: at3("svd").after,
    afmFinetuned: at3("afm").after,
    reconError: { svd: at3("svd").recon, afm: at3("afm").recon },
    inferenceMs: { original: inferenceMs(original, test), afm: inferenceMs(models.afm, test) },
  };
  if (flags.json) await Deno.writeTextFile(flags.json, JSON.stringify(result, null, 2));
  // Control: the original trained on for the same fine-tuning budget, so that a gain after
  // compression + fine-tuning is not mistaken for the effect of the extra training alone.
  ctr.fitCtr(original, train, val, { ...fit, lr: ftLr, epochs: ftEpochs });
  const continued = score(original);
  log(`ctr: original trained on for the fine-tuning budget: test AUC ${continued.auc.toFixed(4)}`);
  const oracleAuc = oracle ? ctr.auc(test.labels, teRows.map((r) => oracle![r])) : null;
  const claim = result.afmFinetuned.auc >= base.auc;
  const claimControl = result.afmFinetuned.auc >= continued.auc;
  const checks: Check[] = [
    ...(["svd", "afm"] as const).map((m) => ({
      name: `${m} model at least 3× smaller (every parameter counted)`,
      ok: result[m].params * 3 <= base.params,
      detail: `${result[m].params} vs ${base.params} (${
        (base.params / result[m].params).toFixed(2)
      }×)`,
    })),
    {
      name:
        "AFM reconstructs the compressed layers' outputs no worse than weight SVD (PCA optimality)",
      ok: result.reconError.afm <= result.reconError.svd,
      detail: `MSE ${result.reconError.afm.toExponential(3)} vs ${
        result.reconError.svd.toExponential(3)
      }`,
    },
  ];
  const row = (
    name: string,
    s: Score,
  ): (string | number)[] => [
    name,
    s.params,
    (base.params / s.params).toFixed(2),
    s.auc.toFixed(4),
    s.logloss.toFixed(4),
  ];
  const pct = (x: number): string => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(2)} pt`;
  const verdict = (ok: boolean): string => (ok ? "held" : "NOT held");
  const summary = [
    `${kind} on ${source}: original test AUC ${base.auc.toFixed(4)}, ${base.params} parameters.`,
    `At ≥3× smaller: AFM ${result.afm.auc.toFixed(4)} (${pct(result.afm.auc - base.auc)}),`,
    `fine-tuned ${result.afmFinetuned.auc.toFixed(4)} (${
      pct(result.afmFinetuned.auc - base.auc)
    });`,
    `SVD ${result.svd.auc.toFixed(4)}, fine-tuned ${result.svdFinetuned.auc.toFixed(4)}.`,
    `Paper claim (3–5× smaller, AUC ≥ original) for fine-tuned AFM at 3×: ${verdict(claim)};`,
    `against the original trained on for the same budget (${continued.auc.toFixed(4)}):`,
    `${verdict(claimControl)}.`,
    oracleAuc !== null ? `True-model AUC on the same test rows: ${oracleAuc.toFixed(4)}.` : "",
    `Scoring ${test.rows} rows: ${result.inferenceMs.original.toFixed(1)} ms original,`,
    `${result.inferenceMs.afm.toFixed(1)} ms AFM (median of 5).`,
  ].filter((x) => x !== "").join(" ");
  log(summary);
  const series = (["svd", "afm"] as const).flatMap((m) => [
    {
      name: `${m} fine-tuned`,
      x: curve[m].map((p) => p.after.params),
      y: curve[m].map((p) => p.after.auc),
      mode: "both" as const,
    },
    {
      name: `${m} before fine-tuning`,
      x: curve[m].map((p) => p.before.params),
      y: curve[m].map((p) => p.before.auc),
      mode: "points" as const,
    },
  ]);
  series.push({ name: "original", x: [base.params], y: [base.auc], mode: "points" });
  await writeReport(flags.out, {
    name: "ctr",
    title: "CTR model compression: weight SVD vs Atomic Feature Mimicking (Yu et al., KDD 2024)",
    summary,
    tables: [{
      caption:
        `Test AUC and log-loss at target ratio 3 (${test.rows} test rows, scored once per model)`,
      header: ["model", "params", "× smaller", "AUC", "log-loss"],
      rows: [
        row("original", base),
        row("original + fine-tuning budget (control)", continued),
        row("SVD", result.svd),
        row("AFM", result.afm),
        row("SVD fine-tuned", result.svdFinetuned),
        row("AFM fine-tuned", result.afmFinetuned),
      ],
    }, {
      caption:
        "All ratios: test AUC before → after fine-tuning, reconstruction MSE, ranks (embedding, hidden layers)",
      header: ["method", "target ×", "params", "AUC", "AUC fine-tuned", "recon MSE", "ranks"],
      rows: (["svd", "afm"] as const).flatMap((m) =>
        curve[m].map((
          p,
        ) => [
          m,
          p.ratio,
          p.after.params,
          p.before.auc.toFixed(4),
          p.after.auc.toFixed(4),
          p.recon.toExponential(3),
          p.ranks.map((k) => k ?? "full").join(","),
        ])
      ),
    }],
    figures: [{
      file: "ctr_auc_size.svg",
      caption:
        "Test AUC vs parameter count for SVD and AFM (lines: after fine-tuning; points: before)",
      svg: plotSvg({
        title: "AUC vs model size",
        xLabel: "parameters",
        yLabel: "test AUC",
        logX: true,
        series,
      }),
    }],
    checks,
    data: {
      ...result,
      curve,
      oracleAuc,
      paperClaimHeld: claim,
      originalContinued: continued,
      paperClaimHeldVsControl: claimControl,
      rows: data.rows,
      kind,
      embDim,
      hidden,
      epochs,
      ftEpochs,
    },
  });
}

try {
  await main();
} catch (e) {
  console.error(`ctr: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  Deno.exit(1);
}
