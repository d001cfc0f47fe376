import assert from "node:assert/strict";
import { randn, type Tensor, tensor } from "../../../ops/mod.ts";
import {
  adam,
  adamw,
  clipGradNorm_,
  cosineDecay,
  globalNorm,
  linearWarmup,
  type Optimizer,
  sgd,
  stepDecay,
  warmupCosine,
} from "../../../ops/optim/mod.ts";

const STEPS = 30;
const grads = (seed: number): Tensor[] =>
  Array.from({ length: STEPS }, (_, t) => randn([5], { seed: seed * 1000 + t }));

/** Adam as written in Kingma & Ba (2015), Algorithm 1, plus optional decay variants. */
function referenceAdam(
  p0: number[],
  gs: Tensor[],
  o: { lr: number; b1: number; b2: number; eps: number; wd: number; mode: "l2" | "torchW" | "hfW" },
): number[] {
  const p = [...p0], m = p.map(() => 0), v = p.map(() => 0);
  gs.forEach((g, k) => {
    const t = k + 1;
    if (o.mode === "torchW") { for (let i = 0; i < p.length; i++) p[i] -= o.lr * o.wd * p[i]; }
    for (let i = 0; i < p.length; i++) {
      const gi = g.data[i] + (o.mode === "l2" ? o.wd * p[i] : 0);
      m[i] = o.b1 * m[i] + (1 - o.b1) * gi;
      v[i] = o.b2 * v[i] + (1 - o.b2) * gi * gi;
      if (o.mode === "hfW") {
        // GaLore spec 5a: step = lr·√(1−β2^t)/(1−β1^t), N = M/(√V + ε), decay after
        const step = (o.lr * Math.sqrt(1 - o.b2 ** t)) / (1 - o.b1 ** t);
        p[i] -= step * m[i] / (Math.sqrt(v[i]) + o.eps);
        p[i] -= o.lr * o.wd * p[i];
      } else {
        const mh = m[i] / (1 - o.b1 ** t), vh = v[i] / (1 - o.b2 ** t);
        p[i] -= (o.lr * mh) / (Math.sqrt(vh) + o.eps);
      }
    }
  });
  return p;
}

function run(opt: ReturnType<typeof adam>, gs: Tensor[], p0: number[]): number[] {
  const params = { w: tensor(p0) };
  const state = opt.init(params);
  for (const g of gs) opt.step_(params, { w: g }, state);
  assert.equal(state.step, gs.length);
  return Array.from(params.w.data);
}

function assertAllClose(a: number[], b: number[], tol: number): void {
  a.forEach((x, i) =>
    assert.ok(Math.abs(x - b[i]) <= tol * Math.max(1, Math.abs(b[i])), `${i}: ${x} vs ${b[i]}`)
  );
}

const P0 = [0.5, -1, 2, 0.1, -0.3];

Deno.test("Adam matches Kingma & Ba Algorithm 1 (with and without L2 decay)", () => {
  const gs = grads(1);
  for (const wd of [0, 0.1]) {
    const ours = run(adam({ lr: 0.01, weightDecay: wd, eps: 1e-6 }), gs, P0);
    const ref = referenceAdam(P0, gs, { lr: 0.01, b1: 0.9, b2: 0.999, eps: 1e-6, wd, mode: "l2" });
    assertAllClose(ours, ref, 1e-13);
  }
});

Deno.test("AdamW torch and hf conventions match their reference formulas", () => {
  const gs = grads(2);
  const o = { lr: 0.02, beta1: 0.8, beta2: 0.99, eps: 1e-4, weightDecay: 0.3 };
  const torchW = run(adamw(o), gs, P0);
  const hfW = run(adamw({ ...o, style: "hf" }), gs, P0);
  const ro = { lr: 0.02, b1: 0.8, b2: 0.99, eps: 1e-4, wd: 0.3 };
  assertAllClose(torchW, referenceAdam(P0, gs, { ...ro, mode: "torchW" }), 1e-13);
  assertAllClose(hfW, referenceAdam(P0, gs, { ...ro, mode: "hfW" }), 1e-13);
  // the two conventions really differ (eps placement, decay order)
  assert.ok(Math.abs(torchW[0] - hfW[0]) > 1e-6);
});

Deno.test("SGD momentum and Nesterov follow torch.optim.SGD", () => {
  const gs = grads(3);
  for (const nesterov of [false, true]) {
    const lr = 0.05, mu = 0.9, wd = 0.01;
    const p = [...P0], b = P0.map(() => 0);
    gs.forEach((g, t) => {
      for (let i = 0; i < p.length; i++) {
        const d = g.data[i] + wd * p[i];
        b[i] = t === 0 ? d : mu * b[i] + d;
        p[i] -= lr * (nesterov ? d + mu * b[i] : b[i]);
      }
    });
    const ours = run(sgd({ lr, momentum: mu, nesterov, weightDecay: wd }) as never, gs, P0);
    assertAllClose(ours, p, 1e-13);
  }
  const plain = run(sgd({ lr: 0.1 }) as never, [tensor([1, 1, 1, 1, 1])], P0);
  assertAllClose(plain, P0.map((x) => x - 0.1), 1e-15);
  assert.throws(() => sgd({ lr: 0.1, nesterov: true }), /Nesterov needs momentum/);
});

Deno.test("Adam state is inspectable and replaceable; a wrong replacement is reported", () => {
  const params = { a: { w: tensor([1, 2]) } };
  const opt = adam({ lr: 0.1 });
  const state = opt.init(params);
  assert.deepEqual(Object.keys(state.m), ["a.w"]);
  opt.step_(params, { a: { w: tensor([1, 1]) } }, state);
  assert.deepEqual(Array.from(state.m["a.w"].data).map((x) => +x.toFixed(12)), [0.1, 0.1]);
  state.m["a.w"] = tensor([0, 0]); // e.g. a projected moment written back
  state.v["a.w"] = tensor([0, 0]);
  const before = Array.from(params.a.w.data);
  opt.step_(params, { a: { w: tensor([0, 0]) } }, state);
  assert.deepEqual(Array.from(params.a.w.data), before); // zero moments + zero grad: no move
  state.m["a.w"] = tensor([0, 0, 0]);
  assert.throws(() => opt.step_(params, { a: { w: tensor([0, 0]) } }, state), /state\.m\["a\.w"\]/);
  assert.throws(() => opt.step_(params, { a: { u: tensor([0, 0]) } }, state), /grads has "a\.u"/);
});

Deno.test("Adam minimises a badly scaled quadratic", () => {
  const params = { w: tensor([3, -2]) };
  const opt = adam({ lr: 0.05 });
  const state = opt.init(params);
  for (let t = 0; t < 600; t++) {
    const w = params.w.data;
    opt.step_(params, { w: tensor([2 * 100 * w[0], 2 * 0.01 * (w[1] - 1)]) }, state);
  }
  assert.ok(
    Math.abs(params.w.data[0]) < 1e-2 && Math.abs(params.w.data[1] - 1) < 0.1,
    `${params.w.data}`,
  );
});

Deno.test("clipGradNorm_ scales to maxNorm only when above it; globalNorm does not overflow", () => {
  const g = { a: tensor([3, 0]), b: [tensor([[4]])] };
  assert.equal(globalNorm(g), 5);
  assert.equal(clipGradNorm_(g, 10), 5);
  assert.deepEqual(Array.from(g.a.data), [3, 0]);
  assert.equal(clipGradNorm_(g, 1), 5);
  assert.ok(Math.abs(globalNorm(g) - 1) < 1e-6);
  assert.ok(Math.abs(g.a.data[0] / g.b[0].data[0] - 0.75) < 1e-15);
  assert.ok(Math.abs(globalNorm({ x: tensor([3e200, 4e200]) }) / 5e200 - 1) < 4 * 2 ** -53);
  assert.throws(() => clipGradNorm_({ x: tensor([NaN]) }, 1), /gradient norm is NaN/);
  assert.throws(() => clipGradNorm_(g, 0), /maxNorm/);
});

Deno.test("schedules: step, cosine, warm-up, warm-up + cosine", () => {
  const s = stepDecay({ lr: 0.1, stepSize: 3, gamma: 0.5 });
  assert.deepEqual([0, 2, 3, 6].map(s), [0.1, 0.1, 0.05, 0.025]);
  const c = cosineDecay({ lr: 1, totalSteps: 8, minLr: 0.2 });
  for (let t = 0; t <= 10; t++) {
    const want = 0.2 + 0.4 * (1 + Math.cos((Math.PI * Math.min(t, 8)) / 8));
    assert.ok(Math.abs(c(t) - want) < 1e-15);
  }
  const w = linearWarmup({ lr: 2, warmupSteps: 4 });
  assert.deepEqual([0, 1, 2, 3, 4, 9].map(w), [0.5, 1, 1.5, 2, 2, 2]);
  const wc = warmupCosine({ lr: 1, warmupSteps: 2, totalSteps: 6 });
  assert.deepEqual([0, 1].map(wc), [0.5, 1]);
  assert.ok(Math.abs(wc(4) - 0.5) < 1e-15 && wc(6) === 0);
  assert.throws(() => c(-1), /step must be/);
  assert.throws(() => warmupCosine({ lr: 1, warmupSteps: 5, totalSteps: 5 }), /must exceed/);
  // an optimizer reads its schedule at the step count before the update
  const params = { w: tensor([0]) };
  const opt = sgd({ lr: w });
  const st = opt.init(params);
  opt.step_(params, { w: tensor([1]) }, st);
  opt.step_(params, { w: tensor([1]) }, st);
  assert.equal(params.w.data[0], -1.5);
});

Deno.test("weight decay can skip parameters by path (biases, norm gains)", () => {
  const decay = (path: string): boolean => !path.endsWith("b");
  const opts: Optimizer[] = [
    adamw({ lr: 0.1, weightDecay: 0.5, decay }),
    sgd({ lr: 0.1, weightDecay: 0.5, decay }),
  ];
  for (const opt of opts) {
    const p = { w: tensor([1]), b: tensor([1]) };
    const st = opt.init(p);
    opt.step_(p, { w: tensor([0]), b: tensor([0]) }, st);
    assert.equal(p.b.data[0], 1);
    assert.ok(Math.abs(p.w.data[0] - 0.95) < 1e-15);
  }
});
