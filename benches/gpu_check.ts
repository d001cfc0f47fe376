/**
 * The correctness gate of the GPU bench (issue 22): a configuration's speed counts only when its
 * output, written into a NaN-filled buffer, agrees with an f64 CPU product at sampled entries
 * and with a reference output everywhere, within the f32 dot-product error bound.
 *
 * @module
 */
import type { Gpu } from "../ops/gpu/device.ts";
import type { GpuTensor } from "../ops/gpu/gpu_tensor.ts";
import { nanFill } from "./gpu_measure.ts";

/** The host copies and transposes of one square-or-not product `C = op(A)·op(B)` (m×n, depth k). */
export interface GemmProblem {
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  /** Row-major data of A as stored (k×m when transA). */
  a: Float32Array;
  /** Row-major data of B as stored (n×k when transB). */
  b: Float32Array;
}

/** Outcome of {@link checkGemm}. */
export interface GemmCheck {
  /** `"ok"` within tolerance everywhere, `"WRONG"` otherwise (any NaN included). */
  status: "ok" | "WRONG";
  /** Largest error divided by its tolerance (≤ 1 passes; Infinity for NaN). */
  worst: number;
  /** Where the worst entry is and what was seen there. */
  note: string;
  /** The output as read back (to serve as the reference of later configurations). */
  out: Float32Array;
}

/** Unit roundoff of f32. */
const U32 = 2 ** -24;

/**
 * Runs `launch(c)` once into a NaN-filled m×n output `c` and checks the result: at 64 sampled
 * entries (corners included) against the f64 product of the host data, with the bound
 * |ĉ − c| ≤ 2(k+1)u·(|A||B|)ᵢⱼ; and, when `ref` is given, at every entry against `ref` with
 * twice that bound, (|A||B|)ᵢⱼ bounded by min(‖A row i‖₁·max|B|, max|A|·‖B col j‖₁).
 *
 * @example
 * ```ts
 * import { checkGemm } from "./gpu_check.ts";
 * import { requestGpu } from "../ops/gpu/device.ts";
 * import { gemmGpu } from "../ops/gpu/gemm.ts";
 * import { Tensor } from "../ops/tensor.ts";
 * const gpu = await requestGpu({ allowFallback: true });
 * if (gpu) {
 *   const p = { m: 2, n: 2, k: 2, transA: false, transB: false, a: new Float32Array([1, 2, 3, 4]),
 *     b: new Float32Array([1, 0, 0, 1]) };
 *   const a = gpu.upload(new Tensor(p.a, [2, 2]));
 *   const args = { m: 2, n: 2, k: 2, batch: 1, transA: false, transB: false, strideA: 0, strideB: 0 };
 *   const r = await checkGemm(gpu, p, (c) => gemmGpu(gpu, args, a.buffer, a.buffer, c.buffer), null);
 *   console.log(r.status); // WRONG (A·A is not A·I)
 *   a.dispose();
 *   gpu.destroy();
 * }
 * ```
 */
export async function checkGemm(
  gpu: Gpu,
  p: GemmProblem,
  launch: (c: GpuTensor) => void,
  ref: Float32Array | null,
): Promise<GemmCheck> {
  const c = gpu.empty([p.m, p.n]);
  let out: Float32Array;
  try {
    nanFill(c);
    launch(c);
    out = (await c.read()).data as Float32Array;
  } finally {
    c.dispose();
  }
  const at = (i: number, j: number, r: number): [number, number] => {
    // op(A)[i, r] and op(B)[r, j] from the stored layouts.
    const x = p.transA ? p.a[r * p.m + i] : p.a[i * p.k + r];
    const y = p.transB ? p.b[j * p.k + r] : p.b[r * p.n + j];
    return [x, y];
  };
  const gamma = 2 * (p.k + 1) * U32;
  let worst = 0, note = "";
  const see = (i: number, j: number, err: number, tol: number, what: string): void => {
    let ratio = err === 0 ? 0 : err / tol;
    if (Number.isNaN(ratio)) ratio = Infinity; // a NaN output (or a 0/0) never passes
    if (ratio > worst) {
      worst = ratio;
      note = `${what} at (${i}, ${j}): got ${out[i * p.n + j]}, error ${err} vs tolerance ${tol}`;
    }
  };
  for (const [i, j] of sampleEntries(p.m, p.n, 64)) {
    let exact = 0, abs = 0;
    for (let r = 0; r < p.k; r++) {
      const [x, y] = at(i, j, r);
      exact += x * y;
      abs += Math.abs(x * y);
    }
    see(i, j, Math.abs(out[i * p.n + j] - exact), gamma * abs, "vs f64");
  }
  if (ref) {
    const { rowAbs, colAbs, maxA, maxB } = absBounds(p);
    for (let i = 0; i < p.m; i++) {
      for (let j = 0; j < p.n; j++) {
        const bound = Math.min(rowAbs[i] * maxB, maxA * colAbs[j]);
        const err = Math.abs(out[i * p.n + j] - ref[i * p.n + j]);
        if (!(err <= 2 * gamma * bound)) see(i, j, err, 2 * gamma * bound, "vs reference");
      }
    }
  }
  return { status: worst <= 1 ? "ok" : "WRONG", worst, note, out };
}

/** `count` distinct-ish (row, column) pairs: the four corners, then a seeded LCG. */
function sampleEntries(m: number, n: number, count: number): [number, number][] {
  const out: [number, number][] = [[0, 0], [0, n - 1], [m - 1, 0], [m - 1, n - 1]];
  let s = 12345;
  while (out.length < count) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const i = s % m;
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.push([i, s % n]);
  }
  return out;
}

/** Row 1-norms of op(A), column 1-norms of op(B) and the largest magnitudes of each. */
function absBounds(
  p: GemmProblem,
): { rowAbs: Float64Array; colAbs: Float64Array; maxA: number; maxB: number } {
  const rowAbs = new Float64Array(p.m), colAbs = new Float64Array(p.n);
  let maxA = 0, maxB = 0;
  for (let s = 0; s < p.a.length; s++) {
    const v = Math.abs(p.a[s]), i = p.transA ? s % p.m : Math.floor(s / p.k);
    rowAbs[i] += v;
    if (v > maxA) maxA = v;
  }
  for (let s = 0; s < p.b.length; s++) {
    const v = Math.abs(p.b[s]), j = p.transB ? Math.floor(s / p.k) : s % p.n;
    colAbs[j] += v;
    if (v > maxB) maxB = v;
  }
  return { rowAbs, colAbs, maxA, maxB };
}
