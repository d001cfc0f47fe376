/**
 * A dense symmetric design stored as a {@link GpuTensor} (f32, `m × rowLength`, packed or full)
 * and the SubGM pass on WebGPU (spec §2.3): one kernel forms the residuals `⟨A_i, M⟩ − y_i` and
 * weights (a workgroup reduction per measurement), one accumulates `Σ w_i A_i` over chunks of
 * measurements (coalesced column sums), one reduces the chunks. The `d×d` bookkeeping
 * (`M = UUᵀ`, `D = (2/m)·S·U`) stays on the CPU in f64. WGSL has no f64, so residuals are
 * f32-accurate: expect a relative-error floor near 1e-6 instead of the CPU's 1e-9.
 * Ma & Fattahi, JMLR 24(96), 2023.
 *
 * @module
 */
import type { Gpu } from "../ops/gpu/device.ts";
import { assertGpuTensor, type GpuTensor } from "../ops/gpu/gpu_tensor.ts";
import { grid2d, uniforms } from "../ops/gpu/params.ts";
import { Tensor } from "../ops/tensor.ts";
import type { DenseDesign, DenseStorage } from "./dense.ts";
import { checkPositiveInt, type ResidualWeight } from "./operator.ts";
import { packSymmetric, unpackSymmetric } from "./packing.ts";
import { multiplyAB, multiplyABt } from "./small_matmul.ts";

const WG = 256;

const RESIDUAL_WGSL = /* wgsl */ `
struct P { m: u32, len: u32, sign: u32, gx: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> y: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
@group(0) @binding(5) var<storage, read_write> w: array<f32>;
var<workgroup> part: array<f32, ${WG}>;
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) g: vec3u, @builtin(local_invocation_index) t: u32) {
  let i = g.x + g.y * p.gx;
  if (i >= p.m) { return; }
  let base = i * p.len;
  var acc = 0.0;
  for (var j = t; j < p.len; j += ${WG}u) { acc += a[base + j] * x[j]; }
  part[t] = acc;
  workgroupBarrier();
  for (var s = ${WG / 2}u; s > 0u; s >>= 1u) {
    if (t < s) { part[t] += part[t + s]; }
    workgroupBarrier();
  }
  if (t == 0u) {
    let r = part[0] - y[i];
    out[i] = r;
    w[i] = select(r, sign(r), p.sign == 1u);
  }
}`;

const ACCUMULATE_WGSL = /* wgsl */ `
struct P { m: u32, len: u32, rowsPerChunk: u32, pad: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read_write> partial: array<f32>;
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) g: vec3u) {
  let j = gid.x;
  if (j >= p.len) { return; }
  let i0 = g.y * p.rowsPerChunk;
  let i1 = min(p.m, i0 + p.rowsPerChunk);
  var acc = 0.0;
  for (var i = i0; i < i1; i++) {
    let wi = w[i];
    if (wi != 0.0) { acc += wi * a[i * p.len + j]; }
  }
  partial[g.y * p.len + j] = acc;
}`;

const REDUCE_WGSL = /* wgsl */ `
struct P { m: u32, len: u32, chunks: u32, pad: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> partial: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let j = gid.x;
  if (j >= p.len) { return; }
  var acc = 0.0;
  for (var c = 0u; c < p.chunks; c++) { acc += partial[c * p.len + j]; }
  out[p.m + j] = acc;
}`;

/**
 * A symmetric dense design on a GPU: `data` is an f32 GpuTensor of shape `[m, rowLength]`.
 *
 * @example
 * ```ts
 * import { requestGpu } from "../ops/gpu/device.ts";
 * import { gaussianDesign } from "./dense.ts";
 * import { GpuDenseDesign } from "./dense_gpu.ts";
 * const gpu = await requestGpu({ allowFallback: true });
 * if (gpu) {
 *   const g = GpuDenseDesign.fromDesign(gpu, gaussianDesign(3, 4, { seed: 1 }));
 *   console.log(g.m, g.rowLength); // 4 6
 *   g.dispose();
 *   gpu.destroy();
 * }
 * ```
 */
export class GpuDenseDesign {
  /** Design family, for messages and dispatch. */
  readonly kind: string;
  /** Measurements. */
  readonly m: number;
  /** Rows (= columns) of the unknown. */
  readonly rows: number;
  /** Columns (= rows). */
  readonly cols: number;
  /** The stored rows on the GPU, `[m, rowLength]` f32. */
  readonly data: GpuTensor;
  /** `"packed"` or `"full"`. */
  readonly storage: DenseStorage;
  /** Entries per measurement. */
  readonly rowLength: number;
  #x: GpuTensor;
  #y: GpuTensor | null = null;
  #yHost: Float64Array | null = null;
  #w: GpuTensor;
  #out: GpuTensor;
  #partial: GpuTensor;
  #chunks: number;

  /** Wraps `data` (taken over: `dispose()` releases it) as `m` symmetric `d×d` measurements. */
  constructor(data: GpuTensor, d: number, storage: DenseStorage = "packed") {
    assertGpuTensor("GpuDenseDesign", "data", data);
    checkPositiveInt("GpuDenseDesign", "d", d);
    const len = storage === "packed" ? (d * (d + 1)) / 2 : d * d;
    if (storage !== "packed" && storage !== "full") {
      throw new TypeError(`GpuDenseDesign: storage must be "full" or "packed", got ${storage}`);
    }
    if (data.ndim !== 2 || data.shape[1] !== len) {
      throw new RangeError(
        `GpuDenseDesign: data must be [m, ${len}] for d = ${d} (${storage}), got [${data.shape}]`,
      );
    }
    this.data = data;
    this.m = data.shape[0];
    this.rows = this.cols = d;
    this.storage = storage;
    this.rowLength = len;
    this.kind = `gaussian-${storage}-gpu-f32`;
    const gpu = data.gpu;
    // enough chunks to fill the GPU, few enough that the reduction stays small
    this.#chunks = Math.max(1, Math.min(256, Math.ceil(this.m / 64)));
    this.#x = gpu.empty([len]);
    this.#w = gpu.empty([this.m]);
    this.#out = gpu.empty([this.m + len]);
    this.#partial = gpu.empty([this.#chunks * len]);
  }

  /** Uploads a CPU symmetric design (converted to f32; f64 designs lose precision). */
  static fromDesign(gpu: Gpu, op: DenseDesign): GpuDenseDesign {
    if (!op.symmetric) {
      throw new RangeError("GpuDenseDesign.fromDesign: the design must be symmetric");
    }
    const t = new Tensor(Float32Array.from(op.data), [op.m, op.rowLength]);
    return new GpuDenseDesign(gpu.upload(t), op.rows, op.storage);
  }

  /**
   * One pass at the PSD iterate `u` (`d×k`, f64): returns the residuals (f32-accurate, as f64)
   * and writes `gl = Σ w_i (A_i + A_iᵀ) U = 2·S·U` (f64 on the CPU).
   */
  async residualGradient(
    u: Float64Array,
    k: number,
    y: Float64Array,
    weight: ResidualWeight,
    gl: Float64Array,
  ): Promise<Float64Array> {
    const { rows: d, m, rowLength: len } = this, gpu = this.data.gpu;
    const full = multiplyABt(u, u, d, d, k, new Float64Array(d * d));
    const x = this.storage === "packed" ? packSymmetric(full, d, new Float64Array(len)) : full;
    gpu.flush();
    gpu.device.queue.writeBuffer(this.#x.buffer, 0, Float32Array.from(x));
    this.#uploadY(y);
    const gx = grid2d(m, gpu.limits.maxComputeWorkgroupsPerDimension);
    gpu.dispatch(
      gpu.pipeline("subgm-residual", RESIDUAL_WGSL),
      uniforms([m, len, weight === "sign" ? 1 : 0, gx[0]]),
      [this.data.buffer, this.#x.buffer, this.#y!.buffer, this.#out.buffer, this.#w.buffer],
      gx,
    );
    const cols = Math.ceil(len / WG), rowsPerChunk = Math.ceil(m / this.#chunks);
    gpu.dispatch(
      gpu.pipeline("subgm-accumulate", ACCUMULATE_WGSL),
      uniforms([m, len, rowsPerChunk, 0]),
      [this.data.buffer, this.#w.buffer, this.#partial.buffer],
      [cols, this.#chunks, 1],
    );
    gpu.dispatch(
      gpu.pipeline("subgm-reduce", REDUCE_WGSL),
      uniforms([m, len, this.#chunks, 0]),
      [this.#partial.buffer, this.#out.buffer],
      [cols, 1, 1],
    );
    const out = await gpu.readBuffer(this.#out.buffer, m + len);
    const sFull = new Float64Array(d * d);
    if (this.storage === "packed") unpackSymmetric(out.subarray(m), d, sFull);
    else sFull.set(out.subarray(m));
    multiplyAB(sFull, d, d, false, u, k, gl);
    for (let i = 0; i < d * k; i++) gl[i] *= 2;
    return Float64Array.from(out.subarray(0, m));
  }

  #uploadY(y: Float64Array): void {
    if (this.#yHost === y) return; // same measurements as the last pass: already on the GPU
    if (y.length !== this.m) {
      throw new RangeError(`GpuDenseDesign: y has length ${y.length}, m is ${this.m}`);
    }
    this.#y ??= this.data.gpu.empty([this.m]);
    this.data.gpu.device.queue.writeBuffer(this.#y.buffer, 0, Float32Array.from(y));
    this.#yHost = y;
  }

  /** Releases every GPU buffer of the design (the design tensor included). */
  dispose(): void {
    for (const t of [this.data, this.#x, this.#w, this.#out, this.#partial]) t.dispose();
    this.#y?.dispose();
  }
}
