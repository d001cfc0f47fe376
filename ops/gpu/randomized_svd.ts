/**
 * Randomized truncated SVD of a GpuTensor: every product with the big matrix runs on the GPU,
 * the orthonormalizations are Cholesky QR (Gram product on the GPU, l×l Cholesky on the CPU),
 * and only l×l matrices ever come back to the CPU.
 *
 * @module
 */
import { svd } from "../linalg/svd.ts";
import { Rng } from "../random.ts";
import { Tensor } from "../tensor.ts";
import { cholQrGpu } from "./cholqr.ts";
import type { Gpu } from "./device.ts";
import { binaryGpu } from "./elementwise.ts";
import { assertGpuTensor, type GpuTensor } from "./gpu_tensor.ts";
import { matmulGpu } from "./matmul.ts";
import { reduceGpu } from "./reduce.ts";
import { transposeGpu } from "./transpose.ts";

/** Options of {@link randomizedSvdGpu} (as the CPU `randomizedSvd`). */
export interface RandomizedSvdGpuOptions {
  /** Extra sampled directions beyond `k` (default 10). */
  oversamples?: number;
  /** Power iterations; `"auto"` (default) is 7 if `k < 0.1·min(m, n)`, else 4 (scikit-learn). */
  powerIters?: number | "auto";
  /** Seed of the Gaussian test matrix (default 0; the same Ω as the CPU version's). */
  seed?: number;
}

/** Result of {@link randomizedSvdGpu}: `a ≈ u·diag(s)·vt`, all on the GPU. */
export interface RandomizedSvdGpuResult {
  /** `m × k` left singular vectors. */
  u: GpuTensor;
  /** `k` singular values, descending. */
  s: GpuTensor;
  /** `k × n` right singular vectors as rows. */
  vt: GpuTensor;
}

function parse(m: number, n: number, k: number, o: RandomizedSvdGpuOptions): [number, number] {
  const fn = "randomizedSvdGpu", mn = Math.min(m, n);
  if (!Number.isInteger(k) || k < 1 || k > mn) {
    throw new RangeError(`${fn}: k must be an integer in 1..${mn} (min(m, n)), got ${k}`);
  }
  const over = o.oversamples ?? 10;
  if (!Number.isInteger(over) || over < 0) {
    throw new RangeError(`${fn}: oversamples must be an integer >= 0, got ${over}`);
  }
  const pi = o.powerIters ?? "auto";
  if (pi !== "auto" && (!Number.isInteger(pi) || (pi as number) < 0)) {
    throw new RangeError(`${fn}: powerIters must be "auto" or an integer >= 0, got ${pi}`);
  }
  return [Math.min(k + over, mn), pi === "auto" ? (k < 0.1 * mn ? 7 : 4) : pi];
}

/** Replaces `t` by `f(t)` and disposes the old tensor. */
function swap(t: GpuTensor, next: GpuTensor): GpuTensor {
  t.dispose();
  return next;
}

/**
 * Randomized rank-`k` SVD of an m×n GpuTensor (Halko, Martinsson & Tropp, SIAM Review 53, 2011,
 * Algorithms 4.4 and 5.1, as the CPU `randomizedSvd`): Ω (n×l Gaussian, `l = k + oversamples`),
 * `powerIters` power iterations re-orthonormalized by shifted CholeskyQR2 (Fukaya et al. 2020),
 * a final CholeskyQR3 basis Q, then `(QᵀA)ᵀ = Q_b·R_b` and the SVD of the l×l `R_bᵀ` on the
 * CPU. Runs on `aᵀ` when m < n (through GEMM transpose flags, no copy). Signs as `svd_flip`:
 * the largest-magnitude entry of each column of the left factor (of the matrix the algorithm ran
 * on) is positive. Accuracy is that of f32 (relative ~1e-6 on well-separated spectra).
 *
 * @example
 * ```ts
 * import { requestGpu } from "./device.ts";
 * import { randomizedSvdGpu } from "./randomized_svd.ts";
 * import { randn } from "../random.ts";
 * const gpu = await requestGpu(); // null on a software-only machine: the example then skips
 * if (gpu) {
 *   const a = gpu.upload(randn([40, 30], { seed: 1 }));
 *   const { u, s, vt } = await randomizedSvdGpu(gpu, a, 3, { seed: 0 });
 *   console.log(u.shape, s.shape, vt.shape); // [40, 3] [3] [3, 30]
 *   gpu.destroy();
 * }
 * ```
 */
export async function randomizedSvdGpu(
  gpu: Gpu,
  a: GpuTensor,
  k: number,
  opts: RandomizedSvdGpuOptions = {},
): Promise<RandomizedSvdGpuResult> {
  assertGpuTensor("randomizedSvdGpu", "a", a);
  if (a.gpu !== gpu) throw new TypeError("randomizedSvdGpu: a lives on a different Gpu");
  if (a.ndim !== 2) throw new RangeError(`randomizedSvdGpu: a must be a matrix, got [${a.shape}]`);
  const [m, n] = a.shape;
  const [l, iters] = parse(m, n, k, opts);
  const tr = m < n; // run on mat = aᵀ (rows ≥ cols) through the transpose flags
  const cols = tr ? m : n;
  const times = (q: GpuTensor): GpuTensor => matmulGpu(a, q, { transA: tr }); // mat·q
  const timesT = (q: GpuTensor): GpuTensor => matmulGpu(a, q, { transA: !tr }); // matᵀ·q
  const rng = new Rng(opts.seed ?? 0);
  const omega = new Float32Array(cols * l);
  for (let i = 0; i < omega.length; i++) omega[i] = rng.normal();
  let q = gpu.upload(new Tensor(omega, [cols, l]));
  for (let it = 0; it < iters; it++) {
    q = swap(q, times(q));
    q = swap(q, (await cholQrGpu(q, { refinements: 1 })).q);
    q = swap(q, timesT(q));
    q = swap(q, (await cholQrGpu(q, { refinements: 1 })).q);
  }
  q = swap(q, times(q));
  q = swap(q, (await cholQrGpu(q)).q);
  // (QᵀA)ᵀ = matᵀ·Q = Q_b·R_b, so QᵀA = R_bᵀ·Q_bᵀ and SVD(R_bᵀ) = U_r·S·V_rᵀ gives
  // mat ≈ (Q·U_r)·S·(Q_b·V_r)ᵀ.
  const bt = timesT(q);
  const { q: qb, r: rb } = await cholQrGpu(bt);
  bt.dispose();
  const small = svd(transposeSmall(rb));
  const ur = gpu.upload(leadingColumns(small.u, k)),
    vr = gpu.upload(leadingColumns(small.vt, k, true));
  let uMat = matmulGpu(q, ur), vMat = matmulGpu(qb, vr);
  for (const t of [q, qb, ur, vr]) t.dispose();
  const d = await flipSigns(uMat);
  uMat = swap(uMat, binaryGpu("mul", uMat, d));
  vMat = swap(vMat, binaryGpu("mul", vMat, d));
  d.dispose();
  const s = gpu.upload(new Tensor(Float32Array.from(small.s.data.subarray(0, k)), [k]));
  if (tr) {
    const vt = transposeGpu(uMat);
    uMat.dispose();
    return { u: vMat, s, vt };
  }
  const vt = transposeGpu(vMat);
  vMat.dispose();
  return { u: uMat, s, vt };
}

function transposeSmall(r: Tensor): Tensor {
  const l = r.shape[0], out = new Float64Array(l * l);
  for (let i = 0; i < l; i++) for (let j = 0; j < l; j++) out[j * l + i] = r.data[i * l + j];
  return new Tensor(out, [l, l]);
}

/** First `k` columns of the l×l `t` (or of `tᵀ` when `transposed`) as an f32 l×k tensor. */
function leadingColumns(t: Tensor, k: number, transposed = false): Tensor {
  const l = t.shape[0], out = new Float32Array(l * k);
  for (let i = 0; i < l; i++) {
    for (let j = 0; j < k; j++) out[i * k + j] = transposed ? t.data[j * l + i] : t.data[i * l + j];
  }
  return new Tensor(out, [l, k]);
}

/** ±1 per column so that each column's largest-magnitude entry becomes positive (svd_flip). */
async function flipSigns(u: GpuTensor): Promise<GpuTensor> {
  const hi = reduceGpu(u, "max", { axis: 0 }), lo = reduceGpu(u, "min", { axis: 0 });
  const [h, w] = [(await hi.read()).data, (await lo.read()).data];
  hi.dispose();
  lo.dispose();
  const d = new Float32Array(h.length);
  for (let j = 0; j < d.length; j++) d[j] = Math.abs(h[j]) >= Math.abs(w[j]) ? 1 : -1;
  return u.gpu.upload(new Tensor(d, [d.length]));
}
