import assert from "node:assert/strict";
import { matmul } from "../../../ops/matmul.ts";
import { randn } from "../../../ops/random.ts";
import { solve } from "../../../ops/linalg/solve.ts";
import { add, sub } from "../../../ops/elementwise.ts";
import { eye, reshape, type Tensor, tensor } from "../../../ops/mod.ts";
import {
  flexoraParamCount,
  flexoraSearch,
  gatedDelta,
  selectLayers,
  unrolledHypergradient,
} from "../../../methods/adapters/flexora.ts";
import { lora, loraFromFactors } from "../../../methods/adapters/lora.ts";
import { maxAbs, maxDiff } from "./helpers.ts";

// Toy bilevel problem of the spec (§15, property 1): p = dim θ, q = dim α.
const [P, Q] = [5, 3];
const M = randn([P, P], { seed: 1 });
const H = add(matmul(M, M, { transA: true }), eye(P)); // SPD
const G = randn([P, Q], { seed: 2 }), g0 = randn([P, 1], { seed: 3 });
const E = randn([4, P], { seed: 4 }), c = randn([4, 1], { seed: 5 });
const theta0 = reshape(randn([P], { seed: 6 }), [P]);
const col = (t: Tensor): Tensor => reshape(t, [t.size, 1]);
const flat = (t: Tensor): Tensor => reshape(t, [t.size]);

const trainGrad = (theta: Tensor, alpha: Tensor): { theta: Tensor; alpha: Tensor } => ({
  // ∇_θ = Hθ − g0 − Gα, ∇_α = −Gᵀθ
  theta: flat(sub(sub(matmul(H, col(theta)), g0), matmul(G, col(alpha)))),
  alpha: negate(flat(matmul(G, col(theta), { transA: true }))),
});
const valGrad = (theta: Tensor, _alpha: Tensor): { theta: Tensor; alpha: Tensor } => ({
  theta: flat(matmul(E, sub(matmul(E, col(theta)), c), { transA: true })),
  alpha: tensor(new Array(Q).fill(0)),
});

function negate(t: Tensor): Tensor {
  const o = t.clone();
  for (let i = 0; i < o.size; i++) o.data[i] = -o.data[i];
  return o;
}

function valLoss(theta: Tensor): number {
  const r = sub(matmul(E, col(theta)), c);
  return 0.5 * Array.from(r.data).reduce((a, x) => a + x * x, 0);
}

function unroll(alpha: Tensor, k: number, lr: number): Tensor {
  let th = theta0;
  for (let j = 0; j < k; j++) {
    const g = trainGrad(th, alpha).theta;
    th = tensor(Array.from(th.data, (v, i) => v - lr * g.data[i]));
  }
  return th;
}

Deno.test("Flexora UD hypergradient = closed form H⁻¹(I − (I − ηH)^K)G and = η Σ (I − ηH)^j G; matches FD", () => {
  const alpha = tensor([0.3, -0.2, 0.5]);
  const lr = 0.5 / maxAbs(H) / P;
  for (const k of [1, 3, 6]) {
    const { grad, thetaK } = unrolledHypergradient(trainGrad, valGrad, theta0, alpha, {
      lr,
      steps: k,
    });
    // Closed form and the power-sum form of dθ_K/dα.
    const step = sub(eye(P), scaleT(H, lr));
    let pow = eye(P), sumPow = eye(P).clone();
    for (let i = 0; i < P * P; i++) sumPow.data[i] = 0;
    for (let j = 0; j < k; j++) {
      sumPow = add(sumPow, pow);
      pow = matmul(pow, step);
    }
    const jacSum = scaleT(matmul(sumPow, G), lr);
    const jacClosed = solve(H, matmul(sub(eye(P), pow), G));
    assert.ok(maxDiff(jacSum, jacClosed) <= 1e-12 * maxAbs(jacClosed));
    const want = flat(matmul(jacClosed, col(valGrad(thetaK, alpha).theta), { transA: true }));
    assert.ok(
      maxDiff(grad, want) <= 1e-6 * maxAbs(want),
      `K = ${k}: ${maxDiff(grad, want)} vs ${maxAbs(want)}`,
    );
    // Central differences of L_val(θ_K(α)) in α.
    for (let q = 0; q < Q; q++) {
      const h = 1e-5;
      const ap = alpha.clone(), am = alpha.clone();
      ap.data[q] += h;
      am.data[q] -= h;
      const fd = (valLoss(unroll(ap, k, lr)) - valLoss(unroll(am, k, lr))) / (2 * h);
      assert.ok(Math.abs(fd - grad.data[q]) <= 1e-6 * maxAbs(want) + 1e-9, `FD q=${q}`);
    }
  }
});

function scaleT(t: Tensor, s: number): Tensor {
  const o = t.clone();
  for (let i = 0; i < o.size; i++) o.data[i] *= s;
  return o;
}

Deno.test("Flexora K = 1: dL_val/dα = ∂_α L_val − η (∂_θ L_val)ᵀ ∂²_{θα} L_train; first-order variant", () => {
  const alpha = tensor([1, 0, -1]);
  const lr = 0.01;
  const { grad, thetaK } = unrolledHypergradient(trainGrad, valGrad, theta0, alpha, { lr });
  // ∂²_{θα} L_train = −G, ∂_α L_val = 0.
  const want = flat(scaleT(matmul(G, col(valGrad(thetaK, alpha).theta), { transA: true }), lr));
  assert.ok(maxDiff(grad, want) <= 1e-7 * maxAbs(want));
  const fo = unrolledHypergradient(trainGrad, valGrad, theta0, alpha, { lr, firstOrder: true });
  assert.equal(maxAbs(fo.grad), 0);
  // The search lowers the validation loss.
  const start = valLoss(theta0);
  const res = flexoraSearch(trainGrad, valGrad, theta0, tensor([0, 0, 0]), {
    lr: 0.02,
    iterations: 200,
  });
  assert.ok(valLoss(res.theta) < 0.5 * start, `${start} → ${valLoss(res.theta)}`);
});

Deno.test("Flexora gates, selection and final parameter count", () => {
  const st = loraFromFactors(randn([2, 4], { seed: 7 }), randn([3, 2], { seed: 8 }));
  assert.equal(maxAbs(gatedDelta(st, 0)), 0);
  assert.deepEqual(gatedDelta(st, 1).data, lora.delta(st).data);
  assert.deepEqual(selectLayers(tensor([0.2, -0.9, 0.2, 0.1, 0.9])), [0, 1, 4]);
  assert.deepEqual(selectLayers(tensor([0.5, 0.5, 0.5, 0.5]), 2), [0, 1], "ties: lower index");
  assert.deepEqual(selectLayers(tensor([3, 1, 2]), 1), [0]);
  assert.throws(() => selectLayers(tensor([1, 2]), 3), /k must be an integer in \[0, 2\], got 3/);
  const blocks = Array.from(
    { length: 4 },
    () => [[4096, 4096], [4096, 4096]] as [number, number][],
  );
  assert.equal(flexoraParamCount(blocks, [0, 3], 8), 4 * 65_536);
  assert.equal(flexoraParamCount(blocks, [2], 8), 2 * 65_536);
  assert.throws(
    () => flexoraParamCount(blocks, [blocks.length], 8),
    /selected block \d+ is outside/,
  );
});
