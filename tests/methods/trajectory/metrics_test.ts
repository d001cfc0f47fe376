import assert from "node:assert/strict";
import { Rng } from "../../../ops/random.ts";
import { bestOfS, collisionRate, pooledMean, tcc } from "../../../methods/trajectory/metrics.ts";

const T = 12;

function path(f: (t: number) => [number, number]): number[] {
  const out: number[] = [];
  for (let t = 1; t <= T; t++) out.push(...f(t));
  return out;
}

Deno.test("toy ADE/FDE: minADE and minFDE come from different samples (§8.21)", () => {
  const truth = Float64Array.from(path((t) => [t, 0]));
  const a = path((t) => [t, 1]), b = path((t) => [1.1 * t, 0]);
  const one = (p: number[]): [number, number] => {
    const r = bestOfS(Float64Array.from(p), truth, 1, T);
    return [r.ade[0], r.fde[0]];
  };
  const close = (x: number, y: number): boolean => Math.abs(x - y) < 1e-12;
  const [adeA, fdeA] = one(a), [adeB, fdeB] = one(b);
  assert.ok(close(adeA, 1) && close(fdeA, 1));
  assert.ok(close(adeB, 0.65) && close(fdeB, 1.2));
  const both = bestOfS(Float64Array.from([...a, ...b]), truth, 2, T);
  assert.ok(close(both.ade[0], 0.65) && close(both.fde[0], 1));
});

Deno.test("ADE/FDE pool over agent-windows, not over scenes (§8.22)", () => {
  // Scene 1: one agent with error 1; scene 2: three exact agents.
  const truth = new Float64Array(4 * 2 * T);
  const pred = truth.slice();
  for (let t = 0; t < T; t++) pred[2 * t] = 1;
  const r = bestOfS(pred, truth, 1, T);
  assert.equal(pooledMean(r.ade), 0.25);
  assert.equal(pooledMean(r.fde), 0.25);
});

Deno.test("bestOfS agrees with a naive per-agent minimum on random data", () => {
  const rng = new Rng(9), S = 5, n = 7;
  const truth = Float64Array.from({ length: n * 2 * T }, () => rng.normal());
  const pred = Float64Array.from({ length: S * truth.length }, () => rng.normal());
  const r = bestOfS(pred, truth, S, T);
  for (let i = 0; i < n; i++) {
    const errs = Array.from({ length: S }, (_, s) =>
      Array.from({ length: T }, (_, t) => {
        const o = s * truth.length + (i * T + t) * 2, g = (i * T + t) * 2;
        return Math.sqrt((pred[o] - truth[g]) ** 2 + (pred[o + 1] - truth[g + 1]) ** 2);
      }));
    const ade = Math.min(...errs.map((e) => e.reduce((x, y) => x + y) / T));
    const fde = Math.min(...errs.map((e) => e[T - 1]));
    assert.ok(Math.abs(r.ade[i] - ade) < 1e-14 * 10 && Math.abs(r.fde[i] - fde) < 1e-14 * 10);
  }
  assert.throws(() => bestOfS(pred, truth, 4, T), /bestOfS: pred has/);
  // A non-finite mode is not skipped by the minimum: the agent's scores become NaN.
  for (const s of [0, S - 1]) {
    const bad = pred.slice();
    bad[s * truth.length + (3 * T + T - 1) * 2] = NaN; // agent 3, mode s, last step
    const rb = bestOfS(bad, truth, S, T);
    assert.ok(Number.isNaN(rb.ade[3]) && Number.isNaN(rb.fde[3]), `NaN in mode ${s}`);
    assert.equal(rb.ade[2], r.ade[2]);
  }
  assert.throws(() => pooledMean([]), RangeError);
});

Deno.test("TCC: diagonal 1, horizontal 0.5, time-reversed −1 (§8.23)", () => {
  const diag = Float64Array.from(path((t) => [t, 2 * t]));
  const horiz = Float64Array.from(path((t) => [t, 3]));
  const rev = Float64Array.from(path((t) => [T + 1 - t, 2 * (T + 1 - t)]));
  assert.ok(Math.abs(tcc(diag, diag, 1, T)[0] - 1) < 1e-12);
  assert.ok(Math.abs(tcc(horiz, horiz, 1, T)[0] - 0.5) < 1e-12);
  assert.ok(Math.abs(tcc(rev, diag, 1, T)[0] + 1) < 1e-12);
  // The mode with the smallest final error is used: reversed path ends far from the truth.
  const two = Float64Array.from([...rev, ...diag]);
  assert.ok(Math.abs(tcc(two, diag, 2, T)[0] - 1) < 1e-12);
  // A non-finite forecast is not mistaken for a constant series (which counts as 0).
  const broken = diag.slice();
  broken[4] = NaN;
  assert.ok(Number.isNaN(tcc(broken, diag, 1, T)[0]));
  const nanEnd = diag.slice();
  nanEnd[2 * T - 1] = NaN;
  assert.ok(Number.isNaN(tcc(Float64Array.from([...diag, ...nanEnd]), diag, 2, T)[0]));
});

Deno.test("COL: meeting at step 1 → 100, far apart → 0, meeting at step 12 ignored (§8.24)", () => {
  const S = 20, sceneStart = new Int32Array([0, 2]);
  const stack = (a: number[], b: number[]): Float64Array => {
    const one = [...a, ...b];
    return Float64Array.from({ length: S * one.length }, (_, i) => one[i % one.length]);
  };
  const a = path((t) => [t, 0]);
  const meet1 = path((t) => [t === 1 ? 1 : t, t === 1 ? 0 : 5]);
  assert.deepEqual(Array.from(collisionRate(stack(a, meet1), sceneStart, S, T)), [100, 100]);
  const far = path((t) => [t, 0.25]);
  assert.deepEqual(Array.from(collisionRate(stack(a, far), sceneStart, S, T)), [0, 0]);
  const meet12 = path((t) => [t, t === 12 ? 0 : 5]);
  assert.deepEqual(Array.from(collisionRate(stack(a, meet12), sceneStart, S, T)), [0, 0]);
  // Between steps: the 14th dense point is a quarter of the way from step 4 to step 5.
  const cross = path((t) => [t, t <= 4 ? 1 : -3]); // y goes 1 → −3 between steps 4 and 5
  // At dense j = 13, y = 1 + 0.25·(−4) = 0 → distance 0 from agent a.
  assert.deepEqual(Array.from(collisionRate(stack(a, cross), sceneStart, S, T)), [100, 100]);
  // Agents in different scenes never collide.
  assert.deepEqual(
    Array.from(collisionRate(stack(a, meet1), new Int32Array([0, 1, 2]), S, T)),
    [0, 0],
  );
});

Deno.test("COL counts the fraction of modes with a collision", () => {
  const a = path((t) => [t, 0]), b = path((t) => [t, 5]), meet = path((t) => [t, 0.1]);
  const modes = [[...a, ...meet], [...a, ...b], [...a, ...b], [...a, ...b]].flat();
  const r = collisionRate(Float64Array.from(modes), new Int32Array([0, 2]), 4, T);
  assert.deepEqual(Array.from(r), [25, 25]);
  const nanPath = path((t) => [t, t === 3 ? NaN : 5]);
  const withNan = collisionRate(
    Float64Array.from([...a, ...nanPath]),
    new Int32Array([0, 2]),
    1,
    T,
  );
  assert.ok(withNan.every(Number.isNaN), `NaN forecast gave ${withNan}`);
  const pred = Float64Array.from(modes);
  assert.throws(() => collisionRate(pred, new Int32Array([1, 2]), 4, T), /must start at 0/);
  assert.throws(() => collisionRate(pred, new Int32Array([0, 3, 2]), 4, T), /decreases at index 2/);
  assert.throws(() => collisionRate(pred, new Int32Array([0, 2]), 0, T), /modes must be .*got 0/);
});
