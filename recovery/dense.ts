/**
 * Dense Gaussian measurement designs stored measurement-major in f32 or f64: the symmetrized
 * design `B_i = (A_i + A_iᵀ)/2` of spec §1.2 (full `d×d` or packed `d(d+1)/2` storage, §9) and
 * the asymmetric design with i.i.d. N(0,1) entries (§1.5). Ma & Fattahi, *Global Convergence of
 * Sub-gradient Method for Robust Matrix Recovery*, JMLR 24(96), 2023.
 *
 * @module
 */
import { Rng } from "../ops/random.ts";
import { checkDType, type DType, Tensor, type TensorData } from "../ops/tensor.ts";
import {
  accumulateRows32,
  accumulateRows64,
  dotRows32,
  dotRows64,
  fusedPass32,
  fusedPass64,
} from "./dense_kernels.ts";
import {
  checkAdjointInput,
  checkApplyInput,
  checkPositiveInt,
  type MeasurementOperator,
  type ResidualWeight,
} from "./operator.ts";
import { WasmDesignStore } from "./dense_wasm.ts";
import { packSymmetric, unpackSymmetric } from "./packing.ts";
import { multiplyAB, multiplyABt } from "./small_matmul.ts";

/** Wasm-backed storage handed out by {@link denseStorage}, keyed by its typed array. */
const stores = new WeakMap<TensorData, WasmDesignStore>();

/**
 * Allocates zeroed storage for `m` measurements of `rowLength` entries. Where WebAssembly SIMD
 * is available the array lives in its own wasm memory, and a {@link DenseDesign} built on it
 * runs the fused pass as a SIMD kernel; otherwise (or with `kernel: "ts"`) it is a plain typed
 * array and the TypeScript kernels run. Both give bitwise-identical results.
 *
 * @example
 * ```ts
 * import { denseStorage } from "./dense.ts";
 * const a = denseStorage("f32", 4, 6);
 * console.log(a.length, a instanceof Float32Array); // 24 true
 * ```
 */
export function denseStorage(
  dtype: DType,
  m: number,
  rowLength: number,
  opts: { kernel?: "auto" | "ts" } = {},
): TensorData {
  checkDType("denseStorage", dtype);
  checkPositiveInt("denseStorage", "m", m);
  checkPositiveInt("denseStorage", "rowLength", rowLength);
  const kernel = opts.kernel ?? "auto";
  if (kernel !== "auto" && kernel !== "ts") {
    throw new TypeError(`denseStorage: kernel must be "auto" or "ts", got ${String(kernel)}`);
  }
  const store = kernel === "auto" ? WasmDesignStore.create(dtype, m, rowLength) : null;
  if (store === null) {
    return dtype === "f32" ? new Float32Array(m * rowLength) : new Float64Array(m * rowLength);
  }
  stores.set(store.data, store);
  return store.data;
}

/**
 * Storage layout of one measurement matrix.
 *
 * @example
 * ```ts
 * import { DenseDesign, type DenseStorage } from "./dense.ts";
 * const storage: DenseStorage = "packed";
 * // One 2x2 measurement B = [[1, 2], [2, 3]]: its 3 upper-triangle entries, row by row.
 * const op = new DenseDesign(new Float64Array([1, 2, 3]), 1, 2, 2, storage);
 * console.log(op.m, op.storage); // 1 packed
 * ```
 */
export type DenseStorage = "full" | "packed";

/**
 * A dense design: row `i` of `data` holds `A_i`, either full (`rows·cols` entries, row-major)
 * or packed symmetric (upper triangle row by row, `d(d+1)/2` entries, off-diagonals stored once
 * and not doubled; spec §9 pitfall). Data allocated by {@link denseStorage} (as
 * {@link gaussianDesign} does) runs the fused pass as a WebAssembly SIMD kernel; any other
 * typed array runs the TypeScript kernels, with bitwise-identical results.
 *
 * @example
 * ```ts
 * import { DenseDesign } from "./dense.ts";
 * import { tensor } from "../ops/tensor.ts";
 * // one packed 2x2 measurement B = [[1, 2], [2, 3]]
 * const op = new DenseDesign(new Float64Array([1, 2, 3]), 1, 2, 2, "packed");
 * console.log(op.apply(tensor([[1, 1], [1, 1]])).data); // Float64Array [8]
 * ```
 */
export class DenseDesign implements MeasurementOperator {
  readonly kind: string;
  readonly m: number;
  readonly rows: number;
  readonly cols: number;
  readonly symmetric: boolean;
  /** Stored coefficients, `m × rowLength`. */
  readonly data: TensorData;
  /** `"full"` or `"packed"`. */
  readonly storage: DenseStorage;
  /** Stored entries per measurement. */
  readonly rowLength: number;
  #x: Float64Array; // packed or full M = L Rᵀ
  #s: Float64Array; // accumulator Σ w_i A_i in storage layout
  #sFull: Float64Array; // the accumulator as a full rows×cols matrix
  #m: Float64Array; // M = L Rᵀ, full
  #store: WasmDesignStore | undefined; // wasm memory holding data, x and s, when present

  /**
   * Wraps stored coefficients (not copied). Packed storage needs `rows === cols` and declares
   * every `A_i` symmetric; full storage is symmetric only if `symmetric` says so (not checked
   * entry by entry, so pass `true` only for data you symmetrized).
   */
  constructor(
    data: TensorData,
    m: number,
    rows: number,
    cols: number,
    storage: DenseStorage = "full",
    symmetric = storage === "packed",
  ) {
    checkPositiveInt("DenseDesign", "m", m);
    checkPositiveInt("DenseDesign", "rows", rows);
    checkPositiveInt("DenseDesign", "cols", cols);
    if (storage !== "full" && storage !== "packed") {
      throw new TypeError(`DenseDesign: storage must be "full" or "packed", got ${storage}`);
    }
    if ((storage === "packed" || symmetric) && rows !== cols) {
      throw new RangeError(`DenseDesign: a symmetric design must be square, got ${rows}x${cols}`);
    }
    const len = storage === "packed" ? (rows * (rows + 1)) / 2 : rows * cols;
    if (!(data instanceof Float32Array || data instanceof Float64Array)) {
      throw new TypeError("DenseDesign: data must be a Float32Array or Float64Array");
    }
    if (data.length !== m * len) {
      throw new RangeError(
        `DenseDesign: data has ${data.length} entries, m = ${m} measurements of ${len} need ${
          m * len
        }`,
      );
    }
    this.data = data;
    this.m = m;
    this.rows = rows;
    this.cols = cols;
    this.storage = storage;
    this.symmetric = storage === "packed" || symmetric;
    this.rowLength = len;
    const dt = data instanceof Float32Array ? "f32" : "f64";
    this.kind = `gaussian-${storage}-${dt}`;
    this.#store = stores.get(data);
    this.#x = this.#store?.x ?? new Float64Array(len);
    this.#s = this.#store?.s ?? new Float64Array(len);
    this.#sFull = new Float64Array(rows * cols);
    this.#m = new Float64Array(rows * cols);
  }

  /** `y_i = ⟨A_i, X⟩` (for packed storage `⟨B_i, X⟩ = Σ_jk B_jk X_jk` with `B` symmetric). */
  apply(x: Tensor): Tensor {
    const xd = checkApplyInput("DenseDesign.apply", this, x);
    const out = new Float64Array(this.m);
    this.#loadX(xd);
    this.#dotRows(out);
    return new Tensor(out, [this.m]);
  }

  /** `Σ_i w_i A_i` as a full f64 matrix. */
  adjoint(w: Tensor): Tensor {
    const wd = checkAdjointInput("DenseDesign.adjoint", this, w);
    this.#accumulate(wd);
    return new Tensor(this.#sFull.slice(), [this.rows, this.cols]);
  }

  /** `out_i = ⟨A_i, L Rᵀ⟩`: forms `M = L Rᵀ` once, then one GEMV over the design. */
  applyFactors(l: Float64Array, r: Float64Array, k: number, out: Float64Array): void {
    this.#loadX(this.#product(l, r, k));
    this.#dotRows(out);
  }

  /** `gl = (Σ w_i A_i) R`, `gr = (Σ w_i A_i)ᵀ L`: one transposed GEMV, then two small GEMMs. */
  adjointFactors(
    w: Float64Array,
    l: Float64Array,
    r: Float64Array,
    k: number,
    gl: Float64Array,
    gr: Float64Array,
  ): void {
    this.#accumulate(w);
    this.#multiplyS(l, r, k, gl, gr);
  }

  /** Residuals and weighted adjoint in one streaming pass over the design (spec §2.3). */
  residualGradient(
    l: Float64Array,
    r: Float64Array,
    k: number,
    y: Float64Array,
    weight: ResidualWeight,
    res: Float64Array,
    gl: Float64Array,
    gr: Float64Array,
  ): void {
    this.#loadX(this.#product(l, r, k));
    const { data, rowLength: len, m } = this;
    if (this.#store) {
      this.#store.fused(y, weight);
      res.set(this.#store.res);
    } else if (data instanceof Float32Array) {
      fusedPass32(data, len, m, this.#x, y, weight, res, this.#s);
    } else fusedPass64(data, len, m, this.#x, y, weight, res, this.#s);
    this.#unloadS();
    this.#multiplyS(l, r, k, gl, gr);
  }

  #product(l: Float64Array, r: Float64Array, k: number): Float64Array {
    return multiplyABt(l, r, this.rows, this.cols, k, this.#m);
  }

  #loadX(full: Float64Array): void {
    if (this.storage === "packed") packSymmetric(full, this.rows, this.#x);
    else this.#x.set(full);
  }

  #dotRows(out: Float64Array): void {
    const { data, rowLength: len, m } = this;
    if (data instanceof Float32Array) dotRows32(data, len, m, this.#x, out);
    else dotRows64(data, len, m, this.#x, out);
  }

  #accumulate(w: Float64Array): void {
    const { data, rowLength: len, m } = this;
    if (data instanceof Float32Array) accumulateRows32(data, len, m, w, this.#s);
    else accumulateRows64(data, len, m, w, this.#s);
    this.#unloadS();
  }

  #unloadS(): void {
    if (this.storage === "packed") unpackSymmetric(this.#s, this.rows, this.#sFull);
    else this.#sFull.set(this.#s);
  }

  #multiplyS(
    l: Float64Array,
    r: Float64Array,
    k: number,
    gl: Float64Array,
    gr: Float64Array,
  ): void {
    const { rows, cols } = this;
    const s = this.#sFull;
    multiplyAB(s, rows, cols, false, r, k, gl);
    if (this.symmetric && l === r) {
      gr.set(gl.subarray(0, rows * k));
      return;
    }
    multiplyAB(s, rows, cols, true, l, k, gr);
  }
}

/** Options of {@link gaussianDesign}. */
export interface GaussianDesignOptions {
  /** Seed of a fresh generator (default 0); ignored when `rng` is given. */
  seed?: number;
  /** Generator to draw from (advanced by the call). */
  rng?: Rng;
  /** Storage type (default `"f64"`); f32 halves memory traffic (spec §9). */
  dtype?: DType;
  /** `"packed"` (default for symmetric) or `"full"`. */
  storage?: DenseStorage;
  /** Columns; giving `cols` (even equal to `d`) with `symmetric: false` builds the asymmetric design. */
  cols?: number;
  /** Symmetrized design (default true): N(0,1) diagonal, N(0,1/2) off-diagonal (spec §1.2). */
  symmetric?: boolean;
  /** `"auto"` (default: WebAssembly SIMD fused pass where available) or `"ts"`. */
  kernel?: "auto" | "ts";
}

/**
 * Draws a dense Gaussian design of `m` measurements of `d×d` matrices. Symmetric (default):
 * `B_i` with N(0,1) diagonal and N(0,1/2) off-diagonal entries, so `⟨B_i, X⟩ ~ N(0, ‖X‖_F²)`
 * (spec §1.2). Asymmetric (`symmetric: false`): `A_i` of shape `d×cols` with i.i.d. N(0,1)
 * entries (spec §1.5).
 *
 * @example
 * ```ts
 * import { gaussianDesign } from "./dense.ts";
 * const op = gaussianDesign(4, 10, { seed: 1, dtype: "f32" });
 * console.log(op.kind, op.rowLength); // gaussian-packed-f32 10
 * ```
 */
export function gaussianDesign(
  d: number,
  m: number,
  opts: GaussianDesignOptions = {},
): DenseDesign {
  checkPositiveInt("gaussianDesign", "d", d);
  checkPositiveInt("gaussianDesign", "m", m);
  const symmetric = opts.symmetric ?? true;
  const cols = opts.cols ?? d;
  checkPositiveInt("gaussianDesign", "cols", cols);
  const storage = opts.storage ?? (symmetric ? "packed" : "full");
  if (!symmetric && storage === "packed") {
    throw new RangeError('gaussianDesign: storage "packed" needs symmetric: true');
  }
  if (symmetric && cols !== d) {
    throw new RangeError(
      `gaussianDesign: a symmetric design is square, got cols = ${cols}, d = ${d}`,
    );
  }
  const dtype = checkDType("gaussianDesign", opts.dtype ?? "f64");
  const rng = opts.rng ?? new Rng(opts.seed ?? 0);
  const len = storage === "packed" ? (d * (d + 1)) / 2 : d * cols;
  const data = denseStorage(dtype, m, len, { kernel: opts.kernel });
  const half = Math.SQRT1_2;
  for (let i = 0; i < m; i++) {
    const off = i * len;
    if (!symmetric) {
      for (let j = 0; j < len; j++) data[off + j] = rng.normal();
      continue;
    }
    let p = 0;
    const full = storage === "full";
    for (let j = 0; j < d; j++) {
      for (let k = j; k < d; k++) {
        const v = j === k ? rng.normal() : half * rng.normal();
        if (full) {
          data[off + j * d + k] = v;
          data[off + k * d + j] = v;
        } else data[off + p++] = v;
      }
    }
  }
  return new DenseDesign(data, m, d, cols, storage, symmetric);
}
