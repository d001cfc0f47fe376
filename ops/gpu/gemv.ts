/**
 * GPU matrix–vector products, the memory-bound case of GEMM (a 128×128 GEMM tile would waste
 * 127/128 of its work on a vector):
 *
 * - `y = A·x` (A stored m×k row-major): 8 rows per 256-thread workgroup, 32 threads per row walk
 *   it with 128-bit loads (when k is a multiple of 4) and reduce through workgroup memory.
 * - `y = Aᵀ·x` (A stored k×m): each thread owns 4 adjacent columns (one 128-bit load per row),
 *   the rows are cut into slices that run in parallel, and a second pass sums the slices.
 *
 * @module
 */
import type { Gpu } from "./device.ts";
import { grid2d, uniforms } from "./params.ts";

const ROWS = 8, LANES = 32;

function rowsWgsl(vec: boolean): string {
  const T = vec ? "vec4<f32>" : "f32";
  const prod = vec ? "dot(A[base + j], X[j])" : "A[base + j] * X[j]";
  return `
struct P { m: u32, kv: u32, p0: u32, p1: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> A: array<${T}>;
@group(0) @binding(2) var<storage, read> X: array<${T}>;
@group(0) @binding(3) var<storage, read_write> Y: array<f32>;
var<workgroup> part: array<f32, ${ROWS * LANES}>;
@compute @workgroup_size(${LANES}, ${ROWS})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) l: vec3<u32>) {
  let row = (wid.x + wid.y * nwg.x) * ${ROWS}u + l.y;
  var acc = 0.0;
  if (row < p.m) {
    let base = row * p.kv;
    for (var j = l.x; j < p.kv; j += ${LANES}u) { acc += ${prod}; }
  }
  let slot = l.y * ${LANES}u + l.x;
  part[slot] = acc;
  workgroupBarrier();
  for (var s = ${LANES / 2}u; s > 0u; s = s / 2u) {
    if (l.x < s) { part[slot] = part[slot] + part[slot + s]; }
    workgroupBarrier();
  }
  if (row < p.m && l.x == 0u) { Y[row] = part[slot]; }
}`;
}

const WG = 256;

function colsWgsl(vec: boolean): string {
  const T = vec ? "vec4<f32>" : "f32";
  return `
struct P { k: u32, mv: u32, slice: u32, slices: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> A: array<${T}>;
@group(0) @binding(2) var<storage, read> X: array<f32>;
@group(0) @binding(3) var<storage, read_write> Y: array<${T}>;
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let c = gid.x;
  if (c >= p.mv) { return; }
  let r0 = wid.y * p.slice;
  let r1 = min(r0 + p.slice, p.k);
  var acc = ${T}(0.0);
  for (var r = r0; r < r1; r++) { acc += A[r * p.mv + c] * X[r]; }
  Y[wid.y * p.mv + c] = acc;
}`;
}

/**
 * Encodes `y = A·x` on raw buffers: A stored m×k row-major, x of length k, y of length m.
 *
 * @example
 * ```ts
 * import { requestGpu } from "./device.ts";
 * import { gemvRows } from "./gemv.ts";
 * import { tensor } from "../tensor.ts";
 * const gpu = await requestGpu(); // null on a software-only machine: the example then skips
 * if (gpu) {
 *   const a = gpu.upload(tensor([[1, 2], [3, 4]])), x = gpu.upload(tensor([1, 1]));
 *   const y = gpu.empty([2]);
 *   gemvRows(gpu, 2, 2, a.buffer, x.buffer, y.buffer);
 *   console.log((await y.read()).data); // Float32Array [3, 7]
 *   gpu.destroy();
 * }
 * ```
 */
export function gemvRows(
  gpu: Gpu,
  m: number,
  k: number,
  a: GPUBuffer,
  x: GPUBuffer,
  y: GPUBuffer,
): void {
  const vec = k % 4 === 0;
  const pipe = gpu.pipeline(`gemv_rows_${vec}`, rowsWgsl(vec));
  const grid = grid2d(Math.ceil(m / ROWS), gpu.limits.maxComputeWorkgroupsPerDimension);
  gpu.dispatch(pipe, uniforms([m, vec ? k / 4 : k]), [a, x, y], grid);
}

/**
 * Encodes `y = Aᵀ·x` on raw buffers: A stored k×m row-major, x of length k, y of length m.
 * Rows are split into slices of at least 64 so that ≥ ~64k threads run for large inputs; the
 * per-slice partial sums are added by a column reduction (a temporary pooled buffer).
 *
 * @example
 * ```ts
 * import { requestGpu } from "./device.ts";
 * import { gemvCols } from "./gemv.ts";
 * import { tensor } from "../tensor.ts";
 * const gpu = await requestGpu(); // null on a software-only machine: the example then skips
 * if (gpu) {
 *   const a = gpu.upload(tensor([[1, 2], [3, 4]])), x = gpu.upload(tensor([1, 1]));
 *   const y = gpu.empty([2]);
 *   gemvCols(gpu, 2, 2, a.buffer, x.buffer, y.buffer);
 *   console.log((await y.read()).data); // Float32Array [4, 6]
 *   gpu.destroy();
 * }
 * ```
 */
export function gemvCols(
  gpu: Gpu,
  k: number,
  m: number,
  a: GPUBuffer,
  x: GPUBuffer,
  y: GPUBuffer,
): void {
  const vec = m % 4 === 0, mv = vec ? m / 4 : m;
  const threadsPerSlice = Math.max(mv, 1);
  const want = Math.max(1, Math.min(Math.ceil(k / 64), Math.ceil(65536 / threadsPerSlice), 65535));
  const slice = Math.ceil(k / want), slices = Math.ceil(k / slice);
  const pipe = gpu.pipeline(`gemv_cols_${vec}`, colsWgsl(vec));
  const tmp = slices === 1 ? null : gpu.empty([slices, m]);
  const part = tmp ? tmp.buffer : y;
  gpu.dispatch(pipe, uniforms([k, mv, slice, slices]), [a, x, part], [
    Math.ceil(mv / WG),
    slices,
    1,
  ]);
  if (!tmp) return;
  sumSlices(gpu, slices, m, part, y);
  // Safe to recycle now: later work that reuses the buffer is ordered after this pass.
  tmp.dispose();
}

const SUM_WGSL = `
struct P { slices: u32, m: u32, p0: u32, p1: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> S: array<f32>;
@group(0) @binding(2) var<storage, read_write> Y: array<f32>;
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x;
  if (c >= p.m) { return; }
  var acc = 0.0;
  for (var s = 0u; s < p.slices; s++) { acc += S[s * p.m + c]; }
  Y[c] = acc;
}`;

function sumSlices(gpu: Gpu, slices: number, m: number, part: GPUBuffer, y: GPUBuffer): void {
  const pipe = gpu.pipeline("gemv_sum_slices", SUM_WGSL);
  gpu.dispatch(pipe, uniforms([slices, m]), [part, y], [Math.ceil(m / WG), 1, 1]);
}
