/**
 * LoRA3D at small scale (Lu et al., "LoRA3D: Low-Rank Self-Calibration of 3D Geometric
 * Foundation Models", ICLR 2025; spec `compression_optim_attention.md` §9; issue 20).
 *
 * No DUSt3R model runs here, so a stand-in (`methods/geometry`): seeded synthetic multi-view
 * scenes (surfaces, cameras on an arc with known poses and pixel rays), and a small point-map
 * regressor (an MLP from per-pixel pair features to the pixel's 3-D point in the first camera's
 * frame, plus a confidence) pre-trained on other scenes. On a new scene its predictions carry a
 * systematic, scene-specific error (a latent style shift outside the pre-training range, growing
 * with the pair's baseline) and confident gross outliers (20 % mismatched pixels per pair).
 *
 * Per target scene:
 * 1. plain: DUSt3R's confidence-weighted global alignment (w = 1);
 * 2. calibrated: LoRA3D's robust calibration (Geman–McClure IRLS, μ = median, 5 alternations);
 * 3. selfCalibrated: LoRA adapters (rank 4, α 4: the spec's rank 16 is for transformer widths,
 *    this regressor's layers are 64 wide) on every linear layer of the regressor, fitted
 *    on that scene's pseudo-labels (Ĉ > median) with DUSt3R's confidence-aware loss, the base
 *    frozen; then the calibrated alignment of the adapted model's predictions.
 * Errors: mean relative rotation error over view pairs (degrees); camera-centre RMS error after
 * the similarity that aligns the camera centres; mean point error after the similarity that
 * aligns all points (`reconErr`, the structure alone) and after the camera-centre similarity
 * (`reconErrPoseAligned`, structure and pose together); lengths relative to the scene's RMS
 * radius. Averaged over the target scenes.
 *
 * `deno run -A experiments/lora3d.ts [--quick] [--seed N] [--out DIR] [--json FILE] [--help]`
 * writes `{ "plain": { "rotErrDeg", "transErr", "reconErr" }, "calibrated": {…},
 * "selfCalibrated": {…}, "outlierMeanWeight", "inlierMeanWeight", "adapterBytes", … }`.
 * Exits 1 if a claimed property does not hold, 2 on bad flags.
 *
 * @module
 */
import { astype, concat, geometry as g, Rng, type Tensor, writeSafetensors } from "../mod.ts";
import { parseFlags } from "./lib/cli.ts";
import { announceData } from "./lib/data_sources.ts";
import { plotSvg } from "./lib/plot.ts";
import { type Check, type Figure, writeReport } from "./lib/report.ts";

const USAGE =
  "usage: deno run -A experiments/lora3d.ts [--quick] [--seed N] [--out DIR] [--json FILE] [--help]";
const HELP = `${USAGE}

LoRA3D at small scale: plain vs robustly calibrated global alignment vs LoRA self-calibration
of a point-map regressor stand-in, averaged over synthetic target scenes.

  --quick      small sizes (3 target scenes; used by deno task reproduce)
  --seed N     seed of every random choice (default 0)
  --out DIR    report folder: lora3d.json and SVG plots (default out)
  --json FILE  machine-readable result:
               { "plain": { "rotErrDeg", "transErr", "reconErr" }, "calibrated": {...},
                 "selfCalibrated": {...}, "outlierMeanWeight", "inlierMeanWeight",
                 "adapterBytes", "improvementOverPlain", "selfCalibrationSeconds", "scenes", ... }
               each method also has "reconErrPoseAligned" (points after the camera-centre fit)

Exit status: 0 ok, 1 a claimed property did not hold, 2 bad flags.`;
const SWITCHES = ["quick", "help"], VALUED = ["seed", "out", "json"];

/** Strict flags: unknown, repeated, valueless or value-taking-switch flags are errors. */
interface Flags {
  seed: number;
  out: string;
  quick: boolean;
  json?: string;
  help: boolean;
}

function readFlags(args: string[]): Flags {
  const names = args.filter((a) => a.startsWith("--")).map((a) => a.slice(2).split("=")[0]);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) throw new RangeError(`--${dup} given twice`);
  const f = parseFlags(args);
  for (const [k, v] of Object.entries(f)) {
    if (!SWITCHES.includes(k) && !VALUED.includes(k)) throw new RangeError(`unknown flag --${k}`);
    if (SWITCHES.includes(k) && v !== true) throw new RangeError(`--${k} takes no value, got ${v}`);
    if (VALUED.includes(k) && typeof v !== "string") throw new RangeError(`--${k} needs a value`);
  }
  const seed = Number(f.seed ?? "0");
  if (!Number.isSafeInteger(seed) || seed < 0 || String(f.seed ?? "0").trim() === "") {
    throw new RangeError(`--seed must be a non-negative integer, got ${String(f.seed)}`);
  }
  return {
    seed,
    out: (f.out as string | undefined) ?? "out",
    quick: f.quick === true,
    json: f.json as string | undefined,
    help: f.help === true,
  };
}

/** Sizes of a run. */
interface Settings {
  trainScenes: number;
  pretrainSteps: number;
  scenes: number;
  views: number;
  pixels: number;
  loraSteps: number;
  /** Pseudo-labelled rows per LoRA step (drawn afresh each step). */
  loraBatch: number;
  rank: number;
  outlierRate: number;
}

const QUICK: Settings = {
  trainScenes: 6,
  pretrainSteps: 600,
  scenes: 3,
  views: 4,
  pixels: 100,
  loraSteps: 150,
  loraBatch: 400,
  rank: 4,
  outlierRate: 0.2,
};
const FULL: Settings = {
  ...QUICK,
  trainScenes: 16,
  pretrainSteps: 2000,
  scenes: 8,
  pixels: 150,
  loraSteps: 300,
};

type Errors = g.ReconstructionErrors;
/** The metrics the checks claim improvements on. */
const METRICS = ["rotErrDeg", "transErr", "reconErr"] as const;
/** All reported metrics. */
const COLUMNS = [...METRICS, "reconErrPoseAligned"] as const;

/** One target scene's results. */
interface SceneResult {
  plain: Errors;
  calibrated: Errors;
  selfCalibrated: Errors;
  outlierMeanWeight: number;
  inlierMeanWeight: number;
  pseudoLabelRows: number;
  selfCalibrationSeconds: number;
  /** (a/μ, w) of every pixel of the first scene, for the weight plot. */
  weightCurve?: { a: number[]; w: number[]; outlier: boolean[] };
}

const log = (msg: string): void => console.error(`lora3d: ${msg}`);
const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;

function pretrain(s: Settings, rng: Rng, enc: g.FeatureEncoder, seed: number): g.PointMapModel {
  const rows: g.PointMapData[] = [];
  for (let k = 0; k < s.trainScenes; k++) {
    const scene = g.makeScene(rng, { views: s.views, pixels: s.pixels });
    rows.push(g.truthRows(g.makePairs(scene, enc, g.trainingStyle(rng), rng)));
  }
  const data = { x: concat(rows.map((r) => r.x), 0), y: concat(rows.map((r) => r.y), 0) };
  const model = g.initPointMapModel({ seed });
  const t0 = performance.now();
  const losses = g.pretrainPointMap(model, data, {
    steps: s.pretrainSteps,
    batch: 256,
    lr: 1e-2,
    seed,
  });
  log(
    `pre-trained on ${data.x.shape[0]} pixels of ${s.trainScenes} scenes: loss ${
      losses[0].toFixed(3)
    } -> ${losses.at(-1)!.toFixed(3)} (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
  );
  return model;
}

function meanWeights(cal: g.CalibrationResult, pairs: g.PairData[]): [number, number] {
  let wo = 0, no = 0, wi = 0, ni = 0;
  cal.weights.forEach((pw, e) =>
    pw.forEach((w, k) =>
      w.forEach((x, i) => {
        if (pairs[e].outlier[k][i]) wo += x, no++;
        else wi += x, ni++;
      })
    )
  );
  return [wo / no, wi / ni];
}

type WeightCurve = NonNullable<SceneResult["weightCurve"]>;

function weightCurve(
  cal: g.CalibrationResult,
  preds: g.PairPrediction[],
  pairs: g.PairData[],
): WeightCurve {
  const res = g.alignmentResiduals(preds, cal.alignment);
  const a: number[] = [], w: number[] = [], outlier: boolean[] = [];
  res.forEach((rs, e) =>
    rs.forEach((r, k) => {
      const terms = g.residualTerms(r, preds[e].confidence[k].data);
      terms.forEach((t, i) => {
        a.push(t / cal.mu);
        w.push(cal.weights[e][k][i]);
        outlier.push(pairs[e].outlier[k][i] === 1);
      });
    })
  );
  return { a, w, outlier };
}

function runScene(
  s: Settings,
  rng: Rng,
  enc: g.FeatureEncoder,
  model: g.PointMapModel,
  index: number,
  seed: number,
): { result: SceneResult; adapters: g.LoraState[] } {
  const scene = g.makeScene(rng, { views: s.views, pixels: s.pixels });
  const style = g.shiftedStyle(rng);
  const pairs = g.makePairs(scene, enc, style, rng, { outlierRate: s.outlierRate });
  const rays = g.sceneRays(scene);
  const preds = g.predictPairs(model, pairs);
  const cal = g.calibrateAlignment(preds, { rays });
  const ev = (p: g.PairPrediction[], al: g.GlobalAlignment): Errors =>
    g.evaluateAlignment(g.alignmentPoses(p, al), al.pointMaps, scene);
  const rows = g.pseudoLabelRows(pairs, g.pseudoLabels(cal));
  const t0 = performance.now();
  const sc = g.loraSelfCalibrate(model, rows, {
    steps: s.loraSteps,
    batch: s.loraBatch,
    rank: s.rank,
    lr: 1e-2,
    seed,
  });
  const seconds = (performance.now() - t0) / 1000;
  const adapted = g.predictPairs(model, pairs, sc.adapters);
  const cal2 = g.calibrateAlignment(adapted, { rays });
  const [outlierMeanWeight, inlierMeanWeight] = meanWeights(cal, pairs);
  const result: SceneResult = {
    plain: ev(preds, cal.plain),
    calibrated: ev(preds, cal.alignment),
    selfCalibrated: ev(adapted, cal2.alignment),
    outlierMeanWeight,
    inlierMeanWeight,
    pseudoLabelRows: rows.x.shape[0],
    selfCalibrationSeconds: seconds,
    weightCurve: index === 0 ? weightCurve(cal, preds, pairs) : undefined,
  };
  const fmt = (e: Errors): string =>
    `rot ${e.rotErrDeg.toFixed(2)}° trans ${e.transErr.toFixed(4)} recon ${
      e.reconErr.toFixed(4)
    } (pose-aligned ${e.reconErrPoseAligned.toFixed(4)})`;
  log(
    `scene ${index} (γ ${style.gamma.toFixed(2)}, κ ${style.kappa.toFixed(2)}): plain ${
      fmt(result.plain)
    } | calibrated ${fmt(result.calibrated)} | self-calibrated ${
      fmt(result.selfCalibrated)
    } | w out ${outlierMeanWeight.toFixed(3)} in ${inlierMeanWeight.toFixed(3)} | LoRA ${
      seconds.toFixed(1)
    } s on ${rows.x.shape[0]} rows`,
  );
  return { result, adapters: sc.adapters };
}

/** Size of the adapters as a safetensors file in f32 (what a user would ship per scene). */
function adapterBytes(adapters: g.LoraState[]): number {
  const tensors: Record<string, Tensor> = {};
  adapters.forEach((a, j) => {
    tensors[`layers.${j}.lora_A.weight`] = astype(a.params.a, "f32");
    tensors[`layers.${j}.lora_B.weight`] = astype(a.params.b, "f32");
  });
  return writeSafetensors(tensors).byteLength;
}

function average(rs: SceneResult[], key: "plain" | "calibrated" | "selfCalibrated"): Errors {
  return {
    rotErrDeg: mean(rs.map((r) => r[key].rotErrDeg)),
    transErr: mean(rs.map((r) => r[key].transErr)),
    reconErr: mean(rs.map((r) => r[key].reconErr)),
    reconErrPoseAligned: mean(rs.map((r) => r[key].reconErrPoseAligned)),
  };
}

const improvement = (from: Errors, to: Errors): Errors => ({
  rotErrDeg: 1 - to.rotErrDeg / from.rotErrDeg,
  transErr: 1 - to.transErr / from.transErr,
  reconErr: 1 - to.reconErr / from.reconErr,
  reconErrPoseAligned: 1 - to.reconErrPoseAligned / from.reconErrPoseAligned,
});

function figures(rs: SceneResult[]): Figure[] {
  const idx = rs.map((_, i) => i);
  const names = { plain: "plain", calibrated: "calibrated", selfCalibrated: "self-calibrated" };
  const perScene = (m: (typeof METRICS)[number], label: string, file: string): Figure => ({
    file,
    caption: `${label} per target scene: plain vs robust calibration vs LoRA self-calibration`,
    svg: plotSvg({
      title: `LoRA3D stand-in: ${label}`,
      xLabel: "target scene",
      yLabel: label,
      series: (["plain", "calibrated", "selfCalibrated"] as const).map((k) => ({
        name: names[k],
        x: idx,
        y: rs.map((r) => r[k][m]),
        mode: "both" as const,
      })),
    }),
  });
  const wc = rs[0].weightCurve!;
  const grid = Array.from({ length: 60 }, (_, i) => 10 ** (-3 + (i * 6) / 59));
  const weights = {
    file: "lora3d_weights.svg",
    caption:
      "Scene 0: final weight w of every pixel against its term a = C r² / μ; the curve is the closed form (1/(1+a))²",
    svg: plotSvg({
      title: "Geman–McClure weights after calibration (scene 0)",
      xLabel: "C r² / μ",
      yLabel: "w",
      logX: true,
      series: [
        {
          name: "inliers",
          x: wc.a.filter((_, i) => !wc.outlier[i]),
          y: wc.w.filter((_, i) => !wc.outlier[i]),
          mode: "points",
        },
        {
          name: "mismatches",
          x: wc.a.filter((_, i) => wc.outlier[i]),
          y: wc.w.filter((_, i) => wc.outlier[i]),
          mode: "points",
        },
        { name: "(1/(1+a))²", x: grid, y: grid.map((a) => (1 / (1 + a)) ** 2) },
      ],
    }),
  };
  return [
    perScene("reconErr", "relative point error", "lora3d_recon.svg"),
    perScene("rotErrDeg", "relative rotation error (deg)", "lora3d_rot.svg"),
    weights,
  ];
}

/** Fails before any work if the --json file cannot be written. */
async function checkWritable(file: string): Promise<void> {
  const dir = file.includes("/") ? file.slice(0, file.lastIndexOf("/")) : ".";
  try {
    if (dir) await Deno.mkdir(dir, { recursive: true });
    await Deno.writeTextFile(file, "");
  } catch (e) {
    throw new RangeError(`--json ${file}: cannot write (${e instanceof Error ? e.name : e})`);
  }
}

async function main(): Promise<void> {
  const flags = readFlags(Deno.args);
  if (flags.help) {
    console.log(HELP);
    return;
  }
  if (flags.json) await checkWritable(flags.json);
  announceData("lora3d", `generated: synthetic multi-view scenes (seed ${flags.seed})`);
  const s = flags.quick ? QUICK : FULL;
  const t0 = performance.now();
  const rng = new Rng(flags.seed);
  const enc = g.makeEncoder(rng);
  log(`${flags.quick ? "quick" : "full"} run, seed ${flags.seed}: ${JSON.stringify(s)}`);
  const model = pretrain(s, rng, enc, flags.seed);
  const results: SceneResult[] = [];
  let adapters: g.LoraState[] = [];
  for (let k = 0; k < s.scenes; k++) {
    const r = runScene(s, rng, enc, model, k, flags.seed + k);
    results.push(r.result);
    adapters = r.adapters;
  }
  const plain = average(results, "plain"), calibrated = average(results, "calibrated");
  const selfCalibrated = average(results, "selfCalibrated");
  const outlierMeanWeight = mean(results.map((r) => r.outlierMeanWeight));
  const inlierMeanWeight = mean(results.map((r) => r.inlierMeanWeight));
  const bytes = adapterBytes(adapters);
  const gain = improvement(plain, selfCalibrated);
  const json = {
    plain,
    calibrated,
    selfCalibrated,
    outlierMeanWeight,
    inlierMeanWeight,
    adapterBytes: bytes,
    improvementOverPlain: { calibrated: improvement(plain, calibrated), selfCalibrated: gain },
    selfCalibrationSeconds: mean(results.map((r) => r.selfCalibrationSeconds)),
    scenes: results.map(({ weightCurve: _, ...r }) => r),
    settings: s,
    seed: flags.seed,
    quick: flags.quick,
  };
  if (flags.json) await Deno.writeTextFile(flags.json, JSON.stringify(json, null, 2));
  const pct = (x: number): string => `${(100 * x).toFixed(0)} %`;
  const checks: Check[] = [
    {
      name: "mismatched pixels are down-weighted",
      ok: outlierMeanWeight < 0.1 * inlierMeanWeight,
      detail: `mean w: mismatches ${outlierMeanWeight.toFixed(4)}, inliers ${
        inlierMeanWeight.toFixed(3)
      }`,
    },
    ...METRICS.map((m) => ({
      name: `calibration improves ${m} over plain (mean over scenes)`,
      ok: calibrated[m] < plain[m],
      detail: `${plain[m].toFixed(4)} -> ${calibrated[m].toFixed(4)} (${
        pct(1 - calibrated[m] / plain[m])
      })`,
    })),
    ...METRICS.map((m) => ({
      name: `self-calibration improves ${m} over calibration (mean over scenes)`,
      ok: selfCalibrated[m] < calibrated[m],
      detail: `${calibrated[m].toFixed(4)} -> ${selfCalibrated[m].toFixed(4)}`,
    })),
  ];
  const table = {
    caption:
      `Mean over ${s.scenes} target scenes (seed ${flags.seed}); errors relative to the scene radius`,
    header: ["method", ...COLUMNS],
    rows: [
      ["plain (DUSt3R GA)", ...COLUMNS.map((m) => plain[m].toFixed(3))],
      ["calibrated (robust w)", ...COLUMNS.map((m) => calibrated[m].toFixed(3))],
      ["self-calibrated (LoRA)", ...COLUMNS.map((m) => selfCalibrated[m].toFixed(3))],
      [
        "improvement, calibrated vs plain",
        ...COLUMNS.map((m) => pct(improvement(plain, calibrated)[m])),
      ],
      ["improvement, self vs plain", ...COLUMNS.map((m) => pct(gain[m]))],
    ],
  };
  await writeReport(flags.out, {
    name: "lora3d",
    title: "LoRA3D: robust confidence calibration and LoRA self-calibration (small-scale stand-in)",
    summary:
      `Synthetic scenes and an MLP point-map regressor stand in for DUSt3R. Self-calibration improves on plain global alignment by ${
        pct(gain.rotErrDeg)
      } (rotation), ${pct(gain.transErr)} (camera centres) and ${
        pct(gain.reconErr)
      } (points); the paper reports up to 88 % over 160 real scenes. Adapter: ${bytes} bytes (f32 safetensors, rank ${s.rank}). Run time ${
        ((performance.now() - t0) / 1000).toFixed(0)
      } s.`,
    tables: [table],
    figures: figures(results),
    checks,
    data: json,
  });
}

if (import.meta.main) {
  try {
    await main();
  } catch (e) {
    console.error(`lora3d: ${e instanceof Error ? e.message : String(e)} (see --help)`);
    Deno.exit(2);
  }
}
