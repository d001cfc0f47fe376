/**
 * Experiment (issue 15, spec `compression_optim_attention.md` §1): trained rank pruning (Xu et
 * al., "TRP: Trained Rank Pruning for Efficient Deep Neural Networks", IJCAI 2020) of a small
 * ResNet (`lib/trp_resnet.ts`: 3×3 stem, one basic block per stage of 16-32-64 channels, stride
 * 2 into stages 2 and 3) on UCI digits (8×8; the README's split, validation from train only).
 *
 * The same network (same initialisation, same batches, SGD with momentum 0.9 and weight decay
 * 1e-4 as the code, cosine learning rate) is trained normally (baseline) and, once per scheme,
 * with TRP+Nu: every `period` steps (ND: `ndPeriod`, 5 as the official `train_TPR.sh`) each
 * selected conv (every 3×3 conv but the stem) is projected to its energy-0.9 rank in that
 * scheme's reshape and gets the nuclear sub-gradient λ·U_kV_kᵀ (λ = 3e-4). Each TRP model is
 * then factorised without fine-tuning by its scheme with the code's deploy criteria (NC/VH:
 * value 0.05 on the stride-1 convs; ND: energy 0.85 on every selected conv). Reported: test
 * accuracy (fraction) before and after factorisation, MACs per image (the spec's formulas per
 * conv plus the head's matmul; BN and the parameter-free shortcuts not counted), parameters,
 * per-layer ranks, and the measured CPU inference time of the test set (one batch of 360, eval
 * mode, warmed up, median of interleaved repeats) of each factorised network against the
 * original architecture in the same run. `trp` is the NC deployment (the paper's "TRP+Nu
 * channel" row); `baselineAtTrpRanks` is the baseline factorised at the same NC ranks, which
 * shows what the low-rank training adds. Nothing is selected on the test set (no selection is
 * made at all: the settings are the code's defaults; validation accuracies are reported).
 *
 * `deno run -A experiments/compress_trp.ts [--quick] [--seed N] [--data DIR] [--out DIR]
 * [--json FILE]` (the same as `experiments/compress.ts trp …`).
 *
 * @module
 */
import {
  compression,
  conv2d,
  type Conv2dShapeOptions,
  cosineDecay,
  crossEntropy,
  Rng,
  sgd,
  type Tensor,
  valueAndGrad,
} from "../mod.ts";
import { compressMain, type CompressRun, type CompressRunOptions } from "./lib/compress_cli.ts";
import { digitsSplit, imageRows, type ImageSet } from "./lib/digits_images.ts";
import {
  applyResnet,
  type ConvSite,
  initResnet,
  type ResnetConfig,
  type ResnetConvHook,
  resnetConvs,
  type ResnetParams,
  type ResnetState,
} from "./lib/trp_resnet.ts";
import { trpReport, type TrpSchemeRow } from "./lib/trp_report.ts";

/** Sizes and hyperparameters of a run (tests shrink them). */
export interface TrpSettings {
  /** Network shape. */
  config: ResnetConfig;
  /** Training epochs of each model. */
  epochs: number;
  /** Minibatch size. */
  batch: number;
  /** Peak learning rate (cosine decay to 0). */
  lr: number;
  /** Nuclear-norm weight λ. */
  nuclear: number;
  /** Projection period m of NC and VH training. */
  period: number;
  /** Projection period of ND training (the official `train_TPR.sh` uses 5 with ND). */
  ndPeriod: number;
  /** Interleaved timing repeats. */
  timingReps: number;
  /** Validation share of the train rows. */
  valFraction: number;
}

function settings(o: CompressRunOptions, over: Partial<TrpSettings>): TrpSettings {
  return {
    config: { widths: [16, 32, 64], blocks: 1, inChannels: 1, size: 8, classes: 10 },
    epochs: o.quick ? 4 : 30,
    batch: 32,
    lr: 0.05,
    nuclear: 3e-4,
    period: 1,
    ndPeriod: 5,
    timingReps: o.quick ? 3 : 15,
    valFraction: 0.2,
    ...over,
  };
}

/** A trained network. */
interface Trained {
  params: ResnetParams;
  state: ResnetState;
  losses: number[];
  ranks: [number, number][];
}

function train(
  s: TrpSettings,
  set: ImageSet,
  seed: number,
  trp: compression.TrpRegularizer | null,
  label: string,
): Trained {
  const cfg = s.config, init = initResnet(cfg, seed), params = init.params;
  let state = init.state;
  const perEpoch = Math.ceil(set.y.length / s.batch), total = perEpoch * s.epochs;
  const opt = sgd({
    lr: cosineDecay({ lr: s.lr, totalSteps: total }),
    momentum: 0.9,
    weightDecay: 1e-4,
  });
  const ost = opt.init(params);
  const selected = resnetConvs(cfg).filter((c) => c.name !== "stem").map((c) => c.name);
  const kernels = Object.fromEntries(selected.map((n) => [n, params.convs[n].weight]));
  let next = state;
  const vg = valueAndGrad((p: ResnetParams, x: Tensor, y: Int32Array) => {
    const r = applyResnet(cfg, p, state, x, { training: true });
    next = r.state;
    return crossEntropy(r.logits, y);
  });
  const losses: number[] = [], ranks: [number, number][] = [];
  const t0 = performance.now();
  let step = 0;
  for (let e = 0; e < s.epochs; e++) {
    const order = new Rng(seed * 1000 + e).permutation(set.y.length);
    let sum = 0;
    for (let b = 0; b < perEpoch; b++, step++) {
      const r = trp?.project_(step, kernels);
      if (r) ranks.push([step, meanRank(r)]);
      const batch = imageRows(set, order.slice(b * s.batch, (b + 1) * s.batch));
      const { value, grad } = vg(params, batch.x, batch.y);
      state = next;
      const g = grad as ResnetParams;
      trp?.addNuclear_(step, Object.fromEntries(selected.map((n) => [n, g.convs[n].weight])));
      opt.step_(params, g, ost);
      sum += value.data[0];
    }
    losses.push(sum / perEpoch);
    const el = (performance.now() - t0) / 1000, eta = (el / (e + 1)) * (s.epochs - e - 1);
    console.error(
      `[trp] ${label} epoch ${e + 1}/${s.epochs} loss ${losses[e].toFixed(4)}${
        trp ? ` mean rank ${ranks[ranks.length - 1][1].toFixed(2)}` : ""
      } ${el.toFixed(0)}s, ETA ${eta.toFixed(0)}s`,
    );
  }
  return { params, state, losses, ranks };
}

function meanRank(r: Record<string, number[]>): number {
  const all = Object.values(r).flat();
  return all.reduce((a, b) => a + b, 0) / all.length;
}

function accuracy(s: TrpSettings, t: Trained, set: ImageSet, conv?: ResnetConvHook): number {
  let right = 0;
  for (let i = 0; i < set.y.length; i += 256) {
    const idx = Array.from({ length: Math.min(256, set.y.length - i) }, (_, k) => i + k);
    const b = imageRows(set, idx);
    const { logits } = applyResnet(s.config, t.params, t.state, b.x, { training: false, conv });
    const c = logits.shape[1];
    for (let r = 0; r < idx.length; r++) {
      let best = 0;
      for (let k = 1; k < c; k++) if (logits.data[r * c + k] > logits.data[r * c + best]) best = k;
      if (best === b.y[r]) right++;
    }
  }
  return right / set.y.length;
}

/** A network deployed with one scheme: the conv hook, ranks, MACs and parameters. */
interface Deployed {
  hook: ResnetConvHook;
  ranks: Record<string, number>;
  macs: number;
  params: number;
}

function headAndBn(s: TrpSettings, sites: ConvSite[]): number {
  const w = s.config.widths[s.config.widths.length - 1];
  return sites.reduce((a, c) => a + 2 * c.shape[0], 0) + w * s.config.classes + s.config.classes;
}

/**
 * Factorises the selected convs of `t` by `scheme` (NC/VH: stride-1 convs only, as the code);
 * `ranks` fixes the rank per conv instead of the deploy criterion.
 */
function deploy(
  s: TrpSettings,
  t: Trained,
  scheme: compression.TrpScheme | null,
  ranks?: Record<string, number>,
): Deployed {
  const sites = resnetConvs(s.config), f: Record<string, compression.TrpFactorised> = {};
  const out: Record<string, number> = {};
  let macs = s.config.widths[s.config.widths.length - 1] * s.config.classes,
    params = headAndBn(s, sites);
  for (const c of sites) {
    const use = scheme !== null && c.name !== "stem" && (scheme === "nd" || c.opts.stride === 1);
    if (!use) {
      macs += compression.trpMacsPerPixel(c.shape, "original") * c.out * c.out;
      params += t.params.convs[c.name].weight.size;
      continue;
    }
    const d = compression.trpDecompose(t.params.convs[c.name], {
      scheme,
      ...c.opts,
      ...(ranks ? { rank: ranks[c.name] } : {}),
    });
    f[c.name] = d;
    out[c.name] = d.rank;
    macs += compression.trpMacsPerPixel(c.shape, scheme, d.rank) * c.out * c.out;
    params += d.convs.reduce((a, k) => a + k.params.weight.size, 0);
  }
  const hook: ResnetConvHook = (name, x, p, opts: Conv2dShapeOptions) =>
    f[name] ? compression.applyTrpFactorised(f[name], x) : conv2d(x, p.weight, opts);
  return { hook, ranks: out, macs, params };
}

function median(v: number[]): number {
  const a = [...v].sort((x, y) => x - y), m = a.length >> 1;
  return a.length % 2 ? a[m] : (a[m - 1] + a[m]) / 2;
}

/** Median ms of an eval forward of `x` per hook, repeats interleaved (the machine is shared). */
function timeForward(
  s: TrpSettings,
  t: Trained,
  x: Tensor,
  hooks: Record<string, ResnetConvHook | undefined>,
): Record<string, number> {
  const run = (h?: ResnetConvHook): void => {
    applyResnet(s.config, t.params, t.state, x, { training: false, conv: h });
  };
  const times: Record<string, number[]> = {};
  for (const [k, h] of Object.entries(hooks)) {
    run(h);
    run(h);
    times[k] = [];
  }
  for (let r = 0; r < s.timingReps; r++) {
    for (const [k, h] of Object.entries(hooks)) {
      const t0 = performance.now();
      run(h);
      times[k].push(performance.now() - t0);
    }
  }
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
}

/** Mean energy-0.9 NC rank of the selected kernels (the training criterion), and per layer. */
function energyRanks(t: Trained): Record<string, number> {
  return Object.fromEntries(
    Object.entries(t.params.convs).filter(([n]) => n !== "stem").map(([n, c]) => [
      n,
      compression.trpProject(c.weight, { criterion: { energy: 0.9 } }).ranks[0],
    ]),
  );
}

const SCHEMES = ["nc", "vh", "nd"] as const;
type Scheme = typeof SCHEMES[number];

/**
 * Runs the experiment and returns the issue's JSON (accuracies as fractions) and the report.
 * `over` replaces settings (tests use tiny networks).
 *
 * @example
 * ```ts ignore
 * const { json } = await runTrp({ quick: true, seed: 0 });
 * ```
 */
export function runTrp(
  o: CompressRunOptions,
  over: Partial<TrpSettings> = {},
): Promise<CompressRun> {
  const t0 = performance.now();
  const s = settings(o, over);
  const split = digitsSplit(o.data, o.seed, s.valFraction);
  console.error(
    `[trp] ${split.source}: ${split.train.y.length} train / ${split.val.y.length} val / ${split.test.y.length} test; widths ${s.config.widths}, ${s.epochs} epochs, λ ${s.nuclear}, period ${s.period} (ND ${s.ndPeriod}); 4 models`,
  );
  const base = train(s, split.train, o.seed, null, "baseline");
  // One TRP+Nu model per scheme: the projection reshape matches the deployment (as the code).
  const trained = Object.fromEntries(SCHEMES.map((k) => {
    const period = k === "nd" ? s.ndPeriod : s.period;
    const reg = new compression.TrpRegularizer({ scheme: k, nuclear: s.nuclear, period });
    return [k, train(s, split.train, o.seed, reg, `trp+nu ${k}`)];
  })) as Record<Scheme, Trained>;
  const orig = deploy(s, base, null);
  const dep = Object.fromEntries(SCHEMES.map((k) => [k, deploy(s, trained[k], k)])) as Record<
    Scheme,
    Deployed
  >;
  const atRanks = deploy(s, base, "nc", dep.nc.ranks);
  const ms = timeForward(s, trained.nc, split.test.x, {
    original: undefined,
    nc: dep.nc.hook,
    vh: dep.vh.hook,
    nd: dep.nd.hook,
  });
  const acc = (t: Trained, set: ImageSet, h?: ResnetConvHook): number => accuracy(s, t, set, h);
  const schemes = Object.fromEntries(SCHEMES.map((k) => [k, {
    acc: acc(trained[k], split.test, dep[k].hook),
    macs: dep[k].macs,
    inferenceMs: ms[k],
    params: dep[k].params,
    valAcc: acc(trained[k], split.val, dep[k].hook),
    undecomposedAcc: acc(trained[k], split.test),
    speedup: ms.original / ms[k],
    macReduction: orig.macs / dep[k].macs,
    ranks: dep[k].ranks,
  }])) as Record<Scheme, TrpSchemeRow>;
  const json = {
    baseline: {
      acc: acc(base, split.test),
      macs: orig.macs,
      params: orig.params,
      inferenceMs: ms.original,
      valAcc: acc(base, split.val),
      energyRanks: energyRanks(base),
    },
    trp: {
      acc: schemes.nc.acc,
      macs: schemes.nc.macs,
      params: schemes.nc.params,
      ranks: schemes.nc.ranks,
      undecomposedAcc: schemes.nc.undecomposedAcc,
      energyRanks: energyRanks(trained.nc),
    },
    schemes,
    speedup: schemes.nc.speedup,
    macReduction: schemes.nc.macReduction,
    baselineAtTrpRanks: { acc: acc(base, split.test, atRanks.hook), macs: atRanks.macs },
    settings: { ...s, data: split.source, seed: o.seed },
    seconds: (performance.now() - t0) / 1000,
  };
  const curves = { baseline: base.losses, trp: trained.nc.losses, ranks: trained.nc.ranks };
  return Promise.resolve({ json, report: trpReport(json, curves) });
}

if (import.meta.main) {
  await compressMain("trp", runTrp, Deno.args, "experiments/compress_trp.ts");
}
