/**
 * Orthonormalization of a tall GpuTensor by (shifted) Cholesky QR: the Gram matrix `YᵀY` is a
 * GPU GEMM, only its small l×l Cholesky factor is computed on the CPU (in f64), and `Y·R⁻¹` is
 * again a GPU GEMM — two big products and one tiny readback instead of moving Y to the CPU.
 *
 * Shifted CholeskyQR3 (Fukaya, Kannan, Nakatsukasa, Yamamoto & Yanagisawa, "Shifted Cholesky QR
 * for computing the QR factorization of ill-conditioned matrices", SIAM J. Sci. Comput. 42,
 * 2020): a first pass on `YᵀY + s·I` with `s = 11(ml + l(l+1))·u·‖Y‖²` cannot break down and
 * leaves a factor with condition number O(u^-1/2), after which two plain passes
 * (CholeskyQR2, Yamamoto et al. 2015) make it orthonormal to working precision.
 *
 * @module
 */
import { Tensor } from "../tensor.ts";
import type { GpuTensor } from "./gpu_tensor.ts";
import { gemmGpu } from "./gemm.ts";
import { binaryGpu } from "./elementwise.ts";
import { matmulGpu } from "./matmul.ts";
import { reduceGpu } from "./reduce.ts";

const U32 = 2 ** -24;

/**
 * In place lower Cholesky factor of the symmetric `l×l` row-major `g` plus `shift·I`; returns
 * false (leaving `g` partly overwritten) when a pivot is not positive.
 */
function choleskyLower_(g: Float64Array, l: number, shift: number): boolean {
  for (let j = 0; j < l; j++) {
    let d = g[j * l + j] + shift;
    for (let p = 0; p < j; p++) d -= g[j * l + p] * g[j * l + p];
    if (!(d > 0)) return false;
    const r = Math.sqrt(d);
    g[j * l + j] = r;
    for (let i = j + 1; i < l; i++) {
      let s = g[i * l + j];
      for (let p = 0; p < j; p++) s -= g[i * l + p] * g[j * l + p];
      g[i * l + j] = s / r;
    }
  }
  return true;
}

/** `R⁻¹` (upper, l×l) for `R = Lᵀ` with the lower factor `L` stored in `g`. */
function upperInverseFromLower(g: Float64Array, l: number): Float64Array {
  // Solve R·X = I column by column, R[i][j] = L[j][i].
  const x = new Float64Array(l * l);
  for (let c = 0; c < l; c++) {
    for (let i = c; i >= 0; i--) {
      let s = i === c ? 1 : 0;
      for (let j = i + 1; j <= c; j++) s -= g[j * l + i] * x[j * l + c];
      x[i * l + c] = s / g[i * l + i];
    }
  }
  return x;
}

/** Upper factor `R = Lᵀ` of the lower factor in `g`. */
function upperFromLower(g: Float64Array, l: number): Float64Array {
  const r = new Float64Array(l * l);
  for (let i = 0; i < l; i++) for (let j = i; j < l; j++) r[i * l + j] = g[j * l + i];
  return r;
}

/** Multiplies upper-triangular `a·b` (both l×l). */
function upperTimesUpper(a: Float64Array, b: Float64Array, l: number): Float64Array {
  const c = new Float64Array(l * l);
  for (let i = 0; i < l; i++) {
    for (let j = i; j < l; j++) {
      let s = 0;
      for (let p = i; p <= j; p++) s += a[i * l + p] * b[p * l + j];
      c[i * l + j] = s;
    }
  }
  return c;
}

function offIdentity(r: Float64Array, l: number): number {
  let e = 0;
  for (let i = 0; i < l; i++) {
    for (let j = i; j < l; j++) e = Math.max(e, Math.abs(r[i * l + j] - (i === j ? 1 : 0)));
  }
  return e;
}

/**
 * `YᵀY` for a tall m×l `y`. A plain GEMM would give only ⌈l/32⌉² workgroups, each looping over
 * all m rows (latency-bound on a big GPU); instead the rows are split into c chunks of ≥ 64
 * (c ≤ 64, c | m), the c partial Grams are one batched GEMM and a column sum adds them.
 */
function gramGpu(y: GpuTensor): GpuTensor {
  const [m, l] = y.shape;
  let c = Math.min(64, Math.floor(m / 64));
  while (c > 1 && m % c !== 0) c--;
  if (c <= 1) return matmulGpu(y, y, { transA: true });
  const rows = m / c, gpu = y.gpu, parts = gpu.empty([c, l, l]);
  const args = {
    m: l,
    n: l,
    k: rows,
    batch: c,
    transA: true,
    transB: false,
    strideA: rows * l,
    strideB: rows * l,
  };
  gemmGpu(gpu, args, y.buffer, y.buffer, parts.buffer);
  const gram = reduceGpu(parts, "sum", { axis: 0 });
  parts.dispose();
  return gram;
}

/**
 * One (shifted) Cholesky QR pass: returns `Q = Y·R⁻¹` (new GpuTensor) and `R` (f64). A shifted
 * (first) pass returns null when the f32 Gram is zero or not finite, for {@link rescaledPass}.
 */
async function cholQrPass(
  y: GpuTensor,
  shifted: boolean,
): Promise<[GpuTensor, Float64Array] | null> {
  const [m, l] = y.shape;
  const gram = gramGpu(y);
  const g = Float64Array.from((await gram.read()).data);
  gram.dispose();
  let trace = 0;
  for (let i = 0; i < l; i++) trace += g[i * l + i];
  if (shifted && !(trace > 0 && trace < Infinity)) return null;
  // ‖Y‖₂² ≤ trace(YᵀY) = ‖Y‖_F²: a safe (larger) shift than Fukaya et al.'s ‖Y‖₂².
  const shift = 11 * (m * l + l * (l + 1)) * U32 * trace;
  const work = g.slice();
  if (!shifted && !choleskyLower_(work, l, 0)) {
    work.set(g);
    shifted = true;
  }
  if (shifted && !choleskyLower_(work, l, shift || Number.MIN_VALUE)) {
    throw new RangeError(`cholQrGpu: Gram matrix is not finite (trace ${trace})`);
  }
  const rinv = upperInverseFromLower(work, l);
  const gr = y.gpu.upload(new Tensor(Float32Array.from(rinv), [l, l]));
  const q = matmulGpu(y, gr);
  gr.dispose();
  return [q, upperFromLower(work, l)];
}

/**
 * The first pass for a `y` whose f32 Gram is zero or not finite. A non-finite entry is a
 * RangeError; `Y = 0` gives the valid QR `Q = I[:, :l]`, `R = 0` (a shifted pass would divide by
 * a zero pivot and return NaN); otherwise `y` is scaled by the power of two nearest `1/max|y|`
 * (exact), so that its Gram neither underflows nor overflows, and `R` is scaled back.
 */
async function rescaledPass(y: GpuTensor): Promise<[GpuTensor, Float64Array]> {
  const [m, l] = y.shape;
  const big = reduceGpu(y, "normInf");
  const amax = (await big.read()).data[0];
  big.dispose();
  if (!Number.isFinite(amax)) {
    throw new RangeError(`cholQrGpu: y has a non-finite entry (max |y| = ${amax})`);
  }
  if (amax === 0) {
    const eye = new Float32Array(m * l);
    for (let i = 0; i < l; i++) eye[i * l + i] = 1;
    return [y.gpu.upload(new Tensor(eye, [m, l])), new Float64Array(l * l)];
  }
  // ±126 keeps 2^-e a normal f32 (GPUs may flush subnormals to zero).
  const e = Math.min(126, Math.max(-126, Math.round(Math.log2(amax))));
  const scaled = binaryGpu("mul", y, 2 ** -e);
  const pass = await cholQrPass(scaled, true);
  scaled.dispose();
  if (pass === null) {
    throw new RangeError(`cholQrGpu: the Gram matrix of y is not finite (max |y| = ${amax})`);
  }
  const r = pass[1];
  for (let i = 0; i < r.length; i++) r[i] *= 2 ** e;
  return pass;
}

/** Options of {@link cholQrGpu}. */
export interface CholQrGpuOptions {
  /** Plain passes after the shifted one (default 2: CholeskyQR3; up to 5 more are added while
   * the last correction is not √u-close to I). 0 gives one shifted pass only: a
   * well-conditioned, not orthonormal, basis — enough between power iterations. */
  refinements?: number;
}

/**
 * Thin QR of a tall `m×l` GpuTensor (`m ≥ l`): `Q` (GpuTensor, orthonormal columns) and `R`
 * (CPU f64 Tensor, upper triangular, `Y = Q·R`). `y` itself is left untouched.
 *
 * @example
 * ```ts
 * import { requestGpu } from "./device.ts";
 * import { cholQrGpu } from "./cholqr.ts";
 * import { tensor } from "../tensor.ts";
 * const gpu = await requestGpu(); // null on a software-only machine: the example then skips
 * if (gpu) {
 *   const y = gpu.upload(tensor([[3, 1], [4, 2], [0, 2]]));
 *   const { q, r } = await cholQrGpu(y);
 *   console.log(q.shape, Math.round(r.data[0])); // [3, 2] 5
 *   gpu.destroy();
 * }
 * ```
 */
export async function cholQrGpu(
  y: GpuTensor,
  opts: CholQrGpuOptions = {},
): Promise<{ q: GpuTensor; r: Tensor }> {
  if (y.ndim !== 2 || y.shape[0] < y.shape[1]) {
    throw new RangeError(`cholQrGpu: y must be a tall matrix, got shape [${y.shape}]`);
  }
  const refinements = opts.refinements ?? 2;
  if (!Number.isInteger(refinements) || refinements < 0) {
    throw new RangeError(`cholQrGpu: refinements must be an integer >= 0, got ${refinements}`);
  }
  const l = y.shape[1];
  let [q, r] = await cholQrPass(y, true) ?? await rescaledPass(y);
  // `refinements` plain passes, then more (at most 5) while the last correction factor is not
  // within √u of the identity: in f32 a shifted pass leaves cond(Q) up to ~u^-1/2 ≈ 4e3 for
  // inputs near cond u^-1, where two plain passes are not always enough.
  const maxPasses = refinements === 0 ? 0 : refinements + 5;
  for (let i = 0; i < maxPasses; i++) {
    const [q2, r2] = (await cholQrPass(q, false))!;
    q.dispose();
    q = q2;
    r = upperTimesUpper(r2, r, l);
    if (i + 1 >= refinements && offIdentity(r2, l) < 2 ** -12) break;
  }
  return { q, r: new Tensor(r, [l, l]) };
}
