/**
 * 2-D convolution on the GPU as an implicit GEMM: per channel group, the output
 * `[og, N·H'·W']` is `W[og, cg·kh·kw] · cols`, where the column matrix is never stored: each
 * 16×16 tile of it is gathered from the NCHW input straight into workgroup memory (zero for taps
 * in the padding), then multiplied as in the plain tiled GEMM (`gemm_naive.ts`).
 *
 * Reference: Chetlur et al., "cuDNN: Efficient Primitives for Deep Learning" (2014), §3
 * (implicit GEMM). Spec: issue 12 §2.
 *
 * @module
 */
import { conv2dGeom, type Conv2dShapeOptions } from "../conv/conv_geom.ts";
import { assertGpuTensor, assertSameGpu, type GpuTensor } from "./gpu_tensor.ts";
import { grid2d, uniforms } from "./params.ts";

const T = 16;

function conv2dWgsl(bias: boolean): string {
  return `
struct P {
  N: u32, C: u32, H: u32, W: u32, O: u32, cg: u32, og: u32, K: u32,
  kh: u32, kw: u32, sh: u32, sw: u32, ph: u32, pw: u32, dh: u32, dw: u32,
  oh: u32, ow: u32, p0: u32, p1: u32,
}
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> Wt: array<f32>;
@group(0) @binding(3) var<storage, read_write> Y: array<f32>;
${bias ? "@group(0) @binding(4) var<storage, read> B: array<f32>;" : ""}
var<workgroup> sW: array<array<f32, ${T}>, ${T}>;
var<workgroup> sX: array<array<f32, ${T}>, ${T}>;

// Entry (k, col) of the group's column matrix: tap k = (c, i, j), position col = (n, y, x).
fn colAt(g: u32, k: u32, col: u32) -> f32 {
  let P = p.oh * p.ow;
  if (k >= p.K || col >= p.N * P) { return 0.0; }
  let taps = p.kh * p.kw;
  let c = k / taps;
  let ij = k % taps;
  let n = col / P;
  let q = col % P;
  let ih = i32((q / p.ow) * p.sh + (ij / p.kw) * p.dh) - i32(p.ph);
  let iw = i32((q % p.ow) * p.sw + (ij % p.kw) * p.dw) - i32(p.pw);
  if (ih < 0 || iw < 0 || ih >= i32(p.H) || iw >= i32(p.W)) { return 0.0; }
  return X[((n * p.C + g * p.cg + c) * p.H + u32(ih)) * p.W + u32(iw)];
}

@compute @workgroup_size(${T}, ${T})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) l: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>) {
  // Column tiles on a 2-D grid (more than 65535 of them for large inputs); z = (group, row tile).
  let tile = wid.x + wid.y * nwg.x;
  if (tile * ${T}u >= p.N * p.oh * p.ow) { return; } // uniform per workgroup: before any barrier
  let rowTiles = (p.og + ${T - 1}u) / ${T}u;
  let g = wid.z / rowTiles;
  let row = (wid.z % rowTiles) * ${T}u + l.y;   // output channel within the group
  let col = tile * ${T}u + l.x;   // (n, y, x) flattened
  let o = g * p.og + row;
  var acc = 0.0;
  for (var k0 = 0u; k0 < p.K; k0 += ${T}u) {
    let kw = k0 + l.x;
    var wv = 0.0;
    if (row < p.og && kw < p.K) { wv = Wt[o * p.K + kw]; }
    sW[l.y][l.x] = wv;
    sX[l.y][l.x] = colAt(g, k0 + l.y, col);
    workgroupBarrier();
    for (var kk = 0u; kk < ${T}u; kk++) { acc = fma(sW[l.y][kk], sX[kk][l.x], acc); }
    workgroupBarrier();
  }
  let P = p.oh * p.ow;
  if (row < p.og && col < p.N * P) {
    let n = col / P;
    Y[(n * p.O + o) * P + col % P] = acc${bias ? " + B[o]" : ""};
  }
}`;
}

/** Options of {@link conv2dGpu}. */
export interface Conv2dGpuOptions extends Conv2dShapeOptions {
  /** `[O]` added per output channel (a GpuTensor on the same GPU). */
  bias?: GpuTensor;
}

/**
 * `conv2d` of GpuTensors (f32): `x` `[N, C, H, W]`, `weight` `[O, C/groups, kh, kw]`, with the
 * same options, checks and output shape as the CPU `conv2d`. Enqueues one dispatch and returns
 * the output GpuTensor `[N, O, H', W']`. Forward only: GpuTensors are not traced by `grad`.
 *
 * @example
 * ```ts
 * import { requestGpu } from "./device.ts";
 * import { conv2dGpu } from "./conv2d.ts";
 * import { tensor } from "../tensor.ts";
 * const gpu = await requestGpu(); // null on a software-only machine: the example then skips
 * if (gpu) {
 *   const x = gpu.upload(tensor([1, 2, 3, 4], { shape: [1, 1, 2, 2] }));
 *   const w = gpu.upload(tensor([1, 1, 1, 1], { shape: [1, 1, 2, 2] }));
 *   console.log((await conv2dGpu(x, w).read()).data); // Float32Array [10]
 *   gpu.destroy();
 * }
 * ```
 */
export function conv2dGpu(x: GpuTensor, weight: GpuTensor, opts: Conv2dGpuOptions = {}): GpuTensor {
  return conv2dGpuGrid(x, weight, opts, x?.gpu?.limits.maxComputeWorkgroupsPerDimension);
}

/**
 * {@link conv2dGpu} with the column tiles laid on a 2-D grid at most `maxPerDim` wide (the
 * device limit in `conv2dGpu`; tests pass a small one to reach the 2-D layout at small sizes).
 *
 * @example
 * ```ts
 * import { requestGpu } from "./device.ts";
 * import { conv2dGpuGrid } from "./conv2d.ts";
 * import { tensor } from "../tensor.ts";
 * const gpu = await requestGpu(); // null on a software-only machine: the example then skips
 * if (gpu) {
 *   const x = gpu.upload(tensor([1, 2, 3, 4], { shape: [1, 1, 2, 2] }));
 *   const w = gpu.upload(tensor([2], { shape: [1, 1, 1, 1] }));
 *   console.log((await conv2dGpuGrid(x, w, {}, 1).read()).data); // Float32Array [2, 4, 6, 8]
 *   gpu.destroy();
 * }
 * ```
 */
export function conv2dGpuGrid(
  x: GpuTensor,
  weight: GpuTensor,
  opts: Conv2dGpuOptions,
  maxPerDim: number,
): GpuTensor {
  assertGpuTensor("conv2d", "x", x);
  assertGpuTensor("conv2d", "weight", weight);
  assertSameGpu("conv2d", x, weight);
  const bias = opts?.bias;
  if (bias !== undefined) {
    assertGpuTensor("conv2d", "bias", bias);
    assertSameGpu("conv2d", x, bias);
  }
  const g = conv2dGeom("conv2d", x.shape, weight.shape, bias?.shape, opts);
  const gpu = x.gpu, out = gpu.empty(g.outShape);
  if (out.size === 0) return out;
  const pipe = gpu.pipeline(`conv2d_${bias !== undefined}`, conv2dWgsl(bias !== undefined));
  const params = uniforms([
    ...[g.n, g.c, g.h, g.w, g.o, g.cg, g.og, g.kSize],
    ...[g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw],
    ...[g.oh, g.ow, 0, 0],
  ]);
  const buffers = [x.buffer, weight.buffer, out.buffer];
  if (bias !== undefined) buffers.push(bias.buffer);
  const [gx, gy] = grid2d(Math.ceil((g.n * g.oh * g.ow) / T), maxPerDim);
  gpu.dispatch(pipe, params, buffers, [gx, gy, Math.ceil(g.og / T) * g.groups]);
  return out;
}
