/**
 * The plain tiled GEMM kernel: 16×16 workgroup tiles in workgroup memory, one output per thread,
 * every load bounds-checked. It is the straightforward kernel that a first WebGPU port writes
 * (the floor the register-blocked kernel is measured against) and the GPU-side test oracle.
 *
 * @module
 */
import type { Gpu } from "./device.ts";
import { uniforms } from "./params.ts";

const T = 16;

function naiveWgsl(transA: boolean, transB: boolean): string {
  const aAt = transA ? "A[aOff + k * p.M + r]" : "A[aOff + r * p.K + k]";
  const bAt = transB ? "B[bOff + c * p.K + k]" : "B[bOff + k * p.N + c]";
  return `
struct Params { M: u32, N: u32, K: u32, strideA: u32, strideB: u32, strideC: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;
var<workgroup> sA: array<array<f32, ${T}>, ${T}>;
var<workgroup> sB: array<array<f32, ${T}>, ${T}>;
fn ldA(aOff: u32, r: u32, k: u32) -> f32 {
  if (r < p.M && k < p.K) { return ${aAt}; }
  return 0.0;
}
fn ldB(bOff: u32, k: u32, c: u32) -> f32 {
  if (k < p.K && c < p.N) { return ${bAt}; }
  return 0.0;
}
@compute @workgroup_size(${T}, ${T})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) l: vec3<u32>) {
  let row = wid.y * ${T}u + l.y;
  let col = wid.x * ${T}u + l.x;
  let aOff = wid.z * p.strideA;
  let bOff = wid.z * p.strideB;
  var acc = 0.0;
  for (var k0 = 0u; k0 < p.K; k0 += ${T}u) {
    sA[l.y][l.x] = ldA(aOff, row, k0 + l.x);
    sB[l.y][l.x] = ldB(bOff, k0 + l.y, col);
    workgroupBarrier();
    for (var kk = 0u; kk < ${T}u; kk++) { acc = fma(sA[l.y][kk], sB[kk][l.x], acc); }
    workgroupBarrier();
  }
  if (row < p.M && col < p.N) { C[wid.z * p.strideC + row * p.N + col] = acc; }
}
`;
}

/** Shape and layout of one (batched) GEMM call on GPU buffers. */
export interface GemmGpuArgs {
  /** Rows of op(A) and C. */
  m: number;
  /** Columns of op(B) and C. */
  n: number;
  /** Inner dimension. */
  k: number;
  /** Number of matrices in the batch (grid z). */
  batch: number;
  /** A is stored k×m. */
  transA: boolean;
  /** B is stored n×k. */
  transB: boolean;
  /** Elements between consecutive A matrices (0: shared). */
  strideA: number;
  /** Elements between consecutive B matrices (0: shared). */
  strideB: number;
}

/**
 * Encodes the plain 16×16 tiled GEMM `C = op(A)·op(B)` on raw buffers (no shape checks: the
 * `matmul` front end validates).
 *
 * @example
 * ```ts
 * import { requestGpu } from "./device.ts";
 * import { gemmNaive } from "./gemm_naive.ts";
 * import { tensor } from "../tensor.ts";
 * const gpu = await requestGpu(); // null on a software-only machine: the example then skips
 * if (gpu) {
 *   const a = gpu.upload(tensor([[1, 2], [3, 4]])), c = gpu.empty([2, 2]);
 *   const args = { m: 2, n: 2, k: 2, batch: 1, transA: false, transB: false, strideA: 0, strideB: 0 };
 *   gemmNaive(gpu, args, a.buffer, a.buffer, c.buffer);
 *   console.log((await c.read()).data); // Float32Array [7, 10, 15, 22]
 *   gpu.destroy();
 * }
 * ```
 */
export function gemmNaive(
  gpu: Gpu,
  g: GemmGpuArgs,
  a: GPUBuffer,
  b: GPUBuffer,
  c: GPUBuffer,
): void {
  const pipe = gpu.pipeline(`gemm_naive_${g.transA}_${g.transB}`, naiveWgsl(g.transA, g.transB));
  const params = uniforms([g.m, g.n, g.k, g.strideA, g.strideB, g.m * g.n]);
  gpu.dispatch(pipe, params, [a, b, c], [Math.ceil(g.n / T), Math.ceil(g.m / T), g.batch]);
}
