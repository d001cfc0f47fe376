/**
 * Transpose of the last two axes on the GPU through 16×16 tiles in workgroup memory (padded to
 * 17 columns so the column reads do not hit one bank), so both the reads and the writes are
 * coalesced.
 *
 * @module
 */
import { assertGpuTensor, type GpuTensor } from "./gpu_tensor.ts";
import { uniforms } from "./params.ts";

const T = 16;

const WGSL = `
struct P { rows: u32, cols: u32, p0: u32, p1: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> Y: array<f32>;
var<workgroup> tile: array<array<f32, ${T + 1}>, ${T}>;
@compute @workgroup_size(${T}, ${T})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) l: vec3<u32>) {
  let off = wid.z * p.rows * p.cols;
  let r = wid.y * ${T}u + l.y;
  let c = wid.x * ${T}u + l.x;
  if (r < p.rows && c < p.cols) { tile[l.y][l.x] = X[off + r * p.cols + c]; }
  workgroupBarrier();
  let tr = wid.x * ${T}u + l.y;
  let tc = wid.y * ${T}u + l.x;
  if (tr < p.cols && tc < p.rows) { Y[off + tr * p.rows + tc] = tile[l.x][l.y]; }
}`;

/**
 * Swaps the last two axes of a GpuTensor (a stack of matrices is transposed matrix by matrix).
 *
 * @example
 * ```ts
 * import { requestGpu } from "./device.ts";
 * import { transposeGpu } from "./transpose.ts";
 * import { tensor } from "../tensor.ts";
 * const gpu = await requestGpu(); // null on a software-only machine: the example then skips
 * if (gpu) {
 *   const t = transposeGpu(gpu.upload(tensor([[1, 2, 3]])));
 *   console.log(t.shape, (await t.read()).data); // [3, 1] Float32Array [1, 2, 3]
 *   gpu.destroy();
 * }
 * ```
 */
export function transposeGpu(x: GpuTensor): GpuTensor {
  assertGpuTensor("transposeGpu", "x", x);
  if (x.ndim < 2) {
    throw new RangeError(`transposeGpu: x must have at least 2 axes, got shape [${x.shape}]`);
  }
  const rows = x.shape[x.ndim - 2], cols = x.shape[x.ndim - 1];
  const batch = rows * cols === 0 ? 0 : x.size / (rows * cols);
  const gpu = x.gpu, out = gpu.empty([...x.shape.slice(0, -2), cols, rows]);
  const pipe = gpu.pipeline("transpose", WGSL);
  gpu.dispatch(pipe, uniforms([rows, cols]), [x.buffer, out.buffer], [
    Math.ceil(cols / T),
    Math.ceil(rows / T),
    batch,
  ]);
  return out;
}
