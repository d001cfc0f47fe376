/**
 * RALA (spec compression_optim_attention.md §7): the six checkable properties, the options'
 * effects, and finite-difference gradient checks. References are written from the equations
 * with plain loops, independently of the tensor code.
 */
import assert from "node:assert/strict";
import { randn } from "../../../ops/random.ts";
import { astype, type Tensor, tensor } from "../../../ops/tensor.ts";
import * as ad from "../../../ops/autograd/ops.ts";
import { gradcheck } from "../../../ops/autograd/gradcheck.ts";
import {
  attentionLayer,
  attentionRanks,
  initAttentionLayer,
  linearCore,
  numericalRank,
  ralaCore,
  type RalaParams,
} from "../../../methods/attention/mod.ts";

const phi = (z: number): number => (z > 0 ? z + 1 : Math.exp(z));

/** Row `i`, head `h` (width d) of a `[1, N, C]` tensor, as numbers. */
function row(t: Tensor, i: number, h: number, d: number): number[] {
  const c = t.shape[2];
  return Array.from({ length: d }, (_, e) => t.data[i * c + h * d + e]);
}

const dot = (a: number[], b: number[]): number => a.reduce((s, x, i) => s + x * b[i], 0);

/** α_j of one head, from the definitions. */
function alphaRef(q: Tensor, k: Tensor, h: number, d: number): number[] {
  const n = q.shape[1];
  const fq = Array.from({ length: n }, (_, i) => row(q, i, h, d).map(phi));
  const qBar = Array.from({ length: d }, (_, e) => fq.reduce((s, r) => s + r[e], 0) / n);
  const logits = Array.from(
    { length: n },
    (_, j) => dot(qBar, row(k, j, h, d).map(phi)) / Math.sqrt(d),
  );
  const m = Math.max(...logits), ex = logits.map((l) => Math.exp(l - m));
  const tot = ex.reduce((a, b) => a + b, 0);
  return ex.map((e) => e / tot);
}

/** The explicit O(N²d) form without RoPE: a_i = Σ_j w_ij v_j (with the 1e-6 in the normaliser). */
function quadraticNoRope(q: Tensor, k: Tensor, v: Tensor, nHeads: number): number[] {
  const [, n, c] = q.shape, d = c / nHeads, out = new Array<number>(n * c).fill(0);
  for (let h = 0; h < nHeads; h++) {
    const al = alphaRef(q, k, h, d);
    for (let i = 0; i < n; i++) {
      const fqi = row(q, i, h, d).map(phi);
      const s = Array.from({ length: n }, (_, j) => al[j] * dot(fqi, row(k, j, h, d).map(phi)));
      const den = s.reduce((a, b) => a + b, 0) + 1e-6;
      for (let j = 0; j < n; j++) {
        const vj = row(v, j, h, d);
        for (let e = 0; e < d; e++) out[i * c + h * d + e] += (s[j] / den) * vj[e];
      }
    }
  }
  return out;
}

/** 2-D RoPE of one d-vector at grid position (r, c), from the spec's words. */
function rotRef(x: number[], r: number, col: number): number[] {
  const d = x.length, q = d / 4, y = x.slice();
  for (let t = 0; t < d / 2; t++) {
    const f = t % q, theta = q === 1 ? 1 : Math.pow(10000, -f / (q - 1));
    const ang = (t < q ? r : col) * theta, c = Math.cos(ang), s = Math.sin(ang);
    y[2 * t] = x[2 * t] * c - x[2 * t + 1] * s;
    y[2 * t + 1] = x[2 * t + 1] * c + x[2 * t] * s;
  }
  return y;
}

/** The pairwise form with RoPE: a_i = Σ_j (q̂_i·k̂_j) v_j · z_i / N. */
function pairwiseRope(q: Tensor, k: Tensor, v: Tensor, nHeads: number, w: number): number[] {
  const [, n, c] = q.shape, d = c / nHeads, out = new Array<number>(n * c).fill(0);
  for (let h = 0; h < nHeads; h++) {
    const al = alphaRef(q, k, h, d);
    const kp = Array.from({ length: n }, (_, j) => row(k, j, h, d).map((x) => n * al[j] * phi(x)));
    const kMean = Array.from({ length: d }, (_, e) => kp.reduce((s, r) => s + r[e], 0) / n);
    for (let i = 0; i < n; i++) {
      const fqi = row(q, i, h, d).map(phi), z = 1 / (dot(fqi, kMean) + 1e-6);
      const qh = rotRef(fqi, Math.floor(i / w), i % w);
      for (let j = 0; j < n; j++) {
        const s = dot(qh, rotRef(kp[j], Math.floor(j / w), j % w)), vj = row(v, j, h, d);
        for (let e = 0; e < d; e++) out[i * c + h * d + e] += (s * vj[e] * z) / n;
      }
    }
  }
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const qkv = (n: number, c: number, seed: number): Tensor[] =>
  [0, 1, 2].map((i) => randn([1, n, c], { seed: seed + i }));

Deno.test("property 1: without RoPE the buffer form equals the quadratic form (N=7, d=4, f64)", () => {
  const [q, k, v] = qkv(7, 8, 1); // two heads of d = 4
  const r = ralaCore(q, k, v, { nHeads: 2, grid: [1, 7], rope: false });
  assert.ok(maxAbsDiff(r.out.data, quadraticNoRope(q, k, v, 2)) < 1e-10);
});

Deno.test("property 1: with RoPE the buffer form equals Σ_j (q̂_i·k̂_j) v_j z_i / N; rope changes it", () => {
  const [q, k, v] = qkv(6, 8, 4); // grid 2×3: rows and columns both rotate
  const on = ralaCore(q, k, v, { nHeads: 2, grid: [2, 3] });
  assert.ok(maxAbsDiff(on.out.data, pairwiseRope(q, k, v, 2, 3)) < 1e-10);
  const off = ralaCore(q, k, v, { nHeads: 2, grid: [2, 3], rope: false });
  assert.ok(maxAbsDiff(on.out.data, off.out.data) > 1e-3, "the rope option has an effect");
  // d = 8 (two frequencies, θ₁ = 10⁻⁴): the reference must still agree.
  const wide = ralaCore(q, k, v, { nHeads: 1, grid: [2, 3] });
  assert.ok(maxAbsDiff(wide.out.data, pairwiseRope(q, k, v, 1, 3)) < 1e-10);
});

Deno.test("property 2: a single token gives Y ≈ ((v + centre·v + b) ⊙ o) W_proj + b_proj", () => {
  const c = 4, p = initAttentionLayer("rala", c, { nHeads: 1, seed: 3 }) as RalaParams;
  const x = randn([1, 1, c], { seed: 5 });
  const r = attentionLayer("rala", p, x, { nHeads: 1, grid: [1, 1] });
  const [qk, kk] = [0, 1].map((b) =>
    ad.sliceAxis(ad.linear(x, p.qkvo.weight, p.qkvo.bias), 2, b * c, (b + 1) * c)
  );
  const all = ad.linear(x, p.qkvo.weight, p.qkvo.bias).data;
  const vv = Array.from(all.slice(2 * c, 3 * c)), o = Array.from(all.slice(3 * c, 4 * c));
  assert.deepEqual(Array.from(ralaCore(qk, kk, kk, { nHeads: 1, grid: [1, 1] }).alpha.data), [1]);
  const w = p.lepe.weight.data, b = p.lepe.bias!.data;
  const g = vv.map((ve, e) => (ve + w[e * 25 + 12] * ve + b[e]) * o[e]);
  const pw = p.proj.weight.data, pb = p.proj.bias!.data;
  const want = Array.from(
    { length: c },
    (_, i) => pb[i] + dot(Array.from(pw.slice(i * c, i * c + c)), g),
  );
  assert.ok(maxAbsDiff(r.y.data, want) < 1e-5, "a = v·s/(s + 1e-6) ≈ v");
  // The lepe option: off drops exactly the conv term.
  const noLepe = attentionLayer("rala", p, x, { nHeads: 1, grid: [1, 1], lepe: false });
  const g2 = vv.map((ve, e) => ve * o[e]);
  const want2 = Array.from(
    { length: c },
    (_, i) => pb[i] + dot(Array.from(pw.slice(i * c, i * c + c)), g2),
  );
  assert.ok(maxAbsDiff(noLepe.y.data, want2) < 1e-5);
  assert.ok(maxAbsDiff(noLepe.y.data, r.y.data) > 1e-3);
});

Deno.test("property 3: α is positive and sums to 1; equal keys give uniform α and plain linear attention", () => {
  const [q, k, v] = qkv(9, 8, 7);
  const r = ralaCore(q, k, v, { nHeads: 2, grid: [3, 3] });
  for (let h = 0; h < 2; h++) {
    const a = Array.from(r.alpha.data.slice(h * 9, h * 9 + 9));
    assert.ok(a.every((x) => x > 0));
    assert.ok(Math.abs(a.reduce((s, x) => s + x, 0) - 1) < 1e-14);
    assert.ok(maxAbsDiff(a, alphaRef(q, k, h, 4)) < 1e-14);
  }
  const kRow = randn([1, 1, 8], { seed: 30 });
  const kEq = ad.add(ad.scale(k, 0), kRow); // every key equal
  const eq = ralaCore(q, kEq, v, { nHeads: 2, grid: [3, 3], rope: false });
  assert.ok(maxAbsDiff(eq.alpha.data, new Array(18).fill(1 / 9)) < 1e-15);
  const lin = linearCore(q, kEq, v, { nHeads: 2, grid: [3, 3] });
  assert.ok(maxAbsDiff(eq.out.data, lin.out.data) < 1e-12);
  // And with distinct keys RALA is not linear attention.
  assert.ok(
    maxAbsDiff(
      ralaCore(q, k, v, { nHeads: 2, grid: [3, 3], rope: false }).out.data,
      linearCore(q, k, v, { nHeads: 2, grid: [3, 3] }).out.data,
    ) > 1e-3,
  );
});

Deno.test("property 4: without RoPE every output coordinate is a convex combination of v", () => {
  const [q, k] = qkv(12, 8, 11);
  const v = ad.add(randn([1, 12, 8], { seed: 40 }), 3); // away from 0, so the 1e-6 shrink shows
  const r = ralaCore(q, k, v, { nHeads: 2, grid: [3, 4], rope: false });
  const scale = Math.max(...Array.from(v.data, Math.abs));
  for (let h = 0; h < 2; h++) {
    for (let e = 0; e < 4; e++) {
      const col = Array.from({ length: 12 }, (_, j) => v.data[j * 8 + h * 4 + e]);
      const lo = Math.min(...col), hi = Math.max(...col);
      for (let i = 0; i < 12; i++) {
        const a = r.out.data[i * 8 + h * 4 + e];
        assert.ok(
          a >= lo - 1e-6 * scale && a <= hi + 1e-12,
          `a[${i}] = ${a} outside [${lo}, ${hi}]`,
        );
      }
    }
  }
  // The weights themselves: w_ij ≥ 0 and Σ_j w_ij = s/(s + 1e-6) ≈ 1 (v = 1 gives Σ_j w_ij).
  const ones = ad.add(ad.scale(v, 0), 1);
  const sums = ralaCore(q, k, ones, { nHeads: 2, grid: [3, 4], rope: false }).out.data;
  assert.ok(maxAbsDiff(sums, new Array(96).fill(1)) < 1e-5);
});

Deno.test("property 5: rank(A) ≤ rank(KV) = 1 for equal values, gating lifts rank(A ⊙ O) to d = 4", () => {
  const c = 4, n = 8, p = initAttentionLayer("rala", c, { nHeads: 1, seed: 2 }) as RalaParams;
  const w = p.qkvo.weight.data, b = p.qkvo.bias!.data;
  for (let r = 2 * c; r < 3 * c; r++) {
    for (let j = 0; j < c; j++) w[r * c + j] = 0; // V = b_v for every token: all v_j equal
    b[r] = r - 2 * c + 1;
  }
  const x = randn([1, n, c], { seed: 8 });
  const o = { nHeads: 1, grid: [2, 4] as const, lepe: false };
  const plain = attentionRanks("rala", p, x, { ...o, gate: false });
  assert.deepEqual(plain.kv, [[1]]);
  assert.deepEqual(plain.output, [[1]]);
  const gated = attentionRanks("rala", p, x, o);
  assert.deepEqual(gated.kv, [[1]]);
  assert.deepEqual(gated.attn, [[1]]);
  assert.deepEqual(gated.output, [[4]], "the gate option lifts the rank");
});

Deno.test("property 6: with RoPE and LePE off, permuting tokens permutes the output rows", () => {
  const c = 8, n = 6, p = initAttentionLayer("rala", c, { nHeads: 2, seed: 4 });
  const x = randn([1, n, c], { seed: 12 }), perm = [3, 0, 5, 1, 4, 2];
  const px = ad.gather(ad.reshape(x, [n, c]), perm);
  const o = { nHeads: 2, grid: [2, 3] as const, rope: false, lepe: false };
  const y = attentionLayer("rala", p, x, o).y,
    py = attentionLayer("rala", p, ad.reshape(px, [1, n, c]), o).y;
  assert.ok(maxAbsDiff(py.data, ad.gather(ad.reshape(y, [n, c]), perm).data) < 1e-12);
  // With RoPE on, positions matter: equivariance breaks.
  const on = { ...o, rope: true };
  const y2 = attentionLayer("rala", p, x, on).y,
    py2 = attentionLayer("rala", p, ad.reshape(px, [1, n, c]), on).y;
  assert.ok(maxAbsDiff(py2.data, ad.gather(ad.reshape(y2, [n, c]), perm).data) > 1e-4);
});

Deno.test("rala and linear attention: gradients match finite differences (f64)", () => {
  for (const kind of ["rala", "linear"] as const) {
    const p = initAttentionLayer(kind, 8, { nHeads: 2, seed: 6 });
    const x = randn([1, 4, 8], { seed: 13 }), r = randn([1, 4, 8], { seed: 14 });
    const leaves = kind === "rala"
      ? (() => {
        const q = p as RalaParams;
        return [x, q.qkvo.weight, q.lepe.weight, q.proj.weight];
      })()
      : [x, (p as { qkv: { weight: Tensor } }).qkv.weight];
    const f = (...ts: Tensor[]): Tensor => {
      const pp = kind === "rala"
        ? {
          ...(p as RalaParams),
          qkvo: { weight: ts[1], bias: (p as RalaParams).qkvo.bias },
          lepe: { weight: ts[2], bias: (p as RalaParams).lepe.bias },
          proj: { weight: ts[3], bias: (p as RalaParams).proj.bias },
        }
        : { ...p, qkv: { weight: ts[1], bias: (p as { qkv: { bias?: Tensor } }).qkv.bias } };
      return ad.sum(ad.mul(attentionLayer(kind, pp, ts[0], { nHeads: 2, grid: [2, 2] }).y, r));
    };
    const res = gradcheck(f, leaves);
    assert.ok(res.ok, `${kind}: ${JSON.stringify(res)}`);
  }
});

Deno.test("rala works in f32 and agrees with f64", () => {
  const [q, k, v] = qkv(16, 8, 20);
  const r64 = ralaCore(q, k, v, { nHeads: 2, grid: [4, 4] }).out;
  const r32 =
    ralaCore(astype(q, "f32"), astype(k, "f32"), astype(v, "f32"), { nHeads: 2, grid: [4, 4] }).out;
  assert.equal(r32.dtype, "f32");
  const scale = Math.max(...Array.from(r64.data, Math.abs));
  assert.ok(maxAbsDiff(r32.data, r64.data) < 64 * 2 ** -24 * 16 * scale);
});

Deno.test("numericalRank: tolerance per dtype and explicit", () => {
  const a = tensor([[1, 0], [0, 1e-5]]);
  assert.equal(numericalRank(a), 2); // 1e-5 > 1e-6
  assert.equal(numericalRank(astype(a, "f32")), 1); // 1e-5 < 1e-4
  assert.equal(numericalRank(a, 1e-4), 1);
  assert.equal(numericalRank(tensor([[0, 0], [0, 0]])), 0);
  assert.throws(() => numericalRank(a, 2), RangeError);
});

Deno.test("bad input is a TypeError or RangeError naming it", () => {
  const [q, k, v] = qkv(6, 8, 1);
  assert.throws(() => ralaCore(q, k, v, { nHeads: 2, grid: [2, 2] }), /grid/);
  assert.throws(() => ralaCore(q, k, v, { nHeads: 3, grid: [2, 3] }), /nHeads/);
  assert.throws(
    () => ralaCore(q, k, v, { nHeads: 2, grid: [2, 3], rop: true } as never),
    TypeError,
  );
  assert.throws(
    () => ralaCore(q, k, ad.reshape(v, [1, 3, 16]), { nHeads: 2, grid: [2, 3] }),
    /v 1x3x16/,
  );
  assert.throws(() => ralaCore(q, k, v, { nHeads: 4, grid: [2, 3] }), /multiple of 4/); // d = 2
  const p = initAttentionLayer("linear", 8, { nHeads: 2 });
  assert.throws(
    () => attentionLayer("linear", p, q, { nHeads: 2, grid: [2, 3], gate: true }),
    /"rala" only/,
  );
  assert.throws(() => attentionLayer("rala", p, q, { nHeads: 2, grid: [2, 3] }), /not those/);
  assert.throws(() => initAttentionLayer("flash" as never, 8, { nHeads: 2 }), TypeError);
});

Deno.test("attentionRanks: softmax has no KV buffer, linear A ≤ KV rank, tol changes the count", () => {
  const x = randn([2, 16, 8], { seed: 21 }), o = { nHeads: 2, grid: [4, 4] as const };
  const soft = attentionRanks("softmax", initAttentionLayer("softmax", 8, { nHeads: 2 }), x, o);
  assert.equal(soft.kv, null);
  assert.deepEqual(soft.output, [[4, 4], [4, 4]]);
  const pl = initAttentionLayer("linear", 8, { nHeads: 2, seed: 1 });
  const lin = attentionRanks("linear", pl, x, o);
  lin.kv!.flat().forEach((kv, i) => assert.ok(lin.attn.flat()[i] <= kv));
  // A huge tolerance keeps only σ₁: every rank becomes 1.
  const coarse = attentionRanks("linear", pl, x, { ...o, tol: 0.999 });
  assert.deepEqual(coarse.kv, [[1, 1], [1, 1]]);
  assert.deepEqual(coarse.output, [[1, 1], [1, 1]]);
  assert.throws(() => attentionRanks("linear", pl, x, { ...o, tol: 1 }), RangeError);
  assert.throws(() => attentionRanks("linear", pl, x, { ...o, tols: 1 } as never), TypeError);
});
