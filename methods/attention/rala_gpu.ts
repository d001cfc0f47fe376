/**
 * RALA's attention core (spec `compression_optim_attention.md` §7; Fan, Huang, He, CVPR 2025)
 * on GpuTensors, f32, in two WGSL passes:
 *
 * 1. **Buffer accumulation**, one 64-thread workgroup per (image, head): `q̄ = mean φ(q_i)`,
 *    the logits `d^{-1/2} q̄·φ(k_j)` and their softmax α (max and sum by tree reductions),
 *    `mean_j k'_j = Σ_j α_j φ(k_j)`, and the buffer `KV = (1/N) Σ_j k̂_jᵀ v_j` with
 *    `k̂_j = RoPE_j(N α_j φ(k_j))` (each thread owns entries of the d×d buffer).
 * 2. **Output**, one thread per (token, head): `a_i = z_i · RoPE_i(φ(q_i)) · KV` with
 *    `z_i = 1 / (φ(q_i)·mean_j k'_j + 1e-6)`.
 *
 * Same result as {@link ralaCore} on the CPU (which is the differentiable path); forward only.
 *
 * @module
 */
import { assertGpuTensor, type GpuTensor } from "../../ops/gpu/gpu_tensor.ts";
import { grid2d, uniforms } from "../../ops/gpu/params.ts";
import { shapeStr, Tensor } from "../../ops/tensor.ts";
import type { Grid } from "./heads.ts";
import { checkOptions } from "../../ops/options.ts";
import { rope2dTables } from "./rope2d.ts";

const WG = 64;
/** Largest head width the kernel takes (its workgroup arrays are this long). */
export const RALA_GPU_MAX_D = 256;

const COMMON = `
struct P { b: u32, n: u32, c: u32, h: u32, d: u32, rope: u32, p0: u32, p1: u32 }
@group(0) @binding(0) var<uniform> p: P;
fn phi(z: f32) -> f32 { return select(exp(z), z + 1.0, z > 0.0); }
`;

const BUFFER_WGSL = `${COMMON}
@group(0) @binding(1) var<storage, read> Q: array<f32>;
@group(0) @binding(2) var<storage, read> K: array<f32>;
@group(0) @binding(3) var<storage, read> V: array<f32>;
@group(0) @binding(4) var<storage, read> CS: array<f32>;
@group(0) @binding(5) var<storage, read_write> ALPHA: array<f32>;
@group(0) @binding(6) var<storage, read_write> KV: array<f32>;
@group(0) @binding(7) var<storage, read_write> KMEAN: array<f32>;
var<workgroup> part: array<f32, ${WG}>;
var<workgroup> qbar: array<f32, ${RALA_GPU_MAX_D}>;
fn reduce(lid: u32, isMax: bool) -> f32 {
  workgroupBarrier();
  for (var s = ${WG / 2}u; s > 0u; s = s / 2u) {
    if (lid < s) {
      part[lid] = select(part[lid] + part[lid + s], max(part[lid], part[lid + s]), isMax);
    }
    workgroupBarrier();
  }
  let r = part[0];
  workgroupBarrier();
  return r;
}
// k'_j[e] = N α_j φ(k_j[e]) (α_j already normalised in ALPHA).
fn kp(base: u32, j: u32, e: u32, ab: u32) -> f32 {
  return f32(p.n) * ALPHA[ab + j] * phi(K[base + j * p.c + e]);
}
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let bh = wid.x;               // image b = bh / h, head = bh % h
  let b = bh / p.h;
  let base = b * p.n * p.c + (bh % p.h) * p.d;
  let ab = bh * p.n;
  let nf = f32(p.n);
  for (var e = lid; e < p.d; e += ${WG}u) {
    var s = 0.0;
    for (var i = 0u; i < p.n; i++) { s += phi(Q[base + i * p.c + e]); }
    qbar[e] = s / nf;
  }
  workgroupBarrier();
  let scale = 1.0 / sqrt(f32(p.d));
  var m = -3.4028235e38;
  for (var j = lid; j < p.n; j += ${WG}u) {
    var l = 0.0;
    for (var e = 0u; e < p.d; e++) { l += qbar[e] * phi(K[base + j * p.c + e]); }
    l = l * scale;
    ALPHA[ab + j] = l;
    m = max(m, l);
  }
  part[lid] = m;
  let lmax = reduce(lid, true);
  var t = 0.0;
  for (var j = lid; j < p.n; j += ${WG}u) {
    let ex = exp(ALPHA[ab + j] - lmax);
    ALPHA[ab + j] = ex;
    t += ex;
  }
  part[lid] = t;
  let total = reduce(lid, false);
  for (var j = lid; j < p.n; j += ${WG}u) { ALPHA[ab + j] = ALPHA[ab + j] / total; }
  storageBarrier();
  workgroupBarrier();
  for (var e = lid; e < p.d; e += ${WG}u) {
    var s = 0.0;
    for (var j = 0u; j < p.n; j++) { s += kp(base, j, e, ab); }
    KMEAN[bh * p.d + e] = s / nf;
  }
  let half = p.d / 2u;
  for (var idx = lid; idx < p.d * p.d; idx += ${WG}u) {
    let e1 = idx / p.d;
    let e2 = idx % p.d;
    let partner = e1 ^ 1u;
    let sgn = select(1.0, -1.0, (e1 & 1u) == 0u); // even: x0 cos − x1 sin; odd: x1 cos + x0 sin
    var s = 0.0;
    for (var j = 0u; j < p.n; j++) {
      var kh = kp(base, j, e1, ab);
      if (p.rope == 1u) {
        let tb = (j * half + e1 / 2u) * 2u;
        kh = kh * CS[tb] + sgn * kp(base, j, partner, ab) * CS[tb + 1u];
      }
      s += kh * V[base + j * p.c + e2];
    }
    KV[bh * p.d * p.d + idx] = s / nf;
  }
}`;

const OUTPUT_WGSL = `${COMMON}
@group(0) @binding(1) var<storage, read> Q: array<f32>;
@group(0) @binding(2) var<storage, read> CS: array<f32>;
@group(0) @binding(3) var<storage, read> KV: array<f32>;
@group(0) @binding(4) var<storage, read> KMEAN: array<f32>;
@group(0) @binding(5) var<storage, read_write> A: array<f32>;
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let id = (wid.x + wid.y * nwg.x) * ${WG}u + lid;  // (b, i, head), head fastest
  if (id >= p.b * p.n * p.h) { return; }
  let hd = id % p.h;
  let bi = id / p.h;                                 // b·N + i
  let i = bi % p.n;
  let bh = (bi / p.n) * p.h + hd;
  let qb = bi * p.c + hd * p.d;
  var den = 0.0;
  for (var e = 0u; e < p.d; e++) { den += phi(Q[qb + e]) * KMEAN[bh * p.d + e]; }
  let z = 1.0 / (den + 1e-6);
  let half = p.d / 2u;
  for (var e2 = 0u; e2 < p.d; e2++) {
    var s = 0.0;
    for (var e1 = 0u; e1 < p.d; e1++) {
      var qh = phi(Q[qb + e1]);
      if (p.rope == 1u) {
        let sgn = select(1.0, -1.0, (e1 & 1u) == 0u);
        let tb = (i * half + e1 / 2u) * 2u;
        qh = qh * CS[tb] + sgn * phi(Q[qb + (e1 ^ 1u)]) * CS[tb + 1u];
      }
      s += qh * KV[bh * p.d * p.d + e1 * p.d + e2];
    }
    A[qb + e2] = z * s;
  }
}`;

/** Options of {@link ralaCoreGpu}. */
export interface RalaGpuOptions {
  /** Number of heads (d = C / nHeads, at most {@link RALA_GPU_MAX_D}). */
  nHeads: number;
  /** Token grid `[H, W]`, `H·W = N`. */
  grid: Grid;
  /** 2-D RoPE on the numerator (default true; needs d a multiple of 4). */
  rope?: boolean;
}

/** What {@link ralaCoreGpu} returns (all on the GPU). */
export interface RalaGpuResult {
  /** Heads merged: `[B, N, C]`. */
  out: GpuTensor;
  /** KV buffers `[B, h, d, d]`. */
  kv: GpuTensor;
  /** Token weights α `[B, h, 1, N]` (as the CPU core). */
  alpha: GpuTensor;
}

/**
 * RALA's attention core on GpuTensors `q`, `k`, `v` `[B, N, C]` (f32): the buffer pass then
 * the output pass, enqueued on their GPU.
 *
 * @example
 * ```ts
 * import { requestGpu } from "../../ops/gpu/device.ts";
 * import { randn } from "../../ops/random.ts";
 * import { ralaCoreGpu } from "./rala_gpu.ts";
 * const gpu = await requestGpu(); // null on a software-only machine: the example then skips
 * if (gpu) {
 *   const q = gpu.upload(randn([1, 4, 8], { seed: 0, dtype: "f32" }));
 *   const r = ralaCoreGpu(q, q, q, { nHeads: 2, grid: [2, 2] });
 *   console.log((await r.out.read()).shape); // [1, 4, 8]
 *   gpu.destroy();
 * }
 * ```
 */
export function ralaCoreGpu(
  q: GpuTensor,
  k: GpuTensor,
  v: GpuTensor,
  opts: RalaGpuOptions,
): RalaGpuResult {
  checkOptions("ralaCoreGpu", opts, { nHeads: "integer", grid: "array", rope: "boolean" });
  for (const [name, t] of [["q", q], ["k", k], ["v", v]] as const) {
    assertGpuTensor("ralaCoreGpu", name, t);
    if (t.ndim !== 3 || t.shape.some((s, i) => s !== q.shape[i])) {
      throw new RangeError(
        `ralaCoreGpu: ${name} must be [B, N, C] like q, got ${shapeStr(t.shape)}`,
      );
    }
  }
  const [b, n, c] = q.shape, h = opts.nHeads, rope = opts.rope ?? true;
  const [gh, gw] = opts.grid;
  if (!Number.isInteger(h) || h < 1 || c % h !== 0 || c / h > RALA_GPU_MAX_D) {
    throw new RangeError(
      `ralaCoreGpu: nHeads must divide C = ${c} into heads of at most ${RALA_GPU_MAX_D}, got ${h}`,
    );
  }
  if (!(Number.isInteger(gh) && Number.isInteger(gw) && gh * gw === n)) {
    throw new RangeError(
      `ralaCoreGpu: grid must be [H, W] with H·W = N = ${n}, got ${JSON.stringify(opts.grid)}`,
    );
  }
  const d = c / h, gpu = q.gpu;
  if (!rope && d % 2 !== 0) {
    throw new RangeError(`ralaCoreGpu: head width d must be even, got ${d}`);
  }
  const cs = new Float32Array(n * d); // interleaved (cos, sin) per token and pair
  if (rope) {
    const t = rope2dTables(opts.grid, d);
    for (let i = 0; i < t.cos.length; i++) [cs[2 * i], cs[2 * i + 1]] = [t.cos[i], t.sin[i]];
  }
  const csT = gpu.upload(new Tensor(cs, [n * d]));
  const alpha = gpu.empty([b, h, 1, n]), kv = gpu.empty([b, h, d, d]), kMean = gpu.empty([b, h, d]);
  const out = gpu.empty([b, n, c]);
  const params = uniforms([b, n, c, h, d, rope ? 1 : 0]);
  gpu.dispatch(
    gpu.pipeline("rala_buffer", BUFFER_WGSL),
    params,
    [q.buffer, k.buffer, v.buffer, csT.buffer, alpha.buffer, kv.buffer, kMean.buffer],
    [b * h, 1, 1],
  );
  gpu.dispatch(
    gpu.pipeline("rala_output", OUTPUT_WGSL),
    params,
    [q.buffer, csT.buffer, kv.buffer, kMean.buffer, out.buffer],
    grid2d(Math.ceil((b * n * h) / WG), gpu.limits.maxComputeWorkgroupsPerDimension),
  );
  // Queue order keeps these alive for the passes above; later users of the buffers come after.
  csT.dispose();
  kMean.dispose();
  return { out, kv, alpha };
}
