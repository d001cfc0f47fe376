/**
 * GaLore's SIMD arena against the TypeScript kernels, bit for bit: sizes that are odd and span
 * several windows, −0 and zero gradients, f32 and f64, the decay and no-decay forms, memory
 * growth between matrices, and a transform's R that lives outside the arena.
 */
import assert from "node:assert/strict";
import { randn, type Tensor, zeros } from "../../../ops/mod.ts";
import { setSimdKernels, stepKernels, WINDOW } from "../../../methods/optim/step_arena.ts";
import { simdKernels } from "../../../methods/optim/simd_kernels.ts";
import { adamDirection_, applyUpdate_ } from "../../../methods/optim/update_kernels.ts";
import { galoreAdamW } from "../../../methods/optim/mod.ts";
import { adamw } from "../../../ops/optim/adam.ts";

const hasSimd = simdKernels() !== null;
const noSimd = !hasSimd;
if (noSimd) console.warn("step_arena_test: no WebAssembly SIMD here, the arena tests are ignored");

function assertBits(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) assert.fail(`${what}[${i}]: ${a[i]} !== ${b[i]}`);
  }
}

/** Random data with ±0, a moment of −0, tiny and huge values at the front and the very end. */
function data(n: number, seed: number, dtype: "f32" | "f64"): Tensor {
  const t = randn([n], { seed, dtype });
  t.data.set([0, -0, 1e-30, -3e30], 0);
  t.data[n - 1] = -0;
  return t;
}

Deno.test({
  name: "arena kernels = TypeScript kernels bit for bit, odd sizes over several windows",
  ignore: noSimd,
  fn(): void {
    for (const dtype of ["f32", "f64"] as const) {
      for (const n of [5, 8, WINDOW, 2 * WINDOW + 3]) {
        const k = stepKernels(dtype, { r: n, mid: 0, w: n });
        const rA = k.out("r", dtype, [n, 1]), uA = k.out("u", dtype, [n, 1]);
        rA.data.set(data(n, 1, dtype).data);
        const m = data(n, 2, dtype);
        const v0 = data(n, 3, dtype);
        for (let i = 0; i < n; i++) v0.data[i] = Math.abs(v0.data[i]);
        const [m1, v1, m2, v2] = [m.clone(), v0.clone(), m.clone(), v0.clone()];
        const uT = zeros([n, 1], { dtype });
        const h = { lr: 0.01, beta1: 0.8, beta2: 0.99, eps: 1e-8, t: 3 };
        k.direction_(uA, rA, m1, v1, h);
        adamDirection_(uT, rA, m2, v2, h);
        assertBits(uA.data, uT.data, `${dtype} n ${n} u`);
        assertBits(m1.data, m2.data, `${dtype} n ${n} m`);
        assertBits(v1.data, v2.data, `${dtype} n ${n} v`);
        const back = k.out("back", dtype, [n, 1]);
        back.data.set(data(n, 4, dtype).data);
        for (const keep of [1, 0.999]) {
          const w1 = data(n, 5, dtype), w2 = w1.clone();
          k.apply_(w1, back, 0.3, keep);
          applyUpdate_(w2, back, 0.3, keep);
          assertBits(w1.data, w2.data, `${dtype} n ${n} keep ${keep} w`);
        }
      }
    }
  },
});

Deno.test({
  name: "arena: R from outside the arena (a transform's) and growth between matrices",
  ignore: noSimd,
  fn(): void {
    const small = stepKernels("f32", { r: 4, mid: 0, w: 8 });
    const kept = small.out("back", "f32", [2, 4]);
    // A much larger matrix grows the memory: earlier views are detached, new ones work.
    const n = 300_000;
    const big = stepKernels("f32", { r: n, mid: 0, w: n });
    assert.equal(kept.data.length, 0, "the old view was detached by the growth");
    const r = data(n, 6, "f32"), u = big.out("u", "f32", [n, 1]);
    const m1 = zeros([n], { dtype: "f32" }), v1 = zeros([n], { dtype: "f32" });
    const m2 = zeros([n], { dtype: "f32" }), v2 = zeros([n], { dtype: "f32" });
    const uT = zeros([n, 1], { dtype: "f32" });
    const h = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-6, t: 1 };
    big.direction_(u, r, m1, v1, h);
    adamDirection_(uT, r, m2, v2, h);
    assertBits(u.data, uT.data, "u");
    assertBits(m1.data, m2.data, "m");
  },
});

Deno.test("galoreAdamW: SIMD and TypeScript kernels give the same bits on a 301×69 matrix (3 windows)", () => {
  const run = (simd: boolean): Float32Array => {
    const was = setSimdKernels(simd);
    try {
      const p = { w: randn([301, 69], { seed: 1, dtype: "f32" }) };
      const opt = galoreAdamW({ rank: 3, updateProjGap: 3, weightDecay: 0.1, lr: 0.01 });
      const s = opt.init(p);
      for (let t = 0; t < 5; t++) {
        opt.step_(p, { w: randn([301, 69], { seed: 10 + t, dtype: "f32" }) }, s);
      }
      return p.w.data as Float32Array;
    } finally {
      setSimdKernels(was);
    }
  };
  assertBits(run(true), run(false), "w");
  assert.throws(() => setSimdKernels(1 as never), TypeError);
});

Deno.test("a projector with no side (R = G): SIMD and TS paths both equal hf-AdamW bit for bit in f64", () => {
  const none = () => ({ side: "right" as const, left: null, right: null });
  for (const simd of [true, false]) {
    const was = setSimdKernels(simd);
    try {
      const w0 = randn([9, 7], { seed: 3 });
      const ours = { w: w0.clone() }, ref = { w: w0.clone() };
      const hp = { lr: 0.05, beta1: 0.8, beta2: 0.95, eps: 1e-6, weightDecay: 0.1 };
      const g = galoreAdamW({ ...hp, rank: 1, scale: 1, projector: none });
      const a = adamw({ ...hp, style: "hf" });
      const sg = g.init(ours), sa = a.init(ref);
      for (let t = 0; t < 6; t++) {
        const grad = { w: randn([9, 7], { seed: 20 + t }) };
        g.step_(ours, grad, sg);
        a.step_(ref, grad, sa);
      }
      assertBits(ours.w.data, ref.w.data, `${simd ? "simd" : "ts"} w`);
      assert.ok(ours.w.data[0] !== w0.data[0]);
    } finally {
      setSimdKernels(was);
    }
  }
});
