/**
 * Model and training loops of the OTD experiment (`experiments/otd.ts`, issue 21): a 64 → 32
 * ReLU → 10 softmax classifier, source pretraining, and adaptation by plain fine-tuning, the
 * trajectory boost, or the full OTD losses (spec `compression_optim_attention.md` §10).
 *
 * @module
 */
import {
  adamw,
  add,
  applyLinear,
  crossEntropy,
  distill,
  initLinear,
  type LinearParams,
  relu,
  Rng,
  scale,
  takeRows,
  type Tensor,
  valueAndGrad,
} from "../../mod.ts";
import { CLASSES, type Domains, domains, type LabeledSet, NEW, OLD } from "./otd_digits.ts";

/** Hidden ReLU features. */
export const HIDDEN = 32;
const BATCH = 32;
const FEW_SHOT_WEIGHT = 1, MATCH_WEIGHT = 1000, BOOST = 0.1;
/** The compared methods, in report order. */
export const METHODS = ["finetune", "boost", "otd"] as const;
/** One of {@link METHODS}. */
export type Method = typeof METHODS[number];

function log(msg: string): void {
  console.error(`[otd] ${msg}`);
}

interface Params {
  [k: string]: Tensor;
  w1: Tensor;
  b1: Tensor;
  w2: Tensor;
  b2: Tensor;
}

function initParams(rng: Rng): Params {
  const l1: LinearParams = initLinear(64, HIDDEN, { rng });
  const l2 = initLinear(HIDDEN, CLASSES, { rng });
  return { w1: l1.weight, b1: l1.bias!, w2: l2.weight, b2: l2.bias! };
}

function features(p: Params, x: Tensor): Tensor {
  return relu(applyLinear({ weight: p.w1, bias: p.b1 }, x));
}

function logits(p: Params, f: Tensor): Tensor {
  return applyLinear({ weight: p.w2, bias: p.b2 }, f);
}

function accuracy(p: Params, s: LabeledSet, classes: number[]): number {
  const z = logits(p, features(p, s.x));
  let hit = 0, count = 0;
  for (let i = 0; i < s.y.length; i++) {
    if (!classes.includes(s.y[i])) continue;
    let best = 0;
    for (let c = 1; c < CLASSES; c++) {
      if (z.data[i * CLASSES + c] > z.data[i * CLASSES + best]) best = c;
    }
    hit += best === s.y[i] ? 1 : 0;
    count++;
  }
  return hit / count;
}

function clone(p: Params): Params {
  return { w1: p.w1.clone(), b1: p.b1.clone(), w2: p.w2.clone(), b2: p.b2.clone() };
}

export interface Sizes {
  pretrainSteps: number;
  adaptSteps: number;
  warmup: number;
}

function batchLabels(y: Int32Array, idx: Int32Array): Int32Array {
  return Int32Array.from(idx, (i) => y[i]);
}

/** Source-only pretraining (AdamW), shared by the three methods of a seed. */
function pretrain(d: Domains, rng: Rng, sizes: Sizes): Params {
  const p = initParams(rng);
  const opt = adamw({ lr: 1e-2, weightDecay: 1e-4 });
  const state = opt.init(p);
  for (let t = 0; t < sizes.pretrainSteps; t++) {
    const idx = Int32Array.from(rng.choice(d.source.y.length, BATCH));
    const ys = batchLabels(d.source.y, idx);
    const { grad } = valueAndGrad((q: Params) =>
      crossEntropy(logits(q, features(q, takeRows(d.source.x, idx))), ys)
    )(p);
    opt.step_(p, grad, state);
  }
  return p;
}

/** The two OTD streams on the head, and the loss values seen. */
class OtdStreams {
  readonly dim = CLASSES * (HIDDEN + 1);
  // Deviation (see the module doc): an SVD every L pushes instead of 10·L.
  readonly domain = new distill.CrossDomainStream(this.dim, {
    period: Math.floor(0.8 * this.dim),
  });
  readonly cls = new distill.CrossClassStream(CLASSES, HIDDEN + 1, {
    newClasses: NEW,
    refClasses: OLD,
  });
  readonly lcd: number[] = [];
  readonly lcc: number[] = [];

  /** L_cd (source vs target shots of classes 0–6) + L_cc (target shots), recorded. */
  losses(q: Params, fS: Tensor, ys: Int32Array, fT: Tensor, yT: Int32Array): Tensor {
    const perSample = (f: Tensor, y: ArrayLike<number>): Tensor =>
      distill.softmaxHeadGrads(f, q.w2, q.b2, y);
    const oldRows = Int32Array.from([...yT.keys()].filter((i) => OLD.includes(yT[i])));
    const lcd = this.domain.loss(
      perSample(fS, ys),
      perSample(takeRows(fT, oldRows), batchLabels(yT, oldRows)),
    );
    const lcc = this.cls.loss(perSample(fT, yT));
    this.lcd.push(lcd.data[0]);
    this.lcc.push(lcc.data[0]);
    return add(lcd, lcc);
  }

  /** After the step: feed the banks. */
  pushBanks(): void {
    this.domain.push();
    this.cls.push();
  }
}

interface Adapted {
  params: Params;
  streams: OtdStreams | null;
  booster: InstanceType<typeof distill.TrajectoryBooster> | null;
}

/** Adapts a copy of `p0` with one method; the batches depend only on the seed. */
function adapt(method: Method, p0: Params, d: Domains, seed: number, sizes: Sizes): Adapted {
  const p = clone(p0), rng = new Rng(1_000_003 * (seed + 1));
  const opt = adamw({ lr: 3e-3, weightDecay: 1e-4 });
  const state = opt.init(p);
  const booster = method === "finetune"
    ? null
    : new distill.TrajectoryBooster(p, { factor: BOOST });
  const streams = method === "otd" ? new OtdStreams() : null;
  for (let t = 0; t < sizes.adaptSteps; t++) {
    const idx = Int32Array.from(rng.choice(d.source.y.length, BATCH));
    const ys = batchLabels(d.source.y, idx);
    const { grad } = valueAndGrad((q: Params) => {
      const fS = features(q, takeRows(d.source.x, idx)), fT = features(q, d.fewShot.x);
      const ce = add(
        crossEntropy(logits(q, fS), ys),
        scale(crossEntropy(logits(q, fT), d.fewShot.y), FEW_SHOT_WEIGHT),
      );
      if (streams === null) return ce;
      // The statistics and banks run from the first step; the losses count after the warm-up.
      const match = streams.losses(q, fS, ys, fT, d.fewShot.y);
      return t < sizes.warmup ? ce : add(ce, scale(match, MATCH_WEIGHT));
    })(p);
    streams?.pushBanks();
    opt.step_(p, booster === null ? grad : booster.boost(grad), state);
  }
  return { params: p, streams, booster };
}

export interface SeedResult {
  seed: number;
  sourceVal: number;
  noAdapt: { accOld: number; accNew: number };
  acc: Record<Method, { accOld: number; accNew: number }>;
  val: Record<Method, { accOld: number; accNew: number }>;
  statRank: { m: number; v: number; svds: number };
  clsRank: { m: number; v: number; svds: number };
  trajectory: Record<string, { rank: number; dim: number; svds: number }>;
  lcd: number[];
  lcc: number[];
  closedFormError: number;
}

/** max |closed form − grad| for one source sample's head gradient, on the pretrained model. */
function closedFormError(p: Params, d: Domains): number {
  const x = takeRows(d.source.x, Int32Array.of(0)), y = Int32Array.of(d.source.y[0]);
  const f = features(p, x);
  const g = distill.softmaxHeadGrads(f, p.w2, p.b2, y);
  const { grad } = valueAndGrad((h: { w2: Tensor; b2: Tensor }) =>
    crossEntropy(applyLinear({ weight: h.w2, bias: h.b2 }, f), y)
  )({ w2: p.w2, b2: p.b2 });
  let err = 0;
  for (let c = 0; c < CLASSES; c++) {
    for (let j = 0; j <= HIDDEN; j++) {
      const want = j < HIDDEN ? grad.w2.data[c * HIDDEN + j] : grad.b2.data[c];
      err = Math.max(err, Math.abs(g.data[c * (HIDDEN + 1) + j] - want));
    }
  }
  return err;
}

export function runSeed(all: LabeledSet, seed: number, sizes: Sizes): SeedResult {
  const d = domains(all, seed);
  const t0 = performance.now();
  const p0 = pretrain(d, new Rng(seed), sizes);
  const score = (p: Params): { accOld: number; accNew: number } => ({
    accOld: accuracy(p, d.targetTest, OLD),
    accNew: accuracy(p, d.targetTest, NEW),
  });
  const acc = {} as SeedResult["acc"];
  const val = {} as SeedResult["acc"];
  let otd: Adapted | null = null;
  for (const m of METHODS) {
    const r = adapt(m, p0, d, seed, sizes);
    acc[m] = score(r.params);
    val[m] = {
      accOld: accuracy(r.params, d.targetVal, OLD),
      accNew: accuracy(r.params, d.targetVal, NEW),
    };
    if (m === "otd") otd = r;
  }
  const s = otd!.streams!, trajectory: SeedResult["trajectory"] = {};
  for (const [path, b] of otd!.booster!.banks) {
    trajectory[path] = { rank: b.rank, dim: b.dim, svds: b.svdCount };
  }
  log(
    `seed ${seed}: ${((performance.now() - t0) / 1000).toFixed(1)} s, ${
      METHODS.map((m) => `${m} val old ${val[m].accOld.toFixed(3)} new ${val[m].accNew.toFixed(3)}`)
        .join(", ")
    }`,
  );
  return {
    seed,
    sourceVal: accuracy(p0, d.sourceVal, OLD),
    noAdapt: score(p0),
    acc,
    val,
    statRank: { m: s.domain.bankM.rank, v: s.domain.bankV.rank, svds: s.domain.bankM.svdCount },
    clsRank: { m: s.cls.bankM.rank, v: s.cls.bankV.rank, svds: s.cls.bankM.svdCount },
    trajectory,
    lcd: s.lcd,
    lcc: s.lcc,
    closedFormError: closedFormError(p0, d),
  };
}
