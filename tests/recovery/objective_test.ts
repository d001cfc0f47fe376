import assert from "node:assert/strict";
import { Rng } from "../../ops/random.ts";
import { Tensor } from "../../ops/tensor.ts";
import { lossAndGradient } from "../../recovery/objective.ts";
import { generateProblem, type RecoveryProblem } from "../../recovery/problem.ts";
import { dot, gaussian, naiveMatmul, randomOrthogonal, relDiff } from "./helpers.ts";

function signs(p: RecoveryProblem, k: number, u: Float64Array, v?: Float64Array): number[] {
  const t = (a: Float64Array, n: number): Tensor => new Tensor(a, [n, k]);
  const vv = v ? t(v, p.op.cols) : undefined;
  return Array.from(lossAndGradient(p, t(u, p.op.rows), { v: vv }).residuals.data, Math.sign);
}

function finiteDifferenceCheck(p: RecoveryProblem, loss: "l1" | "l2", seed: number): void {
  const k = 4, h = 1e-4, rng = new Rng(seed), { rows, cols } = p.op;
  const u = gaussian(rows * k, rng), du = gaussian(rows * k, rng);
  const v = p.asymmetric ? gaussian(cols * k, rng) : undefined;
  const dv = p.asymmetric ? gaussian(cols * k, rng) : undefined;
  const at = (s: number): [Float64Array, Float64Array | undefined] => [
    u.map((x, i) => x + s * du[i]),
    v?.map((x, i) => x + s * dv![i]),
  ];
  const f = (s: number): number => {
    const [a, b] = at(s);
    const vt = b ? new Tensor(b, [cols, k]) : undefined;
    return lossAndGradient(p, new Tensor(a, [rows, k]), { loss, v: vt }).loss;
  };
  if (loss === "l1") {
    // the check is exact only away from kinks: no residual may change sign along the segment
    const s0 = signs(p, k, u, v);
    assert.deepEqual(signs(p, k, ...at(h)), s0);
    assert.deepEqual(signs(p, k, ...at(-h)), s0);
  }
  const vt = v ? new Tensor(v, [cols, k]) : undefined;
  const g = lossAndGradient(p, new Tensor(u, [rows, k]), { loss, v: vt });
  const directional = dot(g.grad.data, du) + (g.gradV ? dot(g.gradV.data, dv!) : 0);
  const fd = (f(h) - f(-h)) / (2 * h);
  // f is piecewise quadratic (l1) or quartic (l2) along the line: the central difference is
  // exact for l1 and has O(h²) error for l2
  const tol = loss === "l1" ? 1e-8 : 1e-6;
  assert.ok(Math.abs(fd - directional) <= tol * Math.abs(directional), `${fd} vs ${directional}`);
}

Deno.test("CP1 sub-gradient equals the central finite difference away from kinks (PSD)", () => {
  const p = generateProblem({
    d: 10,
    rstar: 2,
    m: 50,
    noise: { kind: "outlier", p: 0.2 },
    seed: 1,
  });
  finiteDifferenceCheck(p, "l1", 2);
  finiteDifferenceCheck(p, "l2", 3);
});

Deno.test("CP1 for rank-one and f32 designs and the asymmetric problem", () => {
  const noise = { kind: "outlier", p: 0.2 } as const;
  finiteDifferenceCheck(
    generateProblem({ d: 8, rstar: 2, m: 40, design: "rank-one", noise, seed: 4 }),
    "l1",
    5,
  );
  finiteDifferenceCheck(
    generateProblem({ d: 8, rstar: 2, m: 40, dtype: "f32", noise, seed: 6 }),
    "l1",
    7,
  );
  const asym = generateProblem({
    d: 7,
    cols: 5,
    rstar: 2,
    m: 40,
    asymmetric: true,
    noise,
    seed: 8,
  });
  finiteDifferenceCheck(asym, "l1", 9);
  finiteDifferenceCheck(asym, "l2", 10);
});

Deno.test("CP2 the truth is exactly stationary without noise; f(U*) = mean|s| with outliers", () => {
  const cases = [{ storage: "packed" }, { storage: "full" }, { dtype: "f32" }, {
    design: "rank-one",
  }] as const;
  for (const c of cases) {
    const p = generateProblem({ d: 12, rstar: 3, m: 80, ...c, seed: 11 });
    const g = lossAndGradient(p, p.uStar!);
    assert.equal(g.loss, 0);
    assert.ok(g.residuals.data.every((r) => r === 0));
    assert.ok(g.grad.data.every((x) => x === 0));
  }
  const p = generateProblem({
    d: 12,
    rstar: 3,
    m: 80,
    noise: { kind: "outlier", p: 0.3 },
    seed: 12,
  });
  const meanAbs = p.noise!.reduce((s, x) => s + Math.abs(x), 0) / p.op.m;
  assert.ok(meanAbs > 0);
  assert.ok(Math.abs(lossAndGradient(p, p.uStar!).loss - meanAbs) <= 1e-12 * meanAbs);
});

Deno.test("CP3 rotation invariance: f(UR) = f(U), D(UR) = D(U)·R", () => {
  const p = generateProblem({
    d: 10,
    rstar: 2,
    m: 60,
    noise: { kind: "outlier", p: 0.2 },
    seed: 13,
  });
  const rng = new Rng(14), k = 5;
  const u = gaussian(10 * k, rng);
  const r = randomOrthogonal(k, rng);
  const ur = naiveMatmul(u, r, 10, k, k);
  const a = lossAndGradient(p, new Tensor(u, [10, k])),
    b = lossAndGradient(p, new Tensor(ur, [10, k]));
  assert.ok(Math.abs(a.loss - b.loss) <= 1e-12 * a.loss);
  assert.ok(relDiff(b.grad.data, naiveMatmul(a.grad.data, r, 10, k, k)) <= 1e-10);
});

Deno.test("lossAndGradient rejects bad factors", () => {
  const p = generateProblem({ d: 4, rstar: 1, m: 10 });
  assert.throws(() => lossAndGradient(p, new Tensor(new Float64Array(6), [3, 2])), /u must be 4xk/);
  assert.throws(
    () => lossAndGradient(p, p.uStar!, { loss: "l3" as "l1" }),
    /loss must be "l1" or "l2"/,
  );
  const a = generateProblem({ d: 4, rstar: 1, m: 10, asymmetric: true });
  assert.throws(() => lossAndGradient(a, a.uStar!), /asymmetric problem needs v/);
});
