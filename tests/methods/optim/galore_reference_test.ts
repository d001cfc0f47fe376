/**
 * The fused, buffer-reusing GaLore step against a straightforward reference of spec §5a (fresh
 * products through `matmul`, Adam as `adamUpdate_` on a zero "parameter", then `W += α·B` and
 * `W *= 1 − lr·wd` as two passes): equal bit for bit, in f32 and f64, on every projection side,
 * with and without decay, for GaLore, Natural GaLore (§5b) and the layerwise sampler (§6).
 */
import assert from "node:assert/strict";
import { randn, zeros } from "../../../ops/mod.ts";
import { Tensor } from "../../../ops/tensor.ts";
import { cholesky } from "../../../ops/linalg/cholesky.ts";
import { solveTriangular } from "../../../ops/linalg/triangular.ts";
import { matmul } from "../../../ops/matmul.ts";
import { adamUpdate_ } from "../../../ops/optim/adam.ts";
import {
  galoreAdamW,
  type GaloreOptions,
  type GaloreProjection,
  type GaloreState,
  layerwiseGaloreAdamW,
  naturalGaloreAdamW,
  type Optimizer,
  projectionSide,
  svdProjector,
} from "../../../methods/optim/mod.ts";
import { setSimdKernels } from "../../../methods/optim/step_arena.ts";

type Params = Record<string, Tensor>;
interface RefOpts {
  lr: number;
  rank: number;
  gap: number;
  scale: number;
  wd: number;
  projType: "std" | "left" | "right" | "two-sided";
  projector: "svd" | "randomized";
  /** Natural GaLore's history length and damping (absent: plain GaLore). */
  natural?: { s: number; lambda: number };
}
interface RefState {
  m: Params;
  v: Params;
  t: Record<string, number>;
  proj: Record<string, GaloreProjection>;
  hist: Record<string, Float64Array[]>;
}

const B1 = 0.9, B2 = 0.999, EPS = 1e-6;
const isTarget = (path: string, p: Tensor): boolean => p.ndim === 2 && !/embed|lm_head/.test(path);

/**
 * Natural GaLore's preconditioned R (§5b, equations 2–5) written plainly: the FIFO in slot
 * order (as the state keeps it), one dot product per Gram entry, Woodbury with the s'×s'
 * Cholesky solve, one pass per history vector.
 */
function natural(o: RefOpts, s: RefState, path: string, r: Tensor): Tensor {
  const { s: len, lambda } = o.natural!;
  const h = s.hist[path] ??= [];
  h[s.t[path] % len] = Float64Array.from(r.data); // slot t mod s: the FIFO's next slot
  const rows = h.map((x) => r.dtype === "f32" ? Float32Array.from(x) : x);
  const n = rows.length, k = r.size, g = rows[s.t[path] % len];
  const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
    let d = 0;
    for (let i = 0; i < k; i++) d += a[i] * b[i];
    return d;
  };
  const sys = new Float64Array(n * n), y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      sys[i * n + j] = (i === j ? 1 : 0) + dot(rows[i], rows[j]) / lambda;
    }
    y[i] = dot(g, rows[i]);
  }
  const l = cholesky(new Tensor(sys, [n, n]));
  const w = solveTriangular(l, new Tensor(y, [n]), { lower: true });
  const z = solveTriangular(l, w, { lower: true, trans: true }).data;
  const out = new Float64Array(k);
  for (let i = 0; i < k; i++) out[i] = r.data[i] / lambda;
  for (let j = 0; j < n; j++) {
    const zj = z[j] * (1 / (lambda * lambda));
    for (let i = 0; i < k; i++) out[i] -= zj * rows[j][i];
  }
  return new Tensor(r.dtype === "f32" ? Float32Array.from(out) : out, r.shape);
}

/** One reference update of every leaf (§5a as written, nothing fused or reused). */
function refStep(o: RefOpts, params: Params, grads: Params, s: RefState): void {
  for (const [path, p] of Object.entries(params)) {
    const g = grads[path], t = s.t[path] ?? 0;
    const h = { lr: o.lr, beta1: B1, beta2: B2, eps: EPS, decoupled: true, style: "hf" as const };
    if (!isTarget(path, p)) {
      s.m[path] ??= zeros(p.shape, { dtype: p.dtype });
      s.v[path] ??= zeros(p.shape, { dtype: p.dtype });
      adamUpdate_(p, g, s.m[path], s.v[path], { ...h, weightDecay: o.wd, t: t + 1 });
      s.t[path] = t + 1;
      continue;
    }
    if (t % o.gap === 0) {
      const side = projectionSide(o.projType, p.shape[0], p.shape[1]);
      s.proj[path] = svdProjector(g, o.rank, side, o.projector, t);
    }
    const { left, right } = s.proj[path];
    let r = g;
    if (left) r = matmul(left, r, { transA: true });
    if (right) r = matmul(r, right, { transB: true });
    s.t[path] = t; // natural() reads the count before the increment
    if (o.natural) r = natural(o, s, path, r);
    s.m[path] ??= zeros(r.shape, { dtype: r.dtype });
    s.v[path] ??= zeros(r.shape, { dtype: r.dtype });
    const u = zeros(r.shape, { dtype: r.dtype });
    adamUpdate_(u, r, s.m[path], s.v[path], { ...h, weightDecay: 0, t: t + 1 });
    let back = u;
    if (left) back = matmul(left, back);
    if (right) back = matmul(back, right);
    for (let i = 0; i < p.size; i++) p.data[i] += o.scale * back.data[i];
    if (o.wd !== 0) { for (let i = 0; i < p.size; i++) p.data[i] *= 1 - o.lr * o.wd; }
    s.t[path] = t + 1;
  }
}

function model(dtype: "f32" | "f64"): Params {
  return {
    "layers.0.tall": randn([12, 7], { seed: 1, dtype }),
    "layers.0.wide": randn([5, 9], { seed: 2, dtype }),
    "layers.1.square": randn([8, 8], { seed: 3, dtype }),
    "layers.1.bias": randn([8], { seed: 4, dtype }),
    "embed_tokens": randn([6, 8], { seed: 5, dtype }),
  };
}
const clone = (p: Params): Params =>
  Object.fromEntries(Object.entries(p).map(([k, v]) => [k, v.clone()]));
const gradsAt = (p: Params, step: number): Params =>
  Object.fromEntries(
    Object.entries(p).map(([k, v], i) => [
      k,
      randn(v.shape, { seed: 100 * step + i, dtype: v.dtype }),
    ]),
  );

/** Every entry equal bit for bit (Object.is: +0 and −0 differ, NaN equals NaN). */
function assertBits(a: Params, b: Params, what: string): void {
  for (const k of Object.keys(b)) {
    const x = a[k].data, y = b[k].data;
    assert.equal(x.length, y.length, `${what}: ${k} length`);
    for (let i = 0; i < x.length; i++) {
      if (!Object.is(x[i], y[i])) assert.fail(`${what}: ${k}[${i}] ${x[i]} !== ${y[i]}`);
    }
  }
}

const BASE: RefOpts = {
  lr: 0.01,
  rank: 3,
  gap: 4,
  scale: 0.25,
  wd: 0,
  projType: "std",
  projector: "svd",
};
const CASES: [string, Partial<RefOpts>][] = [
  ["std", {}],
  ["std, decay, α 0.3", { wd: 0.1, scale: 0.3 }],
  ["left, decay", { projType: "left", rank: 2, wd: 0.05 }],
  ["right, α 1.7", { projType: "right", rank: 2, scale: 1.7 }],
  ["two-sided, decay", { projType: "two-sided", rank: 2, wd: 0.2 }],
  ["randomized, decay", { projector: "randomized", wd: 0.01, gap: 5 }],
];

/** The optimizer options that mean `o`. */
const optionsOf = (o: RefOpts): GaloreOptions => ({
  lr: o.lr,
  rank: o.rank,
  updateProjGap: o.gap,
  scale: o.scale,
  weightDecay: o.wd,
  projType: o.projType,
  projector: o.projector,
});

/** Runs `opt` and the reference side by side for `steps` steps from the same weights. */
function sideBySide<S extends GaloreState>(
  opt: Optimizer<S>,
  o: RefOpts,
  dtype: "f32" | "f64",
  steps: number,
): { p0: Params; ours: Params; ref: Params; s: S; rs: RefState } {
  const p0 = model(dtype), ours = clone(p0), ref = clone(p0);
  const s = opt.init(ours);
  const rs: RefState = { m: {}, v: {}, t: {}, proj: {}, hist: {} };
  for (let step = 0; step < steps; step++) {
    opt.step_(ours, gradsAt(p0, step), s);
    refStep(o, ref, gradsAt(p0, step), rs);
  }
  return { p0, ours, ref, s, rs };
}

/** Runs `fn` with the SIMD kernels on and with the TypeScript kernels. */
function bothKernels(fn: (label: string) => void): void {
  for (const simd of [true, false]) {
    const was = setSimdKernels(simd);
    try {
      fn(simd ? "simd" : "ts");
    } finally {
      setSimdKernels(was);
    }
  }
}

Deno.test("galoreAdamW equals the straightforward §5a reference bit for bit (f32, f64, each side)", () =>
  bothKernels((kernels) => {
    for (const dtype of ["f32", "f64"] as const) {
      for (const [name, extra] of CASES) {
        const o = { ...BASE, ...extra };
        const { p0, ours, ref, s, rs } = sideBySide(galoreAdamW(optionsOf(o)), o, dtype, 10);
        const what = `${kernels} ${dtype} ${name}`;
        assertBits(ours, ref, what);
        assertBits(s.m, rs.m, `${what} m`);
        assertBits(s.v, rs.v, `${what} v`);
        assert.ok(Math.abs(ours["layers.0.tall"].data[0] - p0["layers.0.tall"].data[0]) > 0);
      }
    }
  }));

Deno.test("naturalGaloreAdamW equals the reference (FIFO + naturalGradient) bit for bit", () =>
  bothKernels((kernels) => {
    for (const dtype of ["f32", "f64"] as const) {
      // History 3, and 6 over 12 steps: a block of four rows, a padded block, FIFO wrap-around.
      for (const [[name, extra], s] of [[CASES[1], 3], [CASES[4], 3], [CASES[0], 6]] as const) {
        const o = { ...BASE, ...extra, natural: { s, lambda: 1e-2 } };
        const opt = naturalGaloreAdamW({ ...optionsOf(o), history: s, damping: 1e-2 });
        const { ours, ref } = sideBySide(opt, o, dtype, 12);
        assertBits(ours, ref, `natural ${kernels} ${dtype} ${name} s ${s}`);
      }
    }
  }));

Deno.test("layerwise sampler: the active blocks' updates equal the reference on them bit for bit", () =>
  bothKernels((kernels) => {
    for (const dtype of ["f32", "f64"] as const) {
      const o = { ...BASE, wd: 0.1 };
      const p0 = model(dtype), ours = clone(p0), ref = clone(p0);
      const opt = layerwiseGaloreAdamW({
        ...optionsOf(o),
        numBlocks: 2,
        gamma: 1,
        interval: 3,
      });
      const s: GaloreState = opt.init(ours);
      const rs: RefState = { m: {}, v: {}, t: {}, proj: {}, hist: {} };
      let frozenSteps = 0;
      for (let step = 0; step < 9; step++) {
        const active = opt.select(s as never);
        const g = gradsAt(p0, step);
        opt.step_(ours, g, s as never);
        // The reference updates the leaves the sampler trained (selected before this step).
        const live = Object.keys(ref).filter((k) => {
          const b = /layers\.(\d+)\./.exec(k);
          return b === null || active.includes(Number(b[1]));
        });
        frozenSteps += Object.keys(ref).length - live.length;
        refStep(
          o,
          Object.fromEntries(live.map((k) => [k, ref[k]])),
          Object.fromEntries(live.map((k) => [k, g[k]])),
          rs,
        );
      }
      assert.ok(frozenSteps > 0, "some blocks were frozen");
      assertBits(ours, ref, `layerwise ${kernels} ${dtype}`);
      assert.ok(
        ours["layers.1.square"].data[0] !== p0["layers.1.square"].data[0],
        "block 1 trained",
      );
      assert.ok(ours["layers.0.tall"].data[0] !== p0["layers.0.tall"].data[0], "block 0 trained");
    }
  }));
