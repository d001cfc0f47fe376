import assert from "node:assert/strict";
import { fitAnchors } from "../../../methods/trajectory/anchors.ts";
import { splitHistoryFuture, type TrajectorySet } from "../../../methods/trajectory/dataset.ts";
import { fitBasis, project, reconstruct } from "../../../methods/trajectory/descriptor.ts";
import { bestOfS, pooledMean } from "../../../methods/trajectory/metrics.ts";
import {
  anchorCoefficients,
  decodeFutures,
  encode,
  type ETModel,
  fitEigenTrajectory,
} from "../../../methods/trajectory/model.ts";
import { normalizePoints } from "../../../methods/trajectory/normalize.ts";
import { syntheticModeFutures, syntheticScenes } from "../../../methods/trajectory/synthetic.ts";
import { kmeans } from "../../../ops/linalg/kmeans.ts";
import { Tensor } from "../../../ops/tensor.ts";

/** Mean per-point L2 distance between two flattened paths. */
function meanL2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i += 2) s += Math.hypot(a[i] - b[i], a[i + 1] - b[i + 1]);
  return s / (a.length / 2);
}

function rowsOf(t: Tensor): Float64Array[] {
  const [n, w] = t.shape;
  return Array.from({ length: n }, (_, i) => t.data.slice(i * w, (i + 1) * w) as Float64Array);
}

Deno.test("synthetic three-mode futures: K = 3 anchors recover the modes (§8.18)", () => {
  const d = syntheticModeFutures({ perMode: 300, sigma: 0.05, seed: 0 });
  const x = new Tensor(d.futures, [900, 24]);
  const basis = fitBasis(x, 6);
  const anchors = fitAnchors(project(basis, x), 3, { seed: 0, nInit: 10 });
  const paths = rowsOf(reconstruct(basis, anchors.centroids));
  for (const mean of d.means) {
    const best = Math.min(...paths.map((p) => meanL2(p, mean)));
    assert.ok(best <= 0.05, `mode recovered within 0.05 (got ${best})`);
  }
});

Deno.test("synthetic three-mode futures: K = 20 anchors lie on the modes, best-of-20 at noise floor (§8.18)", () => {
  const sigma = 0.05;
  const d = syntheticModeFutures({ perMode: 300, sigma, seed: 1 });
  const x = new Tensor(d.futures, [900, 24]);
  const basis = fitBasis(x, 6);
  const anchors = fitAnchors(project(basis, x), 20, { seed: 0, nInit: 10 });
  const paths = reconstruct(basis, anchors.centroids);
  for (const p of rowsOf(paths)) {
    const near = Math.min(...d.means.map((m) => meanL2(p, m)));
    assert.ok(near <= 0.05, `every anchor within 0.05 of a mode (got ${near})`);
  }
  // Fresh samples, scored best-of-20 against the 20 anchor paths.
  const fresh = syntheticModeFutures({ perMode: 300, sigma, seed: 2 }).futures;
  const pred = new Float64Array(20 * fresh.length);
  for (let s = 0; s < 20; s++) {
    for (let i = 0; i < 900; i++) {
      pred.set(paths.data.subarray(s * 24, s * 24 + 24), (s * 900 + i) * 24);
    }
  }
  const ade = pooledMean(bestOfS(pred, fresh, 20, 12).ade);
  assert.ok(ade <= sigma * Math.sqrt(Math.PI / 2), `best-of-20 ADE ${ade} ≤ noise floor`);
});

const SET = syntheticScenes({ scenes: 150, seed: 3 });
const MODEL = fitEigenTrajectory(SET, { staticDist: 0.35, modes: 8, nInit: 3, seed: 0 });

function anchorsOnly(model: ETModel, set: TrajectorySet): Float64Array {
  const e = encode(model, set);
  return decodeFutures(model, e, anchorCoefficients(model, e));
}

/** Applies p ↦ c·R(φ)·p + t to every point of a flat x/y array. */
function similarity(
  pts: Float64Array,
  phi: number,
  c: number,
  tx: number,
  ty: number,
): Float64Array {
  const out = new Float64Array(pts.length), co = Math.cos(phi), si = Math.sin(phi);
  for (let i = 0; i < pts.length; i += 2) {
    out[i] = tx + c * (co * pts[i] - si * pts[i + 1]);
    out[i + 1] = ty + c * (si * pts[i] + co * pts[i + 1]);
  }
  return out;
}

function transformed(
  set: TrajectorySet,
  phi: number,
  c: number,
  tx: number,
  ty: number,
): TrajectorySet {
  return { ...set, positions: similarity(set.positions, phi, c, tx, ty) };
}

Deno.test("anchors only (r = 0): outputs are the de-normalized anchor paths (§8.19)", () => {
  const e = encode(MODEL, SET);
  const out = decodeFutures(MODEL, e, anchorCoefficients(MODEL, e));
  const n = SET.count, S = MODEL.modes;
  for (let s = 0; s < S; s++) {
    // Normalizing the outputs with each agent's own parameters must give U_k·a_s exactly.
    const block = normalizePoints(out.slice(s * n * 24, (s + 1) * n * 24), e.params);
    for (let i = 0; i < n; i++) {
      const g = MODEL.groups[e.group[i]];
      const a = new Tensor(g.anchors.centroids.data.slice(s * 6, s * 6 + 6), [1, 6]);
      const want = reconstruct(g.fut, a).data;
      for (let j = 0; j < 24; j++) assert.ok(Math.abs(block[i * 24 + j] - want[j]) < 1e-11);
    }
  }
});

Deno.test("anchors only: rigid motions move the outputs the same way (§8.19)", () => {
  const base = anchorsOnly(MODEL, SET);
  const [phi, tx, ty] = [1.1, -7, 3];
  const moved = anchorsOnly(MODEL, transformed(SET, phi, 1, tx, ty));
  const want = similarity(base, phi, 1, tx, ty);
  let err = 0;
  for (let i = 0; i < want.length; i++) err = Math.max(err, Math.abs(moved[i] - want[i]));
  assert.ok(err < 1e-10, `max deviation ${err}`);
});

Deno.test("anchors only: scaling scales moving outputs, static ones only move (§8.19)", () => {
  const c = 1.25, [px, py] = [2, -1]; // scale by c about (px, py)
  const scaled = transformed(SET, 0, c, px * (1 - c), py * (1 - c));
  const e0 = encode(MODEL, SET), e1 = encode(MODEL, scaled);
  const base = anchorsOnly(MODEL, SET), out = anchorsOnly(MODEL, scaled);
  const n = SET.count;
  let checkedMoving = 0, checkedStatic = 0;
  const { history } = splitHistoryFuture(SET);
  for (let i = 0; i < n; i++) {
    if (e0.group[i] !== e1.group[i]) continue; // the group changed: not covered by the property
    const ox = history[i * 16 + 14], oy = history[i * 16 + 15];
    for (let s = 0; s < MODEL.modes; s++) {
      for (let t = 0; t < 12; t++) {
        const o = ((s * n + i) * 12 + t) * 2;
        const [bx, by] = [base[o], base[o + 1]];
        // moving: c·(b − p) + p; static: b shifted by the displacement of its origin x₈.
        const wx = e0.group[i] ? px + c * (bx - px) : bx + (c - 1) * (ox - px);
        const wy = e0.group[i] ? py + c * (by - py) : by + (c - 1) * (oy - py);
        assert.ok(Math.abs(out[o] - wx) < 1e-10 && Math.abs(out[o + 1] - wy) < 1e-10);
      }
    }
    if (e0.group[i]) checkedMoving++;
    else checkedStatic++;
  }
  assert.ok(checkedMoving > 20 && checkedStatic > 20, `${checkedMoving} / ${checkedStatic}`);
});

Deno.test("fitAnchors: an emptied cluster keeps its previous centre (§4.1)", () => {
  // Few distinct points, so k-means++ picks coinciding centres and ties empty clusters.
  const x = new Tensor(Float64Array.from({ length: 400 }, (_, q) => (q * 7919) % 5), [200, 2]);
  const opts = { seed: 12, nInit: 4, maxIter: 300 };
  const a = fitAnchors(x, 6, opts);
  const keep = kmeans(x, 6, { ...opts, emptyCluster: "keep" });
  const far = kmeans(x, 6, { ...opts, emptyCluster: "farthest" });
  assert.deepEqual(Array.from(a.centroids.data), Array.from(keep.centroids.data));
  assert.deepEqual(Array.from(a.labels), Array.from(keep.labels));
  assert.equal(a.inertia, keep.inertia);
  // The case must tell the two rules apart, or it would not test the choice.
  assert.ok(far.centroids.data.some((v, i) => v !== keep.centroids.data[i]));
});

Deno.test("fitAnchors and fitEigenTrajectory reject bad input", () => {
  assert.throws(
    () => fitAnchors(new Tensor(new Float64Array(6), [3, 2]), 4),
    /3 points cannot make 4/,
  );
  assert.throws(() => fitAnchors(new Tensor(new Float64Array(6), [3, 2]), 0), /fitAnchors: S/);
  assert.throws(() => fitEigenTrajectory(SET, { staticDist: -1 }), /staticDist/);
  assert.throws(() => fitEigenTrajectory(SET, { staticDist: 0.3, k: 17 }), /k must be/);
  assert.throws(() => fitEigenTrajectory(SET, { staticDist: 0.3, modes: 1e6 }), /fewer than/);
  assert.throws(
    () => decodeFutures(MODEL, encode(MODEL, SET), new Float64Array(3)),
    /decodeFutures/,
  );
});
