/**
 * EigenTrajectory speed (spec eigentrajectory.md §9): fitting the descriptor and anchors of the
 * largest fold (eth: 35 158 train+val agent-windows, 70 316 with the mirror copy), and the
 * evaluation throughput of the anchors-only forecast. Baselines: a naive fit (ml-matrix SVD of
 * the trajectory matrices + a plain Lloyd k-means written the obvious way) and a naive
 * per-agent forecast loop; for the training loss, the same loss composed of autograd ops. numpy is timed separately in the same sitting by
 * `benches/numpy_eigentrajectory.py`. Results: `benches/RESULTS.md`, section "EigenTrajectory (speed)".
 *
 * Reads ETH/UCY from `../shared/data/ethucy` (or `$ETHUCY_DIR`); without it the benches use a
 * synthetic set of the same size and say so in their names.
 */
import { Matrix, SingularValueDecomposition } from "ml-matrix";
import {
  anchorCoefficients,
  bestOfS,
  canonicalGroups,
  concatSets,
  decodeFutures,
  encode,
  fitEigenTrajectory,
  loadFold,
  loadSplit,
  type LossBatch,
  splitHistoryFuture,
  STATIC_DIST,
  syntheticScenes,
  type TrajectorySet,
  wtaLoss,
} from "../methods/trajectory/mod.ts";
import { valueAndGrad } from "../ops/autograd/grad.ts";
import * as ad from "../ops/autograd/ops.ts";
import { randn, Rng } from "../ops/random.ts";
import { Tensor } from "../ops/tensor.ts";

const dir = Deno.env.get("ETHUCY_DIR") ??
  new URL("../../shared/data/ethucy", import.meta.url).pathname;
let fit: TrajectorySet, test: TrajectorySet, staticDist: number, label: string;
try {
  const d = await loadFold(dir, "eth");
  [fit, test, staticDist, label] = [concatSets([d.train, d.val]), d.test, STATIC_DIST.eth, "eth"];
} catch {
  fit = syntheticScenes({ scenes: 10000, seed: 1 });
  test = syntheticScenes({ scenes: 8000, seed: 2 });
  [staticDist, label] = [0.35, "synthetic (no ETH/UCY data)"];
}

/** Lloyd's k-means as one would write it first: random init, full passes, number[][] rows. */
function naiveKmeans(x: number[][], k: number, seed: number, iters = 300): number[][] {
  const rng = new Rng(seed);
  let c = rng.choice(x.length, k).map((i) => [...x[i]]);
  for (let it = 0; it < iters; it++) {
    const sums = c.map((r) => r.map(() => 0)), counts = c.map(() => 0);
    for (const p of x) {
      let best = 0, bd = Infinity;
      c.forEach((q, j) => {
        const d = q.reduce((a, v, t) => a + (v - p[t]) ** 2, 0);
        if (d < bd) [bd, best] = [d, j];
      });
      counts[best]++;
      p.forEach((v, t) => (sums[best][t] += v));
    }
    const next = sums.map((s, j) => (counts[j] ? s.map((v) => v / counts[j]) : c[j]));
    const shift = next.reduce((a, r, j) => a + r.reduce((b, v, t) => b + (v - c[j][t]) ** 2, 0), 0);
    c = next;
    if (shift < 1e-10) break;
  }
  return c;
}

function naiveFit(set: TrajectorySet): number[][][] {
  return canonicalGroups(set, staticDist).map((g) => {
    const rows = (t: typeof g.future): number[][] =>
      Array.from(
        { length: t.shape[0] },
        (_, i) => Array.from(t.data.subarray(i * t.shape[1], (i + 1) * t.shape[1])),
      );
    const f = new Matrix(rows(g.future));
    new SingularValueDecomposition(new Matrix(rows(g.history)), {
      computeLeftSingularVectors: false,
    });
    const svd = new SingularValueDecomposition(f, { computeLeftSingularVectors: false });
    const u = svd.rightSingularVectors.subMatrix(0, 23, 0, 5);
    return naiveKmeans(f.mmul(u).to2DArray(), 20, 0);
  });
}

const few = { n: 3, warmup: 1 };
// The naive fit takes tens of seconds: one timed run.
Deno.bench(`naive fit: ml-matrix SVD + plain Lloyd (${label})`, {
  group: "ET fit, largest fold",
  baseline: true,
  n: 1,
  warmup: 0,
}, () => {
  naiveFit(fit);
});
Deno.bench(`ours: fitEigenTrajectory, nInit 1 (${label})`, {
  group: "ET fit, largest fold",
  ...few,
}, () => {
  fitEigenTrajectory(fit, { staticDist, nInit: 1 });
});
Deno.bench(`ours: fitEigenTrajectory, nInit 10 (${label})`, {
  group: "ET fit, largest fold",
  n: 1,
  warmup: 0,
}, () => {
  fitEigenTrajectory(fit, { staticDist, nInit: 10 });
});
Deno.bench(
  `ours: bases only (modes 0) (${label})`,
  { group: "ET fit, largest fold", ...few },
  () => {
    fitEigenTrajectory(fit, { staticDist, modes: 0 });
  },
);

// Evaluation throughput: anchors-only forecast of every test agent-window plus best-of-20.
const model = fitEigenTrajectory(fit, { staticDist, nInit: 1 });
// Throughput is measured on the largest test split (univ, 24 334 windows) when it is there.
try {
  test = await loadSplit(dir, "univ", "test");
  label = "univ";
} catch {
  // keep the eth (or synthetic) test set
}
const truth = splitHistoryFuture(test).future;
console.error(
  `evaluation set: ${test.count} ${label} test agent-windows (windows/s = count / time)`,
);

function naiveForecast(set: TrajectorySet): number {
  let total = 0;
  const L = 2 * (set.obsLen + set.predLen);
  for (let i = 0; i < set.count; i++) {
    const p = Array.from(set.positions.subarray(i * L, (i + 1) * L));
    const [ox, oy] = [p[14], p[15]], [dx, dy] = [p[14] - p[10], p[15] - p[11]];
    const moving = Math.hypot(dx, dy) / 2 > staticDist ? 1 : 0;
    const th = Math.atan2(dy, dx), lam = moving ? 2 / Math.hypot(dx, dy) : 1;
    const g = model.groups[moving];
    let best = Infinity;
    for (let s = 0; s < 20; s++) {
      let err = 0;
      for (let t = 0; t < 12; t++) {
        let x = 0, y = 0;
        for (let q = 0; q < 6; q++) {
          const a = g.anchors.centroids.data[s * 6 + q];
          x += g.fut.u.data[(2 * t) * 6 + q] * a;
          y += g.fut.u.data[(2 * t + 1) * 6 + q] * a;
        }
        const wx = ox + (x * Math.cos(th) - y * Math.sin(th)) / lam;
        const wy = oy + (x * Math.sin(th) + y * Math.cos(th)) / lam;
        err += Math.hypot(wx - p[16 + 2 * t], wy - p[17 + 2 * t]) / 12;
      }
      best = Math.min(best, err);
    }
    total += best;
  }
  return total / set.count;
}

Deno.bench(`naive per-agent anchors-only forecast + minADE (${test.count} windows)`, {
  group: "ET evaluation throughput",
  baseline: true,
}, () => {
  naiveForecast(test);
});
Deno.bench(`ours: encode + decodeFutures + bestOfS (${test.count} windows)`, {
  group: "ET evaluation throughput",
}, () => {
  const enc = encode(model, test);
  bestOfS(decodeFutures(model, enc, anchorCoefficients(model, enc)), truth, 20, 12);
});

// Training loss: the fused (relaxed) winner-takes-all op versus the same loss composed of
// autograd ops (materialises B × S × T × 2 intermediates on the tape), value + gradient of one
// batch of 256 agents with S = 20 modes, k = 6, T = 12 in the fold's real future bases.
const LB = 256, LS = 20, lk = 6, LT = 12, lrng = new Rng(5);
const lossBatch: LossBatch = {
  anchors: randn([LB, LS, lk], { rng: lrng }),
  group: Uint8Array.from({ length: LB }, (_, i) => i % 2),
  cFut: Float64Array.from({ length: LB * lk }, () => lrng.normal()),
  future: Float64Array.from({ length: LB * 2 * LT }, () => 3 * lrng.normal()),
  invScale: Float64Array.from({ length: LB }, () => lrng.uniformIn(0.3, 2)),
};
const lossC = randn([LB, LS, lk], { seed: 6 });

/** The relaxed WTA loss from composed autograd ops (the reference of the unit tests). */
function composedWta(c: Tensor, b: LossBatch, relax: number): Tensor {
  const pick = (d: Tensor): Tensor => {
    const w = new Float64Array(d.size).fill(relax / LS);
    for (let i = 0; i < LB; i++) {
      let best = 0;
      for (let s = 1; s < LS; s++) if (d.data[i * LS + s] < d.data[i * LS + best]) best = s;
      w[i * LS + best] += 1 - relax;
    }
    return ad.scale(ad.sum(ad.mul(d, new Tensor(w, [LB, LS]))), 1 / LB);
  };
  const et = pick(ad.sqrt(ad.add(
    ad.sum(ad.square(ad.sub(c, new Tensor(b.cFut, [LB, 1, lk]))), { axis: 2 }),
    1e-12,
  )));
  const flat = ad.reshape(c, [LB * LS, lk]);
  const mv = new Float64Array(LB * LS).map((_, r) => b.group[Math.floor(r / LS)]);
  const y = ad.reshape(
    ad.add(
      ad.mul(
        ad.matmul(flat, model.groups[1].fut.u, { transB: true }),
        new Tensor(mv, [LB * LS, 1]),
      ),
      ad.mul(
        ad.matmul(flat, model.groups[0].fut.u, { transB: true }),
        new Tensor(mv.map((v) => 1 - v), [LB * LS, 1]),
      ),
    ),
    [LB, LS, LT, 2],
  );
  const dist = ad.mul(
    ad.sqrt(ad.add(
      ad.sum(ad.square(ad.sub(y, new Tensor(b.future, [LB, 1, LT, 2]))), { axis: 3 }),
      1e-12,
    )),
    new Tensor(b.invScale, [LB, 1, 1]),
  );
  const fde = pick(ad.reshape(ad.sliceAxis(dist, 2, LT - 1, LT), [LB, LS]));
  return ad.add(ad.add(et, pick(ad.mean(dist, { axis: 2 }))), fde);
}

Deno.bench("composed autograd ops: relaxed WTA loss + gradient (B 256, S 20)", {
  group: "ET training loss",
  baseline: true,
}, () => {
  valueAndGrad((c: Tensor) => composedWta(c, lossBatch, 0.05))(lossC);
});
Deno.bench("ours: fused wtaLoss, relax 0.05 + gradient (B 256, S 20)", {
  group: "ET training loss",
}, () => {
  valueAndGrad((c: Tensor) => wtaLoss(model, c, lossBatch, { relax: 0.05 }).total)(lossC);
});
Deno.bench("ours: fused wtaLoss, hard min + gradient (B 256, S 20)", {
  group: "ET training loss",
}, () => {
  valueAndGrad((c: Tensor) => wtaLoss(model, c, lossBatch).total)(lossC);
});
