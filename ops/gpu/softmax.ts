/**
 * Softmax along the last axis on the GPU: one 256-thread workgroup per row computes the row
 * maximum, then Σ exp(x − max), then writes exp(x − max) / Σ (the max shift avoids overflow).
 *
 * @module
 */
import { assertGpuTensor, type GpuTensor } from "./gpu_tensor.ts";
import { grid2d, uniforms } from "./params.ts";

const WG = 256;

const WGSL = `
struct P { rows: u32, n: u32, p0: u32, p1: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> Y: array<f32>;
var<workgroup> part: array<f32, ${WG}>;
fn treeMax(lid: u32) -> f32 {
  workgroupBarrier();
  for (var s = ${WG / 2}u; s > 0u; s = s / 2u) {
    if (lid < s) { part[lid] = max(part[lid], part[lid + s]); }
    workgroupBarrier();
  }
  let r = part[0];
  workgroupBarrier();
  return r;
}
fn treeSum(lid: u32) -> f32 {
  workgroupBarrier();
  for (var s = ${WG / 2}u; s > 0u; s = s / 2u) {
    if (lid < s) { part[lid] = part[lid] + part[lid + s]; }
    workgroupBarrier();
  }
  let r = part[0];
  workgroupBarrier();
  return r;
}
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let row = wid.x + wid.y * nwg.x;
  let live = row < p.rows;
  let base = row * p.n;
  var m = -3.4028235e38;
  if (live) { for (var j = lid; j < p.n; j += ${WG}u) { m = max(m, X[base + j]); } }
  part[lid] = m;
  let rowMax = treeMax(lid);
  var s = 0.0;
  if (live) { for (var j = lid; j < p.n; j += ${WG}u) { s += exp(X[base + j] - rowMax); } }
  part[lid] = s;
  let total = treeSum(lid);
  if (live) {
    for (var j = lid; j < p.n; j += ${WG}u) { Y[base + j] = exp(X[base + j] - rowMax) / total; }
  }
}`;

/**
 * `softmax(x)` along the last axis of a GpuTensor (rows of a matrix).
 *
 * @example
 * ```ts
 * import { requestGpu } from "./device.ts";
 * import { softmaxGpu } from "./softmax.ts";
 * import { tensor } from "../tensor.ts";
 * const gpu = await requestGpu(); // null on a software-only machine: the example then skips
 * if (gpu) {
 *   const y = await softmaxGpu(gpu.upload(tensor([[0, 0], [1, 1]]))).read();
 *   console.log(y.data); // Float32Array [0.5, 0.5, 0.5, 0.5]
 *   gpu.destroy();
 * }
 * ```
 */
export function softmaxGpu(x: GpuTensor): GpuTensor {
  assertGpuTensor("softmaxGpu", "x", x);
  if (x.ndim === 0) throw new RangeError("softmaxGpu: x must have at least one axis, got a scalar");
  const n = x.shape[x.ndim - 1], rows = n === 0 ? 0 : x.size / n;
  const gpu = x.gpu, out = gpu.empty(x.shape);
  const pipe = gpu.pipeline("softmax_rows", WGSL);
  const grid = grid2d(rows, gpu.limits.maxComputeWorkgroupsPerDimension);
  gpu.dispatch(pipe, uniforms([rows, n]), [x.buffer, out.buffer], grid);
  return out;
}
