/**
 * Elementwise arithmetic with NumPy broadcasting, and in-place variants (names ending in `_`).
 *
 * @module
 */
import { assertUntraced } from "./autograd/tape.ts";
import { allocData, assertTensor, shapeStr, Tensor, type TensorData } from "./tensor.ts";
import { stridesOf } from "./shape.ts";
import { binaryGpu, GpuTensor } from "./gpu/dispatch.ts";

/** Binary op codes: one switch outside each loop keeps every loop monomorphic (a per-element
 * callback made V8 run these ~30× slower than a plain loop). */
const enum Op {
  Add,
  Sub,
  Mul,
  Div,
}

/**
 * Shape that `a` and `b` broadcast to (NumPy rules), or a RangeError naming `fn` and both
 * shapes.
 *
 * @example
 * ```ts
 * import { broadcastShape } from "./elementwise.ts";
 * console.log(broadcastShape("add", [2, 1, 4], [3, 1])); // [2, 3, 4]
 * ```
 */
export function broadcastShape(fn: string, a: readonly number[], b: readonly number[]): number[] {
  const nd = Math.max(a.length, b.length);
  const out = new Array<number>(nd);
  for (let i = 0; i < nd; i++) {
    const da = a[a.length - nd + i] ?? 1;
    const db = b[b.length - nd + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new RangeError(`${fn}: shapes ${shapeStr(a)} and ${shapeStr(b)} do not broadcast`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Strides of `shape` when broadcast to `outShape` (0 on broadcast axes). */
function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const s = stridesOf(shape);
  const off = outShape.length - shape.length;
  return outShape.map((_, i) => (i < off || shape[i - off] === 1 ? 0 : s[i - off]));
}

function binary(fn: string, a: Tensor, b: Tensor | number, op: Op): Tensor {
  assertTensor(fn, "a", a);
  if (typeof b === "number") {
    const out = allocData(a.dtype, a.size);
    const y = new Float64Array([b]);
    stridedLoop(op, a.data, 0, 1, y, 0, 0, out, 0, a.size);
    return new Tensor(out, a.shape);
  }
  assertTensor(fn, "b", b);
  if (a.dtype !== b.dtype) {
    throw new TypeError(`${fn}: dtypes differ: a is ${a.dtype}, b is ${b.dtype}`);
  }
  if (sameShape(a.shape, b.shape)) {
    const out = allocData(a.dtype, a.size);
    stridedLoop(op, a.data, 0, 1, b.data, 0, 1, out, 0, a.size);
    return new Tensor(out, a.shape);
  }
  const shape = broadcastShape(fn, a.shape, b.shape);
  const out = allocData(a.dtype, shape.reduce((p, d) => p * d, 1));
  broadcastLoop(shape, a, b, out, op);
  return new Tensor(out, shape);
}

/** `out[o + j] = x[px + j·sx] op y[py + j·sy]` for j < n. */
function stridedLoop(
  op: Op,
  x: TensorData,
  px: number,
  sx: number,
  y: TensorData,
  py: number,
  sy: number,
  out: TensorData,
  o: number,
  n: number,
): void {
  switch (op) {
    case Op.Add:
      for (let j = 0; j < n; j++) out[o + j] = x[px + j * sx] + y[py + j * sy];
      break;
    case Op.Sub:
      for (let j = 0; j < n; j++) out[o + j] = x[px + j * sx] - y[py + j * sy];
      break;
    case Op.Mul:
      for (let j = 0; j < n; j++) out[o + j] = x[px + j * sx] * y[py + j * sy];
      break;
    case Op.Div:
      for (let j = 0; j < n; j++) out[o + j] = x[px + j * sx] / y[py + j * sy];
      break;
  }
}

function broadcastLoop(shape: number[], a: Tensor, b: Tensor, out: TensorData, op: Op): void {
  const nd = shape.length;
  const sa = broadcastStrides(a.shape, shape), sb = broadcastStrides(b.shape, shape);
  const inner = nd ? shape[nd - 1] : 1;
  const ia = nd ? sa[nd - 1] : 0, ib = nd ? sb[nd - 1] : 0;
  const idx = new Array<number>(Math.max(0, nd - 1)).fill(0);
  let pa = 0, pb = 0;
  for (let o = 0; o < out.length; o += inner) {
    stridedLoop(op, a.data, pa, ia, b.data, pb, ib, out, o, inner);
    for (let ax = nd - 2; ax >= 0; ax--) {
      idx[ax]++;
      pa += sa[ax];
      pb += sb[ax];
      if (idx[ax] < shape[ax]) break;
      pa -= sa[ax] * shape[ax];
      pb -= sb[ax] * shape[ax];
      idx[ax] = 0;
    }
  }
}

/**
 * `a + b` with broadcasting (`b` may be a number).
 *
 * @example
 * ```ts
 * import { tensor } from "./tensor.ts";
 * import { add } from "./elementwise.ts";
 * console.log(add(tensor([[1, 2], [3, 4]]), tensor([10, 20])).data); // Float64Array [11, 22, 13, 24]
 * ```
 */
export function add(a: Tensor, b: Tensor | number): Tensor;
/** The same on the GPU: GpuTensor operands give a GpuTensor. */
export function add(a: GpuTensor, b: GpuTensor | number): GpuTensor;
export function add(a: Tensor | GpuTensor, b: Tensor | GpuTensor | number): Tensor | GpuTensor {
  if (a instanceof GpuTensor || b instanceof GpuTensor) {
    return binaryGpu("add", a as GpuTensor, b as GpuTensor | number);
  }
  return binary("add", a, b as Tensor | number, Op.Add);
}

/**
 * `a - b` with broadcasting (`b` may be a number).
 *
 * @example
 * ```ts
 * import { tensor } from "./tensor.ts";
 * import { sub } from "./elementwise.ts";
 * console.log(sub(tensor([3, 4]), 1).data); // Float64Array [2, 3]
 * ```
 */
export function sub(a: Tensor, b: Tensor | number): Tensor;
/** The same on the GPU: GpuTensor operands give a GpuTensor. */
export function sub(a: GpuTensor, b: GpuTensor | number): GpuTensor;
export function sub(a: Tensor | GpuTensor, b: Tensor | GpuTensor | number): Tensor | GpuTensor {
  if (a instanceof GpuTensor || b instanceof GpuTensor) {
    return binaryGpu("sub", a as GpuTensor, b as GpuTensor | number);
  }
  return binary("sub", a, b as Tensor | number, Op.Sub);
}

/**
 * Elementwise `a * b` with broadcasting (`b` may be a number).
 *
 * @example
 * ```ts
 * import { tensor } from "./tensor.ts";
 * import { mul } from "./elementwise.ts";
 * console.log(mul(tensor([[1, 2], [3, 4]]), tensor([[2], [3]])).data); // Float64Array [2, 4, 9, 12]
 * ```
 */
export function mul(a: Tensor, b: Tensor | number): Tensor;
/** The same on the GPU: GpuTensor operands give a GpuTensor. */
export function mul(a: GpuTensor, b: GpuTensor | number): GpuTensor;
export function mul(a: Tensor | GpuTensor, b: Tensor | GpuTensor | number): Tensor | GpuTensor {
  if (a instanceof GpuTensor || b instanceof GpuTensor) {
    return binaryGpu("mul", a as GpuTensor, b as GpuTensor | number);
  }
  return binary("mul", a, b as Tensor | number, Op.Mul);
}

/**
 * Elementwise `a / b` with broadcasting (`b` may be a number). Division by zero follows IEEE.
 *
 * @example
 * ```ts
 * import { tensor } from "./tensor.ts";
 * import { div } from "./elementwise.ts";
 * console.log(div(tensor([2, 6]), tensor([2, 3])).data); // Float64Array [1, 2]
 * ```
 */
export function div(a: Tensor, b: Tensor | number): Tensor;
/** The same on the GPU: GpuTensor operands give a GpuTensor. */
export function div(a: GpuTensor, b: GpuTensor | number): GpuTensor;
export function div(a: Tensor | GpuTensor, b: Tensor | GpuTensor | number): Tensor | GpuTensor {
  if (a instanceof GpuTensor || b instanceof GpuTensor) {
    return binaryGpu("div", a as GpuTensor, b as GpuTensor | number);
  }
  return binary("div", a, b as Tensor | number, Op.Div);
}

/**
 * `s · a` for a number `s`.
 *
 * @example
 * ```ts
 * import { tensor } from "./tensor.ts";
 * import { scale } from "./elementwise.ts";
 * console.log(scale(tensor([1, -2]), 3).data); // Float64Array [3, -6]
 * ```
 */
export function scale(a: Tensor, s: number): Tensor;
/** The same on the GPU. */
export function scale(a: GpuTensor, s: number): GpuTensor;
export function scale(a: Tensor | GpuTensor, s: number): Tensor | GpuTensor {
  if (typeof s !== "number") throw new TypeError(`scale: s must be a number, got ${String(s)}`);
  if (a instanceof GpuTensor) return binaryGpu("mul", a, s);
  return binary("scale", a, s, Op.Mul);
}

/**
 * Applies `f` to every element (a new tensor of the same shape and dtype).
 *
 * @example
 * ```ts
 * import { tensor } from "./tensor.ts";
 * import { map } from "./elementwise.ts";
 * console.log(map(tensor([1, 4, 9]), Math.sqrt).data); // Float64Array [1, 2, 3]
 * ```
 */
export function map(a: Tensor, f: (x: number, i: number) => number): Tensor {
  assertUntraced("map", { a });
  assertTensor("map", "a", a);
  const out = allocData(a.dtype, a.size);
  const x = a.data;
  for (let i = 0; i < x.length; i++) out[i] = f(x[i], i);
  return new Tensor(out, a.shape);
}

function sameShapeInPlace(fn: string, a: Tensor, b: Tensor): void {
  assertTensor(fn, "a", a);
  assertTensor(fn, "b", b);
  if (!sameShape(a.shape, b.shape)) {
    throw new RangeError(
      `${fn}: shapes differ: a is ${shapeStr(a.shape)}, b is ${shapeStr(b.shape)}`,
    );
  }
}

/**
 * In place: `a += alpha · b` (same shapes). Returns `a`.
 *
 * @example
 * ```ts
 * import { tensor } from "./tensor.ts";
 * import { axpy_ } from "./elementwise.ts";
 * const a = tensor([1, 1]);
 * axpy_(a, tensor([1, 2]), 2);
 * console.log(a.data); // Float64Array [3, 5]
 * ```
 */
export function axpy_(a: Tensor, b: Tensor, alpha = 1): Tensor {
  assertUntraced("axpy_", { a, b });
  sameShapeInPlace("axpy_", a, b);
  // A non-number alpha ("abc", undefined from a typo'd field) used to fill a with NaN.
  if (typeof alpha !== "number") {
    throw new TypeError(`axpy_: alpha must be a number, got ${JSON.stringify(alpha)}`);
  }
  const x = a.data, y = b.data;
  for (let i = 0; i < x.length; i++) x[i] += alpha * y[i];
  return a;
}

/**
 * In place: `a += b` (same shapes). Returns `a`.
 *
 * @example
 * ```ts
 * import { tensor } from "./tensor.ts";
 * import { add_ } from "./elementwise.ts";
 * console.log(add_(tensor([1]), tensor([2])).data); // Float64Array [3]
 * ```
 */
export function add_(a: Tensor, b: Tensor): Tensor {
  assertUntraced("add_", { a, b });
  return axpy_(a, b, 1);
}

/**
 * In place: `a *= s`. Returns `a`.
 *
 * @example
 * ```ts
 * import { tensor } from "./tensor.ts";
 * import { scale_ } from "./elementwise.ts";
 * console.log(scale_(tensor([1, 2]), 0.5).data); // Float64Array [0.5, 1]
 * ```
 */
export function scale_(a: Tensor, s: number): Tensor {
  assertUntraced("scale_", { a });
  assertTensor("scale_", "a", a);
  if (typeof s !== "number") {
    throw new TypeError(`scale_: s must be a number, got ${JSON.stringify(s)}`);
  }
  const x = a.data;
  for (let i = 0; i < x.length; i++) x[i] *= s;
  return a;
}
