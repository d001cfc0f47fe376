/** Natural GaLore: the checkable properties of spec §5b and the optimizer against a reference. */
import assert from "node:assert/strict";
import { eye, randn, type Tensor, tensor } from "../../../ops/mod.ts";
import { solve } from "../../../ops/linalg/solve.ts";
import { matmul } from "../../../ops/matmul.ts";
import { adamw } from "../../../ops/optim/adam.ts";
import {
  emptyHistory,
  galoreAdamW,
  historyVectors,
  naturalGaloreAdamW,
  naturalGradient,
  optimizerStateBytes,
  pushHistory,
} from "../../../methods/optim/mod.ts";

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};
const norm = (a: ArrayLike<number>): number =>
  Math.sqrt(Array.from(a).reduce((s, x) => s + x * x, 0));

Deno.test("Woodbury equals the explicit solve of (λI + GGᵀ) g̃ = g, k = 12, s = 5 (§5b.1)", () => {
  const hist = randn([5, 12], { seed: 1 }); // rows are the columns of G
  const g = randn([12], { seed: 2 });
  for (const lambda of [1e-3, 1, 10]) {
    const f = matmul(hist, hist, { transA: true }).data.map((x, i) =>
      x + (i % 13 === 0 ? lambda : 0)
    );
    const ref = solve(tensor(Array.from(f), { shape: [12, 12] }), g).data;
    const ours = naturalGradient(hist, g, lambda).data;
    assert.ok(maxDiff(ours, ref) <= 1e-10 * Math.max(1, norm(ref)), `λ ${lambda}`);
  }
});

Deno.test("history of one: g̃ = g / (λ + ‖g‖²) (§5b.2)", () => {
  const g = randn([7], { seed: 3 });
  const gg = norm(g.data) ** 2;
  for (const lambda of [1e-3, 0.5]) {
    const ours = naturalGradient(tensor([Array.from(g.data)]), g, lambda).data;
    assert.ok(maxDiff(ours, g.data.map((x) => x / (lambda + gg))) < 1e-12 / lambda);
  }
});

Deno.test("g orthogonal to the other history vectors: g̃ = g / (λ + ‖g‖²) (§5b.3)", () => {
  // g = e_0 scaled; the other vectors live in the coordinates 1..5.
  const k = 6, g = tensor([2, 0, 0, 0, 0, 0]);
  const others = randn([3, k], { seed: 4 });
  for (let i = 0; i < 3; i++) others.data[i * k] = 0;
  const hist = tensor([
    ...Array.from({ length: 3 }, (_, i) => Array.from(others.data.slice(i * k, i * k + k))),
    [2, 0, 0, 0, 0, 0],
  ]);
  const lambda = 0.1;
  const ours = naturalGradient(hist, g, lambda).data;
  assert.ok(maxDiff(ours, g.data.map((x) => x / (lambda + 4))) < 1e-12);
});

Deno.test("FIFO keeps at most s vectors and evicts the oldest first (§5b.4)", () => {
  const h = emptyHistory(3, 2, "f64");
  for (let i = 1; i <= 5; i++) {
    pushHistory(h, tensor([i, -i]));
    assert.ok(h.len <= 3);
  }
  assert.deepEqual(historyVectors(h).map((v) => v[0]), [3, 4, 5]);
  // The cached Gram matrix equals the inner products of what is stored.
  const vs = historyVectors(h);
  const slots = [2, 0, 1]; // slot of 3, 4, 5 in a ring of 3 after 5 pushes
  for (let a = 0; a < 3; a++) {
    for (let b = 0; b < 3; b++) {
      const want = vs[a][0] * vs[b][0] + vs[a][1] * vs[b][1];
      assert.equal(h.gram.data[slots[a] * 3 + slots[b]], want);
    }
  }
});

Deno.test("descent direction: gᵀg̃ > 0; λ → ∞ gives λ·g̃ → g (§5b.5, §5b.6)", () => {
  for (let seed = 0; seed < 20; seed++) {
    const hist = randn([4, 9], { seed });
    const g = tensor(Array.from(hist.data.slice(27, 36)));
    const gt = naturalGradient(hist, g, 1e-3).data;
    assert.ok(Array.from(g.data).reduce((s, x, i) => s + x * gt[i], 0) > 0);
  }
  const hist = randn([4, 9], { seed: 1 }), g = randn([9], { seed: 2 });
  let prev = Infinity;
  for (const lambda of [1e2, 1e4, 1e6]) {
    const err = maxDiff(naturalGradient(hist, g, lambda).data.map((x) => x * lambda), g.data);
    assert.ok(err < prev && err < 100 / lambda, `λ ${lambda}: ${err}`);
    prev = err;
  }
});

Deno.test("optimizer = hf-AdamW on (λI + GGᵀ)⁻¹g with an identity projector, history kept across refreshes", () => {
  const shape = [5, 3], s = 4, lambda = 0.05, steps = 12;
  const w0 = randn(shape, { seed: 1 });
  const ours = { w: w0.clone() }, ref = { w: w0.clone() };
  const opt = naturalGaloreAdamW({
    rank: 3,
    scale: 1,
    lr: 0.01,
    history: s,
    damping: lambda,
    updateProjGap: 2,
    projector: (g) => ({ side: "right", left: null, right: eye(g.shape[1]) }),
  });
  const a = adamw({ lr: 0.01, eps: 1e-6, weightDecay: 0, style: "hf" });
  const so = opt.init(ours), sa = a.init(ref);
  const past: number[][] = [];
  for (let t = 0; t < steps; t++) {
    const g = randn(shape, { seed: 100 + t });
    past.push(Array.from(g.data));
    opt.step_(ours, { w: g }, so);
    const hist = tensor(past.slice(-s));
    const pre = naturalGradient(hist, tensor(Array.from(g.data)), lambda);
    a.step_(ref, { w: tensor(Array.from(pre.data), { shape }) }, sa);
    assert.equal(so.hist.w.len, Math.min(t + 1, s));
  }
  assert.ok(maxDiff(ours.w.data, ref.w.data) < 1e-12);
  // And it differs from plain GaLore on the same gradients.
  const plain = { w: w0.clone() };
  const gopt = galoreAdamW({ rank: 3, scale: 1, lr: 0.01, updateProjGap: 2 });
  const sp = gopt.init(plain);
  for (let t = 0; t < steps; t++) gopt.step_(plain, { w: randn(shape, { seed: 100 + t }) }, sp);
  assert.ok(maxDiff(ours.w.data, plain.w.data) > 1e-4);
});

Deno.test("state bytes add s·k history and the s×s Gram; two-sided projector gives k = r²", () => {
  const [m, n, r, s] = [24, 10, 3, 5];
  const p = { w: randn([m, n], { seed: 0 }) }, g = { w: randn([m, n], { seed: 1 }) };
  const one = naturalGaloreAdamW({ rank: r, history: s });
  const st = one.step_(p, g, one.init(p));
  const k = m * r;
  assert.equal(optimizerStateBytes(st), (2 * m * r + n * r + s * k + s * s) * 8);
  const two = naturalGaloreAdamW({ rank: r, history: s, projType: "two-sided" });
  const st2 = two.step_(p, g, two.init(p));
  assert.deepEqual(st2.hist.w.vectors.shape, [s, r * r]);
  assert.equal(optimizerStateBytes(st2), (2 * r * r + m * r + n * r + s * r * r + s * s) * 8);
});

Deno.test("natural GaLore options are checked", () => {
  assert.throws(() => naturalGaloreAdamW({ history: 0 }), /history/);
  assert.throws(() => naturalGaloreAdamW({ damping: 0 }), /damping/);
  assert.throws(() => naturalGaloreAdamW({ histroy: 3 } as never), TypeError);
  assert.throws(
    () => naturalGradient(randn([2, 3], { seed: 0 }), randn([4]) as Tensor, 1),
    /history/,
  );
});
