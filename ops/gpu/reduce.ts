/**
 * GPU reductions along one axis (or over all elements): sum, mean, max, min and the vector norms
 * (1, 2, ∞). A tensor is viewed as `[outer, n, inner]` around the reduced axis: rows
 * (`inner = 1`) of at least 256 elements are reduced by a 256-thread workgroup each with a tree
 * in workgroup memory; otherwise one thread per output walks the axis (coalesced when
 * `inner > 1`).
 *
 * @module
 */
import { shapeSize } from "../tensor.ts";
import { assertGpuTensor, type GpuTensor } from "./gpu_tensor.ts";
import { grid2d, uniforms } from "./params.ts";
import { axisGpu } from "./shape_util.ts";

/**
 * Reductions of {@link reduceGpu}: `norm1` = Σ|x|, `norm2` = √Σx², `normInf` = max|x|.
 *
 * @example
 * ```ts
 * import type { ReduceOp } from "./reduce.ts";
 * const op: ReduceOp = "norm2";
 * console.log(op); // norm2
 * ```
 */
export type ReduceOp = "sum" | "mean" | "max" | "min" | "norm1" | "norm2" | "normInf";

/** Options of {@link reduceGpu}. */
export interface ReduceGpuOptions {
  /** Axis to reduce (negative counts from the end); omitted: every element. */
  axis?: number;
  /** Keep the reduced axis with extent 1 (default false). */
  keepDims?: boolean;
}

interface Fold {
  init: string;
  map: string;
  combine: string;
  finish: string;
}

const FOLDS: Record<ReduceOp, Fold> = {
  sum: { init: "0.0", map: "x", combine: "a + b", finish: "a" },
  mean: { init: "0.0", map: "x", combine: "a + b", finish: "a / f32(p.n)" },
  // NaN propagates as in the CPU max/min: a comparison with NaN picks the NaN operand.
  max: { init: "-3.4028235e38", map: "x", combine: "select(a, b, b > a || b != b)", finish: "a" },
  min: { init: "3.4028235e38", map: "x", combine: "select(a, b, b < a || b != b)", finish: "a" },
  norm1: { init: "0.0", map: "abs(x)", combine: "a + b", finish: "a" },
  norm2: { init: "0.0", map: "x * x", combine: "a + b", finish: "sqrt(a)" },
  normInf: { init: "0.0", map: "abs(x)", combine: "select(a, b, b > a || b != b)", finish: "a" },
};

const WG = 256;

function foldFns(f: Fold): string {
  return `
struct P { outer: u32, n: u32, inner: u32, p0: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> Y: array<f32>;
fn mapx(x: f32) -> f32 { return ${f.map}; }
fn combine(a: f32, b: f32) -> f32 { return ${f.combine}; }
fn finish(a: f32) -> f32 { return ${f.finish}; }`;
}

function rowWgsl(f: Fold): string {
  return `${foldFns(f)}
var<workgroup> part: array<f32, ${WG}>;
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let row = wid.x + wid.y * nwg.x;
  let live = row < p.outer;
  var a = ${f.init};
  if (live) {
    for (var j = lid; j < p.n; j += ${WG}u) { a = combine(a, mapx(X[row * p.n + j])); }
  }
  part[lid] = a;
  workgroupBarrier();
  for (var s = ${WG / 2}u; s > 0u; s = s / 2u) {
    if (lid < s) { part[lid] = combine(part[lid], part[lid + s]); }
    workgroupBarrier();
  }
  if (live && lid == 0u) { Y[row] = finish(part[0]); }
}`;
}

function colWgsl(f: Fold): string {
  return `${foldFns(f)}
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * ${WG}u + lid;
  if (i >= p.outer * p.inner) { return; }
  let o = i / p.inner;
  let j = i % p.inner;
  var a = ${f.init};
  for (var k = 0u; k < p.n; k++) { a = combine(a, mapx(X[(o * p.n + k) * p.inner + j])); }
  Y[i] = finish(a);
}`;
}

/**
 * Reduces a GpuTensor along `axis` (or over all elements) on the GPU. Accumulates in f32; an
 * empty max/min/mean is a RangeError (as on the CPU).
 *
 * @example
 * ```ts
 * import { requestGpu } from "./device.ts";
 * import { reduceGpu } from "./reduce.ts";
 * import { tensor } from "../tensor.ts";
 * const gpu = await requestGpu(); // null on a software-only machine: the example then skips
 * if (gpu) {
 *   const x = gpu.upload(tensor([[3, 4], [0, -1]]));
 *   console.log((await reduceGpu(x, "norm2", { axis: 1 }).read()).data); // Float32Array [5, 1]
 *   gpu.destroy();
 * }
 * ```
 */
export function reduceGpu(x: GpuTensor, op: ReduceOp, opts: ReduceGpuOptions = {}): GpuTensor {
  const fn = `reduceGpu(${op})`;
  assertGpuTensor(fn, "x", x);
  const fold = FOLDS[op];
  if (!fold) throw new RangeError(`reduceGpu: unknown op ${JSON.stringify(op)}`);
  let outer = 1, n = x.size, inner = 1, shape: number[];
  if (opts.axis === undefined) {
    shape = opts.keepDims ? x.shape.map(() => 1) : [];
  } else {
    const ax = axisGpu(fn, opts.axis, x.ndim);
    outer = shapeSize(x.shape.slice(0, ax));
    n = x.shape[ax];
    inner = shapeSize(x.shape.slice(ax + 1));
    shape = opts.keepDims
      ? x.shape.map((d, i) => (i === ax ? 1 : d))
      : x.shape.filter((_, i) => i !== ax);
  }
  if (n === 0 && (op === "max" || op === "min" || op === "mean")) {
    throw new RangeError(`${fn}: the reduced axis is empty`);
  }
  const gpu = x.gpu, out = gpu.empty(shape), max = gpu.limits.maxComputeWorkgroupsPerDimension;
  const params = uniforms([outer, n, inner]);
  // A workgroup per row pays off only for long rows; short rows (and strided axes) get a
  // thread per output.
  if (inner === 1 && n >= 256) {
    const pipe = gpu.pipeline(`reduce_row_${op}`, rowWgsl(fold));
    gpu.dispatch(pipe, params, [x.buffer, out.buffer], grid2d(outer, max));
  } else {
    const pipe = gpu.pipeline(`reduce_col_${op}`, colWgsl(fold));
    gpu.dispatch(pipe, params, [x.buffer, out.buffer], grid2d(Math.ceil(outer * inner / WG), max));
  }
  return out;
}
