/**
 * A worker of `experiments/eigentrajectory_select.ts`: trains the EigenTrajectory network of one
 * (variant, seed, fold) job on train with validation-based epoch selection, keeps the network,
 * and scores the test split only when the main thread asks for it (the selected variant), so the
 * selection itself never sees a test number.
 *
 * Messages in: {@link InitMessage}, {@link TrainJob}, {@link ScoreJob}; out: {@link TrainDone},
 * {@link ScoreDone}, or `{ kind: "error", message }`.
 *
 * @module
 */
import {
  anchorCoefficients,
  concatSets,
  decodeFutures,
  encode,
  type ETModel,
  type ETNetwork,
  fitEigenTrajectory,
  type FoldName,
  type ForecastScores,
  loadSplit,
  predictCoefficients,
  scoreForecast,
  splitHistoryFuture,
  STATIC_DIST,
  syntheticScenes,
  trainNetwork,
  type TrajectorySet,
} from "../../methods/trajectory/mod.ts";

/** The design choices under selection (the issue-13 list: speed feature, pooling, social layer). */
export interface Variant {
  /** Add the speed feature. */
  speed: boolean;
  /** Fixed pooled-neighbour features (0: none). */
  neighbours: number;
  /** Neighbour slots of the learned social attention layer (0: none). */
  social: number;
}

/** Where the folds come from and how the descriptor is fitted (the same in every worker). */
export interface InitMessage {
  kind: "init";
  /** ETH/UCY folder, or null for the seeded synthetic scenes (fold name "synthetic"). */
  dataDir: string | null;
  /** k-means restarts of the anchors. */
  nInit: number;
  /** Seed of the descriptor/anchor fit and of the synthetic scenes. */
  seed: number;
  /** Synthetic scene counts are scaled by this (quick mode 0.3). */
  syntheticScale: number;
}

/** Train one network; the worker keeps it under `id`. */
export interface TrainJob {
  kind: "train";
  id: number;
  fold: string;
  variant: Variant;
  seed: number;
  epochs: number;
  hidden: number[];
  relax: number;
  relaxEnd: number;
  mirror: boolean;
}

/** Score the kept network `id` (and the anchors-only forecast) on its fold's test split. */
export interface ScoreJob {
  kind: "score";
  id: number;
}

/** The validation record of a trained job. */
export interface TrainDone {
  kind: "trained";
  id: number;
  /** Validation best-of-20 FDE of the kept (best-validation) epoch. */
  valFde: number;
  valAde: number;
  bestEpoch: number;
  epochs: number;
  seconds: number;
}

/** Test scores of a kept network and of the fold's anchors-only forecast. */
export interface ScoreDone {
  kind: "scored";
  id: number;
  mlp: ForecastScores;
  anchors: ForecastScores;
  agents: number;
}

interface Fold {
  model: ETModel;
  train: TrajectorySet;
  val: TrajectorySet;
}

let init: InitMessage | null = null;
const folds = new Map<string, Fold>();
const nets = new Map<number, { fold: string; net: ETNetwork }>();

function syntheticSplit(split: "train" | "val" | "test"): TrajectorySet {
  const { seed, syntheticScale: q } = init as InitMessage, s = seed * 10;
  const scenes = { train: 1500, val: 300, test: 500 }[split];
  const offset = { train: 1, val: 2, test: 3 }[split];
  return syntheticScenes({ scenes: Math.round(scenes * q), seed: s + offset });
}

function readSplit(fold: string, split: "train" | "val" | "test"): Promise<TrajectorySet> {
  const dir = (init as InitMessage).dataDir;
  return dir === null
    ? Promise.resolve(syntheticSplit(split))
    : loadSplit(dir, fold as FoldName, split);
}

/** The fold's descriptor and anchors, fitted once per worker on train + val (deterministic). */
async function foldOf(name: string): Promise<Fold> {
  const have = folds.get(name);
  if (have) return have;
  const { nInit, seed, dataDir } = init as InitMessage;
  const [train, val] = await Promise.all([readSplit(name, "train"), readSplit(name, "val")]);
  const staticDist = dataDir === null ? 0.35 : STATIC_DIST[name as FoldName];
  const model = fitEigenTrajectory(concatSets([train, val]), { staticDist, nInit, seed });
  const f = { model, train, val };
  folds.set(name, f);
  return f;
}

async function train(job: TrainJob): Promise<TrainDone> {
  const f = await foldOf(job.fold), t0 = performance.now();
  const tr = trainNetwork(f.model, f.train, f.val, {
    epochs: job.epochs,
    hidden: job.hidden,
    neighbours: job.variant.neighbours,
    socialSlots: job.variant.social,
    speed: job.variant.speed,
    relax: job.relax,
    relaxEnd: job.relaxEnd,
    seed: job.seed,
    mirror: job.mirror,
    log: () => {},
  });
  nets.set(job.id, { fold: job.fold, net: tr.net });
  const best = tr.history[tr.bestEpoch - 1];
  return {
    kind: "trained",
    id: job.id,
    valFde: best.valFde,
    valAde: best.valAde,
    bestEpoch: tr.bestEpoch,
    epochs: tr.history.length,
    seconds: (performance.now() - t0) / 1000,
  };
}

async function score(job: ScoreJob): Promise<ScoreDone> {
  const kept = nets.get(job.id);
  if (!kept) throw new RangeError(`score: no trained network with id ${job.id} in this worker`);
  const f = await foldOf(kept.fold), test = await readSplit(kept.fold, "test");
  const enc = encode(f.model, test), truth = splitHistoryFuture(test).future;
  const scoreOf = (coef: Float64Array): ForecastScores =>
    scoreForecast(
      decodeFutures(f.model, enc, coef),
      truth,
      test.sceneStart,
      f.model.modes,
      test.predLen,
    );
  return {
    kind: "scored",
    id: job.id,
    mlp: scoreOf(predictCoefficients(f.model, kept.net, test)),
    anchors: scoreOf(anchorCoefficients(f.model, enc)),
    agents: test.count,
  };
}

async function handle(msg: InitMessage | TrainJob | ScoreJob): Promise<unknown> {
  if (msg.kind === "init") {
    init = msg;
    return { kind: "ready" };
  }
  if (init === null) throw new Error("worker: init must come first");
  return msg.kind === "train" ? await train(msg) : await score(msg);
}

// deno-lint-ignore no-explicit-any
const scope = self as any;
scope.onmessage = async (e: MessageEvent<InitMessage | TrainJob | ScoreJob>) => {
  try {
    scope.postMessage(await handle(e.data));
  } catch (err) {
    scope.postMessage({ kind: "error", message: err instanceof Error ? err.message : String(err) });
  }
};
