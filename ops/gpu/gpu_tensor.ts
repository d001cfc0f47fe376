/**
 * GpuTensor: an f32 tensor that lives in a WebGPU storage buffer of one {@link Gpu}.
 *
 * @module
 */
import { shapeSize, shapeStr, Tensor } from "../tensor.ts";
import type { Gpu } from "./device.ts";

/**
 * A dense row-major f32 tensor on a GPU. Ops on GpuTensors enqueue work and return new
 * GpuTensors at once; `await g.read()` is the only point that waits for the GPU. Call
 * `dispose()` when done so that the buffer returns to the pool (`gpu.stats()` shows leaks).
 *
 * @example
 * ```ts
 * import { requestGpu } from "./device.ts";
 * import { tensor } from "../tensor.ts";
 * const gpu = await requestGpu({ allowFallback: true });
 * if (gpu) {
 *   const g = gpu.upload(tensor([[1, 2], [3, 4]]));
 *   console.log(g.shape, (await g.read()).data); // [2, 2] Float32Array [1, 2, 3, 4]
 *   g.dispose();
 *   gpu.destroy();
 * }
 * ```
 */
export class GpuTensor {
  /** The GPU that owns the buffer. */
  readonly gpu: Gpu;
  /** Extent of each axis. */
  readonly shape: readonly number[];
  /** Always `"f32"` (WGSL has no f64). */
  readonly dtype: "f32" = "f32";
  #buffer: GPUBuffer | null;

  /** Wraps a pooled `buffer` of `gpu` (taken over: `dispose()` releases it to the pool). */
  constructor(gpu: Gpu, buffer: GPUBuffer, shape: readonly number[]) {
    this.gpu = gpu;
    this.#buffer = buffer;
    this.shape = Object.freeze([...shape]);
  }

  /** Number of elements. */
  get size(): number {
    return shapeSize(this.shape);
  }

  /** Number of axes. */
  get ndim(): number {
    return this.shape.length;
  }

  /** Whether `dispose()` has been called. */
  get disposed(): boolean {
    return this.#buffer === null;
  }

  /** The storage buffer; a RangeError after `dispose()`. */
  get buffer(): GPUBuffer {
    if (this.#buffer === null) {
      throw new RangeError(`GpuTensor: ${this} was used after dispose()`);
    }
    return this.#buffer;
  }

  /** Copies the contents back into a new f32 CPU Tensor (waits for all enqueued work). */
  async read(): Promise<Tensor> {
    const data = await this.gpu.readBuffer(this.buffer, this.size);
    return new Tensor(data, this.shape);
  }

  /** Returns the buffer to the pool. Disposing twice is a RangeError (it hides bugs). */
  dispose(): void {
    const buf = this.buffer;
    this.#buffer = null;
    this.gpu.release(buf);
  }

  /** Human-readable summary, e.g. `GpuTensor(f32 [2, 3])`. */
  toString(): string {
    return `GpuTensor(f32 [${this.shape.join(", ")}])`;
  }
}

/**
 * Throws a TypeError naming `fn` and `arg` unless `t` is a GpuTensor (a RangeError if disposed).
 *
 * @example
 * ```ts
 * import { assertGpuTensor } from "./gpu_tensor.ts";
 * try {
 *   assertGpuTensor("f", "x", 3);
 * } catch (e) {
 *   console.log((e as Error).message); // f: x must be a GpuTensor, got number
 * }
 * ```
 */
export function assertGpuTensor(fn: string, arg: string, t: unknown): asserts t is GpuTensor {
  if (!(t instanceof GpuTensor)) {
    const what = t === null ? "null" : typeof t === "object" ? t.constructor?.name : typeof t;
    throw new TypeError(`${fn}: ${arg} must be a GpuTensor, got ${what}`);
  }
  if (t.disposed) throw new RangeError(`${fn}: ${arg} (${shapeStr(t.shape)}) is disposed`);
}

/**
 * Throws a TypeError naming `fn` unless `a` and `b` live on the same Gpu.
 *
 * @example
 * ```ts
 * import { requestGpu } from "./device.ts";
 * import { assertSameGpu } from "./gpu_tensor.ts";
 * import { tensor } from "../tensor.ts";
 * const gpu = await requestGpu({ allowFallback: true });
 * if (gpu) {
 *   const a = gpu.upload(tensor([1]));
 *   assertSameGpu("add", a, a); // ok
 *   gpu.destroy();
 * }
 * ```
 */
export function assertSameGpu(fn: string, a: GpuTensor, b: GpuTensor): void {
  if (a.gpu !== b.gpu) throw new TypeError(`${fn}: a and b live on different Gpu devices`);
}
