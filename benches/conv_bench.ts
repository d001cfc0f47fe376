/**
 * conv2d speed (issue 12 §2): ours (im2col + the WebAssembly GEMM per image) against a naive
 * seven-loop convolution (baseline) at x [32, 16, 32, 32], w [32, 16, 3, 3], padding 1, in f64
 * and f32, plus the forward + backward under `valueAndGrad`; and the direct depthwise path
 * (5×5, RALA's LePE) against the same naive loop. numpy's im2col + BLAS is timed by
 * `benches/numpy_conv.py` in the same sitting. Results: `benches/RESULTS.md`, section "Conv2d".
 */
import { conv2d } from "../ops/conv/conv2d.ts";
import { valueAndGrad } from "../ops/autograd/grad.ts";
import { mul } from "../ops/autograd/ops_arith.ts";
import { sum } from "../ops/autograd/ops_reduce.ts";
import { randn } from "../ops/random.ts";
import { allocData, type Tensor, type TensorData } from "../ops/tensor.ts";

const [N, C, H, W, O, K, PAD] = [32, 16, 32, 32, 32, 3, 1];

/**
 * The definition as a user writes it: every output, every tap, bounds checked; `groups` splits
 * the channels (stride 1).
 */
function naive(x: Tensor, w: Tensor, pad: number, groups = 1): TensorData {
  const [n, c, h, wd] = x.shape, [o, cg, kh, kw] = w.shape, og = o / groups;
  const out = allocData(x.dtype, n * o * h * wd), xd = x.data, wt = w.data;
  for (let b = 0; b < n; b++) {
    for (let oc = 0; oc < o; oc++) {
      const c0 = Math.floor(oc / og) * cg;
      for (let y = 0; y < h; y++) {
        for (let xo = 0; xo < wd; xo++) {
          let s = 0;
          for (let ci = 0; ci < cg; ci++) {
            for (let i = 0; i < kh; i++) {
              const ih = y - pad + i;
              if (ih < 0 || ih >= h) continue;
              for (let j = 0; j < kw; j++) {
                const iw = xo - pad + j;
                if (iw < 0 || iw >= wd) continue;
                s += xd[((b * c + c0 + ci) * h + ih) * wd + iw] *
                  wt[((oc * cg + ci) * kh + i) * kw + j];
              }
            }
          }
          out[((b * o + oc) * h + y) * wd + xo] = s;
        }
      }
    }
  }
  return out;
}

for (const dtype of ["f64", "f32"] as const) {
  const x = randn([N, C, H, W], { seed: 0, dtype }), w = randn([O, C, K, K], { seed: 1, dtype });
  const probe = randn([N, O, H, W], { seed: 2, dtype });
  const group = `conv2d ${dtype} x [${N}, ${C}, ${H}, ${W}] w [${O}, ${C}, ${K}, ${K}] pad ${PAD}`;
  Deno.bench(`naive loop ${dtype}`, { group, baseline: true, n: 5, warmup: 1 }, () => {
    naive(x, w, PAD);
  });
  Deno.bench(`ours conv2d ${dtype}`, { group }, () => {
    conv2d(x, w, { padding: PAD });
  });
  const step = valueAndGrad(
    (x: Tensor, w: Tensor) => sum(mul(conv2d(x, w, { padding: PAD }), probe)),
    { argnums: [0, 1] },
  );
  Deno.bench(`ours conv2d ${dtype} forward + backward (x, w)`, { group }, () => {
    step(x, w);
  });
}

// RALA's LePE: a 5×5 depthwise convolution (groups = channels), direct path.
{
  const x = randn([8, 64, 14, 14], { seed: 3 }), w = randn([64, 1, 5, 5], { seed: 4 });
  const group = "conv2d depthwise 5x5 f64 x [8, 64, 14, 14] pad 2";
  Deno.bench("naive loop depthwise", { group, baseline: true }, () => {
    naive(x, w, 2, 64);
  });
  Deno.bench("ours conv2d depthwise", { group }, () => {
    conv2d(x, w, { padding: 2, groups: 64 });
  });
}

if (import.meta.main) {
  // Script mode (`deno run -A benches/conv_bench.ts`): wall and CPU time of 30 calls, the CPU
  // figure being the one a loaded machine disturbs least (numpy_conv.py prints the same pair).
  const { cpuUsage } = await import("node:process");
  for (const dtype of ["f64", "f32"] as const) {
    const x = randn([N, C, H, W], { seed: 0, dtype }), w = randn([O, C, K, K], { seed: 1, dtype });
    for (let i = 0; i < 3; i++) conv2d(x, w, { padding: PAD });
    const wall: number[] = [], cpu: number[] = [];
    for (let i = 0; i < 30; i++) {
      const t = performance.now(), c = cpuUsage();
      conv2d(x, w, { padding: PAD });
      const d = cpuUsage(c);
      wall.push(performance.now() - t);
      cpu.push((d.user + d.system) / 1000);
    }
    const [bw, mw, bc, mc] = [wall, cpu].flatMap((ts) => {
      ts.sort((a, b) => a - b);
      return [ts[0], ts[15]];
    });
    console.log(
      `ours conv2d ${dtype}: wall best ${bw.toFixed(2)} ms, median ${mw.toFixed(2)} ms; ` +
        `CPU best ${bc.toFixed(2)} ms, median ${mc.toFixed(2)} ms`,
    );
  }
}
