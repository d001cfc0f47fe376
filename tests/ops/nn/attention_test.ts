import assert from "node:assert/strict";
import { randn, type Tensor } from "../../../ops/mod.ts";
import * as ad from "../../../ops/autograd/ops.ts";
import { gradcheck } from "../../../ops/autograd/gradcheck.ts";
import { applyAttention, type AttentionParams, initAttention } from "../../../ops/nn/mod.ts";

/** Row `r` of `w` (`[out, in]`) times the vector `x`. */
function dotRow(w: Tensor, r: number, x: ArrayLike<number>): number {
  const n = w.shape[1];
  let s = 0;
  for (let j = 0; j < n; j++) s += w.data[r * n + j] * x[j];
  return s;
}

/**
 * Loop-by-loop attention with RoPE (`theta` null: none), written from the definitions; position
 * i attends to j ≤ i when `causal`, else to every j.
 */
function naiveAttention(
  p: AttentionParams,
  x: Tensor,
  h: number,
  kv: number,
  theta: number | null,
  causal = true,
): number[][] {
  const [t, c] = x.shape, hd = p.q_proj.weight.shape[0] / h;
  const row = (i: number): Float64Array => x.data.slice(i * c, (i + 1) * c) as Float64Array;
  const proj = (w: Tensor, i: number): number[] =>
    Array.from({ length: w.shape[0] }, (_, r) => dotRow(w, r, row(i)));
  const rot = (v: number[], pos: number, head: number): number[] => {
    const out = [...v], half = hd / 2;
    if (theta === null) return out;
    for (let i = 0; i < half; i++) {
      const ang = pos * Math.pow(theta, (-2 * i) / hd);
      const a = v[head * hd + i], b = v[head * hd + half + i];
      out[head * hd + i] = a * Math.cos(ang) - b * Math.sin(ang);
      out[head * hd + half + i] = b * Math.cos(ang) + a * Math.sin(ang);
    }
    return out;
  };
  const q: number[][] = [], k: number[][] = [], v: number[][] = [];
  for (let i = 0; i < t; i++) {
    let qi = proj(p.q_proj.weight, i), ki = proj(p.k_proj.weight, i);
    for (let hh = 0; hh < h; hh++) qi = rot(qi, i, hh);
    for (let hh = 0; hh < kv; hh++) ki = rot(ki, i, hh);
    q.push(qi);
    k.push(ki);
    v.push(proj(p.v_proj.weight, i));
  }
  const out: number[][] = [];
  for (let i = 0; i < t; i++) {
    const ctx = new Array<number>(h * hd).fill(0);
    for (let hh = 0; hh < h; hh++) {
      const g = Math.floor(hh / (h / kv));
      const sc: number[] = [], last = causal ? i : t - 1;
      for (let j = 0; j <= last; j++) {
        let s = 0;
        for (let d = 0; d < hd; d++) s += q[i][hh * hd + d] * k[j][g * hd + d];
        sc.push(s / Math.sqrt(hd));
      }
      const m = Math.max(...sc), e = sc.map((s) => Math.exp(s - m));
      const z = e.reduce((a, b) => a + b, 0);
      for (let j = 0; j <= last; j++) {
        for (let d = 0; d < hd; d++) ctx[hh * hd + d] += (e[j] / z) * v[j][g * hd + d];
      }
    }
    out.push(Array.from({ length: c }, (_, r) => dotRow(p.o_proj.weight, r, ctx)));
  }
  return out;
}

for (const [h, kv] of [[4, 4], [4, 2], [2, 1]]) {
  Deno.test(`attention matches the loop reference (${h} heads, ${kv} kv heads)`, () => {
    const c = 16, t = 5;
    const p = initAttention(c, { nHeads: h, nKvHeads: kv, seed: h * 10 + kv });
    const x = randn([t, c], { seed: 3 });
    const ours = applyAttention(p, x, { nHeads: h, nKvHeads: kv, ropeTheta: 50 });
    const ref = naiveAttention(p, x, h, kv, 50);
    for (let i = 0; i < t; i++) {
      for (let j = 0; j < c; j++) {
        assert.ok(Math.abs(ours.data[i * c + j] - ref[i][j]) < 1e-13, `(${i}, ${j})`);
      }
    }
  });
}

Deno.test("attention options: causal false attends to every position; ropeTheta null is no RoPE", () => {
  const c = 8, t = 5, h = 2, kv = 1;
  const p = initAttention(c, { nHeads: h, nKvHeads: kv, seed: 4 });
  const x = randn([t, c], { seed: 5 });
  const cases: [number | null, boolean][] = [[50, false], [null, true], [null, false]];
  for (const [theta, causal] of cases) {
    const ours = applyAttention(p, x, { nHeads: h, nKvHeads: kv, ropeTheta: theta, causal });
    const ref = naiveAttention(p, x, h, kv, theta, causal);
    for (let i = 0; i < t; i++) {
      for (let j = 0; j < c; j++) {
        const d = Math.abs(ours.data[i * c + j] - ref[i][j]);
        assert.ok(d < 1e-13, `theta ${theta} causal ${causal} (${i}, ${j}): ${d}`);
      }
    }
  }
  // Not causal: changing the last position changes the first output.
  const y = randn([t, c], { seed: 5 });
  y.data[(t - 1) * c] += 1;
  const o = { nHeads: h, nKvHeads: kv, causal: false };
  assert.ok(Math.abs(applyAttention(p, x, o).data[0] - applyAttention(p, y, o).data[0]) > 1e-6);
});

Deno.test("attention options are checked at run time: misspelled keys and wrong kinds", () => {
  const p = initAttention(8, { nHeads: 2, seed: 1 }), x = randn([3, 8], { seed: 2 });
  const bad: [() => unknown, RegExp][] = [
    [
      () => applyAttention(p, x, { nHeads: 2, casual: false } as object as { nHeads: number }),
      /attentionCore: unknown option "casual"/,
    ],
    [
      () => applyAttention(p, x, { nHeads: 2, causal: "no" } as object as { nHeads: number }),
      /option causal must be a boolean/,
    ],
    [
      () => applyAttention(p, x, { nHeads: 2, ropeTheta: "1e4" } as object as { nHeads: number }),
      /ropeTheta must be a number or null/,
    ],
    [
      () => initAttention(8, { nHeads: 2, bais: true } as object as { nHeads: number }),
      /initAttention: unknown option "bais"/,
    ],
  ];
  for (const [f, re] of bad) {
    assert.throws(f, (e: Error) => e instanceof TypeError && re.test(e.message));
  }
});

Deno.test("attention is causal, and a batch equals its sequences run one by one", () => {
  const c = 8, o = { nHeads: 2 };
  const p = initAttention(c, { ...o, seed: 1 });
  const a = randn([6, c], { seed: 2 }), b = a.clone();
  for (let j = 0; j < c; j++) b.data[5 * c + j] += 1; // change only the last position
  const ya = applyAttention(p, a, o), yb = applyAttention(p, b, o);
  for (let i = 0; i < 5 * c; i++) assert.equal(ya.data[i], yb.data[i]);
  assert.ok(Math.abs(ya.data[5 * c] - yb.data[5 * c]) > 1e-6);
  const both = applyAttention(
    p,
    ad.concat([ad.reshape(a, [1, 6, c]), ad.reshape(b, [1, 6, c])]),
    o,
  );
  assert.deepEqual(both.shape, [2, 6, c]);
  for (let i = 0; i < 6 * c; i++) {
    assert.ok(Math.abs(both.data[i] - ya.data[i]) < 1e-14);
    assert.ok(Math.abs(both.data[6 * c + i] - yb.data[i]) < 1e-14);
  }
  assert.throws(() => applyAttention(p, randn([6], { seed: 0 }), o), /\[T, dim\]/);
  assert.throws(() => initAttention(8, { nHeads: 3 }), /not divisible|multiple/);
});

Deno.test("gradcheck through attention (input and all four projections, GQA)", () => {
  const c = 4, o = { nHeads: 2, nKvHeads: 1, ropeTheta: 10 };
  const p0 = initAttention(c, { ...o, seed: 7 });
  const r = randn([3, c], { seed: 8 });
  const f = (x: Tensor, wq: Tensor, wk: Tensor, wv: Tensor, wo: Tensor): Tensor => {
    const p = {
      q_proj: { weight: wq },
      k_proj: { weight: wk },
      v_proj: { weight: wv },
      o_proj: { weight: wo },
    };
    return ad.sum(ad.mul(applyAttention(p, x, o), r));
  };
  const res = gradcheck(f, [
    randn([3, c], { seed: 9 }),
    p0.q_proj.weight,
    p0.k_proj.weight,
    p0.v_proj.weight,
    p0.o_proj.weight,
  ]);
  assert.ok(res.ok, `max error ${res.maxError} ${JSON.stringify(res.worst)}`);
});
