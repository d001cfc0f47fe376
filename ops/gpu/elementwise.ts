/**
 * Elementwise GPU kernels: unary maps (abs, sign, …) and binary arithmetic with NumPy
 * broadcasting (row/column vectors, scalars; up to 4 axes).
 *
 * @module
 */
import { shapeSize, shapeStr } from "../tensor.ts";
import { assertGpuTensor, assertSameGpu, type GpuTensor } from "./gpu_tensor.ts";
import { grid2d, uniforms } from "./params.ts";
import { broadcastShapeGpu, stridesGpu } from "./shape_util.ts";

/**
 * Unary ops of {@link unaryGpu}; `sign(0) = 0` (and sign(NaN) = NaN), as recovery/ needs.
 *
 * @example
 * ```ts
 * import type { UnaryOp } from "./elementwise.ts";
 * const ops: UnaryOp[] = ["abs", "sign", "relu"];
 * console.log(ops.length); // 3
 * ```
 */
export type UnaryOp = "abs" | "sign" | "neg" | "exp" | "log" | "sqrt" | "square" | "relu" | "tanh";

/**
 * Binary ops of {@link binaryGpu}.
 *
 * @example
 * ```ts
 * import type { BinaryOp } from "./elementwise.ts";
 * const op: BinaryOp = "mul";
 * console.log(op); // mul
 * ```
 */
export type BinaryOp = "add" | "sub" | "mul" | "div";

const UNARY: Record<UnaryOp, string> = {
  abs: "abs(x)",
  // WGSL's sign() is 0 at 0; NaN must stay NaN (x != x) instead of becoming 0.
  sign: "select(sign(x), x, x != x)",
  neg: "-x",
  exp: "exp(x)",
  log: "log(x)",
  sqrt: "sqrt(x)",
  square: "x * x",
  relu: "max(x, 0.0)",
  tanh: "tanh(x)",
};

const BINARY: Record<BinaryOp, string> = { add: "x + y", sub: "x - y", mul: "x * y", div: "x / y" };

const WG = 256;

const HEADER = `
struct P { n: u32, p0: u32, p1: u32, p2: u32, shape: vec4<u32>, sa: vec4<u32>, sb: vec4<u32>, s: f32 }
@group(0) @binding(0) var<uniform> p: P;`;

const ID = `
  let i = (wid.x + wid.y * nwg.x) * ${WG}u + lid;
  if (i >= p.n) { return; }`;

const ENTRY = `@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {`;

function unaryWgsl(op: UnaryOp): string {
  return `${HEADER}
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> Y: array<f32>;
${ENTRY}${ID}
  let x = X[i];
  Y[i] = ${UNARY[op]};
}`;
}

type Mode = "same" | "bcast" | "scalar";

function binaryWgsl(op: BinaryOp, mode: Mode): string {
  const index = mode === "bcast"
    ? `
  var r = i; var ia = 0u; var ib = 0u;
  for (var d = 3; d >= 0; d--) {
    let q = r % p.shape[d];
    r = r / p.shape[d];
    ia += q * p.sa[d];
    ib += q * p.sb[d];
  }`
    : "let ia = i; let ib = i;";
  const y = mode === "scalar" ? "p.s" : "Y[ib]";
  return `${HEADER}
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> Y: array<f32>;
@group(0) @binding(3) var<storage, read_write> Z: array<f32>;
${ENTRY}${ID}
  ${index}
  let x = X[ia];
  let y = ${y};
  Z[i] = ${BINARY[op]};
}`;
}

function scalarWgsl(op: BinaryOp): string {
  return `${HEADER}
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> Z: array<f32>;
${ENTRY}${ID}
  let x = X[i];
  let y = p.s;
  Z[i] = ${BINARY[op]};
}`;
}

function groups(x: GpuTensor, n: number): [number, number, 1] {
  return grid2d(Math.ceil(n / WG), x.gpu.limits.maxComputeWorkgroupsPerDimension);
}

/**
 * Applies a unary op to every element of a GpuTensor (a new GpuTensor of the same shape).
 *
 * @example
 * ```ts
 * import { requestGpu } from "./device.ts";
 * import { unaryGpu } from "./elementwise.ts";
 * import { tensor } from "../tensor.ts";
 * const gpu = await requestGpu(); // null on a software-only machine: the example then skips
 * if (gpu) {
 *   const y = unaryGpu(gpu.upload(tensor([-2, 0, 3])), "sign");
 *   console.log((await y.read()).data); // Float32Array [-1, 0, 1]
 *   gpu.destroy();
 * }
 * ```
 */
export function unaryGpu(x: GpuTensor, op: UnaryOp): GpuTensor {
  assertGpuTensor("unaryGpu", "x", x);
  if (!(op in UNARY)) throw new RangeError(`unaryGpu: unknown op ${JSON.stringify(op)}`);
  const gpu = x.gpu, out = gpu.empty(x.shape);
  const pipe = gpu.pipeline(`unary_${op}`, unaryWgsl(op));
  gpu.dispatch(pipe, uniforms([x.size]), [x.buffer, out.buffer], groups(x, x.size));
  return out;
}

/** `|x|` elementwise on the GPU. @example
 * ```ts
 * import { requestGpu } from "./device.ts";
 * import { absGpu } from "./elementwise.ts";
 * import { tensor } from "../tensor.ts";
 * const gpu = await requestGpu(); // null on a software-only machine: the example then skips
 * if (gpu) {
 *   console.log((await absGpu(gpu.upload(tensor([-2, 3]))).read()).data); // Float32Array [2, 3]
 *   gpu.destroy();
 * }
 * ```
 */
export function absGpu(x: GpuTensor): GpuTensor {
  return unaryGpu(x, "abs");
}

/** `sign(x)` elementwise on the GPU, with `sign(0) = 0` (the sub-gradient of |x| at 0). @example
 * ```ts
 * import { requestGpu } from "./device.ts";
 * import { signGpu } from "./elementwise.ts";
 * import { tensor } from "../tensor.ts";
 * const gpu = await requestGpu(); // null on a software-only machine: the example then skips
 * if (gpu) {
 *   console.log((await signGpu(gpu.upload(tensor([-2, 0]))).read()).data); // Float32Array [-1, 0]
 *   gpu.destroy();
 * }
 * ```
 */
export function signGpu(x: GpuTensor): GpuTensor {
  return unaryGpu(x, "sign");
}

/** Strides of `shape` broadcast to the 4-axis `out` (0 on broadcast axes). */
function strides4(shape: readonly number[], out: number[]): number[] {
  const s = stridesGpu(shape), off = 4 - shape.length;
  return out.map((_, i) => (i < off || shape[i - off] === 1 ? 0 : s[i - off]));
}

/**
 * `a op b` elementwise with NumPy broadcasting; `b` may be a number. Broadcasting between
 * different shapes supports up to 4 axes (a RangeError beyond); equal shapes any rank.
 *
 * @example
 * ```ts
 * import { requestGpu } from "./device.ts";
 * import { binaryGpu } from "./elementwise.ts";
 * import { tensor } from "../tensor.ts";
 * const gpu = await requestGpu(); // null on a software-only machine: the example then skips
 * if (gpu) {
 *   const a = gpu.upload(tensor([[1, 2], [3, 4]])), row = gpu.upload(tensor([10, 20]));
 *   console.log((await binaryGpu("add", a, row).read()).data); // Float32Array [11, 22, 13, 24]
 *   gpu.destroy();
 * }
 * ```
 */
export function binaryGpu(op: BinaryOp, a: GpuTensor, b: GpuTensor | number): GpuTensor {
  const fn = op;
  assertGpuTensor(fn, "a", a);
  if (!(op in BINARY)) throw new RangeError(`binaryGpu: unknown op ${JSON.stringify(op)}`);
  const gpu = a.gpu;
  if (typeof b === "number") {
    const out = gpu.empty(a.shape);
    const pipe = gpu.pipeline(`binary_${op}_scalar`, scalarWgsl(op));
    const params = uniforms([a.size, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0], [b]);
    gpu.dispatch(pipe, params, [a.buffer, out.buffer], groups(a, a.size));
    return out;
  }
  assertGpuTensor(fn, "b", b);
  assertSameGpu(fn, a, b);
  const same = a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
  const shape = same ? [...a.shape] : broadcastShapeGpu(fn, a.shape, b.shape);
  if (!same && shape.length > 4) {
    throw new RangeError(
      `${fn}: GPU broadcasting supports up to 4 axes, got ${shapeStr(a.shape)} and ${
        shapeStr(b.shape)
      }`,
    );
  }
  const n = shapeSize(shape), out = gpu.empty(shape);
  const mode: Mode = same ? "same" : "bcast";
  const shape4 = same ? [1, 1, 1, 1] : [...Array(4 - shape.length).fill(1), ...shape];
  const sa = same ? [0, 0, 0, 0] : strides4(a.shape, shape4);
  const sb = same ? [0, 0, 0, 0] : strides4(b.shape, shape4);
  const pipe = gpu.pipeline(`binary_${op}_${mode}`, binaryWgsl(op, mode));
  const params = uniforms([n, 0, 0, 0, ...shape4, ...sa, ...sb], [0]);
  gpu.dispatch(pipe, params, [a.buffer, b.buffer, out.buffer], groups(a, n));
  return out;
}
