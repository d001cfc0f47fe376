/** GaLore's fused element-wise kernels against the unfused forms they replace, bit for bit. */
import assert from "node:assert/strict";
import { randn, type Tensor, tensor, zeros } from "../../../ops/mod.ts";
import { adamUpdate_ } from "../../../ops/optim/adam.ts";
import { adamDirection_, applyUpdate_ } from "../../../methods/optim/update_kernels.ts";

const sameBits = (a: ArrayLike<number>, b: ArrayLike<number>): boolean =>
  a.length === b.length && Array.from(a).every((x, i) => Object.is(x, b[i]));

/** Gradients with the awkward values: ±0, tiny, huge, and ordinary ones. */
function grad(dtype: "f32" | "f64", seed: number): Tensor {
  const g = randn([40], { seed, dtype });
  g.data.set([0, -0, 1e-30, -1e-30, 3e30, -3e30], 0);
  return g;
}

Deno.test("adamDirection_ = adamUpdate_ on a zero parameter (hf, no decay), moments too, over 5 steps", () => {
  for (const dtype of ["f32", "f64"] as const) {
    for (const [b1, b2, eps, lr] of [[0.9, 0.999, 1e-6, 1e-3], [0.5, 0.95, 0, 0.3]]) {
      const m = zeros([40], { dtype }), v = zeros([40], { dtype });
      const m2 = zeros([40], { dtype }), v2 = zeros([40], { dtype });
      m.data[1] = m2.data[1] = -0; // a moment of −0 (a loaded state) meets a −0 gradient
      const u = randn([40], { seed: 9, dtype }); // stale scratch: must be overwritten
      for (let t = 1; t <= 5; t++) {
        const g = grad(dtype, t);
        const ref = zeros([40], { dtype });
        const h = { lr, beta1: b1, beta2: b2, eps, weightDecay: 0, t };
        adamUpdate_(ref, g, m2, v2, { ...h, decoupled: true, style: "hf" });
        adamDirection_(u, g, m, v, h);
        assert.ok(sameBits(u.data, ref.data), `${dtype} b1 ${b1} t ${t}: u`);
        assert.ok(sameBits(m.data, m2.data) && sameBits(v.data, v2.data), `${dtype} t ${t}: m, v`);
      }
      // A zero gradient every step: +0 steps with ε > 0 (NaN = 0/0 with ε = 0, in both forms).
      if (eps > 0) assert.ok(Object.is(u.data[0], 0) && Object.is(u.data[1], 0), "+0 steps");
    }
  }
});

Deno.test("applyUpdate_ = the two passes W += α·B; W *= keep (f32 rounds between), each α and keep", () => {
  for (const dtype of ["f32", "f64"] as const) {
    for (const alpha of [0.25, 0.3, -1.7]) {
      for (const keep of [1, 1 - 1e-3 * 0.1, 0.5]) {
        const w = randn([64], { seed: 1, dtype }), b = randn([64], { seed: 2, dtype });
        const ref = w.clone();
        for (let i = 0; i < 64; i++) ref.data[i] += alpha * b.data[i];
        if (keep !== 1) { for (let i = 0; i < 64; i++) ref.data[i] *= keep; }
        applyUpdate_(w, b, alpha, keep);
        assert.ok(sameBits(w.data, ref.data), `${dtype} α ${alpha} keep ${keep}`);
      }
    }
  }
  // keep = 1 is the identity: only α·B is added.
  const w = tensor([1, 2]);
  applyUpdate_(w, tensor([4, 8]), 0.5, 1);
  assert.deepEqual(Array.from(w.data), [3, 6]);
});
