import assert from "node:assert/strict";
import { Rng } from "../../../ops/random.ts";
import {
  denormalizePoints,
  headingSpeed,
  movingMask,
  normalizePoints,
  normParams,
} from "../../../methods/trajectory/normalize.ts";

const T = 8;
const EPS = 1e-12;

/** Straight walker of spec §8.4: x_j = (1 + 0.3(j−1), −2 + 0.3(j−1)). */
function straightWalker(): Float64Array {
  const h = new Float64Array(2 * T);
  for (let j = 1; j <= T; j++) {
    h[2 * j - 2] = 1 + 0.3 * (j - 1);
    h[2 * j - 1] = -2 + 0.3 * (j - 1);
  }
  return h;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function randomHistories(n: number, seed: number, scale = 5): Float64Array {
  const rng = new Rng(seed);
  const h = new Float64Array(n * 2 * T);
  for (let i = 0; i < h.length; i++) h[i] = scale * rng.normal();
  return h;
}

Deno.test("straight walker maps to (j − 8, 0) moving and (−0.3√2(8 − j), 0) static (§8.4)", () => {
  const h = straightWalker();
  const moving = normalizePoints(h, normParams(h, T, new Uint8Array([1])));
  const still = normalizePoints(h, normParams(h, T, new Uint8Array([0])));
  for (let j = 1; j <= T; j++) {
    assert.ok(Math.abs(moving[2 * j - 2] - (j - 8)) < EPS * 10);
    assert.ok(Math.abs(moving[2 * j - 1]) < EPS * 10);
    assert.ok(Math.abs(still[2 * j - 2] + 0.3 * Math.SQRT2 * (8 - j)) < EPS * 10);
    assert.ok(Math.abs(still[2 * j - 1]) < EPS * 10);
  }
  assert.ok(Math.abs(headingSpeed(h, T)[0] - 0.3 * Math.SQRT2) < EPS);
});

Deno.test("normalize then denormalize is the identity for both groups (§8.5)", () => {
  const n = 200, h = randomHistories(n, 1);
  const fut = randomHistories(n, 2); // any points of the same agents, here T = 8 too
  for (const rule of [0, 1]) {
    const p = normParams(h, T, new Uint8Array(n).fill(rule));
    for (const pts of [h, fut]) {
      const back = denormalizePoints(normalizePoints(pts, p), p);
      assert.ok(maxAbsDiff(back, pts) < 1e-12 * 20, `rule ${rule}: ${maxAbsDiff(back, pts)}`);
    }
    // Several blocks (modes) at once use the same per-agent parameters.
    const twice = new Float64Array(2 * fut.length);
    const nf = normalizePoints(fut, p);
    twice.set(nf);
    twice.set(nf, nf.length);
    const back2 = denormalizePoints(twice, p, 2);
    assert.ok(maxAbsDiff(back2.subarray(fut.length), fut) < 1e-12 * 20);
  }
});

Deno.test("canonical frame: x'_8 = (0,0) exactly, heading on +x, length 2 when moving (§8.6)", () => {
  const n = 300, h = randomHistories(n, 3);
  for (const rule of [0, 1]) {
    const p = normParams(h, T, new Uint8Array(n).fill(rule));
    const z = normalizePoints(h, p);
    for (let i = 0; i < n; i++) {
      const o = i * 2 * T;
      assert.equal(z[o + 14], 0);
      assert.equal(z[o + 15], 0);
      const raw = Math.hypot(h[o + 14] - h[o + 10], h[o + 15] - h[o + 11]);
      assert.ok(Math.abs(z[o + 11]) < 1e-14 * 10 * raw, "y'_6 is zero to round-off");
      assert.ok(z[o + 10] < 0, "x'_6 < 0");
      if (rule) assert.ok(Math.abs(z[o + 10] + 2) < 1e-12);
    }
  }
});

Deno.test("standing agent: d = 0 gives θ = 0, never −π, and the moving rule rejects it (§2)", () => {
  const h = new Float64Array(2 * T).fill(-1.5); // x_6 = x_8 with negative coordinates
  const p = normParams(h, T, new Uint8Array([0]));
  assert.equal(p.cos[0], 1);
  assert.equal(p.sin[0], 0);
  assert.equal(movingMask(h, T, 0)[0], 0, "the rule is strict: speed 0 is not > 0");
  assert.throws(() => normParams(h, T, new Uint8Array([1])), /normParams: agent 0/);
});

Deno.test("equivariance: rotation + translation, and scale for moving agents (§8.7)", () => {
  const n = 100, h = randomHistories(n, 4), rng = new Rng(5);
  for (let trial = 0; trial < 5; trial++) {
    const phi = rng.uniformIn(-Math.PI, Math.PI), c = rng.uniformIn(0.5, 3);
    const tx = rng.uniformIn(-10, 10), ty = rng.uniformIn(-10, 10);
    const g = new Float64Array(h.length);
    for (let i = 0; i < h.length; i += 2) {
      g[i] = tx + Math.cos(phi) * h[i] - Math.sin(phi) * h[i + 1];
      g[i + 1] = ty + Math.sin(phi) * h[i] + Math.cos(phi) * h[i + 1];
    }
    const gs = g.map((v, i) => c * v + (i % 2 ? ty : tx)); // plus a scale about (−tx/c … ) point
    const ref0 = normalizePoints(h, normParams(h, T, new Uint8Array(n)));
    const rot0 = normalizePoints(g, normParams(g, T, new Uint8Array(n)));
    assert.ok(maxAbsDiff(ref0, rot0) < 1e-11, "static rule: rigid motion invariant");
    const ref1 = normalizePoints(h, normParams(h, T, new Uint8Array(n).fill(1)));
    const sc1 = normalizePoints(gs, normParams(gs, T, new Uint8Array(n).fill(1)));
    assert.ok(maxAbsDiff(ref1, sc1) < 1e-10, "moving rule: similarity invariant");
    // A reflection is not covered: it negates y'.
    const m = h.map((v, i) => (i % 2 ? -v : v));
    const refl = normalizePoints(m, normParams(m, T, new Uint8Array(n)));
    assert.ok(maxAbsDiff(refl.map((v, i) => (i % 2 ? -v : v)), ref0) < 1e-11);
  }
});

Deno.test("movingMask compares speed ‖x₈ − x₆‖/2 strictly with static_dist", () => {
  const h = straightWalker(); // speed 0.3·√2 ≈ 0.4243
  assert.equal(movingMask(h, T, 0.42)[0], 1);
  assert.equal(movingMask(h, T, 0.43)[0], 0);
  assert.equal(movingMask(h, T, headingSpeed(h, T)[0])[0], 0);
  assert.throws(() => movingMask(h, T, -1), RangeError);
  assert.throws(() => headingSpeed(new Float64Array(5), T), /headingSpeed: history/);
  assert.throws(() => normParams(h, T, new Uint8Array(2)), /normParams: scaled has 2/);
  const none = normParams(new Float64Array(0), T, new Uint8Array(0));
  assert.deepEqual(normalizePoints(new Float64Array(0), none), new Float64Array(0));
  assert.throws(() => normalizePoints(new Float64Array(4), none), /0 agents × T × 2, got length 4/);
});
