/**
 * Seeded weight initializers: Kaiming/He (He et al., ICCV 2015) and Xavier/Glorot (Glorot &
 * Bengio, AISTATS 2010), uniform and normal, with PyTorch's fan conventions (a weight is
 * `[out, in, ...receptive]`).
 *
 * @module
 */
import { allocData, checkDType, type DType, shapeSize, shapeStr, Tensor } from "../tensor.ts";
import { randn, Rng } from "../random.ts";

/** Options shared by the initializers. */
export interface InitOptions {
  /** Seed of a fresh generator (default 0); ignored when `rng` is given. */
  seed?: number;
  /** Generator to draw from (advanced by the call). */
  rng?: Rng;
  /** Element type (default `"f64"`). */
  dtype?: DType;
  /** Gain multiplying the standard deviation (default: √2 for Kaiming, 1 for Xavier). */
  gain?: number;
}

/** Options of the Kaiming initializers. */
export interface KaimingOptions extends InitOptions {
  /** Preserve the variance of activations (`"fanIn"`, default) or of gradients (`"fanOut"`). */
  mode?: "fanIn" | "fanOut";
}

/**
 * `[fanIn, fanOut]` of a weight shape `[out, in, ...receptive]` (a vector counts as `[n]`:
 * both fans are `n`).
 *
 * @example
 * ```ts
 * import { fans } from "./init.ts";
 * console.log(fans([64, 32])); // [32, 64]
 * ```
 */
export function fans(shape: readonly number[]): [number, number] {
  if (shape.length === 0 || shapeSize(shape) === 0) {
    throw new RangeError(
      `fans: need a non-empty shape with at least one axis, got ${shapeStr(shape)}`,
    );
  }
  if (shape.length === 1) return [shape[0], shape[0]];
  const receptive = shapeSize(shape.slice(2));
  return [shape[1] * receptive, shape[0] * receptive];
}

/** `opts.gain` (default `dflt`), which must be a finite number >= 0: NaN would fill the tensor. */
function gainOf(fn: string, opts: InitOptions, dflt: number): number {
  const g = opts.gain ?? dflt;
  if (typeof g !== "number" || !(g >= 0 && g < Infinity)) {
    throw new RangeError(`${fn}: gain must be a finite number >= 0, got ${String(g)}`);
  }
  return g;
}

function rngOf(opts: InitOptions): Rng {
  return opts.rng ?? new Rng(opts.seed ?? 0);
}

function uniform(shape: readonly number[], bound: number, opts: InitOptions): Tensor {
  const rng = rngOf(opts);
  const data = allocData(checkDType("init", opts.dtype ?? "f64"), shapeSize(shape));
  for (let i = 0; i < data.length; i++) data[i] = rng.uniformIn(-bound, bound);
  return new Tensor(data, shape);
}

function normal(shape: readonly number[], std: number, opts: InitOptions): Tensor {
  const t = randn(shape, { rng: rngOf(opts), dtype: opts.dtype });
  for (let i = 0; i < t.size; i++) t.data[i] *= std;
  return t;
}

function kaimingStd(fn: string, shape: readonly number[], opts: KaimingOptions): number {
  const [fin, fout] = fans(shape);
  const mode = opts.mode ?? "fanIn";
  if (mode !== "fanIn" && mode !== "fanOut") {
    throw new RangeError(`${fn}: mode must be "fanIn" or "fanOut", got ${String(mode)}`);
  }
  return gainOf(fn, opts, Math.SQRT2) / Math.sqrt(mode === "fanIn" ? fin : fout);
}

/**
 * Kaiming-uniform: `U(−b, b)` with `b = gain·√(3/fan)` (std `gain/√fan`).
 *
 * @example
 * ```ts
 * import { kaimingUniform } from "./init.ts";
 * const w = kaimingUniform([16, 8], { seed: 1 });
 * console.log(w.data.every((x) => Math.abs(x) <= Math.sqrt(6 / 8))); // true
 * ```
 */
export function kaimingUniform(shape: readonly number[], opts: KaimingOptions = {}): Tensor {
  return uniform(shape, Math.sqrt(3) * kaimingStd("kaimingUniform", shape, opts), opts);
}

/**
 * Kaiming-normal: `N(0, (gain/√fan)²)`.
 *
 * @example
 * ```ts
 * import { kaimingNormal } from "./init.ts";
 * console.log(kaimingNormal([4, 2], { seed: 3 }).shape); // [4, 2]
 * ```
 */
export function kaimingNormal(shape: readonly number[], opts: KaimingOptions = {}): Tensor {
  return normal(shape, kaimingStd("kaimingNormal", shape, opts), opts);
}

/**
 * Xavier-uniform: `U(−b, b)` with `b = gain·√(6/(fanIn + fanOut))`.
 *
 * @example
 * ```ts
 * import { xavierUniform } from "./init.ts";
 * const w = xavierUniform([3, 5], { seed: 2 });
 * console.log(w.data.every((x) => Math.abs(x) <= Math.sqrt(6 / 8))); // true
 * ```
 */
export function xavierUniform(shape: readonly number[], opts: InitOptions = {}): Tensor {
  const [fin, fout] = fans(shape);
  return uniform(shape, gainOf("xavierUniform", opts, 1) * Math.sqrt(6 / (fin + fout)), opts);
}

/**
 * Xavier-normal: `N(0, gain²·2/(fanIn + fanOut))`.
 *
 * @example
 * ```ts
 * import { xavierNormal } from "./init.ts";
 * console.log(xavierNormal([3, 5], { seed: 2, dtype: "f32" }).dtype); // "f32"
 * ```
 */
export function xavierNormal(shape: readonly number[], opts: InitOptions = {}): Tensor {
  const [fin, fout] = fans(shape);
  return normal(shape, gainOf("xavierNormal", opts, 1) * Math.sqrt(2 / (fin + fout)), opts);
}

/**
 * Plain `N(0, std²)`, the initializer of transformers' Llama (`initializer_range`, 0.02).
 *
 * @example
 * ```ts
 * import { normalInit } from "./init.ts";
 * console.log(normalInit([2, 2], 0.02, { seed: 0 }).shape); // [2, 2]
 * ```
 */
export function normalInit(shape: readonly number[], std: number, opts: InitOptions = {}): Tensor {
  if (!(std >= 0)) throw new RangeError(`normalInit: std must be >= 0, got ${std}`);
  return normal(shape, std, opts);
}
