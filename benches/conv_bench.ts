/**
 * conv2d speed (issue 12 §2): ours (im2col + the WebAssembly GEMM per image) against a naive
 * seven-loop convolution (baseline) at x [32, 16, 32, 32], w [32, 16, 3, 3], padding 1, in f64
 * and f32, plus the forward + backward under `valueAndGrad`. numpy's im2col + BLAS is timed by
 * `benches/numpy_conv.py` in the same sitting. Results: `benches/RESULTS.md`, section "Conv2d".
 */
import { conv2d } from "../ops/conv/conv2d.ts";
import { valueAndGrad } from "../ops/autograd/grad.ts";
import { mul } from "../ops/autograd/ops_arith.ts";
import { sum } from "../ops/autograd/ops_reduce.ts";
import { randn } from "../ops/random.ts";
import { allocData, type Tensor, type TensorData } from "../ops/tensor.ts";

const [N, C, H, W, O, K, PAD] = [32, 16, 32, 32, 32, 3, 1];

/** The definition as a user writes it: every output, every tap, bounds checked. */
function naive(x: Tensor, w: Tensor): TensorData {
  const out = allocData(x.dtype, N * O * H * W), xd = x.data, wd = w.data;
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < O; o++) {
      for (let y = 0; y < H; y++) {
        for (let xo = 0; xo < W; xo++) {
          let s = 0;
          for (let c = 0; c < C; c++) {
            for (let i = 0; i < K; i++) {
              const ih = y - PAD + i;
              if (ih < 0 || ih >= H) continue;
              for (let j = 0; j < K; j++) {
                const iw = xo - PAD + j;
                if (iw < 0 || iw >= W) continue;
                s += xd[((n * C + c) * H + ih) * W + iw] * wd[((o * C + c) * K + i) * K + j];
              }
            }
          }
          out[((n * O + o) * H + y) * W + xo] = s;
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
    naive(x, w);
  });
  Deno.bench(`ours conv2d ${dtype}`, { group }, () => {
    conv2d(x, w, { padding: PAD });
  });
  const step = valueAndGrad(
    (x: Tensor, w: Tensor) => sum(mul(conv2d(x, w, { padding: PAD }), probe)),
    {
      argnums: [0, 1],
    },
  );
  Deno.bench(`ours conv2d ${dtype} forward + backward (x, w)`, { group }, () => {
    step(x, w);
  });
}
