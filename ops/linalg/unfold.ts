/**
 * Mode-n matricization of N-d tensors and the mode-n product (Kolda & Bader, "Tensor
 * decompositions and applications", SIAM Review 51, 2009, §2.4–2.5), with the row-major column
 * order used by TensorLy: column index of the mode-n unfolding runs over the other modes in
 * their original order, the last mode fastest.
 *
 * @module
 */
import { assertUntraced } from "../autograd/tape.ts";
import { gemm } from "../cpu/gemm.ts";
import { allocData, assertTensor, shapeSize, shapeStr, Tensor } from "../tensor.ts";

function checkMode(fn: string, mode: number, ndim: number): void {
  if (!Number.isInteger(mode) || mode < 0 || mode >= ndim) {
    throw new RangeError(`${fn}: mode must be an integer in 0..${ndim - 1}, got ${mode}`);
  }
}

/** Sizes before the mode, of the mode, and after it. */
function split(shape: readonly number[], mode: number): [number, number, number] {
  return [shapeSize(shape.slice(0, mode)), shape[mode], shapeSize(shape.slice(mode + 1))];
}

/**
 * Mode-`mode` unfolding: the `shape[mode] × (product of the other extents)` matrix whose row `i`
 * holds every element with index `i` along `mode` (row-major order over the other modes).
 *
 * @throws {RangeError} if `x` has no axes or `mode` is out of range.
 *
 * @example
 * ```ts
 * import { arange, } from "../tensor.ts";
 * import { reshape } from "../shape.ts";
 * import { unfold } from "./unfold.ts";
 * const x = reshape(arange(0, 8), [2, 2, 2]);
 * console.log(unfold(x, 1).data); // Float64Array [0, 1, 4, 5, 2, 3, 6, 7]
 * ```
 */
export function unfold(x: Tensor, mode: number): Tensor {
  assertUntraced("unfold", { x });
  assertTensor("unfold", "x", x);
  checkMode("unfold", mode, x.ndim);
  const [outer, size, inner] = split(x.shape, mode);
  const out = allocData(x.dtype, x.size);
  const cols = outer * inner;
  for (let a = 0; a < outer; a++) {
    for (let i = 0; i < size; i++) {
      const src = (a * size + i) * inner;
      out.set(x.data.subarray(src, src + inner), i * cols + a * inner);
    }
  }
  return new Tensor(out, [size, cols]);
}

/**
 * Inverse of {@link unfold}: the tensor of `shape` whose mode-`mode` unfolding is `m`.
 *
 * @throws {RangeError} if `m`'s shape is not `[shape[mode], product of the others]`.
 *
 * @example
 * ```ts
 * import { arange } from "../tensor.ts";
 * import { reshape } from "../shape.ts";
 * import { fold, unfold } from "./unfold.ts";
 * const x = reshape(arange(0, 24), [2, 3, 4]);
 * console.log(fold(unfold(x, 2), 2, [2, 3, 4]).data.join() === x.data.join()); // true
 * ```
 */
export function fold(m: Tensor, mode: number, shape: readonly number[]): Tensor {
  assertUntraced("fold", { m });
  assertTensor("fold", "m", m);
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new RangeError(`fold: shape must be an array of extents, got ${String(shape)}`);
  }
  checkMode("fold", mode, shape.length);
  const [outer, size, inner] = split(shape, mode);
  if (m.ndim !== 2 || m.shape[0] !== size || m.shape[1] !== outer * inner) {
    throw new RangeError(
      `fold: m must be ${size}x${outer * inner} to fold into [${
        shape.join(", ")
      }] along mode ${mode}, got ${shapeStr(m.shape)}`,
    );
  }
  const out = allocData(m.dtype, m.size);
  const cols = outer * inner;
  for (let a = 0; a < outer; a++) {
    for (let i = 0; i < size; i++) {
      const src = i * cols + a * inner;
      out.set(m.data.subarray(src, src + inner), (a * size + i) * inner);
    }
  }
  return new Tensor(out, shape);
}

/** Options of {@link modeProduct}. */
export interface ModeProductOptions {
  /** Multiply by `mᵀ` instead of `m` (default false). */
  trans?: boolean;
}

/**
 * Mode-n product `x ×ₙ m`: every mode-`mode` fiber of `x` is multiplied by the matrix `m`
 * (`J × shape[mode]`, or `shape[mode] × J` with `trans`), so that axis becomes `J` long.
 * Equivalent to `fold(m · unfold(x, mode))`, computed by one GEMM per leading slice.
 *
 * @throws {TypeError} if the dtypes differ. {@link RangeError} if the sizes do not match.
 *
 * @example
 * ```ts
 * import { ones, tensor } from "../tensor.ts";
 * import { modeProduct } from "./unfold.ts";
 * const y = modeProduct(ones([2, 3, 4]), tensor([[1, 1, 1]]), 1);
 * console.log(y.shape, y.data[0]); // [2, 1, 4] 3
 * ```
 */
export function modeProduct(
  x: Tensor,
  m: Tensor,
  mode: number,
  opts: ModeProductOptions = {},
): Tensor {
  assertUntraced("modeProduct", { x, m });
  assertTensor("modeProduct", "x", x);
  assertTensor("modeProduct", "m", m);
  checkMode("modeProduct", mode, x.ndim);
  if (x.dtype !== m.dtype) {
    throw new TypeError(`modeProduct: dtypes differ: x is ${x.dtype}, m is ${m.dtype}`);
  }
  const trans = opts.trans ?? false;
  const [outer, size, inner] = split(x.shape, mode);
  const inDim = m.ndim === 2 ? m.shape[trans ? 0 : 1] : -1;
  if (inDim !== size) {
    throw new RangeError(
      `modeProduct: m${trans ? "ᵀ" : ""} must have ${size} columns (x's mode ${mode}), got shape ${
        shapeStr(m.shape)
      }`,
    );
  }
  const j = m.shape[trans ? 1 : 0];
  const shape = x.shape.map((d, ax) => (ax === mode ? j : d));
  const out = allocData(x.dtype, outer * j * inner);
  for (let a = 0; a < outer; a++) {
    gemm({
      m: j,
      n: inner,
      k: size,
      a: m.data,
      lda: m.shape[1],
      transA: trans,
      b: x.data,
      bOffset: a * size * inner,
      ldb: inner,
      c: out,
      cOffset: a * j * inner,
      ldc: inner,
    });
  }
  return new Tensor(out, shape);
}
