/**
 * One training step (forward + backward + AdamW) of a 2-layer MLP 512→1024→512 (ReLU, MSE),
 * batch 256: through `valueAndGrad` against the same step written by hand with our ops and no
 * autograd (baseline), so the group reads as the autograd overhead. numpy runs the hand-written
 * step in `benches/numpy_mlp_step.py`. Results: `benches/RESULTS.md`, section "Autograd and training steps".
 *
 * Also runnable as a script (`deno run -A benches/autograd_bench.ts`) to print ms/step of both.
 */
import { gemm } from "../ops/cpu/gemm.ts";
import { valueAndGrad } from "../ops/autograd/grad.ts";
import * as ad from "../ops/autograd/ops.ts";
import { applyMlp, initMlp, type MlpParams } from "../ops/nn/layers.ts";
import { adamw } from "../ops/optim/adam.ts";
import type { AdamState, Optimizer } from "../ops/optim/mod.ts";
import { randn } from "../ops/random.ts";
import { allocData, astype, type DType, Tensor } from "../ops/tensor.ts";

const [IN, HID, OUT, BATCH] = [512, 1024, 512, 256];

interface Setup {
  params: MlpParams;
  x: Tensor;
  y: Tensor;
  opt: Optimizer<AdamState>;
  state: AdamState;
}

function setup(dtype: DType): Setup {
  const p = initMlp([IN, HID, OUT], { seed: 0 });
  const params = {
    layers: p.layers.map((l) => ({
      weight: astype(l.weight, dtype),
      bias: astype(l.bias!, dtype),
    })),
  };
  const x = astype(randn([BATCH, IN], { seed: 1 }), dtype);
  const y = astype(randn([BATCH, OUT], { seed: 2 }), dtype);
  const opt = adamw({ lr: 1e-3 });
  return { params, x, y, opt, state: opt.init(params) };
}

/** The autograd step. */
function autogradStep(s: Setup): number {
  const vg = valueAndGrad((p: MlpParams) => ad.mse(applyMlp(p, s.x), s.y));
  const { value, grad } = vg(s.params);
  s.opt.step_(s.params, grad, s.state);
  return value.data[0];
}

/** `c = op(a)·op(b)` as a fresh `m×n` tensor. */
function mm(
  a: Tensor,
  b: Tensor,
  m: number,
  n: number,
  k: number,
  tA: boolean,
  tB: boolean,
): Tensor {
  const c = allocData(a.dtype, m * n);
  gemm({
    m,
    n,
    k,
    a: a.data,
    lda: tA ? m : k,
    transA: tA,
    b: b.data,
    ldb: tB ? k : n,
    transB: tB,
    c,
    ldc: n,
  });
  return new Tensor(c, [m, n]);
}

function addBiasRelu_(h: Tensor, b: Tensor, relu: boolean): void {
  const n = b.size, d = h.data, bd = b.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i] + bd[i % n];
    d[i] = relu && v < 0 ? 0 : v;
  }
}

function colSums(g: Tensor, n: number): Tensor {
  const out = allocData(g.dtype, n);
  for (let i = 0; i < g.size; i++) out[i % n] += g.data[i];
  return new Tensor(out, [n]);
}

/** The same step with explicit forward and backward formulas (no tape). */
function handStep(s: Setup): number {
  const [l1, l2] = s.params.layers;
  const h = mm(s.x, l1.weight, BATCH, HID, IN, false, true);
  addBiasRelu_(h, l1.bias!, true); // h is now relu(x·W1ᵀ + b1)
  const out = mm(h, l2.weight, BATCH, OUT, HID, false, true);
  addBiasRelu_(out, l2.bias!, false);
  const dy = allocData(out.dtype, out.size);
  let loss = 0;
  for (let i = 0; i < dy.length; i++) {
    const r = out.data[i] - s.y.data[i];
    loss += r * r;
    dy[i] = (2 * r) / out.size;
  }
  const g = new Tensor(dy, out.shape);
  const dW2 = mm(g, h, OUT, HID, BATCH, true, false);
  const db2 = colSums(g, OUT);
  const dh = mm(g, l2.weight, BATCH, HID, OUT, false, false);
  for (let i = 0; i < dh.size; i++) if (h.data[i] <= 0) dh.data[i] = 0;
  const dW1 = mm(dh, s.x, HID, IN, BATCH, true, false);
  const db1 = colSums(dh, HID);
  const grads = { layers: [{ weight: dW1, bias: db1 }, { weight: dW2, bias: db2 }] };
  s.opt.step_(s.params, grads, s.state);
  return loss / out.size;
}

for (const dtype of ["f32", "f64"] as const) {
  const a = setup(dtype), h = setup(dtype);
  Deno.bench({
    name: `hand-written step ${dtype}`,
    group: `mlp step ${dtype}`,
    baseline: true,
    n: 10,
    warmup: 2,
    fn: () => void handStep(h),
  });
  Deno.bench({
    name: `autograd step ${dtype}`,
    group: `mlp step ${dtype}`,
    n: 10,
    warmup: 2,
    fn: () => void autogradStep(a),
  });
}

if (import.meta.main) {
  // Interleaved so that the shared machine's load affects both alike; best and median of 10.
  for (const dtype of ["f32", "f64"] as const) {
    const a = setup(dtype), h = setup(dtype);
    const la = autogradStep(a), lh = handStep(h);
    console.log(
      `${dtype}: first-step loss autograd ${la.toPrecision(8)} hand ${lh.toPrecision(8)}`,
    );
    const times: Record<string, number[]> = { hand: [], autograd: [] };
    for (let i = 0; i < 10; i++) {
      for (const [name, f, s] of [["hand", handStep, h], ["autograd", autogradStep, a]] as const) {
        const t = performance.now();
        f(s);
        times[name].push(performance.now() - t);
      }
    }
    for (const [name, ts] of Object.entries(times)) {
      ts.sort((x, y) => x - y);
      console.log(`${dtype} ${name}: best ${ts[0].toFixed(1)} ms, median ${ts[5].toFixed(1)} ms`);
    }
  }
}
